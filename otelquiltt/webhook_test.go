package otelquiltt_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

const webhookSecret = "whsec_otelquiltt_test_secret"

// Each delivery, accepted or refused, is one quiltt.Webhook server span and
// one count of quiltt.webhook.deliveries by status; claims are counted by
// state; Handle runs inside the delivery's span.
func TestWebhookDeliveries(t *testing.T) {
	r := newRig(t, nil)
	var fail atomic.Bool
	var mu sync.Mutex
	var handled []trace.SpanContext
	h := quiltt.NewWebhookHandlerWithLogger(webhookSecret, func(ctx context.Context, ev quiltt.Event) error {
		mu.Lock()
		handled = append(handled, trace.SpanContextFromContext(ctx))
		mu.Unlock()
		if fail.Load() {
			return errors.New("callback down")
		}
		return nil
	}, slog.New(slog.DiscardHandler))
	h.Observer = r.obs
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := srv.Client()
	defer client.CloseIdleConnections()

	body := quilttest.BalanceCreatedBody(quilttest.Profile{}, quiltt.Balance{Current: ptr(decimal.RequireFromString(refreshAmount))}, time.Now())
	deliver := func(method string, body []byte, secret string) int {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL, bytes.NewReader(body))
		require.NoError(t, err)
		for k, v := range quilttest.SignWebhook(body, secret, time.Now()) {
			req.Header[k] = v
		}
		resp, err := client.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusNoContent, deliver(http.MethodPost, body, webhookSecret), "accepted")
	require.Equal(t, http.StatusNoContent, deliver(http.MethodPost, body, webhookSecret), "a redelivery, skipped")
	require.Equal(t, http.StatusUnauthorized, deliver(http.MethodPost, body, "whsec_forged"), "forged")
	require.Equal(t, http.StatusMethodNotAllowed, deliver(http.MethodGet, nil, webhookSecret), "not a POST")
	fail.Store(true)
	other := quilttest.BalanceCreatedBody(quilttest.Profile{}, quiltt.Balance{}, time.Now())
	require.Equal(t, http.StatusInternalServerError, deliver(http.MethodPost, other, webhookSecret), "callback failed")

	spans := r.named("quiltt.Webhook")
	require.Len(t, spans, 5, "one span per delivery")
	want := []struct {
		status  int64
		events  int64
		code    codes.Code
		claimed string
	}{
		{http.StatusNoContent, 1, codes.Unset, "quiltt.webhook.claims.acquired"},
		{http.StatusNoContent, 1, codes.Unset, "quiltt.webhook.claims.done"},
		{http.StatusUnauthorized, 0, codes.Error, ""},
		{http.StatusMethodNotAllowed, 0, codes.Error, ""},
		{http.StatusInternalServerError, 1, codes.Error, "quiltt.webhook.claims.acquired"},
	}
	for i, s := range spans {
		assert.Equal(t, trace.SpanKindServer, s.SpanKind(), i)
		status, _ := attr(s, "http.response.status_code")
		assert.Equal(t, want[i].status, status.AsInt64(), i)
		events, _ := attr(s, "quiltt.webhook.events")
		assert.Equal(t, want[i].events, events.AsInt64(), i)
		assert.Equal(t, want[i].code, s.Status().Code, i)
		if want[i].claimed != "" {
			n, ok := attr(s, want[i].claimed)
			assert.True(t, ok && n.AsInt64() == 1, "%d: %s", i, want[i].claimed)
		}
	}
	assert.Equal(t, "signature does not match", spans[2].Status().Description)
	types, _ := attr(spans[0], "quiltt.webhook.event_types")
	assert.Equal(t, []string{"balance.created"}, types.AsStringSlice())

	// Handle ran within the delivery's span: the first delivery and the
	// failed one called it.
	mu.Lock()
	require.Len(t, handled, 2)
	assert.Equal(t, spans[0].SpanContext().SpanID(), handled[0].SpanID())
	assert.Equal(t, spans[4].SpanContext().SpanID(), handled[1].SpanID())
	mu.Unlock()

	m := r.metrics(t)
	require.Contains(t, m, "quiltt.webhook.deliveries")
	deliveries := m["quiltt.webhook.deliveries"]
	assert.Equal(t, int64(2), sum(deliveries, attribute.Int("http.response.status_code", http.StatusNoContent)))
	assert.Equal(t, int64(1), sum(deliveries, attribute.Int("http.response.status_code", http.StatusUnauthorized)))
	assert.Equal(t, int64(1), sum(deliveries, attribute.Int("http.response.status_code", http.StatusMethodNotAllowed)))
	assert.Equal(t, int64(1), sum(deliveries, attribute.Int("http.response.status_code", http.StatusInternalServerError)))
	claims := m["quiltt.webhook.claims"]
	assert.Equal(t, int64(2), sum(claims, attribute.String("quiltt.claim.state", "acquired")))
	assert.Equal(t, int64(1), sum(claims, attribute.String("quiltt.claim.state", "done")))

	assertNothingSecret(t, r, webhookSecret, "whsec_forged")
}
