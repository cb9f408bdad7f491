package quilttest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

// basic is the Basic Authorization value for a profile and the server's
// API key.
func basic(s *quilttest.Server, profile string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(profile+":"+s.APIKey()))
}

// rawResponse is an answer read in full.
type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// do sends a raw request to the server's API and reads the answer.
func do(t *testing.T, s *quilttest.Server, method, path, auth string, body []byte) rawResponse {
	t.Helper()
	return sendTo(t, s, method, s.URL()+path, auth, body)
}

// sendTo sends a raw request to url, one of the server's, and reads the
// answer.
func sendTo(t *testing.T, s *quilttest.Server, method, url, auth string, body []byte) rawResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(body))
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return rawResponse{status: resp.StatusCode, header: resp.Header, body: b}
}

// gql posts a GraphQL query as the default profile (Basic) and returns the
// answer.
func gql(t *testing.T, s *quilttest.Server, query string, vars map[string]any) rawResponse {
	t.Helper()
	return gqlAs(t, s, basic(s, s.ProfileID()), query, vars, "")
}

func gqlAs(t *testing.T, s *quilttest.Server, auth, query string, vars map[string]any, opName string) rawResponse {
	t.Helper()
	payload := map[string]any{"query": query}
	if vars != nil {
		payload["variables"] = vars
	}
	if opName != "" {
		payload["operationName"] = opName
	}
	body, err := json.Marshal(payload)
	require.NoError(t, err)
	return do(t, s, http.MethodPost, "/v1/graphql", auth, body)
}

// gqlErrors decodes the errors[] of an answer.
type gqlErr struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func decodeErrors(t *testing.T, body []byte) (json.RawMessage, bool, []gqlErr) {
	t.Helper()
	var out struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlErr        `json:"errors"`
	}
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &raw))
	_, hasData := raw["data"]
	require.NoError(t, json.Unmarshal(body, &out))
	return out.Data, hasData, out.Errors
}

// newClient builds a quiltt.Client for the server without retries, so that
// each call is one request.
func newClient(t *testing.T, s *quilttest.Server, opts ...quiltt.Option) *quiltt.Client {
	t.Helper()
	base := []quiltt.Option{quiltt.WithBaseURL(s.URL()), quiltt.WithMaxRetries(0)}
	c, err := quiltt.NewClient(append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// waitCtx is a context for waiting on the server's background work: long
// enough never to fire on a healthy run, short enough to fail a hung one.
func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func decPtr(s string) *decimal.Decimal {
	d := decimal.RequireFromString(s)
	return &d
}
