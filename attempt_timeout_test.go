package quiltt_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// The HTTP client's Timeout bounds each attempt, not the wait for the rate
// limiter before it: three refreshes queued behind a limiter that lets one
// through every 300 ms all succeed with a 200 ms per-attempt Timeout (with
// net/http's Client.Timeout around the limiter, the later ones failed
// unsent, reading as a deadline).
func TestAttemptTimeoutExcludesTheLimiterWait(t *testing.T) {
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		posts.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	c, err := quiltt.NewClient(
		quiltt.WithAPIKey(testAPIKey),
		quiltt.WithBaseURL(srv.URL),
		quiltt.WithHTTPClient(&http.Client{Timeout: 200 * time.Millisecond}),
		quiltt.WithLimiter(rate.NewLimiter(rate.Every(300*time.Millisecond), 1)),
	)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)

	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() { errs[i] = c.RefreshBalance(t.Context(), "acct_1") })
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "refresh %d", i)
	}
	assert.EqualValues(t, 3, posts.Load())
}

// The per-attempt Timeout still ends an attempt whose answer is late, and
// one whose body stalls after the status line; the caller's own context had
// no deadline, yet the error matches context.DeadlineExceeded and says it was
// the client's Timeout, as net/http's does.
func TestAttemptTimeoutBoundsTheAnswerAndItsBody(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	stall := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/accounts/late/balances/refresh", stall)
	mux.HandleFunc("/v1/graphql", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"data":{"accounts":[`))
		w.(http.Flusher).Flush()
		stall(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, err := quiltt.NewClient(
		quiltt.WithAPIKey(testAPIKey),
		quiltt.WithBaseURL(srv.URL),
		quiltt.WithHTTPClient(&http.Client{Timeout: 100 * time.Millisecond}),
		quiltt.WithMaxRetries(0),
	)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)

	err = c.RefreshBalance(context.Background(), "late")
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, quiltt.ErrOutcomeUnknown, "the POST was written before the answer was late")
	assert.Contains(t, err.Error(), "Timeout")
	var te interface{ Timeout() bool }
	require.True(t, errors.As(err, &te))
	assert.True(t, te.Timeout())

	_, err = c.ForProfile("p_1").Accounts(context.Background(), nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the body stalled past the Timeout")
}
