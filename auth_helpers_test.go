package quiltt_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// authPrefix is the fake's base path in the auth tests: a non-empty one, so
// that a request that drops the auth URL's path fails.
const authPrefix = "/quiltt"

// authTestNow is the fake's clock in the auth tests: the time of the
// balances doc page's sample event, so that expiries are known.
var authTestNow = time.Date(2026, 1, 2, 5, 42, 41, 0, time.UTC)

// newAuthFake starts quilttest under authPrefix with its clock at
// authTestNow.
func newAuthFake(t *testing.T, opts ...quilttest.Option) *quilttest.Server {
	t.Helper()
	return quilttest.NewTestServer(t, append([]quilttest.Option{
		quilttest.WithPathPrefix(authPrefix),
		quilttest.WithClock(func() time.Time { return authTestNow }),
	}, opts...)...)
}

// newAuthClient builds a client for the fake's API and auth API, with its
// API key, fast retries and no client-side rate limit.
func newAuthClient(t *testing.T, srv *quilttest.Server, opts ...quiltt.Option) *quiltt.Client {
	t.Helper()
	c, err := quiltt.NewClient(append([]quiltt.Option{
		quiltt.WithBaseURL(srv.URL()),
		quiltt.WithAuthURL(srv.AuthURL()),
		quiltt.WithAPIKey(srv.APIKey()),
		quiltt.WithRetryWait(time.Millisecond, 2*time.Millisecond),
		quiltt.WithRateLimit(rate.Inf, 1),
	}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// routes lists the routes of the requests the fake received, in order.
func routes(srv *quilttest.Server) []quilttest.Route {
	var out []quilttest.Route
	for _, r := range srv.Requests() {
		out = append(out, r.Route)
	}
	return out
}

// authFixture returns a file of testdata/auth.
func authFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "auth", name))
	require.NoError(t, err)
	return b
}

// authAttempt is what a scripted auth server saw of one request.
type authAttempt struct {
	Method string
	Path   string
	Auth   string
	Body   []byte
}

// scriptedAuth is an httptest server for the auth API, mounted under
// authPrefix, that answers the nth request (from 1) with answer(n) and
// records every request.
type scriptedAuth struct {
	*httptest.Server
	mu       sync.Mutex
	attempts []authAttempt
}

// authAnswer is one scripted answer.
type authAnswer struct {
	status int
	body   []byte
}

// newScriptedAuth serves answers in order, the last one again once they
// run out.
func newScriptedAuth(t *testing.T, answers ...authAnswer) *scriptedAuth {
	t.Helper()
	require.NotEmpty(t, answers)
	s := &scriptedAuth{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.attempts = append(s.attempts, authAttempt{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization"), Body: body})
		n := len(s.attempts)
		s.mu.Unlock()
		a := answers[min(n, len(answers))-1]
		if len(a.body) > 0 {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}))
	t.Cleanup(s.Close)
	return s
}

// seen returns the requests received so far.
func (s *scriptedAuth) seen() []authAttempt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]authAttempt(nil), s.attempts...)
}

// client builds a client whose auth URL is the server's, under authPrefix.
func (s *scriptedAuth) client(t *testing.T, opts ...quiltt.Option) *quiltt.Client {
	t.Helper()
	c, err := quiltt.NewClient(append([]quiltt.Option{
		quiltt.WithAuthURL(s.URL + authPrefix),
		quiltt.WithAPIKey(testAPIKey),
		quiltt.WithRetryWait(time.Millisecond, 2*time.Millisecond),
		quiltt.WithRateLimit(rate.Inf, 1),
	}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}
