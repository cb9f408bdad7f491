package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestRunAgainstFake(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(t.Context(), func(string) string { return "" }, &stdout, &stderr))

	assert.Regexp(t, `^evt_\w+  balance.created  at \S+Z  account acct_12sf19AeKaWfukStXAL7nN  source REFRESH  current 3141.59  available —  limit —\n$`, stdout.String())
	assert.Contains(t, stderr.String(), "running against quilttest")
	assert.Regexp(t, `Subscribed: whsub_\w+ delivers \[balance.created\] here\.\n`, stderr.String(), "the subscription ensured at start-up")
	assert.Regexp(t, `Listening for Quiltt webhooks on http://127\.0\.0\.1:\d+/webhooks/quiltt\n`, stderr.String())
}

func TestRunRealModeNeedsSecret(t *testing.T) {
	env := map[string]string{"QUILTT_API_KEY_SECRET": "qltt_never_printed", "QUILTT_PROFILE_ID": "p_1"}
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), getenvOf(env), &stdout, &stderr)
	require.ErrorContains(t, err, "QUILTT_WEBHOOK_SECRET is unset")
	assert.NotContains(t, err.Error()+stderr.String(), "qltt_never_printed")
	assert.Empty(t, stdout.String())
}

// TestRunRealMode serves as against the real API (no request reaches it: a
// webhook receiver only listens), posts deliveries as Quiltt would, then
// stops the server as SIGINT would.
func TestRunRealMode(t *testing.T) {
	const secret = "whsec_test"
	env := map[string]string{
		"QUILTT_API_KEY_SECRET": "qltt_never_printed",
		"QUILTT_PROFILE_ID":     quilttest.DefaultProfileID,
		EnvWebhookAddr:          "127.0.0.1:0",
		EnvWebhookSecret:        secret,
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stderr, stderrW := io.Pipe()
	var stdout bytes.Buffer // read only once run has returned
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, getenvOf(env), &stdout, stderrW)
		stderrW.Close()
	}()

	url := listeningURL(t, stderr)
	var logs bytes.Buffer // the rest of stderr, read once copied
	copied := make(chan struct{})
	go func() {
		_, _ = io.Copy(&logs, stderr)
		close(copied)
	}()
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	current, available := decimal.RequireFromString("110.00"), decimal.RequireFromString("100.0")
	body := quilttest.BalanceCreatedBody(quilttest.Profile{ID: quilttest.DefaultProfileID}, quiltt.Balance{
		ID: "bal_12wm3nAz3ZSpYWxauhLqrf", AccountID: "acct_12wm3n4PaWHdcMgu6ZVDx5",
		At: time.Date(2024, 6, 7, 8, 27, 37, 0, time.UTC), Source: quiltt.BalanceSourceRefresh,
		Current: &current, Available: &available,
	}, time.Now())
	assert.Equal(t, http.StatusNoContent, post(t, hc, url, body, quilttest.SignWebhook(body, secret, time.Now())))
	assert.Equal(t, http.StatusUnauthorized, post(t, hc, url, body, quilttest.SignWebhook(body, "forged", time.Now())))

	cancel() // as SIGINT or SIGTERM would
	require.NoError(t, <-done)
	<-copied
	// The forged delivery was reported on stderr, without the secret.
	assert.Regexp(t, `level=WARN msg="quiltt: webhook delivery refused" status=401 reason="signature does not match"`, logs.String())
	assert.NotContains(t, logs.String(), secret)
	assert.Regexp(t, `^evt_\w+  balance.created  at \S+Z  account acct_12wm3n4PaWHdcMgu6ZVDx5  source REFRESH  current 110.00  available 100.00  limit —\n$`, stdout.String())
}

// getenvOf returns a getenv that reads vars.
func getenvOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// listeningURL reads stderr up to the line that says where run listens.
func listeningURL(t *testing.T, stderr io.Reader) string {
	t.Helper()
	re := regexp.MustCompile(`^Listening for Quiltt webhooks on (http://\S+)$`)
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		if m := re.FindStringSubmatch(lines.Text()); m != nil {
			return m[1]
		}
	}
	t.Fatal("run never said where it listens")
	return ""
}

// post sends a delivery and returns the status answered.
func post(t *testing.T, hc *http.Client, url string, body []byte, header http.Header) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header = header
	resp, err := hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// TestRunRealModeEnsuresSubscription runs the real mode against a
// standalone fake (QUILTT_BASE_URL): at start-up it ensures the
// subscription for QUILTT_WEBHOOK_URL, once however often it starts.
func TestRunRealModeEnsuresSubscription(t *testing.T) {
	fake := quilttest.NewTestServer(t)
	env := map[string]string{
		"QUILTT_API_KEY_SECRET": fake.APIKey(),
		"QUILTT_PROFILE_ID":     fake.ProfileID(),
		"QUILTT_BASE_URL":       fake.URL(),
		"QUILTT_AUTH_URL":       fake.AuthURL(),
		EnvWebhookAddr:          "127.0.0.1:0",
		EnvWebhookSecret:        fake.WebhookSecret(),
		EnvWebhookURL:           "https://payments.example.com/webhooks/quiltt",
	}
	for range 2 { // two starts
		ctx, cancel := context.WithCancel(t.Context())
		stderr, stderrW := io.Pipe()
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, getenvOf(env), io.Discard, stderrW)
			stderrW.Close()
		}()
		lines := bufio.NewScanner(stderr)
		subscribed := false
		for !subscribed && lines.Scan() {
			subscribed = regexp.MustCompile(`^Subscribed: whsub_\w+ delivers \[balance.created\] here\.$`).MatchString(lines.Text())
		}
		require.True(t, subscribed, "run never said it subscribed")
		go func() { _, _ = io.Copy(io.Discard, stderr) }()
		cancel()
		require.NoError(t, <-done)
	}
	subs := fake.Subscriptions()
	require.Len(t, subs, 1)
	assert.Equal(t, "https://payments.example.com/webhooks/quiltt", subs[0].TargetURL)
	assert.Equal(t, []quiltt.EventType{quiltt.EventBalanceCreated}, subs[0].EventTypes)
}
