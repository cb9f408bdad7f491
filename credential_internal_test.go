package quiltt

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt/internal/retry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// hostRecorder is a test server that records the Authorization header of
// every request, by path.
type hostRecorder struct {
	*httptest.Server
	mu   sync.Mutex
	auth map[string][]string // path → Authorization values seen
}

func newHostRecorder(t *testing.T, handle func(w http.ResponseWriter, r *http.Request)) *hostRecorder {
	h := &hostRecorder{auth: map[string][]string{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.auth[r.URL.Path] = append(h.auth[r.URL.Path], r.Header.Get("Authorization"))
		h.mu.Unlock()
		handle(w, r)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hostRecorder) seen(path string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.auth[path]...)
}

// A request names its endpoint and its credential; the credential goes to
// that endpoint's origin only: not to the other Quiltt host, not across a
// redirect.
func TestRequestCarriesItsEndpointAndCredential(t *testing.T) {
	api := newHostRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	auth := newHostRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/auth/v1/to-api" {
			http.Redirect(w, r, api.URL+"/api/v1/landing", http.StatusTemporaryRedirect)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	c, err := NewClient(WithBaseURL(api.URL+"/api"), WithAuthURL(auth.URL+"/auth"), WithAPIKey("qltt_key_1"),
		WithRateLimit(rate.Inf, 1), WithRetryWait(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	p := c.p

	send := func(r *request) {
		t.Helper()
		resp, err := p.do(t.Context(), r)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	send(&request{op: "RevokeSessionToken", kind: retry.Idempotent, endpoint: p.auth, method: http.MethodDelete,
		path: "/v1/users/session", auth: bearer("session_token_1")})
	send(&request{op: "RefreshBalance", kind: retry.Trigger, endpoint: p.api, method: http.MethodPost,
		path: "/v1/accounts/a/balances/refresh", auth: p.restAuth})
	send(&request{op: "IntrospectAPIKey", kind: retry.Idempotent, endpoint: p.auth, method: http.MethodPost,
		path: "/v1/to-api", auth: p.restAuth})

	assert.Equal(t, []string{"Bearer session_token_1"}, auth.seen("/auth/v1/users/session"))
	assert.Equal(t, []string{"Bearer qltt_key_1"}, api.seen("/api/v1/accounts/a/balances/refresh"))
	assert.Equal(t, []string{"Bearer qltt_key_1"}, auth.seen("/auth/v1/to-api"), "the auth host's own request")
	assert.Equal(t, []string{""}, api.seen("/api/v1/landing"), "the redirect to the API host carries no credential")
}
