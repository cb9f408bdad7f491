package quiltt_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func dec(t testing.TB, s string) decimal.Decimal {
	t.Helper()
	d, err := decimal.NewFromString(s)
	require.NoError(t, err)
	return d
}

// assertAmount checks an amount is exactly want, or nil for "null".
func assertAmount(t *testing.T, want string, got *decimal.Decimal, name string) {
	t.Helper()
	if want == "null" {
		assert.Nil(t, got, name)
		return
	}
	require.NotNil(t, got, name)
	assert.True(t, dec(t, want).Equal(*got), "%s: want %s, got %s", name, want, got)
	assert.Equal(t, dec(t, want).String(), got.String(), name)
}

func TestParseWebhookDocSample(t *testing.T) {
	body := readFixture(t, "balance_created_event.json")
	require.NoError(t, testVerifier(t, testSecret).Verify(body, signedHeader(testSecret, testNow.Unix(), body)))

	p, err := quiltt.ParseWebhook(body)
	require.NoError(t, err)
	assert.Equal(t, quiltt.Environment{}, p.Environment)
	assert.Equal(t, []quiltt.EventType{quiltt.EventBalanceCreated}, p.EventTypes)
	require.Len(t, p.Events, 1)
	e := p.Events[0]
	assert.Equal(t, "evt_12wkam1rFDQg0m8OLObJM1", e.ID)
	assert.Equal(t, time.Date(2026, 1, 2, 5, 42, 41, 0, time.UTC), e.At.UTC())
	assert.Equal(t, quiltt.EventBalanceCreated, e.Type)
	assert.Equal(t, quiltt.EventProfile{ID: "p_12uGLpPexyTkZCcJJntSjb", UUID: "018a72f8-5434-7262-a029-a186fb0c5f33"}, e.Profile)
	assert.JSONEq(t, `{}`, string(e.Metadata))

	b, err := e.Balance()
	require.NoError(t, err)
	assert.Equal(t, "bal_12wm3nAz3ZSpYWxauhLqrf", b.ID)
	assert.Equal(t, "acct_12wm3n4PaWHdcMgu6ZVDx5", b.AccountID)
	assert.Equal(t, time.Date(2024, 6, 7, 8, 27, 37, 0, time.UTC), b.At.UTC())
	assert.Equal(t, quiltt.BalanceSourceRefresh, b.Source)
	assertAmount(t, "100.0", b.Available, "available")
	assert.Equal(t, "100.0", b.Available.StringFixed(1))
	assertAmount(t, "110.0", b.Current, "current")
	assertAmount(t, "null", b.Limit, "limit")
}

func TestParseWebhookEnvelope(t *testing.T) {
	body := readFixture(t, "envelope_several_events.json")
	require.NoError(t, testVerifier(t, testSecret).Verify(body, signedHeader(testSecret, testNow.Unix(), body)))

	p, err := quiltt.ParseWebhook(body)
	require.NoError(t, err)
	assert.Equal(t, quiltt.Environment{ID: "env_12dCJfRbJ5qHvqLOUpmYO9", Name: "Production", Mode: quiltt.EnvironmentModeProduction}, p.Environment)
	assert.Equal(t, []quiltt.EventType{quiltt.EventBalanceCreated, quiltt.EventConnectionSyncedSuccessful, quiltt.EventAccountCreated, "transaction.created"}, p.EventTypes)
	require.Len(t, p.Events, 5)
	var ids []string
	for _, e := range p.Events {
		ids = append(ids, e.ID)
	}
	assert.Equal(t, []string{"evt_12wkam1rFDQg0m8OLObJM1", "evt_12wkam1rFDQg0m8OLObJM2", "evt_12wkam1rFDQg0m8OLObJM3", "evt_12wkam1rFDQg0m8OLObJM4", "evt_12wkam1rFDQg0m8OLObJM5"}, ids)

	b1, err := p.Events[0].Balance()
	require.NoError(t, err)
	assertAmount(t, "null", b1.Available, "available")
	assertAmount(t, "3141.59", b1.Current, "current")
	assert.Equal(t, "3141.59", b1.Current.String())
	assert.Equal(t, quiltt.BalanceSourceSync, b1.Source)

	b2, err := p.Events[1].Balance()
	require.NoError(t, err)
	assertAmount(t, "12665.66", b2.Available, "available")
	assertAmount(t, "-2134.34", b2.Current, "current")
	assertAmount(t, "-15000.00", b2.Limit, "limit")

	conn, err := p.Events[2].Connection()
	require.NoError(t, err)
	assert.Equal(t, &quiltt.ConnectionRecord{
		ID: "conn_12wm3n1qPRWq8ilgRqhKMx", At: time.Date(2026, 1, 2, 5, 40, 2, 0, time.UTC),
		Provider: quiltt.ProviderPlaid, Status: quiltt.ConnectionStatusSynced,
		Features: []string{}, Products: []string{"ACCOUNT_BALANCES_AND_TRANSACTIONS"},
		CreatedAt: time.Date(2024, 6, 1, 18, 55, 30, 0, time.UTC), UpdatedAt: time.Date(2026, 1, 2, 5, 40, 2, 0, time.UTC),
	}, conn)

	acct, err := p.Events[3].Account()
	require.NoError(t, err)
	assert.Equal(t, &quiltt.AccountRecord{
		ID: "acct_12vAFU1c4t514E40Nb9NTW", ConnectionID: "conn_12wm3n1qPRWq8ilgRqhKMx",
		At: time.Date(2026, 1, 2, 5, 40, 2, 0, time.UTC), State: quiltt.AccountStateOpen,
		CreatedAt: time.Date(2024, 6, 1, 18, 55, 35, 0, time.UTC), UpdatedAt: time.Date(2026, 1, 2, 5, 40, 2, 0, time.UTC),
	}, acct, "metadata null is nil")

	unknown := p.Events[4]
	assert.Equal(t, quiltt.EventType("transaction.created"), unknown.Type)
	assert.False(t, unknown.Type.Known())
	assert.JSONEq(t, `{"id":"txn_1","amount":-12.5}`, string(unknown.Record))
	assert.JSONEq(t, `{"note":"a type the SDK does not know"}`, string(unknown.Metadata))
	_, err = unknown.Balance()
	assert.ErrorIs(t, err, quiltt.ErrWebhookEventType)
}

func TestEventTypes(t *testing.T) {
	all := []quiltt.EventType{
		quiltt.EventConnectionCreated, quiltt.EventConnectionSyncedSuccessful, quiltt.EventConnectionSyncedSuccessfulInitial,
		quiltt.EventConnectionSyncedSuccessfulHistorical, quiltt.EventConnectionSyncedErroredRepairable,
		quiltt.EventConnectionSyncedErroredInstitution, quiltt.EventConnectionSyncedErroredProvider,
		quiltt.EventConnectionSyncedErroredService, quiltt.EventConnectionDisconnected,
		quiltt.EventAccountCreated, quiltt.EventAccountOwnersVerified, quiltt.EventAccountReconnected, quiltt.EventAccountVerified,
		quiltt.EventBalanceCreated, quiltt.EventStatementReady,
		quiltt.EventProfileCreated, quiltt.EventProfileReady, quiltt.EventProfileDeleted,
	}
	seen := map[quiltt.EventType]bool{}
	for _, et := range all {
		assert.True(t, et.Known(), et)
		assert.False(t, seen[et], "duplicate %s", et)
		seen[et] = true
	}
	assert.Len(t, seen, 18)
	assert.Equal(t, "connection", quiltt.EventConnectionSyncedErroredService.Resource())
	assert.Equal(t, "balance", quiltt.EventBalanceCreated.Resource())
}

func TestParseWebhookRefusesMalformed(t *testing.T) {
	cases := map[string]string{
		"trailing comma": string(readFixture(t, "balance_created_event_trailing_comma.json")),
		"empty":          ``,
		"null":           `null`,
		"array":          `[]`,
		"string":         `"evt"`,
		"empty object":   `{}`,
		"events null":    `{"events":null}`,
		"events object":  `{"events":{}}`,
		"two values":     `{"id":"evt_1","type":"balance.created"} {}`,
		"no id":          `{"events":[{"type":"balance.created"}]}`,
		"no type":        `{"id":"evt_1"}`,
		"both shapes":    `{"id":"evt_1","type":"balance.created","events":[]}`,
		"bad time":       `{"id":"evt_1","type":"balance.created","at":"yesterday"}`,
		"bad mode":       `{"environment":{"mode":1},"events":[]}`,
		"truncated":      `{"id":"evt_1","type":"balance.cr`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := quiltt.ParseWebhook([]byte(body))
			assert.ErrorIs(t, err, quiltt.ErrWebhookPayload)
			assert.Nil(t, p)
		})
	}
}

func TestParseWebhookEmptyEnvelope(t *testing.T) {
	p, err := quiltt.ParseWebhook([]byte(`{"environment":{"mode":"STAGING"},"eventTypes":[],"events":[]}`))
	require.NoError(t, err)
	assert.Empty(t, p.Events)
	assert.Equal(t, quiltt.EnvironmentMode("STAGING"), p.Environment.Mode, "unknown modes are kept")
}

func TestEventBalanceRefusesBadRecords(t *testing.T) {
	event := func(typ quiltt.EventType, record string) quiltt.Event {
		return quiltt.Event{ID: "evt_1", Type: typ, Record: json.RawMessage(record)}
	}
	for name, tc := range map[string]struct {
		e    quiltt.Event
		want error
	}{
		"other type":      {event(quiltt.EventConnectionCreated, `{"id":"bal_1"}`), quiltt.ErrWebhookEventType},
		"unknown type":    {event("balance.updated", `{"id":"bal_1"}`), quiltt.ErrWebhookEventType},
		"no record":       {event(quiltt.EventBalanceCreated, ``), quiltt.ErrWebhookPayload},
		"null record":     {event(quiltt.EventBalanceCreated, `null`), quiltt.ErrWebhookPayload},
		"array record":    {event(quiltt.EventBalanceCreated, `[]`), quiltt.ErrWebhookPayload},
		"no id":           {event(quiltt.EventBalanceCreated, `{"current":1}`), quiltt.ErrWebhookPayload},
		"quoted amount":   {event(quiltt.EventBalanceCreated, `{"id":"bal_1","current":"1.5"}`), quiltt.ErrWebhookPayload},
		"bool amount":     {event(quiltt.EventBalanceCreated, `{"id":"bal_1","current":true}`), quiltt.ErrWebhookPayload},
		"huge exponent":   {event(quiltt.EventBalanceCreated, `{"id":"bal_1","current":1e999999999}`), quiltt.ErrWebhookPayload},
		"trailing comma":  {event(quiltt.EventBalanceCreated, `{"id":"bal_1",}`), quiltt.ErrWebhookPayload},
		"account of bal":  {event(quiltt.EventAccountCreated, `{"id":"a","state":1}`), quiltt.ErrWebhookPayload},
		"conn of account": {event(quiltt.EventAccountCreated, `{"id":"a"}`), nil},
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			switch tc.e.Type.Resource() {
			case "account":
				_, err = tc.e.Account()
				if tc.want == nil {
					_, err = tc.e.Connection()
					assert.ErrorIs(t, err, quiltt.ErrWebhookEventType)
					return
				}
			default:
				_, err = tc.e.Balance()
			}
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

func TestEventBalanceExactAmounts(t *testing.T) {
	for _, amount := range []string{"0", "0.0", "-0.01", "3141.59", "100.0", "12345678901234567890.123456789", "1e3", "-15000.00"} {
		e := quiltt.Event{ID: "evt_1", Type: quiltt.EventBalanceCreated,
			Record: json.RawMessage(`{"id":"bal_1","available":` + amount + `,"current":null}`)}
		b, err := e.Balance()
		require.NoError(t, err, amount)
		assertAmount(t, amount, b.Available, amount)
		assert.Nil(t, b.Current, "null is nil, never zero")
		assert.Nil(t, b.Limit, "absent is nil, never zero")
	}
}

// The REST Account of Quiltt's OpenAPI, every documented field decoded.
func TestEventAccountRecord(t *testing.T) {
	p, err := quiltt.ParseWebhook(readFixture(t, "account_verified_event.json"))
	require.NoError(t, err)
	require.Len(t, p.Events, 1)
	e := p.Events[0]
	assert.Equal(t, quiltt.EventAccountVerified, e.Type)

	a, err := e.Account()
	require.NoError(t, err)
	assert.Equal(t, "acct_12wm3n4PaWHdcMgu6ZVDx5", a.ID)
	assert.Equal(t, "conn_12wm3n1qPRWq8ilgRqhKMx", a.ConnectionID)
	assert.Equal(t, time.Date(2026, 1, 2, 5, 40, 2, 0, time.UTC), a.At.UTC())
	assert.Equal(t, quiltt.AccountStateOpen, a.State)
	assert.JSONEq(t, `{"ledgerId":"L-4471"}`, string(a.Metadata))
	assert.Equal(t, time.Date(2024, 6, 1, 18, 55, 35, 0, time.UTC), a.CreatedAt.UTC())
	assert.Equal(t, time.Date(2026, 1, 2, 5, 43, 9, 0, time.UTC), a.UpdatedAt.UTC())

	_, err = e.Connection()
	assert.ErrorIs(t, err, quiltt.ErrWebhookEventType)
	_, err = e.Balance()
	assert.ErrorIs(t, err, quiltt.ErrWebhookEventType)
}

// The REST Connection of Quiltt's OpenAPI, every documented field decoded.
func TestEventConnectionRecord(t *testing.T) {
	p, err := quiltt.ParseWebhook(readFixture(t, "connection_synced_event.json"))
	require.NoError(t, err)
	require.Len(t, p.Events, 1)
	e := p.Events[0]
	assert.Equal(t, quiltt.EventConnectionSyncedSuccessful, e.Type)

	c, err := e.Connection()
	require.NoError(t, err)
	assert.Equal(t, "conn_12wm3n1qPRWq8ilgRqhKMx", c.ID)
	assert.Equal(t, time.Date(2026, 1, 2, 5, 40, 2, 0, time.UTC), c.At.UTC())
	assert.Equal(t, quiltt.ProviderPlaid, c.Provider)
	assert.Equal(t, quiltt.ConnectionStatusSynced, c.Status)
	assert.Equal(t, []string{"ACCOUNT_BALANCE_REFRESHES"}, c.Features)
	assert.Equal(t, []string{"ACCOUNT_BALANCES_AND_TRANSACTIONS", "ACCOUNT_BALANCE_REFRESHES"}, c.Products)
	assert.Nil(t, c.Metadata, "null metadata is nil")
	assert.Equal(t, time.Date(2024, 6, 1, 18, 55, 30, 0, time.UTC), c.CreatedAt.UTC())
	assert.Equal(t, time.Date(2026, 1, 2, 5, 40, 2, 0, time.UTC), c.UpdatedAt.UTC())

	_, err = e.Account()
	assert.ErrorIs(t, err, quiltt.ErrWebhookEventType)
}

// Records keep what the SDK does not know: enum values it has never seen
// decode as those strings, unknown fields are ignored, absent fields are
// zero; every connection.* and account.* type has its accessor.
func TestEventRecordsKeepUnknown(t *testing.T) {
	conn := quiltt.Event{ID: "evt_1", Type: quiltt.EventConnectionDisconnected,
		Record: json.RawMessage(`{"id":"conn_1","provider":"TELLER","status":"UPGRADING","products":["A_NEW_PRODUCT"],"institution":{"name":"undocumented"}}`)}
	c, err := conn.Connection()
	require.NoError(t, err)
	assert.Equal(t, &quiltt.ConnectionRecord{ID: "conn_1", Provider: "TELLER", Status: "UPGRADING", Products: []string{"A_NEW_PRODUCT"}}, c)

	acct := quiltt.Event{ID: "evt_2", Type: quiltt.EventAccountOwnersVerified,
		Record: json.RawMessage(`{"id":"acct_1","state":"FROZEN","name":"not in the REST Account","kind":"CREDIT"}`)}
	a, err := acct.Account()
	require.NoError(t, err)
	assert.Equal(t, &quiltt.AccountRecord{ID: "acct_1", State: "FROZEN"}, a)

	for _, et := range []quiltt.EventType{quiltt.EventAccountCreated, quiltt.EventAccountOwnersVerified, quiltt.EventAccountReconnected, quiltt.EventAccountVerified} {
		_, err := quiltt.Event{ID: "e", Type: et, Record: json.RawMessage(`{"id":"acct_1"}`)}.Account()
		assert.NoError(t, err, et)
	}
	for _, et := range []quiltt.EventType{quiltt.EventConnectionCreated, quiltt.EventConnectionSyncedErroredRepairable, quiltt.EventConnectionSyncedSuccessfulHistorical} {
		_, err := quiltt.Event{ID: "e", Type: et, Record: json.RawMessage(`{"id":"conn_1"}`)}.Connection()
		assert.NoError(t, err, et)
	}
}

func TestEventRecordsRefuseBadRecords(t *testing.T) {
	for name, rec := range map[string]string{
		"absent":       ``,
		"null":         `null`,
		"array":        `[]`,
		"no id":        `{"state":"OPEN","status":"SYNCED"}`,
		"id number":    `{"id":1}`,
		"bad time":     `{"id":"x","at":"yesterday"}`,
		"bad created":  `{"id":"x","createdAt":1}`,
		"not JSON":     `{"id":"x",}`,
		"list of ints": `{"id":"x","products":[1],"state":[]}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := quiltt.Event{ID: "evt_1", Type: quiltt.EventAccountCreated, Record: json.RawMessage(rec)}.Account()
			assert.ErrorIs(t, err, quiltt.ErrWebhookPayload, "account")
			_, err = quiltt.Event{ID: "evt_1", Type: quiltt.EventConnectionCreated, Record: json.RawMessage(rec)}.Connection()
			assert.ErrorIs(t, err, quiltt.ErrWebhookPayload, "connection")
		})
	}
}
