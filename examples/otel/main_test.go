package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The example prints its spans and serves the pinned metrics on /metrics,
// scraped here over loopback HTTP.
func TestRunPrintsSpansAndServesMetrics(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, "127.0.0.1:0", &stdout, &stderr, func(u string) { urls <- u }) }()

	var metricsURL string
	select {
	case metricsURL = <-urls:
	case err := <-done:
		t.Fatalf("run returned before serving: %v\nstderr: %s", err, stderr.String())
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	resp, err := hc.Get(metricsURL)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	hc.CloseIdleConnections()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	cancel()
	require.NoError(t, <-done)

	metrics := string(body)
	for _, name := range []string{
		"quiltt_client_operation_duration_seconds_bucket",
		"quiltt_client_retries_total",
		"quiltt_webhook_deliveries_total",
		"quiltt_client_limiter_wait_seconds",
		"quiltt_client_refreshes_total",
		"quiltt_webhook_claims_total",
	} {
		assert.Contains(t, metrics, name)
	}
	assert.Contains(t, metrics, `quiltt_retry_reason="unavailable"`)
	assert.Contains(t, metrics, `quiltt_operation="RefreshBalance"`)

	spans := stdout.String()
	for _, s := range []string{`"Name": "quiltt.Accounts"`, `"Name": "quiltt.RefreshBalance"`, `"Name": "quiltt.Webhook"`, "accounts: 2", "refresh: accepted", "webhook: balance.created"} {
		assert.Contains(t, spans, s)
	}
	assert.NotContains(t, spans, "3141.59", "no amount in the spans")
}
