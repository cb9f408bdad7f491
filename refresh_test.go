package quiltt_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
)

func TestRefreshBalanceRequest(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, quiltt.WithAPIVersion("2026-04-01"))
	var uri, userAgent string
	var contentLength int64
	var n int
	mux.HandleFunc(accountsPath, func(w http.ResponseWriter, r *http.Request) {
		n++
		uri, userAgent, contentLength = r.RequestURI, r.Header.Get("User-Agent"), r.ContentLength
		testMethod(t, r, http.MethodPost)
		testHeader(t, r, "Authorization", "Bearer "+testAPIKey)
		testHeader(t, r, "Quiltt-Version", "2026-04-01")
		testHeader(t, r, "Content-Type", "") // no body, no content type
		testBody(t, r, "")
		w.WriteHeader(http.StatusAccepted)
	})

	require.NoError(t, c.RefreshBalance(t.Context(), "acct_?#%é"))

	require.Equal(t, 1, n)
	assert.Equal(t, basePath+"/v1/accounts/acct_%3F%23%25%C3%A9/balances/refresh", uri)
	assert.Equal(t, int64(0), contentLength)
	assert.True(t, strings.HasPrefix(userAgent, "quiltt-go/"), userAgent)
}

func TestRefreshBalanceInvalidID(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	rec := handleScript(mux, accountsPath, answer(t, 202, ""))
	for _, id := range []string{"", ".", "..", "acct/1", `acct\1`, "acct 1", "acct\n1", "acct\x7f", "acct\u00851", "\xff", strings.Repeat("a", 257)} {
		err := c.RefreshBalance(t.Context(), id)
		assert.ErrorIs(t, err, quiltt.ErrInvalidAccountID, "%q", id)
		if id != "" {
			assert.NotContains(t, err.Error(), id)
		}
	}
	assert.Zero(t, rec.attempts.Load(), "no request for an invalid ID")
}

func TestRefreshBalanceNeedsAPIKey(t *testing.T) {
	t.Parallel()
	_, mux, srv := setup(t)
	rec := handleScript(mux, accountsPath, answer(t, 202, ""))
	c, err := quiltt.NewClient(quiltt.WithSessionToken("session.jwt.token"), quiltt.WithBaseURL(srv.baseURL()))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)

	err = c.RefreshBalance(t.Context(), "acct_1")
	assert.ErrorIs(t, err, quiltt.ErrMissingCredentials)
	assert.Contains(t, err.Error(), "API key")
	assert.NotContains(t, err.Error(), "session.jwt.token")
	assert.Zero(t, rec.attempts.Load())
}

// TestRefreshBalanceServerWait checks that a 429's Retry-After, and a
// Ratelimit-Reset with no budget left, hold the retry back (1 s each).
func TestRefreshBalanceServerWait(t *testing.T) {
	t.Parallel()
	for name, header := range map[string][]string{
		"Retry-After":     {"Retry-After", "1"},
		"Ratelimit-Reset": {"Ratelimit-Limit", "25", "Ratelimit-Remaining", "0", "Ratelimit-Reset", "1"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var at []time.Time
			stamp := func(next http.HandlerFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					at = append(at, time.Now())
					mu.Unlock()
					next(w, r)
				}
			}
			c, mux, _ := setup(t)
			rec := handleScript(mux, accountsPath, stamp(answer(t, 429, "429.json", header...)), stamp(answer(t, 202, "")))

			require.NoError(t, c.RefreshBalance(t.Context(), "acct_1"))
			require.EqualValues(t, 2, rec.attempts.Load())
			assert.GreaterOrEqual(t, at[1].Sub(at[0]), 900*time.Millisecond, "the server's wait, not the 1-2 ms backoff")
		})
	}
}

// Cancelling the context during the backoff after a 429 returns at once.
// The test cancels once the 429 has reached the SDK (its transport says so):
// from there the SDK is deciding to wait 30 s, or waiting, and both must
// end the same way.
func TestRefreshBalanceCancelDuringBackoff(t *testing.T) {
	t.Parallel()
	hc, answered := firstAnswer(t)
	c, mux, _ := setup(t, quiltt.WithHTTPClient(hc))
	rec := handleScript(mux, accountsPath, answer(t, 429, "429.json", "Retry-After", "30"))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		select {
		case <-answered: // the 429 is in: the client decides to wait 30 s
			cancel()
		case <-ctx.Done():
		}
	}()

	start := time.Now()
	err := c.RefreshBalance(ctx, "acct_1")

	assert.Less(t, time.Since(start), 5*time.Second, "returns when cancelled, not after 30 s")
	assert.EqualValues(t, 1, rec.attempts.Load())
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, quiltt.ErrRateLimited, "the last answer is kept")
	assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown)
}

func TestRefreshBalanceRateLimitHeaders(t *testing.T) {
	t.Parallel()
	reset := time.Now().Add(time.Hour).Unix()
	c, mux, _ := setup(t)
	handleScript(mux, accountsPath, answer(t, 202, "", "Ratelimit-Limit", "25", "Ratelimit-Remaining", "24",
		"Ratelimit-Reset", strconv.FormatInt(reset, 10)))
	assert.Equal(t, quiltt.RateLimit{}, c.RateLimit(), "none seen yet")

	require.NoError(t, c.ForProfile("p_1").RefreshBalance(t.Context(), "acct_1"))

	want := quiltt.RateLimit{Limit: 25, Remaining: 24, Reset: time.Unix(reset, 0)}
	assert.Equal(t, want, c.RateLimit(), "shared with clients ForProfile derives")
}
