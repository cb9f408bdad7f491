package quiltt_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
)

// faultCase is one row of the refresh fault table. A row either scripts
// the answers of an httptest server (replies) or brings its own server
// (serve, which returns the base URL and a count of attempts seen).
type faultCase struct {
	name    string
	replies []http.HandlerFunc
	serve   func(t *testing.T) (base string, seen func() int)
	timeout time.Duration // of the call's context; 0 for none

	attempts int    // attempts the server saw
	errType  string // "", "*Error" or "*TransportError"
	status   int    // Error.StatusCode (or TransportError.Last's)
	is       []error
	isNot    []error
	check    func(t *testing.T, err error)
}

func TestRefreshBalanceFaults(t *testing.T) {
	t.Parallel()
	notUnknown := []error{quiltt.ErrOutcomeUnknown}
	cases := []faultCase{
		{name: "202 accepted", replies: h(answer(t, 202, "")), attempts: 1},
		{name: "200 is a 2xx too", replies: h(answer(t, 200, "")), attempts: 1},
		{name: "429 then 202", replies: h(answer(t, 429, "429.json"), answer(t, 202, "")), attempts: 2},
		{name: "503 then 202", replies: h(answer(t, 503, "500.json"), answer(t, 202, "")), attempts: 2},
		{
			name: "400 kind not supported", replies: h(answer(t, 400, "400.json")), attempts: 1,
			errType: "*Error", status: 400, is: []error{quiltt.ErrBadRequest}, isNot: notUnknown,
			check: func(t *testing.T, err error) {
				e := asError(t, err)
				assert.Equal(t, "Bad Request", e.Message)
				assert.Equal(t, "Account provider does not support Balance Refreshes for `LOAN` accounts.", e.Instruction)
				assert.Equal(t, "RefreshBalance", e.Op)
				assert.Equal(t, http.MethodPost, e.Method)
				assert.True(t, strings.HasSuffix(e.URL, refreshURI), e.URL)
			},
		},
		{
			name: "401 bad key", replies: h(answer(t, 401, "401.json")), attempts: 1,
			errType: "*Error", status: 401, is: []error{quiltt.ErrUnauthorized}, isNot: notUnknown,
			check: wantMessage("Not Authenticated", "Are you sending a valid API Key secret in the `Authorization` header?", ""),
		},
		{
			name: "403 inactive connection", replies: h(answer(t, 403, "403.json")), attempts: 1,
			errType: "*Error", status: 403, is: []error{quiltt.ErrForbidden}, isNot: notUnknown,
			check: wantMessage("Forbidden", "Account does not belong to an active Connection.", ""),
		},
		{
			name: "404 no such account", replies: h(answer(t, 404, "404.json")), attempts: 1,
			errType: "*Error", status: 404, is: []error{quiltt.ErrNotFound}, isNot: notUnknown,
			check: wantMessage("Not Found", "Does the URL contain the ID of a connected Account?", ""),
		},
		{
			name: "422 field errors", replies: h(answer(t, 422, "422.json")), attempts: 1,
			errType: "*Error", status: 422, is: []error{quiltt.ErrBadRequest}, isNot: notUnknown,
			check: func(t *testing.T, err error) {
				e := asError(t, err)
				assert.Equal(t, map[string][]string{"accountId": {"is invalid"}, "base": {"cannot be refreshed", "try later"}}, e.Validation)
				assert.Contains(t, e.Error(), "accountId: is invalid")
			},
		},
		{
			name: "429 every time: retried, then returned", replies: h(answer(t, 429, "429.json", "Ratelimit-Limit", "25", "Ratelimit-Remaining", "3")), attempts: 3,
			errType: "*Error", status: 429, is: []error{quiltt.ErrRateLimited}, isNot: notUnknown,
			check: func(t *testing.T, err error) {
				e := asError(t, err)
				assert.Equal(t, 3, e.Attempts)
				assert.Equal(t, "Too Many Requests", e.Message)
				assert.Equal(t, quiltt.RateLimit{Limit: 25, Remaining: 3}, e.RateLimit)
			},
		},
		{
			name: "429 asking for more than the cap: not retried", replies: h(answer(t, 429, "429.json", "Retry-After", "120")), attempts: 1,
			errType: "*Error", status: 429, is: []error{quiltt.ErrRateLimited}, isNot: notUnknown,
			check: func(t *testing.T, err error) { assert.Equal(t, 2*time.Minute, asError(t, err).RetryAfter) },
		},
		{
			name: "429 asking for a wait past the deadline: not retried", timeout: 2 * time.Second,
			replies: h(answer(t, 429, "429.json", "Retry-After", "30")), attempts: 1,
			errType: "*Error", status: 429, is: []error{quiltt.ErrRateLimited}, isNot: notUnknown,
		},
		{
			name: "503 every time: retried, then returned", replies: h(answer(t, 503, "503_error_id.json")), attempts: 3,
			errType: "*Error", status: 503, is: []error{quiltt.ErrServer}, isNot: notUnknown,
			check: wantMessage("Service Unavailable", "Please try again later.", "d3bb4c7b-3f0a-41a9-975c-b3f1aaa4bca3"),
		},
		{
			name: "500: outcome unknown, not retried", replies: h(answer(t, 500, "500.json")), attempts: 1,
			errType: "*Error", status: 500, is: []error{quiltt.ErrServer, quiltt.ErrOutcomeUnknown},
			check: wantMessage("Internal Server Error", "Please try again later.", "d3bb4c7b-3f0a-41a9-975c-b3f1aaa4bca3"),
		},
		{
			name: "502 HTML: outcome unknown, not retried", replies: h(answer(t, 502, "502.html", "Content-Type", "text/html")), attempts: 1,
			errType: "*Error", status: 502, is: []error{quiltt.ErrServer, quiltt.ErrOutcomeUnknown},
			check: wantMessage("Bad Gateway", "", ""),
		},
		{
			name: "504 empty body: outcome unknown, not retried", replies: h(answer(t, 504, "")), attempts: 1,
			errType: "*Error", status: 504, is: []error{quiltt.ErrServer, quiltt.ErrOutcomeUnknown},
			check: wantMessage("Gateway Timeout", "", ""),
		},
		{
			name: "400 plain-text body", replies: h(answer(t, 400, "502.html", "Content-Type", "text/plain")), attempts: 1,
			errType: "*Error", status: 400, is: []error{quiltt.ErrBadRequest}, isNot: notUnknown,
			check: wantMessage("Bad Request", "", ""),
		},
		{
			name: "400 with a 1 MB body: read through the cap", attempts: 1,
			replies: h(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"message":"` + strings.Repeat("x", 1<<20) + `"}`))
			}),
			errType: "*Error", status: 400, is: []error{quiltt.ErrBadRequest}, isNot: notUnknown,
			check: func(t *testing.T, err error) {
				assert.Equal(t, "Bad Request", asError(t, err).Message, "a capped body is not valid JSON")
				assert.Less(t, len(err.Error()), 1<<10)
			},
		},
		{
			name: "connection refused: retried, never seen", serve: refusedServer, attempts: 0,
			errType: "*TransportError", is: []error{syscall.ECONNREFUSED}, isNot: notUnknown,
			check: func(t *testing.T, err error) { assert.Equal(t, 3, asTransportError(t, err).Attempts) },
		},
		{
			name: "reset before any response: outcome unknown", serve: resetServer, attempts: 1,
			errType: "*TransportError", is: []error{quiltt.ErrOutcomeUnknown},
		},
		{
			name: "reset after the request was written: outcome unknown", attempts: 1,
			replies: h(hijack(t, func(c net.Conn, _ *bufio.ReadWriter) { resetConn(c) })),
			errType: "*TransportError", is: []error{quiltt.ErrOutcomeUnknown},
		},
		{
			name: "server slower than the deadline: outcome unknown", serve: slowServer, timeout: 100 * time.Millisecond, attempts: 1,
			errType: "*TransportError", is: []error{quiltt.ErrOutcomeUnknown, context.DeadlineExceeded},
		},
		{
			name: "truncated 202 body: still accepted", attempts: 1,
			replies: h(truncated("HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"ok\":")),
		},
		{
			name: "truncated 503 body: retried", attempts: 3,
			replies: h(truncated("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 90\r\n\r\n{\"message\":\"Serv")),
			errType: "*Error", status: 503, is: []error{quiltt.ErrServer}, isNot: notUnknown,
			check: wantMessage("Service Unavailable", "", ""),
		},
		{
			name: "truncated 500 body: outcome unknown", attempts: 1,
			replies: h(truncated("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: 90\r\n\r\n{\"message\":\"Inte")),
			errType: "*Error", status: 500, is: []error{quiltt.ErrServer, quiltt.ErrOutcomeUnknown},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runFault(t, tc)
		})
	}
}

func runFault(t *testing.T, tc faultCase) {
	var (
		base string
		seen func() int
		rec  *recorder
	)
	if tc.serve != nil {
		base, seen = tc.serve(t)
	} else {
		_, mux, srv := setup(t)
		rec = handleScript(mux, accountsPath, tc.replies...)
		base = srv.baseURL()
		seen = func() int { return int(rec.attempts.Load()) }
	}
	logs := &logBuffer{}
	c := newClient(t, base, quiltt.WithMaxRetries(2), quiltt.WithLogger(logs.logger())) // so a retried fault is seen 3 times
	ctx := t.Context()
	if tc.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, tc.timeout)
		defer cancel()
	}

	err := c.RefreshBalance(ctx, "acct_1")

	assert.Equal(t, tc.attempts, seen(), "attempts the server saw")
	switch tc.errType {
	case "":
		assert.NoError(t, err)
	case "*Error":
		e := asError(t, err)
		assert.Equal(t, tc.status, e.StatusCode)
	case "*TransportError":
		asTransportError(t, err)
	}
	for _, target := range tc.is {
		assert.ErrorIs(t, err, target)
	}
	for _, target := range tc.isNot {
		assert.NotErrorIs(t, err, target)
	}
	if tc.check != nil {
		tc.check(t, err)
	}
	if err != nil {
		assert.NotContains(t, err.Error(), testAPIKey)
	}
	assert.NotContains(t, logs.String(), testAPIKey)
	if rec != nil { // every attempt is the same request
		for i, r := range rec.seen() {
			assert.Equal(t, seenRequest{Method: http.MethodPost, URI: refreshURI, Auth: "Bearer " + testAPIKey}, r, "attempt %d", i+1)
		}
	}
}

func h(fs ...http.HandlerFunc) []http.HandlerFunc { return fs }

func asError(t *testing.T, err error) *quiltt.Error {
	t.Helper()
	var e *quiltt.Error
	require.ErrorAs(t, err, &e)
	var te *quiltt.TransportError
	require.False(t, errors.As(err, &te), "want an *Error, got %T: %v", err, err)
	return e
}

func asTransportError(t *testing.T, err error) *quiltt.TransportError {
	t.Helper()
	var te *quiltt.TransportError
	require.ErrorAs(t, err, &te)
	return te
}

func wantMessage(message, instruction, errorID string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		e := asError(t, err)
		assert.Equal(t, message, e.Message)
		assert.Equal(t, instruction, e.Instruction)
		assert.Equal(t, errorID, e.ErrorID)
	}
}

// truncated writes raw, which promises more body than it holds, and closes.
func truncated(raw string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		_, _ = conn.Write([]byte(raw))
		_ = conn.Close()
	}
}

// refusedServer is an address where a listener was, closed: every dial is
// refused.
func refusedServer(t *testing.T) (string, func() int) {
	return refusedBaseURL(t), func() int { return 0 }
}

// resetServer accepts connections and resets them, without a response, as
// soon as the first byte of a request arrives. (Resetting before that races
// with the client's connect: the dialer may then see the reset, which is a
// connection never established, rightly retried.)
func resetServer(t *testing.T) (string, func() int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var n int
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			n++
			mu.Unlock()
			_, _ = conn.Read(make([]byte, 1))
			resetConn(conn)
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); <-done })
	return "http://" + ln.Addr().String() + basePath, func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// slowServer answers only after the test ends: its handler blocks until
// released in cleanup (or the client goes away).
func slowServer(t *testing.T) (string, func() int) {
	release := make(chan struct{})
	_, mux, srv := setup(t)
	rec := handleScript(mux, accountsPath, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusAccepted)
	})
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	return srv.baseURL(), func() int { return int(rec.attempts.Load()) }
}

// A billable trigger never follows a redirect: 307 and 308 would send the
// POST again to the new location.
func TestRefreshBalanceDoesNotFollowRedirects(t *testing.T) {
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound} {
		c, mux, _ := setup(t)
		rec := handleScript(mux, accountsPath, func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/moved") {
				w.WriteHeader(http.StatusAccepted)
				return
			}
			http.Redirect(w, r, basePath+r.URL.Path+"/moved", status)
		})
		err := c.RefreshBalance(t.Context(), "acct_1")
		var e *quiltt.Error
		require.ErrorAs(t, err, &e, "status %d", status)
		assert.Equal(t, status, e.StatusCode)
		assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown, "a redirect is a definite answer")
		assert.EqualValues(t, 1, rec.attempts.Load(), "the redirect target was never asked (status %d)", status)
	}
}
