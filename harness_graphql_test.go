package quiltt_test

// The test harness's GraphQL route (harness_test.go has setup):
// handleGraphQL validates every query and its variables against the SDK's
// schema slice, as the real API would; newGQLServer and newGQLClient are its
// shorthand; fixture, reply, replyFixture and replyBody are its answers.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	gqlparser "github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/quiltt-go/quiltt"
)

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
