package quiltt_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
)

// statement.ready and profile.* events, both documented event types, have
// typed records; unknown fields are ignored, the record stays raw in
// Event.Record, and the accessors refuse other types and bad records.
func TestStatementAndProfileRecords(t *testing.T) {
	st := quiltt.Event{ID: "evt_1", Type: quiltt.EventStatementReady,
		Record: []byte(`{"id":"stmt_1","accountId":"acct_1","period":"2026-01","unknown":{"x":1}}`)}
	s, err := st.Statement()
	require.NoError(t, err)
	assert.Equal(t, &quiltt.StatementRecord{ID: "stmt_1", AccountID: "acct_1"}, s)

	for _, typ := range []quiltt.EventType{quiltt.EventProfileCreated, quiltt.EventProfileReady, quiltt.EventProfileDeleted} {
		ev := quiltt.Event{ID: "evt_2", Type: typ, Record: []byte(`{"id":"p_12uGLpPexyTkZCcJJntSjb",` +
			`"uuid":"018a72f8-5434-7262-a029-a186fb0c5f33","name":"Ada","email":"ada@example.com","phone":"+14155550123",` +
			`"names":{"first":"Ada","last":"Lovelace"},"dateOfBirth":"1990-12-10",` +
			`"address":{"city":"Denver","countryCode":"USA"},"metadata":null,"createdAt":"2026-01-02T05:42:41Z"}`)}
		p, err := ev.ProfileRecord()
		require.NoError(t, err, typ)
		assert.Equal(t, &quiltt.ProfileRecord{
			ID: "p_12uGLpPexyTkZCcJJntSjb", UUID: "018a72f8-5434-7262-a029-a186fb0c5f33", Name: "Ada",
			Email: "ada@example.com", Phone: "+14155550123", Names: &quiltt.ProfileNames{First: "Ada", Last: "Lovelace"},
			DateOfBirth: "1990-12-10", Address: &quiltt.ProfileAddress{City: "Denver", CountryCode: "USA"},
		}, p, typ)
	}

	refused := map[string]struct {
		ev   quiltt.Event
		call func(quiltt.Event) error
		is   error
	}{
		"statement of a balance": {quiltt.Event{Type: quiltt.EventBalanceCreated, Record: []byte(`{"id":"b"}`)},
			func(e quiltt.Event) error { _, err := e.Statement(); return err }, quiltt.ErrWebhookEventType},
		"profile of a statement": {quiltt.Event{Type: quiltt.EventStatementReady, Record: []byte(`{"id":"s"}`)},
			func(e quiltt.Event) error { _, err := e.ProfileRecord(); return err }, quiltt.ErrWebhookEventType},
		"statement without id": {quiltt.Event{Type: quiltt.EventStatementReady, Record: []byte(`{"accountId":"a"}`)},
			func(e quiltt.Event) error { _, err := e.Statement(); return err }, quiltt.ErrWebhookPayload},
		"profile null": {quiltt.Event{Type: quiltt.EventProfileCreated, Record: []byte(`null`)},
			func(e quiltt.Event) error { _, err := e.ProfileRecord(); return err }, quiltt.ErrWebhookPayload},
		"profile names a string": {quiltt.Event{Type: quiltt.EventProfileReady, Record: []byte(`{"id":"p_1","names":"Ada"}`)},
			func(e quiltt.Event) error { _, err := e.ProfileRecord(); return err }, quiltt.ErrWebhookPayload},
	}
	for name, tc := range refused {
		assert.ErrorIs(t, tc.call(tc.ev), tc.is, name)
	}
}
