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

	"github.com/quiltt-go/quiltt/quilttest"
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
	getenv := func(k string) string { return map[string]string{EnvAddr: "127.0.0.1:0"}[k] }
	go func() { done <- run(ctx, getenv, &stdout, &stderr, func(u string) { urls <- u }) }()

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

// A URL without the key and the Profile is an error, not a run against the
// in-process fake.
func TestRunRefusesAURLAlone(t *testing.T) {
	getenv := func(k string) string { return map[string]string{EnvBaseURL: "http://127.0.0.1:1"}[k] }
	err := run(t.Context(), getenv, io.Discard, io.Discard, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), EnvAPIKey)
}

// With the key, the Profile and the URLs set (here those of a fake, as
// cmd/quilttest prints them), the example reads that host.
func TestRunAgainstAnotherHost(t *testing.T) {
	srv := quilttest.NewTestServer(t)
	vars := map[string]string{EnvAddr: "127.0.0.1:0", EnvAPIKey: srv.APIKey(), EnvProfileID: srv.ProfileID(),
		EnvBaseURL: srv.URL(), EnvAuthURL: srv.AuthURL()}
	ctx, cancel := context.WithCancel(t.Context())
	var stdout bytes.Buffer
	err := run(ctx, func(k string) string { return vars[k] }, &stdout, io.Discard, func(string) { cancel() })
	require.NoError(t, err)
	assert.Contains(t, stdout.String(), `"Name": "quiltt.IntrospectAPIKey"`)
	assert.Contains(t, stdout.String(), "accounts: 2")
	assert.NotContains(t, stdout.String(), srv.APIKey())
	var routes []quilttest.Route
	for _, r := range srv.Requests() {
		routes = append(routes, r.Route)
	}
	assert.Equal(t, []quilttest.Route{quilttest.RouteAPIKeyIntrospect, quilttest.RouteGraphQL}, routes)
}
