package quiltt_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetryThenSuccess(t *testing.T) {
	body := fixture(t, "accounts_full.json")
	srv := newGQLServer(t, func(w http.ResponseWriter, _ *gqlRequest, n int) {
		switch n {
		case 1:
			reply(w, 503, "application/json", []byte(`{"message":"Service Unavailable"}`))
		case 2:
			reply(w, 429, "application/json", fixture(t, "error_429.json"), "Ratelimit-Remaining", "0", "Ratelimit-Limit", "25")
		default:
			reply(w, 200, "application/json", body, "Ratelimit-Limit", "25", "Ratelimit-Remaining", "24", "Ratelimit-Reset", "1767332561")
		}
	})
	c := newGQLClient(t, srv)
	accounts, err := c.Accounts(context.Background(), nil)
	require.NoError(t, err)
	assert.Len(t, accounts, 2)
	reqs := srv.seen()
	require.Len(t, reqs, 3)
	for _, r := range reqs[1:] {
		assert.Equal(t, reqs[0].Body, r.Body, "every attempt resends the same body")
		assert.Equal(t, reqs[0].Header.Get("Authorization"), r.Header.Get("Authorization"))
	}
	assert.Equal(t, quiltt.RateLimit{Limit: 25, Remaining: 24, Reset: time.Unix(1767332561, 0)}, c.RateLimit(),
		"the latest answer's rate-limit headers")
}

func TestZeroRetries(t *testing.T) {
	srv := newGQLServer(t, func(w http.ResponseWriter, _ *gqlRequest, _ int) {
		reply(w, 503, "", nil)
	})
	_, err := newGQLClient(t, srv, quiltt.WithMaxRetries(0)).Accounts(context.Background(), nil)
	assert.ErrorIs(t, err, quiltt.ErrServer)
	assert.EqualValues(t, 1, srv.attempts.Load())
}

// A 429 that asks for a wait over the cap is returned at once, with the wait
// it asked for, instead of sleeping.
func TestRetryAfterOverCapReturnsAtOnce(t *testing.T) {
	srv := newGQLServer(t, func(w http.ResponseWriter, _ *gqlRequest, _ int) {
		reply(w, 429, "application/json", fixture(t, "error_429.json"), "Retry-After", "120")
	})
	start := time.Now()
	_, err := newGQLClient(t, srv).Accounts(context.Background(), nil)
	var e *quiltt.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 120*time.Second, e.RetryAfter)
	assert.Equal(t, 1, e.Attempts)
	assert.Less(t, time.Since(start), 5*time.Second)
}

// A wait that would pass the context's deadline is not started: the last
// answer is returned at once.
func TestRetryWaitPastDeadlineReturnsLastAnswer(t *testing.T) {
	srv := newGQLServer(t, func(w http.ResponseWriter, _ *gqlRequest, _ int) {
		reply(w, 503, "", nil, "Retry-After", "30")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := newGQLClient(t, srv).Accounts(ctx, nil)
	var e *quiltt.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 503, e.StatusCode)
	assert.Equal(t, 30*time.Second, e.RetryAfter)
	assert.EqualValues(t, 1, srv.attempts.Load())
	assert.Less(t, time.Since(start), 5*time.Second)
}

// Retry-After sets a floor above the WithRetryWait bounds.
func TestRetryAfterIsAFloor(t *testing.T) {
	if testing.Short() {
		t.Skip("waits one second")
	}
	var first time.Time
	var gap atomic.Int64
	srv := newGQLServer(t, func(w http.ResponseWriter, _ *gqlRequest, n int) {
		if n == 1 {
			first = time.Now()
			reply(w, 429, "", nil, "Retry-After", "1")
			return
		}
		gap.Store(int64(time.Since(first)))
		reply(w, 200, "application/json", fixture(t, "account_no_balance.json"))
	})
	_, err := newGQLClient(t, srv).Account(context.Background(), "acct_nobal")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Duration(gap.Load()), time.Second, "waited at least Retry-After, above the 2ms max")
}

// Cancelling the context during a backoff returns at once, with the context's
// error and the last answer both matchable. The test cancels once the 429
// has reached the SDK (its transport says so, not its log): from there the
// SDK is deciding to wait 50 s, or waiting, and both must end the same way.
func TestCancelDuringBackoff(t *testing.T) {
	srv := newGQLServer(t, func(w http.ResponseWriter, _ *gqlRequest, _ int) {
		reply(w, 429, "application/json", fixture(t, "error_429.json"), "Retry-After", "50")
	})
	answered := make(chan struct{})
	var once sync.Once
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		once.Do(func() { close(answered) })
		return resp, err
	})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	c := newGQLClient(t, srv, quiltt.WithHTTPClient(hc))
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
	assert.EqualValues(t, 1, srv.attempts.Load())
}

// roundTripFunc is an http.RoundTripper made of a func.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestNetworkErrorsAreRetriedForReads(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) < 3 {
			// Drop the connection without an answer.
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		reply(w, 200, "application/json", fixture(t, "account_no_balance.json"))
	}))
	t.Cleanup(srv.Close)
	c, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL), quiltt.WithAPIKey(gqlTestKey),
		quiltt.WithRetryWait(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	a, err := c.ForProfile(gqlTestProfile).Account(context.Background(), "acct_nobal")
	require.NoError(t, err)
	assert.Equal(t, "acct_nobal", a.ID)
	assert.EqualValues(t, 3, n.Load())
}

func TestConnectionRefusedGivesTransportError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	var logs bytes.Buffer
	c, err := quiltt.NewClient(quiltt.WithBaseURL(url), quiltt.WithAPIKey(gqlTestKey),
		quiltt.WithRetryWait(time.Millisecond, time.Millisecond), quiltt.WithMaxRetries(2),
		quiltt.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	_, err = c.ForProfile(gqlTestProfile).Accounts(context.Background(), nil)
	var te *quiltt.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 3, te.Attempts)
	assert.Nil(t, te.Last)
	assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown)
	assert.Contains(t, logs.String(), `"msg":"quiltt: retrying"`)
	assert.Contains(t, logs.String(), `"attempt":2`)
	assert.NotContains(t, logs.String(), gqlTestKey)
}

func TestContextDeadlineWhileWaitingForAnswer(t *testing.T) {
	release := make(chan struct{})
	srv := newGQLServer(t, func(w http.ResponseWriter, r *gqlRequest, _ int) {
		<-release
	})
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := newGQLClient(t, srv).Accounts(ctx, nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	var te *quiltt.TransportError
	assert.True(t, errors.As(err, &te))
}

// A redirect the SDK's policy refuses ends the call at once: the same
// request would be redirected again, so it is not retried.
func TestRefusedRedirectsAreNotRetried(t *testing.T) {
	errNoRedirects := errors.New("no redirects here")
	for name, tc := range map[string]struct {
		target   string // where the server redirects, relative to itself
		check    func(*http.Request, []*http.Request) error
		requests int32 // the server must see exactly this many
		is       error
	}{
		"a redirect loop":   {target: "/v1/graphql", requests: 10},
		"a redirect to ftp": {target: "ftp://example.com/v1/graphql", requests: 1},
		"the user's CheckRedirect error": {target: "/v1/graphql", requests: 1, is: errNoRedirects,
			check: func(*http.Request, []*http.Request) error { return errNoRedirects }},
	} {
		t.Run(name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				http.Redirect(w, r, tc.target, http.StatusTemporaryRedirect)
			}))
			t.Cleanup(srv.Close)
			c, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL), quiltt.WithAPIKey(gqlTestKey),
				quiltt.WithRetryWait(time.Millisecond, time.Millisecond), quiltt.WithMaxRetries(2),
				quiltt.WithHTTPClient(&http.Client{CheckRedirect: tc.check}))
			require.NoError(t, err)
			t.Cleanup(c.CloseIdleConnections)
			_, err = c.ForProfile(gqlTestProfile).Accounts(context.Background(), nil)
			var te *quiltt.TransportError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, 1, te.Attempts, "not retried: %v", err)
			assert.Equal(t, tc.requests, n.Load())
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
		})
	}
}
