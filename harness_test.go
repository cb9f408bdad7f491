package quiltt_test

// The suite's one test harness, in go-github's style. setup starts an
// httptest server whose mux is mounted under basePath, a non-empty base
// path, so that a request built from an absolute path instead of one below
// the base URL misses and fails the test; it returns a client of that
// server. A test registers the routes it needs on the mux, with paths
// relative to the base path, and checks each request with testMethod,
// testHeader and testBody:
//
//	client, mux, _ := setup(t)
//	mux.HandleFunc("/v1/accounts/acct_1/balances/refresh", func(w http.ResponseWriter, r *http.Request) {
//		testMethod(t, r, http.MethodPost)
//		testHeader(t, r, "Authorization", "Bearer "+testAPIKey)
//		w.WriteHeader(http.StatusAccepted)
//	})
//	err := client.RefreshBalance(ctx, "acct_1")
//
// Two routes come ready-made: handleGraphQL serves the GraphQL endpoint and
// validates every query and its variables against the SDK's schema slice,
// as the real API would; handleScript answers a route's attempts in turn
// (a 429, then a 202, …) and records them.

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/quiltt-go/quiltt"
)

// basePath is where setup mounts the API: a client whose base URL lost its
// path, or that builds an absolute path, misses every route.
const basePath = "/quiltt-prefix"

// Recognisable credentials: tests assert that none of them ever shows up in
// an error, a log record or a formatted value.
const (
	testAPIKey       = "qltt_TESTKEY_4f9c2e7a1b"
	testSessionToken = "eyJTESTTOKEN.c2Vzc2lvbg.sig8d3f"
	testProfile      = "p_12uGLpPexyTkZCcJJntSjb"
)

// accountsPath is the REST route of the account endpoints (the balance
// refresh), for handleScript.
const accountsPath = "/v1/accounts/"

// refreshURI is the request URI of acct_1's refresh on a setup server.
const refreshURI = basePath + accountsPath + "acct_1/balances/refresh"

// testServer is setup's server.
type testServer struct {
	*httptest.Server
}

// baseURL is what a client is given: the server's URL and basePath.
func (s *testServer) baseURL() string { return s.URL + basePath }

// setup starts a test server with an empty mux mounted under basePath, and
// returns a client of it (newClient's, plus opts) that reads as
// testProfile; REST calls send the API key alone, as they would from the
// client ForProfile was called on. A request outside basePath, or to a path
// no route of mux serves, fails the test. The server closes when the test
// ends.
func setup(t testing.TB, opts ...quiltt.Option) (client *quiltt.Client, mux *http.ServeMux, srv *testServer) {
	t.Helper()
	mux = http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request to %s, a path no route of the test serves", r.RequestURI)
		http.NotFound(w, r)
	})
	root := http.NewServeMux()
	root.Handle(basePath+"/", http.StripPrefix(basePath, mux))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request to %s, outside the base path %s", r.RequestURI, basePath)
		http.NotFound(w, r)
	})
	srv = &testServer{httptest.NewServer(root)}
	t.Cleanup(srv.Close)
	return newClient(t, srv.baseURL(), opts...).ForProfile(testProfile), mux, srv
}

// newClient builds a client of base with the test API key, fast retries (1
// to 2 ms apart, as many as the default) and no client-side rate limit,
// plus opts. It has no profile. setup uses it; so do tests whose server is
// not setup's (nothing listening, a connection reset, a TLS server).
func newClient(t testing.TB, base string, opts ...quiltt.Option) *quiltt.Client {
	t.Helper()
	all := append([]quiltt.Option{
		quiltt.WithAPIKey(testAPIKey),
		quiltt.WithBaseURL(base),
		quiltt.WithRetryWait(time.Millisecond, 2*time.Millisecond),
		quiltt.WithRateLimit(rate.Inf, 1),
	}, opts...)
	c, err := quiltt.NewClient(all...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// refusedBaseURL is a base URL where a listener was, closed: every dial is
// refused.
func refusedBaseURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr + basePath
}

// testMethod checks r's method.
func testMethod(t testing.TB, r *http.Request, want string) {
	t.Helper()
	assert.Equal(t, want, r.Method, "method of %s", r.RequestURI)
}

// testHeader checks r's header key; want "" checks that it is absent or
// empty.
func testHeader(t testing.TB, r *http.Request, key, want string) {
	t.Helper()
	assert.Equal(t, want, r.Header.Get(key), "header %s of %s", key, r.RequestURI)
}

// testBody reads r's body and checks it.
func testBody(t testing.TB, r *http.Request, want string) {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	assert.NoError(t, err, "reading the body of %s", r.RequestURI)
	assert.Equal(t, want, string(b), "body of %s", r.RequestURI)
}

// Client-side instruments.

// firstAnswer returns an http.Client for WithHTTPClient, and a channel it
// closes once the first attempt has its answer (or failed): from there the
// SDK is deciding whether to retry, or waiting to.
func firstAnswer(t testing.TB) (*http.Client, <-chan struct{}) {
	answered := make(chan struct{})
	var once sync.Once
	base := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(base.CloseIdleConnections)
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := base.RoundTrip(r)
		once.Do(func() { close(answered) })
		return resp, err
	})}, answered
}

// roundTripFunc is an http.RoundTripper made of a func.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// logBuffer is a debug-level slog logger writing to a buffer safe for
// concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
