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
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	gqlparser "github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
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

// The GraphQL route.

var gqlSchema = sync.OnceValue(func() *ast.Schema {
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: quiltt.Schema()})
	if err != nil {
		panic(err)
	}
	return s
})

// gqlRequest is what the GraphQL route saw of one attempt.
type gqlRequest struct {
	Path      string // as the client sent it, base path included
	Header    http.Header
	Body      []byte
	Query     string
	OpName    string
	Variables map[string]any
}

// gqlRoute is the GraphQL endpoint handleGraphQL serves.
type gqlRoute struct {
	t        testing.TB
	answer   func(w http.ResponseWriter, r *gqlRequest, attempt int)
	attempts atomic.Int32 // requests that reached the route, valid or not
	mu       sync.Mutex
	requests []gqlRequest // the valid ones
}

// handleGraphQL serves /v1/graphql on mux. It checks that every request is
// a POST whose query and variables pass validation against the schema
// slice, as the real API would, and fails the test otherwise; then it hands
// the attempt (numbered from 1) to answer.
func handleGraphQL(t testing.TB, mux *http.ServeMux, answer func(w http.ResponseWriter, r *gqlRequest, attempt int)) *gqlRoute {
	g := &gqlRoute{t: t, answer: answer}
	mux.Handle("/v1/graphql", g)
	return g
}

func (g *gqlRoute) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := g.t
	n := int(g.attempts.Add(1))
	testMethod(t, r, http.MethodPost)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("reading request body: %v", err)
		return
	}
	var payload struct {
		Query         string         `json:"query"`
		OperationName string         `json:"operationName"`
		Variables     map[string]any `json:"variables"`
	}
	if err := json.Unmarshal(body, &payload); err != nil {
		t.Errorf("request body is not JSON: %v", err)
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	doc, errs := gqlparser.LoadQueryWithRules(gqlSchema(), payload.Query, nil)
	if len(errs) > 0 {
		t.Errorf("query fails validation against schema.graphql: %v", errs)
		http.Error(w, "invalid query", http.StatusBadRequest)
		return
	}
	op := doc.Operations.ForName(payload.OperationName)
	if op == nil {
		t.Errorf("no operation named %q", payload.OperationName)
		return
	}
	if _, err := validator.VariableValues(gqlSchema(), op, payload.Variables); err != nil {
		t.Errorf("variables fail validation: %v", err)
		http.Error(w, "invalid variables", http.StatusBadRequest)
		return
	}
	path, _, _ := bytes.Cut([]byte(r.RequestURI), []byte("?"))
	req := gqlRequest{
		Path: string(path), Header: r.Header.Clone(), Body: body,
		Query: payload.Query, OpName: payload.OperationName, Variables: payload.Variables,
	}
	g.mu.Lock()
	g.requests = append(g.requests, req)
	g.mu.Unlock()
	g.answer(w, &req, n)
}

// seen returns the valid requests the route saw, in order.
func (g *gqlRoute) seen() []gqlRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]gqlRequest(nil), g.requests...)
}

// newGQLServer is setup with only the GraphQL route, answering with answer:
// the shorthand of tests that need nothing else. newGQLClient is a client
// of it that reads as testProfile.
func newGQLServer(t *testing.T, answer func(w http.ResponseWriter, r *gqlRequest, attempt int)) *testServer {
	t.Helper()
	_, mux, srv := setup(t)
	handleGraphQL(t, mux, answer)
	return srv
}

func newGQLClient(t *testing.T, srv *testServer, opts ...quiltt.Option) *quiltt.Client {
	t.Helper()
	return newClient(t, srv.baseURL(), opts...).ForProfile(testProfile)
}

// fixture returns a file of testdata/graphql.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "graphql", name))
	require.NoError(t, err)
	return b
}

// reply writes an answer with the given status, content type, body and
// header pairs.
func reply(w http.ResponseWriter, status int, contentType string, body []byte, headers ...string) {
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		w.Header().Set(headers[i], headers[i+1])
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// replyFixture answers 200 with a JSON fixture of testdata/graphql.
func replyFixture(t testing.TB, name string) func(http.ResponseWriter, *gqlRequest, int) {
	body := fixture(t, name)
	return func(w http.ResponseWriter, _ *gqlRequest, _ int) {
		reply(w, http.StatusOK, "application/json", body)
	}
}

// replyBody answers 200 with a JSON body.
func replyBody(body string) func(http.ResponseWriter, *gqlRequest, int) {
	return func(w http.ResponseWriter, _ *gqlRequest, _ int) {
		reply(w, http.StatusOK, "application/json", []byte(body))
	}
}

// Scripted REST routes.

// seenRequest is what a scripted route recorded of one attempt.
type seenRequest struct {
	Method, URI, Auth, ContentType string
	ContentLength                  int64
	Body                           string
}

// recorder counts and records the attempts a scripted route sees.
type recorder struct {
	attempts atomic.Int32
	mu       sync.Mutex
	reqs     []seenRequest
}

func (rec *recorder) record(r *http.Request) int {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, seenRequest{
		Method: r.Method, URI: r.RequestURI, Auth: r.Header.Get("Authorization"),
		ContentType: r.Header.Get("Content-Type"), ContentLength: r.ContentLength, Body: string(body),
	})
	rec.mu.Unlock()
	return int(rec.attempts.Add(1))
}

// seen returns the attempts recorded, in order; URI is the request URI as
// the client sent it, base path included.
func (rec *recorder) seen() []seenRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seenRequest(nil), rec.reqs...)
}

// handleScript serves pattern on mux: it records every attempt, and answers
// attempt i (counted from 1) with replies[i-1], every later one with the
// last reply.
func handleScript(mux *http.ServeMux, pattern string, replies ...http.HandlerFunc) *recorder {
	rec := &recorder{}
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		n := rec.record(r)
		replies[min(n, len(replies))-1](w, r)
	})
	return rec
}

// refreshFixture reads a file of testdata/refresh.
func refreshFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "refresh", name))
	require.NoError(t, err)
	return b
}

// answer replies with status, the testdata/refresh fixture (if any) and
// header pairs.
func answer(t testing.TB, status int, file string, header ...string) http.HandlerFunc {
	var body []byte
	if file != "" {
		body = refreshFixture(t, file)
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		if len(body) > 0 && w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
}

// hijack takes the connection over and hands it to fn, which must close it.
func hijack(t testing.TB, fn func(net.Conn, *bufio.ReadWriter)) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		fn(conn, rw)
	}
}

// resetConn closes conn with an RST instead of a FIN.
func resetConn(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
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
