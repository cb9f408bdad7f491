package quilttest_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// apiLimit is the instruction of the fake's 429 for an exceeded budget.
const apiLimit = "The API rate limit has been exceeded. Please try again after the time in the Ratelimit-Reset header."

// heldClock is a fake clock that stands still at a set time until
// released, then follows the real one: the fake counts every request
// before the release in one rate-limit window, whatever the real clock
// does meanwhile.
type heldClock struct {
	mu       sync.Mutex
	at       time.Time
	released bool
}

func (c *heldClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.released {
		return time.Now()
	}
	return c.at
}

func (c *heldClock) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.released = true
}

// on429 is a transport that calls fn with every 429 answer, before the
// SDK sees it.
type on429 struct {
	base http.RoundTripper
	fn   func(*http.Response)
}

func (t *on429) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		t.fn(resp)
	}
	return resp, err
}

// sdkCall is one SDK operation against the fake, as the rate-limit tests
// run it.
type sdkCall struct {
	name  string
	route quilttest.Route
	call  func(context.Context, *quiltt.Client) error
}

var rateLimitedCalls = []sdkCall{
	{"Accounts", quilttest.RouteGraphQL, func(ctx context.Context, c *quiltt.Client) error {
		_, err := c.Accounts(ctx, nil)
		return err
	}},
	{"RefreshBalance", quilttest.RouteRefresh, func(ctx context.Context, c *quiltt.Client) error {
		return c.RefreshBalance(ctx, quilttest.CheckingAccountID)
	}},
}

// Past an enforced budget the fake answers 429 with Ratelimit-Remaining 0;
// a client whose own limiter is off waits until Ratelimit-Reset, the floor
// the headers give, and its retry (a read, or a refresh: Quiltt did not
// act) lands in the next window. The wait is under a second: the window is
// one second, and the fake's clock is held so that the 429 is certain.
func TestSDKWaitsForRateLimitReset(t *testing.T) {
	for _, tc := range rateLimitedCalls {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := &heldClock{at: time.Now()}
			s := quilttest.NewTestServer(t, quilttest.WithRateLimit(1, time.Second), quilttest.WithClock(clk.Now),
				quilttest.WithRefreshDelay(quilttest.ManualRefresh))
			var mu sync.Mutex
			var reset time.Time
			hc := &http.Client{Transport: &on429{base: s.Client().Transport, fn: func(resp *http.Response) {
				unix, err := strconv.ParseInt(resp.Header.Get("Ratelimit-Reset"), 10, 64)
				assert.NoError(t, err)
				mu.Lock()
				reset = time.Unix(unix, 0)
				mu.Unlock()
				clk.release()
			}}}
			c := sdkClient(t, s, quiltt.WithHTTPClient(hc))

			require.NoError(t, tc.call(t.Context(), c), "the window's one request")
			require.NoError(t, tc.call(t.Context(), c), "refused 429, then retried after the reset")

			reqs := requestsTo(s, tc.route)
			require.Equal(t, []int{200, 429, 200}, okAs200(statuses(reqs)))
			mu.Lock()
			defer mu.Unlock()
			require.False(t, reset.IsZero())
			assert.False(t, reqs[2].Time.Before(reset), "retried at %v, before the reset at %v", reqs[2].Time, reset)
			assert.Equal(t, 1, c.RateLimit().Limit)
		})
	}
}

// When the reset is further away than the SDK waits (a minute), the call
// returns the 429 at once: a *quiltt.Error with the fake's Ratelimit-*
// headers in RateLimit and the wait in RetryAfter, after 1 attempt.
func TestSDKRateLimitBeyondTheWaitCap(t *testing.T) {
	for _, tc := range rateLimitedCalls {
		t.Run(tc.name, func(t *testing.T) {
			clk := &heldClock{at: time.Now().Add(time.Hour)}
			s := quilttest.NewTestServer(t, quilttest.WithRateLimit(1, time.Second), quilttest.WithClock(clk.Now),
				quilttest.WithRefreshDelay(quilttest.ManualRefresh))
			c := sdkClient(t, s)

			require.NoError(t, tc.call(t.Context(), c))
			err := tc.call(t.Context(), c)
			require.Error(t, err)
			assert.ErrorIs(t, err, quiltt.ErrRateLimited)
			assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown, "a 429 says Quiltt did not act")
			qe := requireError(t, err)
			assert.Equal(t, 1, qe.Attempts)
			assert.Equal(t, apiLimit, qe.Instruction)
			wantReset := clk.at.Truncate(time.Second).Add(time.Second)
			assert.Equal(t, 1, qe.RateLimit.Limit)
			assert.Equal(t, 0, qe.RateLimit.Remaining)
			assert.True(t, wantReset.Equal(qe.RateLimit.Reset), "reset %v, want %v", qe.RateLimit.Reset, wantReset)
			assert.Greater(t, qe.RetryAfter, 59*time.Minute)
			assert.Equal(t, qe.RateLimit, c.RateLimit())
			assert.Equal(t, []int{200, 429}, okAs200(statuses(requestsTo(s, tc.route))))
		})
	}
}

// okAs200 maps the refresh route's 202 to 200, so that one expectation
// serves both routes.
func okAs200(codes []int) []int {
	for i, c := range codes {
		if c == http.StatusAccepted {
			codes[i] = http.StatusOK
		}
	}
	return codes
}
