package quiltt_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/require"
	gqlparser "github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
	"golang.org/x/time/rate"
)

// Recognisable credentials: tests assert that none of them ever shows up in
// an error, a log record or a formatted value.
const (
	gqlTestPrefix  = "/quiltt-prefix" // a non-empty base path, so absolute-path bugs fail
	gqlTestKey     = "qltt_TESTKEY_4f9c2e7a1b"
	gqlTestToken   = "eyJTESTTOKEN.c2Vzc2lvbg.sig8d3f"
	gqlTestProfile = "p_12uGLpPexyTkZCcJJntSjb"
)

var gqlSchema = sync.OnceValue(func() *ast.Schema {
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: quiltt.Schema()})
	if err != nil {
		panic(err)
	}
	return s
})

// gqlRequest is what the test server saw of one GraphQL attempt.
type gqlRequest struct {
	Path      string
	Header    http.Header
	Body      []byte
	Query     string
	OpName    string
	Variables map[string]any
}

// gqlServer is an httptest server for the GraphQL endpoint, mounted under
// gqlTestPrefix. It validates every query and its variables against the
// schema slice, as the real API would, and fails the test otherwise; then it
// hands the attempt (numbered from 1) to answer.
type gqlServer struct {
	*httptest.Server
	t        *testing.T
	attempts atomic.Int32
	mu       sync.Mutex
	requests []gqlRequest
}

func newGQLServer(t *testing.T, answer func(w http.ResponseWriter, r *gqlRequest, attempt int)) *gqlServer {
	t.Helper()
	s := &gqlServer{t: t}
	mux := http.NewServeMux()
	mux.HandleFunc(gqlTestPrefix+"/v1/graphql", func(w http.ResponseWriter, r *http.Request) {
		n := int(s.attempts.Add(1))
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading request body: %v", err)
			return
		}
		if r.Method != http.MethodPost {
			t.Errorf("method %s, want POST", r.Method)
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
		req := gqlRequest{
			Path: r.URL.Path, Header: r.Header.Clone(), Body: body,
			Query: payload.Query, OpName: payload.OperationName, Variables: payload.Variables,
		}
		s.mu.Lock()
		s.requests = append(s.requests, req)
		s.mu.Unlock()
		answer(w, &req, n)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request to unexpected path %s", r.URL.Path)
		http.NotFound(w, r)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *gqlServer) seen() []gqlRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]gqlRequest(nil), s.requests...)
}

// baseURL is the server's URL with the non-empty prefix.
func (s *gqlServer) baseURL() string { return s.URL + gqlTestPrefix }

// newGQLClient builds a client for s that reads as gqlTestProfile, with fast
// retries and no client-side rate limit.
func newGQLClient(t *testing.T, s *gqlServer, opts ...quiltt.Option) *quiltt.Client {
	t.Helper()
	all := append([]quiltt.Option{
		quiltt.WithBaseURL(s.baseURL()),
		quiltt.WithAPIKey(gqlTestKey),
		quiltt.WithRetryWait(time.Millisecond, 2*time.Millisecond),
		quiltt.WithRateLimit(rate.Inf, 1),
	}, opts...)
	c, err := quiltt.NewClient(all...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c.ForProfile(gqlTestProfile)
}

// fixture returns a file of testdata/graphql.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "graphql", name))
	require.NoError(t, err)
	return b
}

// reply writes an answer with the given status, content type and body.
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
