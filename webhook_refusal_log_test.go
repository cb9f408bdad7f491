package quiltt_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
)

// A verified delivery whose field value does not decode (a time that is
// not one) is refused 400, and neither the log record nor the error quotes
// the value: the handler logs "never the body", and a field of it is body.
func TestWebhookRefusalNeverQuotesAFieldValue(t *testing.T) {
	const value = "PRIVATE-VALUE-4f1d"
	bodies := []string{
		`{"id":"evt_1","at":"` + value + `","type":"balance.created","profile":{"id":"p_1"},"record":{},"metadata":{}}`,
		`{"environment":{"id":"env_1"},"eventTypes":["balance.created"],"events":[{"id":"evt_1","at":"2026-01-02T05:42:41` + value + `","type":"balance.created","record":{}}]}`,
	}
	for _, b := range bodies {
		body := []byte(b)
		h, sink := testHandler(t, &eventRecorder{})
		w := deliver(h, http.MethodPost, body, signedHeader(testSecret, testNow.Unix(), body))
		assert.Equal(t, http.StatusBadRequest, w.Code)
		rec := sink.only(t)
		require.NotEmpty(t, rec.Attrs["error"], "the record says why")
		for k, v := range rec.Attrs {
			assert.NotContains(t, v, value, "attribute %s", k)
		}
		assert.NotContains(t, w.Body.String(), value)

		_, err := quiltt.ParseWebhook(body)
		require.ErrorIs(t, err, quiltt.ErrWebhookPayload)
		assert.NotContains(t, err.Error(), value)
		assert.Contains(t, err.Error(), "RFC 3339")
	}

	// A typed record's time, decoded after verification, is not quoted either.
	ev := quiltt.Event{ID: "evt_1", Type: quiltt.EventBalanceCreated, Record: []byte(`{"id":"bal_1","accountId":"acct_1","at":"` + value + `","current":1}`)}
	_, err := ev.Balance()
	require.True(t, errors.Is(err, quiltt.ErrWebhookPayload), "%v", err)
	assert.NotContains(t, err.Error(), value)
}
