package quilttest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/internal/signature"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// receiver is a webhook endpoint that keeps what it receives.
type receiver struct {
	mu     sync.Mutex
	bodies [][]byte
	header []http.Header
	status int
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	rv.mu.Lock()
	defer rv.mu.Unlock()
	rv.bodies = append(rv.bodies, b)
	rv.header = append(rv.header, r.Header.Clone())
	w.WriteHeader(rv.status)
}

func newReceiver(t *testing.T, status int) (*receiver, string) {
	rv := &receiver{status: status}
	srv := httptest.NewServer(rv)
	t.Cleanup(srv.Close)
	return rv, srv.URL + "/hooks/quiltt"
}

var fixedNow = time.Date(2026, 1, 2, 5, 42, 41, 0, time.UTC)

func TestRefreshThenWebhook(t *testing.T) {
	rv, hookURL := newReceiver(t, http.StatusNoContent)
	const secret = "whsec_quilttest"
	s := quilttest.NewTestServer(t,
		quilttest.WithRefreshDelay(time.Millisecond),
		quilttest.WithWebhook(hookURL, secret),
		quilttest.WithClock(func() time.Time { return fixedNow }),
	)
	require.NoError(t, s.SetRefreshResult(quilttest.CheckingAccountID, quiltt.Balance{Available: decPtr("100.0"), Current: decPtr("110.00")}))

	r := do(t, s, http.MethodPost, "/v1/accounts/"+quilttest.CheckingAccountID+"/balances/refresh", "Bearer "+s.APIKey(), nil)
	require.Equal(t, http.StatusAccepted, r.status)
	assert.Empty(t, r.body)
	require.NoError(t, s.WaitRefreshes(waitCtx(t), 1))
	assert.Equal(t, 0, s.PendingRefreshes())

	// GraphQL now answers the REFRESH balance.
	c := newClient(t, s, quiltt.WithSessionToken(s.SessionToken()))
	a, err := c.Account(t.Context(), quilttest.CheckingAccountID)
	require.NoError(t, err)
	require.NotNil(t, a.Balance)
	assert.Equal(t, quiltt.BalanceSourceRefresh, a.Balance.Source)
	assert.Equal(t, "100", a.Balance.Available.String())
	assert.Equal(t, "110", a.Balance.Current.String())
	assert.Nil(t, a.Balance.Limit)
	assert.True(t, fixedNow.Equal(a.Balance.At))

	// The receiver got one signed balance.created delivery for it.
	rv.mu.Lock()
	defer rv.mu.Unlock()
	require.Len(t, rv.bodies, 1)
	body, h := rv.bodies[0], rv.header[0]
	ts := h.Get(quiltt.HeaderTimestamp)
	assert.Equal(t, strconv.FormatInt(fixedNow.Unix(), 10), ts)
	assert.Equal(t, signature.Sign([]byte(secret), fixedNow.Unix(), body), h.Get(quiltt.HeaderSignature))
	assert.Equal(t, "application/json", h.Get("Content-Type"))

	var env struct {
		Environment struct{ ID, Mode string }
		EventTypes  []string
		Events      []struct {
			ID, At, Type string
			Profile      struct{ ID, UUID string }
			Record       map[string]json.RawMessage
			Metadata     map[string]any
		}
	}
	require.NoError(t, json.Unmarshal(body, &env))
	assert.Equal(t, "TEST", env.Environment.Mode)
	assert.Equal(t, []string{"balance.created"}, env.EventTypes)
	require.Len(t, env.Events, 1)
	ev := env.Events[0]
	assert.Equal(t, "balance.created", ev.Type)
	assert.Regexp(t, `^evt_`, ev.ID)
	assert.Equal(t, quilttest.DefaultProfileID, ev.Profile.ID)
	assert.Equal(t, quilttest.DefaultProfileUUID, ev.Profile.UUID)
	assert.Empty(t, ev.Metadata)
	assert.Equal(t, `"`+a.Balance.ID+`"`, string(ev.Record["id"]))
	assert.Equal(t, `"`+quilttest.CheckingAccountID+`"`, string(ev.Record["accountId"]))
	assert.Equal(t, `"REFRESH"`, string(ev.Record["source"]))
	assert.Equal(t, `"2026-01-02T05:42:41Z"`, string(ev.Record["at"]))
	assert.Equal(t, "100", string(ev.Record["available"]))
	assert.Equal(t, "110", string(ev.Record["current"]))
	assert.Equal(t, "null", string(ev.Record["limit"]))

	ds := s.Deliveries()
	require.Len(t, ds, 1)
	assert.Equal(t, http.StatusNoContent, ds[0].StatusCode)
	assert.NoError(t, ds[0].Err)
	assert.Equal(t, body, ds[0].Body)
}

// With ManualRefresh nothing happens until CompleteRefreshes, which
// delivers before it returns; without SetRefreshResult the amounts repeat.
func TestManualRefresh(t *testing.T) {
	rv, hookURL := newReceiver(t, http.StatusInternalServerError)
	s := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh), quilttest.WithRedelivery())
	require.NoError(t, s.SetWebhook(hookURL, "whsec_x"))

	for range 2 {
		r := do(t, s, http.MethodPost, "/v1/accounts/"+quilttest.CreditCardAccountID+"/balances/refresh", "Bearer "+s.APIKey(), nil)
		require.Equal(t, http.StatusAccepted, r.status)
	}
	assert.Equal(t, 2, s.PendingRefreshes())
	before, _ := s.Account(quilttest.CreditCardAccountID)
	assert.Equal(t, quiltt.BalanceSourceSync, before.Balance.Source)

	got := s.CompleteRefreshes()
	require.Len(t, got, 2)
	assert.Equal(t, 2, s.CompletedRefreshes())
	for _, b := range got {
		assert.Equal(t, quiltt.BalanceSourceRefresh, b.Source)
		assert.Equal(t, quilttest.CreditCardAccountID, b.AccountID)
		assert.Equal(t, "-2134.34", b.Current.String())
		assert.Equal(t, "-15000", b.Limit.String())
	}
	after, _ := s.Account(quilttest.CreditCardAccountID)
	assert.Equal(t, got[1].ID, after.Balance.ID)
	assert.Len(t, s.Balances(quilttest.CreditCardAccountID), 3)

	ds := s.Deliveries()
	require.Len(t, ds, 2, "one delivery per refresh; a 500 is logged (and, WithRedelivery(), not retried)")
	assert.Equal(t, http.StatusInternalServerError, ds[0].StatusCode)
	rv.mu.Lock()
	assert.Len(t, rv.bodies, 2)
	rv.mu.Unlock()
	assert.Empty(t, s.CompleteRefreshes())
}

func TestRefreshErrors(t *testing.T) {
	s := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh))
	require.NoError(t, s.AddAccount(s.ProfileID(), quiltt.Account{ID: "acct_fin_card", Name: "Card", Kind: quiltt.AccountKindCredit, Provider: quiltt.ProviderFinicity,
		Connection: &quiltt.Connection{ID: "conn_fin", Provider: quiltt.ProviderFinicity, Status: quiltt.ConnectionStatusSynced}}))
	require.NoError(t, s.AddAccount(s.ProfileID(), quiltt.Account{ID: "acct_plaid_loan", Name: "Loan", Kind: quiltt.AccountKindLoan, Provider: quiltt.ProviderPlaid,
		Connection: &quiltt.Connection{ID: "conn_plaid", Provider: quiltt.ProviderPlaid, Status: quiltt.ConnectionStatusSynced}}))
	require.NoError(t, s.AddAccount(s.ProfileID(), quiltt.Account{ID: "acct_orphan", Name: "No connection"}))

	refresh := func(id string) rawResponse {
		return do(t, s, http.MethodPost, "/v1/accounts/"+id+"/balances/refresh", "Bearer "+s.APIKey(), nil)
	}
	r := refresh("acct_unknown")
	assert.Equal(t, http.StatusNotFound, r.status)
	assertRESTError(t, r, "Not Found", "Does the URL contain the ID of a connected Account?")

	r = refresh("acct_fin_card")
	assert.Equal(t, http.StatusBadRequest, r.status)
	assertRESTError(t, r, "Bad Request", "Account provider does not support Balance Refreshes for `CREDIT` accounts.")
	r = refresh("acct_plaid_loan")
	assert.Equal(t, http.StatusBadRequest, r.status)
	assertRESTError(t, r, "Bad Request", "Account provider does not support Balance Refreshes for `LOAN` accounts.")

	r = refresh("acct_orphan")
	assert.Equal(t, http.StatusForbidden, r.status)
	assertRESTError(t, r, "Forbidden", "Account does not belong to an active Connection.")
	require.NoError(t, s.SetConnectionStatus(quilttest.DefaultConnectionID, quiltt.ConnectionStatusDisconnected))
	r = refresh(quilttest.CheckingAccountID)
	assert.Equal(t, http.StatusForbidden, r.status)

	r = do(t, s, http.MethodGet, "/v1/accounts/"+quilttest.CheckingAccountID+"/balances/refresh", "Bearer "+s.APIKey(), nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Equal(t, "POST", r.header.Get("Allow"))
	assert.Equal(t, 0, s.PendingRefreshes())
}

// Close cancels delayed refreshes: goleak (TestMain) checks that nothing
// is left running, and waiters are released.
func TestCloseStopsPendingRefreshes(t *testing.T) {
	s := quilttest.NewServer(quilttest.WithRefreshDelay(time.Hour))
	r := do(t, s, http.MethodPost, "/v1/accounts/"+quilttest.CheckingAccountID+"/balances/refresh", "Bearer "+s.APIKey(), nil)
	require.Equal(t, http.StatusAccepted, r.status)
	done := make(chan error, 1)
	go func() { done <- s.WaitRefreshes(t.Context(), 1) }()
	s.Close()
	assert.ErrorIs(t, <-done, quilttest.ErrClosed)
	s.Close() // idempotent
	assert.Empty(t, s.CompleteRefreshes())
}
