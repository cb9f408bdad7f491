package quiltt_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/quiltt-go/quiltt"
)

// TestLimiterWaitPastDeadline: when the client's rate limiter would hold an
// attempt past the context's deadline, the call fails at once, unsent, with
// an error that matches context.DeadlineExceeded, and is not retried.
func TestLimiterWaitPastDeadline(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, quiltt.WithRateLimit(0.5, 1)) // one request per 2 s
	rec := handleScript(mux, accountsPath, answer(t, 202, ""))
	require.NoError(t, c.RefreshBalance(t.Context(), "acct_1")) // takes the only token
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()

	err := c.RefreshBalance(ctx, "acct_1")

	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown, "never sent")
	assert.Equal(t, 1, asTransportError(t, err).Attempts, "not retried")
	assert.NoError(t, ctx.Err(), "failed before the deadline, without waiting for it")
	assert.EqualValues(t, 1, rec.attempts.Load())
}

// limiterFunc is a Limiter made of a func.
type limiterFunc func(ctx context.Context) error

func (f limiterFunc) Wait(ctx context.Context) error { return f(ctx) }

// errStoreDown is a fleet limiter's own failure.
var errStoreDown = errors.New("limiter store unreachable")

// WithLimiter replaces the client's rate limiter: every attempt waits on it,
// retries included.
func TestWithLimiterIsWaitedOnByEveryAttempt(t *testing.T) {
	t.Parallel()
	_, mux, srv := setup(t)
	rec := handleScript(mux, accountsPath, answer(t, 429, "429.json"), answer(t, 202, ""))
	var waits atomic.Int32
	c, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey), quiltt.WithBaseURL(srv.baseURL()),
		quiltt.WithRetryWait(time.Millisecond, time.Millisecond),
		quiltt.WithLimiter(limiterFunc(func(context.Context) error { waits.Add(1); return nil })))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)

	require.NoError(t, c.ForProfile("p_1").RefreshBalance(t.Context(), "acct_1"))
	assert.EqualValues(t, 2, rec.attempts.Load())
	assert.EqualValues(t, 2, waits.Load(), "one wait per attempt")
}

// A limiter's own error keeps its cause, is no timeout although the context
// has a deadline, sends nothing and is not retried.
func TestWithLimiterErrorKeepsItsCause(t *testing.T) {
	t.Parallel()
	_, mux, srv := setup(t)
	rec := handleScript(mux, accountsPath, answer(t, 202, ""))
	c, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey), quiltt.WithBaseURL(srv.baseURL()),
		quiltt.WithLimiter(limiterFunc(func(context.Context) error { return fmt.Errorf("redis: %w", errStoreDown) })))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	err = c.RefreshBalance(ctx, "acct_1")

	assert.ErrorIs(t, err, errStoreDown)
	assert.NotErrorIs(t, err, context.DeadlineExceeded, "a store outage is not a timeout")
	assert.NotErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown, "nothing was sent")
	assert.Equal(t, 1, asTransportError(t, err).Attempts, "not retried")
	assert.Zero(t, rec.attempts.Load())
	assert.Equal(t, 1, strings.Count(err.Error(), "quiltt:"), "one prefix: %v", err)
}

// A limiter that gives up because the context ended: both its error and the
// context's match.
func TestWithLimiterContextEnded(t *testing.T) {
	t.Parallel()
	_, mux, srv := setup(t)
	rec := handleScript(mux, accountsPath, answer(t, 202, ""))
	c, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey), quiltt.WithBaseURL(srv.baseURL()),
		quiltt.WithLimiter(limiterFunc(func(ctx context.Context) error {
			<-ctx.Done()
			return errStoreDown // a limiter that forgets to say why
		})))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()

	err = c.RefreshBalance(ctx, "acct_1")

	assert.ErrorIs(t, err, errStoreDown)
	assert.ErrorIs(t, err, context.Canceled, "the context had ended")
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	assert.Zero(t, rec.attempts.Load())
}

// A *rate.Limiter given WithLimiter refuses a wait past the deadline as the
// default limiter does: at once, as a deadline.
func TestWithLimiterRateLimiterPastDeadline(t *testing.T) {
	t.Parallel()
	_, mux, srv := setup(t)
	rec := handleScript(mux, accountsPath, answer(t, 202, ""))
	c, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey), quiltt.WithBaseURL(srv.baseURL()),
		quiltt.WithLimiter(rate.NewLimiter(0.5, 1)))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	require.NoError(t, c.RefreshBalance(t.Context(), "acct_1"))
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()

	err = c.RefreshBalance(ctx, "acct_1")

	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NoError(t, ctx.Err(), "refused at once, not at the deadline")
	assert.EqualValues(t, 1, rec.attempts.Load())
}

func TestWithLimiterRejects(t *testing.T) {
	t.Parallel()
	var nilRate *rate.Limiter
	for name, opts := range map[string][]quiltt.Option{
		"nil":                       {quiltt.WithLimiter(nil)},
		"typed nil":                 {quiltt.WithLimiter(nilRate)},
		"WithLimiter and rate":      {quiltt.WithLimiter(rate.NewLimiter(1, 1)), quiltt.WithRateLimit(5, 1)},
		"WithRateLimit and limiter": {quiltt.WithRateLimit(5, 1), quiltt.WithLimiter(rate.NewLimiter(1, 1))},
	} {
		c, err := quiltt.NewClient(append(opts, quiltt.WithAPIKey(testAPIKey))...)
		assert.Nil(t, c, name)
		assert.Error(t, err, name)
	}
}

// The client-side limiter spaces attempts at the configured rate.
func TestRateLimiterSpacesRequests(t *testing.T) {
	c, mux, _ := setup(t, quiltt.WithRateLimit(50, 1)) // one every 20ms
	handleGraphQL(t, mux, replyFixture(t, "account_no_balance.json"))
	start := time.Now()
	for range 6 {
		_, err := c.Account(context.Background(), "acct_nobal")
		require.NoError(t, err)
	}
	assert.GreaterOrEqual(t, time.Since(start), 90*time.Millisecond, "5 gaps of 20ms")
}

func TestRateLimiterWaitStopsWithContext(t *testing.T) {
	c, mux, _ := setup(t, quiltt.WithRateLimit(0.01, 1)) // one per 100s
	gql := handleGraphQL(t, mux, replyFixture(t, "account_no_balance.json"))
	_, err := c.Account(context.Background(), "acct_nobal")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = c.Account(ctx, "acct_nobal")
	require.Error(t, err)
	assert.EqualValues(t, 1, gql.attempts.Load(), "the second call never went out")
}

// TestRefreshBalanceClientLimiter checks that every call of a client, and of
// the clients derived from it, waits on one limiter: the default budget of
// an API key (25/s), and one WithRateLimit sets.
func TestRefreshBalanceClientLimiter(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		opts  []quiltt.Option
		calls int
		// span is half of (calls-1)/rate: arrivals are paced when the span
		// is anywhere near it (unpaced, they all land within a few ms), and
		// the half absorbs a loaded machine's scheduling delay of the first
		// arrival, which shortens the span measured at the server.
		span time.Duration
	}{
		"default 25/s":       {calls: 4, span: 60 * time.Millisecond},
		"WithRateLimit 50/s": {opts: []quiltt.Option{quiltt.WithRateLimit(50, 1)}, calls: 8, span: 70 * time.Millisecond},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var at []time.Time
			_, mux, srv := setup(t)
			mux.HandleFunc(accountsPath, func(w http.ResponseWriter, _ *http.Request) {
				mu.Lock()
				at = append(at, time.Now())
				mu.Unlock()
				w.WriteHeader(http.StatusAccepted)
			})
			opts := append([]quiltt.Option{quiltt.WithAPIKey(testAPIKey), quiltt.WithBaseURL(srv.baseURL())}, tc.opts...)
			c, err := quiltt.NewClient(opts...)
			require.NoError(t, err)
			t.Cleanup(c.CloseIdleConnections)
			derived := c.ForProfile("p_1")

			var wg sync.WaitGroup
			for i := range tc.calls {
				cl := c
				if i%2 == 1 {
					cl = derived
				}
				wg.Go(func() { assert.NoError(t, cl.RefreshBalance(t.Context(), "acct_1")) })
			}
			wg.Wait()

			require.Len(t, at, tc.calls)
			first, last := at[0], at[0]
			for _, a := range at {
				first, last = minTime(first, a), maxTime(last, a)
			}
			assert.GreaterOrEqual(t, last.Sub(first), tc.span)
		})
	}
}

func TestWithRateLimitRejectsNonsense(t *testing.T) {
	t.Parallel()
	for _, o := range []quiltt.Option{quiltt.WithRateLimit(0, 1), quiltt.WithRateLimit(-1, 1), quiltt.WithRateLimit(10, 0)} {
		_, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey), o)
		assert.Error(t, err)
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
