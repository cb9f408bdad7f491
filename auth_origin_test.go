package quiltt_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// otherToken is a session token given as an argument, not the client's.
const otherToken = "eyJOTHERTOKEN.YXJndW1lbnQ.sig41c0"

// hostRecorder is an httptest server that records the Authorization of every
// request and answers 401.
type hostRecorder struct {
	*httptest.Server
	mu   sync.Mutex
	seen []authAttempt
}

func newRecorder(t *testing.T, handle func(w http.ResponseWriter, r *http.Request) bool) *hostRecorder {
	t.Helper()
	rec := &hostRecorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if handle != nil && handle(w, r) {
			return
		}
		rec.mu.Lock()
		rec.seen = append(rec.seen, authAttempt{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization")})
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"message":"Not Authenticated"}`))
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (r *hostRecorder) attempts() []authAttempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]authAttempt(nil), r.seen...)
}

// The auth calls send their credential to the auth host only: a redirect
// to another origin (here the API host, the other Quiltt host) goes out
// without one, a redirect within the auth host keeps it, and issuing a
// token never follows a redirect at all.
func TestAuthCredentialOnlyForAuthOrigin(t *testing.T) {
	api := newRecorder(t, nil)
	var auth *hostRecorder
	auth = newRecorder(t, func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case strings.HasPrefix(r.URL.Path, "/to-api"):
			http.Redirect(w, r, api.URL+strings.TrimPrefix(r.URL.Path, "/to-api"), http.StatusTemporaryRedirect)
			return true
		case strings.HasPrefix(r.URL.Path, "/to-self"):
			http.Redirect(w, r, auth.URL+"/moved"+strings.TrimPrefix(r.URL.Path, "/to-self"), http.StatusTemporaryRedirect)
			return true
		}
		return false
	})
	client := func(prefix string) *quiltt.Client {
		c, err := quiltt.NewClient(
			quiltt.WithBaseURL(api.URL), quiltt.WithAuthURL(auth.URL+prefix),
			quiltt.WithAPIKey(testAPIKey), quiltt.WithSessionToken(testSessionToken),
			quiltt.WithMaxRetries(0), quiltt.WithRateLimit(rate.Inf, 1), quiltt.WithRetryWait(time.Millisecond, time.Millisecond),
		)
		require.NoError(t, err)
		t.Cleanup(c.CloseIdleConnections)
		return c
	}
	calls := map[string]func(c *quiltt.Client) error{
		"revoke": func(c *quiltt.Client) error { return c.RevokeSessionToken(t.Context(), otherToken) },
		"introspect session": func(c *quiltt.Client) error {
			_, err := c.IntrospectSessionToken(t.Context(), otherToken)
			return err
		},
		"introspect API key": func(c *quiltt.Client) error {
			_, err := c.IntrospectAPIKey(t.Context())
			return err
		},
	}
	wantAuth := map[string]string{
		"revoke": "Bearer " + otherToken, "introspect session": "Bearer " + otherToken, "introspect API key": "Bearer " + testAPIKey,
	}

	for name, call := range calls {
		t.Run(name+" redirected to the API host", func(t *testing.T) {
			before := len(api.attempts())
			assert.ErrorIs(t, call(client("/to-api")), quiltt.ErrUnauthorized, "the API host's 401, for lack of a credential")
			seen := api.attempts()[before:]
			require.Len(t, seen, 1, "the redirect was followed")
			assert.Empty(t, seen[0].Auth, "no credential leaves the auth host")
		})
		t.Run(name+" redirected within the auth host", func(t *testing.T) {
			before := len(auth.attempts())
			assert.Error(t, call(client("/to-self")))
			seen := auth.attempts()[before:]
			require.Len(t, seen, 1)
			assert.True(t, strings.HasPrefix(seen[0].Path, "/moved/v1/"), seen[0].Path)
			assert.Equal(t, wantAuth[name], seen[0].Auth, "the same origin gets the credential")
		})
	}

	t.Run("issue is not redirected", func(t *testing.T) {
		before := len(api.attempts())
		_, err := client("/to-api").IssueSessionToken(t.Context(), &quiltt.SessionParams{UserID: testProfile})
		var e *quiltt.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, http.StatusTemporaryRedirect, e.StatusCode, "a trigger's 3xx is returned")
		assert.Equal(t, 1, e.Attempts)
		assert.Len(t, api.attempts(), before, "nothing reached the other host")
	})

	// The API host never sees an auth call, and the auth host never a
	// read: each host gets its own calls' credentials only.
	t.Run("each host its own calls", func(t *testing.T) {
		before := len(api.attempts())
		c := client("")
		for _, call := range calls {
			_ = call(c)
		}
		_, _ = c.IssueSessionToken(t.Context(), &quiltt.SessionParams{UserID: testProfile})
		assert.Len(t, api.attempts(), before)
		beforeAuth := len(auth.attempts())
		_, _ = c.Accounts(t.Context(), nil)
		assert.Len(t, auth.attempts(), beforeAuth)
		require.Len(t, api.attempts(), before+1)
		assert.Equal(t, "Bearer "+testSessionToken, api.attempts()[before].Auth)
	})
}
