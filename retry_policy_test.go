package quiltt_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetryThenSuccess(t *testing.T) {
	body := fixture(t, "accounts_full.json")
	c, mux, _ := setup(t)
	gql := handleGraphQL(t, mux, func(w http.ResponseWriter, _ *gqlRequest, n int) {
		switch n {
		case 1:
			reply(w, 503, "application/json", []byte(`{"message":"Service Unavailable"}`))
		case 2:
			reply(w, 429, "application/json", fixture(t, "error_429.json"), "Ratelimit-Remaining", "0", "Ratelimit-Limit", "25")
		default:
			reply(w, 200, "application/json", body, "Ratelimit-Limit", "25", "Ratelimit-Remaining", "24", "Ratelimit-Reset", "1767332561")
		}
	})
	accounts, err := c.Accounts(context.Background(), nil)
	require.NoError(t, err)
	assert.Len(t, accounts, 2)
	reqs := gql.seen()
	require.Len(t, reqs, 3)
	for _, r := range reqs[1:] {
		assert.Equal(t, reqs[0].Body, r.Body, "every attempt resends the same body")
		assert.Equal(t, reqs[0].Header.Get("Authorization"), r.Header.Get("Authorization"))
	}
	assert.Equal(t, quiltt.RateLimit{Limit: 25, Remaining: 24, Reset: time.Unix(1767332561, 0)}, c.RateLimit(),
		"the latest answer's rate-limit headers")
}

func TestZeroRetries(t *testing.T) {
	client, mux, _ := setup(t, quiltt.WithMaxRetries(0))
	gql := handleGraphQL(t, mux, func(w http.ResponseWriter, _ *gqlRequest, _ int) {
		reply(w, 503, "", nil)
	})
	_, err := client.Accounts(context.Background(), nil)
	assert.ErrorIs(t, err, quiltt.ErrServer)
	assert.EqualValues(t, 1, gql.attempts.Load())
}

// A 429 that asks for a wait over the cap is returned at once, with the wait
// it asked for, instead of sleeping.
func TestRetryAfterOverCapReturnsAtOnce(t *testing.T) {
	client, mux, _ := setup(t)
	handleGraphQL(t, mux, func(w http.ResponseWriter, _ *gqlRequest, _ int) {
		reply(w, 429, "application/json", fixture(t, "error_429.json"), "Retry-After", "120")
	})
	start := time.Now()
	_, err := client.Accounts(context.Background(), nil)
	var e *quiltt.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 120*time.Second, e.RetryAfter)
	assert.Equal(t, 1, e.Attempts)
	assert.Less(t, time.Since(start), 5*time.Second)
}

// A wait that would pass the context's deadline is not started: the last
// answer is returned at once.
func TestRetryWaitPastDeadlineReturnsLastAnswer(t *testing.T) {
	client, mux, _ := setup(t)
	gql := handleGraphQL(t, mux, func(w http.ResponseWriter, _ *gqlRequest, _ int) {
		reply(w, 503, "", nil, "Retry-After", "30")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := client.Accounts(ctx, nil)
	var e *quiltt.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 503, e.StatusCode)
	assert.Equal(t, 30*time.Second, e.RetryAfter)
	assert.EqualValues(t, 1, gql.attempts.Load())
	assert.Less(t, time.Since(start), 5*time.Second)
}

// Retry-After sets a floor above the WithRetryWait bounds.
func TestRetryAfterIsAFloor(t *testing.T) {
	if testing.Short() {
		t.Skip("waits one second")
	}
	var first time.Time
	var gap atomic.Int64
	client, mux, _ := setup(t)
	handleGraphQL(t, mux, func(w http.ResponseWriter, _ *gqlRequest, n int) {
		if n == 1 {
			first = time.Now()
			reply(w, 429, "", nil, "Retry-After", "1")
			return
		}
		gap.Store(int64(time.Since(first)))
		reply(w, 200, "application/json", fixture(t, "account_no_balance.json"))
	})
	_, err := client.Account(context.Background(), "acct_nobal")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Duration(gap.Load()), time.Second, "waited at least Retry-After, above the 2ms max")
}

// Cancelling the context during a backoff returns at once, with the context's
// error and the last answer both matchable. The test cancels once the 429
// has reached the SDK (its transport says so, not its log): from there the
// SDK is deciding to wait 50 s, or waiting, and both must end the same way.
func TestCancelDuringBackoff(t *testing.T) {
	hc, answered := firstAnswer(t)
	c, mux, _ := setup(t, quiltt.WithHTTPClient(hc))
	gql := handleGraphQL(t, mux, func(w http.ResponseWriter, _ *gqlRequest, _ int) {
		reply(w, 429, "application/json", fixture(t, "error_429.json"), "Retry-After", "50")
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Accounts(ctx, nil)
		done <- err
	}()
	<-answered
	start := time.Now()
	cancel()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Accounts did not return after cancel")
	}
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, quiltt.ErrRateLimited, "the last answer is kept")
	var te *quiltt.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 1, te.Attempts)
	assert.EqualValues(t, 1, gql.attempts.Load())
}

func TestNetworkErrorsAreRetriedForReads(t *testing.T) {
	c, mux, _ := setup(t)
	gql := handleGraphQL(t, mux, func(w http.ResponseWriter, _ *gqlRequest, n int) {
		if n < 3 {
			// Drop the connection without an answer.
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		reply(w, 200, "application/json", fixture(t, "account_no_balance.json"))
	})
	a, err := c.Account(context.Background(), "acct_nobal")
	require.NoError(t, err)
	assert.Equal(t, "acct_nobal", a.ID)
	assert.EqualValues(t, 3, gql.attempts.Load())
}

func TestConnectionRefusedGivesTransportError(t *testing.T) {
	var logs bytes.Buffer
	c := newClient(t, refusedBaseURL(t), quiltt.WithMaxRetries(2),
		quiltt.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	_, err := c.ForProfile(testProfile).Accounts(context.Background(), nil)
	var te *quiltt.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 3, te.Attempts)
	assert.Nil(t, te.Last)
	assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown)
	assert.Contains(t, logs.String(), `"msg":"quiltt: retrying"`)
	assert.Contains(t, logs.String(), `"attempt":2`)
	assert.NotContains(t, logs.String(), testAPIKey)
}

func TestContextDeadlineWhileWaitingForAnswer(t *testing.T) {
	release := make(chan struct{})
	client, mux, _ := setup(t)
	handleGraphQL(t, mux, func(w http.ResponseWriter, r *gqlRequest, _ int) {
		<-release
	})
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := client.Accounts(ctx, nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	var te *quiltt.TransportError
	assert.True(t, errors.As(err, &te))
}

// A redirect the SDK's policy refuses ends the call at once: the same
// request would be redirected again, so it is not retried.
func TestRefusedRedirectsAreNotRetried(t *testing.T) {
	errNoRedirects := errors.New("no redirects here")
	for name, tc := range map[string]struct {
		target   string // where the server redirects
		check    func(*http.Request, []*http.Request) error
		requests int32 // the server must see exactly this many
		is       error
	}{
		"a redirect loop":   {target: basePath + "/v1/graphql", requests: 10},
		"a redirect to ftp": {target: "ftp://example.com/v1/graphql", requests: 1},
		"the user's CheckRedirect error": {target: basePath + "/v1/graphql", requests: 1, is: errNoRedirects,
			check: func(*http.Request, []*http.Request) error { return errNoRedirects }},
	} {
		t.Run(name, func(t *testing.T) {
			c, mux, _ := setup(t, quiltt.WithMaxRetries(2), quiltt.WithHTTPClient(&http.Client{CheckRedirect: tc.check}))
			gql := handleGraphQL(t, mux, func(w http.ResponseWriter, _ *gqlRequest, _ int) {
				w.Header().Set("Location", tc.target)
				w.WriteHeader(http.StatusTemporaryRedirect)
			})
			_, err := c.Accounts(context.Background(), nil)
			var te *quiltt.TransportError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, 1, te.Attempts, "not retried: %v", err)
			assert.Equal(t, tc.requests, gql.attempts.Load())
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
		})
	}
}
