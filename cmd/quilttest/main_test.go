package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: the
// server must stop every one of its own when run returns.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// syncBuffer is a bytes.Buffer that the server's log and the test may use
// at once, and that tells waiters of every write.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed and replaced at every write
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until the buffer matches re, or fails the test after a
// minute.
func (s *syncBuffer) waitFor(t *testing.T, re *regexp.Regexp) {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		s.mu.Lock()
		if re.Match(s.b.Bytes()) {
			s.mu.Unlock()
			return
		}
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-timeout:
			require.FailNow(t, "the log never matched "+re.String(), s.String())
		}
	}
}

// readBanner reads the server's banner up to its last line and returns its
// "Label: value" lines by label.
func readBanner(t *testing.T, r io.Reader) map[string]string {
	t.Helper()
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Stop with") {
			return out
		}
		if label, value, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, " ") {
			out[label] = strings.TrimSpace(value)
		}
	}
	require.NoError(t, sc.Err())
	require.FailNow(t, "the banner ended early", "%v", out)
	return nil
}

// sdkAccounts reads the seeded accounts through the SDK, with Basic
// credentials and with the printed session token.
func sdkAccounts(t *testing.T, banner map[string]string) {
	t.Helper()
	for name, opt := range map[string]quiltt.Option{
		"API key":       quiltt.WithAPIKey(banner["API key"]),
		"session token": quiltt.WithSessionToken(banner["Session token"]),
	} {
		c, err := quiltt.NewClient(quiltt.WithBaseURL(banner["URL"]), opt, quiltt.WithMaxRetries(0))
		require.NoError(t, err, name)
		if name == "API key" {
			c = c.ForProfile(banner["Profile ID"])
		}
		accounts, err := c.Accounts(t.Context(), nil)
		c.CloseIdleConnections()
		require.NoError(t, err, name)
		require.Len(t, accounts, 2, name)
		assert.Equal(t, "Premium Checking", accounts[0].Name, name)
		assert.Equal(t, "3141.59", accounts[0].Balance.Current.String(), name)
		assert.Equal(t, "Premium Credit Card", accounts[1].Name, name)
	}
}

// The server, run in-process: it prints what a client needs, serves the
// SDK and the auth API, delivers a signed webhook on a refresh, logs
// without secrets, and stops when its context ends.
func TestServeInProcess(t *testing.T) {
	const secret = "whsec_cmd_test"
	events := make(chan quiltt.Event, 4)
	receiver := httptest.NewServer(quiltt.NewWebhookHandler(secret, func(_ context.Context, e quiltt.Event) error {
		events <- e
		return nil
	}))
	defer receiver.Close()

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stdoutR, stdoutW := io.Pipe()
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"-addr", "127.0.0.1:0", "-webhook-url", receiver.URL + "/hooks", "-webhook-secret", secret}, nil, stdoutW, &stderr)
		_ = stdoutW.CloseWithError(io.EOF)
		done <- err
	}()
	banner := readBanner(t, stdoutR)
	go func() { _, _ = io.Copy(io.Discard, stdoutR) }()

	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, banner["URL"])
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, banner["Auth URL"])
	assert.NotEqual(t, banner["URL"], banner["Auth URL"])
	assert.Equal(t, quilttest.DefaultProfileID, banner["Profile ID"])
	assert.Regexp(t, `^qltt_test_[0-9a-f]{32}$`, banner["API key"])
	assert.Equal(t, secret, banner["Webhook secret"], "the environment's secret is -webhook-secret")
	sdkAccounts(t, banner)

	// The auth API answers on its own URL.
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, banner["Auth URL"]+"/v1/introspect/api_key", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+banner["API key"])
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// A refresh ends in a signed delivery the SDK's handler accepts.
	c, err := quiltt.NewClient(quiltt.WithBaseURL(banner["URL"]), quiltt.WithAPIKey(banner["API key"]))
	require.NoError(t, err)
	require.NoError(t, c.RefreshBalance(t.Context(), quilttest.CheckingAccountID))
	c.CloseIdleConnections()
	select {
	case e := <-events:
		b, err := e.Balance()
		require.NoError(t, err)
		assert.Equal(t, quilttest.CheckingAccountID, b.AccountID)
		assert.Equal(t, quiltt.BalanceSourceRefresh, b.Source)
	case <-time.After(30 * time.Second):
		require.FailNow(t, "no webhook delivery", stderr.String())
	}
	// The delivery is logged once the fake has the receiver's answer.
	stderr.waitFor(t, regexp.MustCompile(`webhook POST http://127\.0\.0\.1:\d+/hooks 2\d\d \(try 1\)`))

	cancel()
	require.NoError(t, <-done)
	http.DefaultClient.CloseIdleConnections()
	log := stderr.String()
	assert.Regexp(t, `POST /v1/graphql 200 auth=basic profile=p_12uGLpPexyTkZCcJJntSjb operation=Accounts`, log)
	assert.Regexp(t, `POST /v1/accounts/acct_12sf19AeKaWfukStXAL7nN/balances/refresh 202 auth=api-key`, log)
	assert.Regexp(t, `webhook POST http://127\.0\.0\.1:\d+/hooks 2\d\d`, log)
	assert.Contains(t, log, "quilttest: stopped")
	for _, secret := range []string{banner["API key"], banner["Session token"], secret} {
		assert.NotContains(t, log, secret, "the log holds no secret")
	}
}

// The built command, run as a process: it stops cleanly, exit status 0, on
// SIGINT and on SIGTERM.
func TestServeStopsOnSignal(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "quilttest")
	build := exec.CommandContext(t.Context(), goBin, "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute) // kills a process that hangs
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0", "-auth-addr", "127.0.0.1:0")
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			var stderr syncBuffer
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			banner := readBanner(t, stdout)
			sdkAccounts(t, banner)

			require.NoError(t, cmd.Process.Signal(sig))
			_, _ = io.Copy(io.Discard, stdout)
			err = cmd.Wait()
			require.NoError(t, err, "exit status 0; stderr:\n%s", stderr.String())
			assert.Equal(t, 0, cmd.ProcessState.ExitCode())
			assert.Contains(t, stderr.String(), "quilttest: stopped")
		})
	}
}

func TestServeFlags(t *testing.T) {
	noEnv := func(string) string { return "" }
	cases := map[string][]string{
		"webhook without secret": {"-webhook-url", "http://127.0.0.1:9/hooks"},
		"extra argument":         {"serve"},
		"log limit":              {"-log-limit", "0"},
		"shutdown timeout":       {"-shutdown-timeout", "0s"},
		"unknown flag":           {"-port", "1"},
		"addr without port":      {"-addr", "localhost"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := parseServe(args, io.Discard, noEnv)
			assert.Error(t, err)
		})
	}
	_, err := parseServe([]string{"-h"}, io.Discard, noEnv)
	assert.ErrorIs(t, err, flag.ErrHelp)

	c, err := parseServe([]string{"-webhook-url", "http://127.0.0.1:9/hooks"}, io.Discard,
		func(k string) string { return map[string]string{envWebhookSecret: "whsec_env"}[k] })
	require.NoError(t, err)
	assert.Equal(t, "whsec_env", c.webhookSecret, "the secret from the environment")
	assert.Equal(t, "127.0.0.1:8081", c.authAddr)

	// Without -addr both listeners are on loopback only: the printed API
	// key serves no one else on the network.
	for name, addr := range map[string]string{"-addr": c.addr, "-auth-addr": c.authAddr} {
		host, _, err := net.SplitHostPort(addr)
		require.NoError(t, err, name)
		ip := net.ParseIP(host)
		if assert.NotNil(t, ip, "%s defaults to %q, not an IP address", name, addr) {
			assert.True(t, ip.IsLoopback(), "%s defaults to %q, not loopback", name, addr)
		}
	}

	for addr, want := range map[string]string{"localhost:8080": "localhost:8081", ":0": ":0", "127.0.0.1:0": "127.0.0.1:0", "[::1]:9000": "[::1]:9001"} {
		got, err := nextPort(addr)
		require.NoError(t, err, addr)
		assert.Equal(t, want, got, addr)
	}
	_, err = nextPort("localhost:65535")
	assert.Error(t, err)

	// A bad option fails run before it serves, without quoting the key,
	// and leaves nothing running (goleak).
	const badKey = "qltt has spaces"
	err = run(t.Context(), []string{"-addr", "127.0.0.1:0", "-api-key", badKey}, nil, io.Discard, io.Discard)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), badKey)
	assert.True(t, strings.HasPrefix(err.Error(), "-api-key: "), "names the flag, once: %v", err)

	// A negative -refresh-delay would be the package's manual mode, which
	// nothing can complete here: refused, naming the flag.
	for _, d := range []string{"-1ns", "-1s"} {
		_, err = parseServe([]string{"-refresh-delay", d}, io.Discard, noEnv)
		require.Error(t, err, d)
		assert.Contains(t, err.Error(), "-refresh-delay", d)
		assert.NotContains(t, err.Error(), "ManualRefresh", d)
	}
	err = run(t.Context(), []string{"-addr", "127.0.0.1:0", "-refresh-delay", "-1ns"}, nil, io.Discard, io.Discard)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "quilttest:", "main adds the one prefix")
	err = run(t.Context(), []string{"-addr", "127.0.0.1:0", "-api-version", "yesterday"}, nil, io.Discard, io.Discard)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "-api-version: "), "%v", err)
}

// sign prints headers that quiltt.VerifyWebhook accepts for the body and
// the secret, and only for them.
func TestSign(t *testing.T) {
	const secret = "whsec_sign_test"
	body := []byte(`{"id":"evt_12wkam1rFDQg0m8OLObJM1","type":"balance.created","note":"it's signed"}` + "\n")
	path := filepath.Join(t.TempDir(), "event.json")
	require.NoError(t, os.WriteFile(path, body, 0o600))

	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"sign", "-secret", secret, "-body", path, "-url", "http://127.0.0.1:9000/hooks"}, nil, &stdout, &stderr)
	require.NoError(t, err, stderr.String())
	h, curl := parseSignOutput(t, stdout.String())
	assert.InDelta(t, time.Now().Unix(), mustInt(t, h.Get(quiltt.HeaderTimestamp)), 5, "timestamped now")
	require.NoError(t, quiltt.VerifyWebhook(body, h, secret))
	assert.ErrorIs(t, quiltt.VerifyWebhook(body, h, "whsec_other"), quiltt.ErrWebhookSignature, "another secret")
	assert.ErrorIs(t, quiltt.VerifyWebhook(append(body, ' '), h, secret), quiltt.ErrWebhookSignature, "another body")
	assert.Contains(t, curl, "curl -sS -X POST 'http://127.0.0.1:9000/hooks'")
	assert.Contains(t, curl, "--data-binary '@"+path+"'")
	assert.Contains(t, curl, "-H '"+quiltt.HeaderSignature+": "+h.Get(quiltt.HeaderSignature)+"'")
	assert.NotContains(t, stdout.String()+stderr.String(), secret)

	// From stdin, at a given time: the curl line carries the body itself,
	// quoted so that a shell passes it on byte for byte.
	stdout.Reset()
	err = runSign([]string{"-timestamp", "1767332561"}, bytes.NewReader(body), &stdout, io.Discard,
		func(k string) string { return map[string]string{envWebhookSecret: secret}[k] })
	require.NoError(t, err)
	h, curl = parseSignOutput(t, stdout.String())
	assert.Equal(t, "1767332561", h.Get(quiltt.HeaderTimestamp))
	v, err := quiltt.NewWebhookVerifier(secret)
	require.NoError(t, err)
	v.Now = func() time.Time { return time.Unix(1767332561, 0) }
	require.NoError(t, v.Verify(body, h))
	if sh, err := exec.LookPath("sh"); err == nil {
		// Run the curl line with curl replaced by a printer of its last
		// argument.
		script := `curl() { for a; do last=$a; done; printf %s "$last"; }; ` + curl
		out, err := exec.CommandContext(t.Context(), sh, "-c", script).Output()
		require.NoError(t, err)
		assert.Equal(t, string(body), string(out))
	}
}

func parseSignOutput(t *testing.T, out string) (http.Header, string) {
	t.Helper()
	lines := strings.SplitN(strings.TrimSuffix(out, "\n"), "\n", 4) // the curl line may span lines: a body's newlines
	require.Len(t, lines, 4, out)
	h := http.Header{}
	for _, l := range lines[:2] {
		k, v, ok := strings.Cut(l, ": ")
		require.True(t, ok, l)
		h.Set(k, v)
	}
	assert.Empty(t, lines[2])
	require.Regexp(t, regexp.MustCompile(`^curl `), lines[3])
	return h, lines[3]
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9', s)
		n = n*10 + int64(c-'0')
	}
	return n
}

func TestSignRefuses(t *testing.T) {
	noEnv := func(string) string { return "" }
	cases := map[string]struct {
		args  []string
		stdin io.Reader
	}{
		"no secret":     {[]string{"-body", "-"}, strings.NewReader("{}")},
		"missing file":  {[]string{"-secret", "whsec_x", "-body", filepath.Join(t.TempDir(), "none.json")}, nil},
		"too big":       {[]string{"-secret", "whsec_x"}, io.LimitReader(zeros{}, maxSignBody+1)},
		"extra":         {[]string{"-secret", "whsec_x", "body.json"}, nil},
		"unknown flag":  {[]string{"-key", "whsec_x"}, nil},
		"unreadable in": {[]string{"-secret", "whsec_x"}, failingReader{}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			err := runSign(tc.args, tc.stdin, &out, io.Discard, noEnv)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "whsec_x")
			assert.Empty(t, out.String(), "nothing printed")
		})
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("read failed") }
