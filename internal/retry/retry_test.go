package retry

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt/internal/transport"
	"github.com/stretchr/testify/assert"
)

// TestDecide is the retry policy as a table: for each kind of request, each
// answer or failure, whether to retry, the floor the answer sets, and
// whether the outcome is unknown.
func TestDecide(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	answer := func(status int, kv ...string) *http.Response {
		return &http.Response{StatusCode: status, Header: hdr(kv...)}
	}
	wrap := func(err error) error { return &url.Error{Op: "Post", URL: "https://api.quiltt.io/x", Err: err} }
	refused := wrap(&transport.NotSentError{Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}})
	lost := wrap(io.ErrUnexpectedEOF)
	deadlineSent := wrap(context.DeadlineExceeded)
	canceledUnsent := wrap(&transport.NotSentError{Err: context.Canceled})
	untrusted := wrap(x509.UnknownAuthorityError{})
	redirects := wrap(&transport.RedirectError{Reason: "stopped after 10 redirects"})
	limiter := wrap(&transport.LimiterError{Err: errors.New("store unreachable")})
	resend := wrap(&transport.ResendError{Stopped: true, Writes: 1})
	resent := wrap(&transport.ResendError{Writes: 2})

	type want struct {
		retry, unknown bool
		floor          time.Duration
	}
	retry := want{retry: true}
	stop := want{}
	unknown := want{unknown: true}
	cases := []struct {
		name string
		kind Kind
		resp *http.Response
		err  error
		want want
	}{
		{"read 200", Read, answer(200), nil, stop},
		{"trigger 202", Trigger, answer(202), nil, stop},
		{"read 400", Read, answer(400), nil, stop},
		{"trigger 404", Trigger, answer(404), nil, stop},
		{"trigger 307 (redirects are not followed)", Trigger, answer(307), nil, stop},
		{"read 429", Read, answer(429), nil, retry},
		{"trigger 429", Trigger, answer(429), nil, retry},
		{"read 429 Retry-After 3", Read, answer(429, "Retry-After", "3"), nil, want{retry: true, floor: 3 * time.Second}},
		{"trigger 429 reset in 9 s, no budget left", Trigger, answer(429, "Ratelimit-Remaining", "0", "Ratelimit-Reset", "9"), nil,
			want{retry: true, floor: 9 * time.Second}},
		{"read 429 Retry-After over the cap", Read, answer(429, "Retry-After", "120"), nil, want{floor: 120 * time.Second}},
		{"trigger 503 Retry-After over the cap", Trigger, answer(503, "Retry-After", "61"), nil, want{floor: 61 * time.Second}},
		{"read 500", Read, answer(500), nil, retry},
		{"read 501", Read, answer(501), nil, stop},
		{"read 502", Read, answer(502), nil, retry},
		{"read 503", Read, answer(503), nil, retry},
		{"idempotent 500", Idempotent, answer(500), nil, retry},
		{"idempotent 501", Idempotent, answer(501), nil, stop},
		{"trigger 500", Trigger, answer(500), nil, unknown},
		{"trigger 501", Trigger, answer(501), nil, unknown},
		{"trigger 502", Trigger, answer(502), nil, unknown},
		{"trigger 503", Trigger, answer(503), nil, retry},
		{"trigger 504", Trigger, answer(504), nil, unknown},
		{"trigger 599", Trigger, answer(599), nil, unknown},
		{"read connection refused", Read, nil, refused, retry},
		{"trigger connection refused", Trigger, nil, refused, retry},
		{"read connection lost", Read, nil, lost, retry},
		{"idempotent connection lost", Idempotent, nil, lost, retry},
		{"trigger connection lost", Trigger, nil, lost, unknown},
		{"read deadline while waiting for the answer", Read, nil, deadlineSent, stop},
		{"trigger deadline while waiting for the answer", Trigger, nil, deadlineSent, unknown},
		{"trigger cancelled before a connection", Trigger, nil, canceledUnsent, stop},
		{"read certificate not trusted", Read, nil, untrusted, stop},
		{"trigger certificate not trusted", Trigger, nil, wrap(&transport.NotSentError{Err: x509.UnknownAuthorityError{}}), stop},
		{"read redirect loop", Read, nil, redirects, stop},
		{"read limiter refused", Read, nil, limiter, stop},
		{"trigger limiter refused", Trigger, nil, limiter, stop},
		{"read resend stopped", Read, nil, resend, stop},
		{"trigger resend stopped", Trigger, nil, resend, unknown},
		{"trigger written twice", Trigger, nil, resent, unknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if (tc.resp == nil) == (tc.err == nil) {
				t.Fatal("a case needs an answer or an error, not both")
			}
			d := Decide(tc.kind, tc.resp, tc.err, now)
			assert.Equal(t, tc.want.retry, d.Retry, "retry (%s)", d.Reason)
			assert.Equal(t, tc.want.unknown, d.OutcomeUnknown, "outcome unknown (%s)", d.Reason)
			assert.Equal(t, tc.want.floor, d.Floor, "floor")
			assert.NotEmpty(t, d.Reason, "every decision says why")
		})
	}
}

// The wait the deadline rule checks and the wait the loop sleeps are one:
// retryWait is a function of the call's seed and the retry number.
func TestRetryWaitIsAFunctionOfTheCallAndTheRetry(t *testing.T) {
	lower, upper := 10*time.Millisecond, time.Second
	differs := false
	for n := range 8 {
		for seed := range uint64(50) {
			w := Wait(lower, upper, n, 0, seed)
			assert.Equal(t, w, Wait(lower, upper, n, 0, seed), "same call, same retry, same wait")
			lo := min(lower<<n, upper)
			assert.GreaterOrEqual(t, w, lo)
			assert.LessOrEqual(t, w, min(2*lo, upper))
			differs = differs || w != Wait(lower, upper, n, 0, seed+1000)
		}
	}
	assert.True(t, differs, "the jitter varies between calls")
	assert.Equal(t, 3*time.Second, Wait(lower, upper, 0, 3*time.Second, 1), "the server's floor wins")
}

func TestBackoffStaysWithinBoundsAndGrows(t *testing.T) {
	lower, upper := 10*time.Millisecond, 300*time.Millisecond
	for n := range 12 {
		lo := lower << n
		for range 200 {
			w := Wait(lower, upper, n, 0, rand.Uint64())
			assert.GreaterOrEqual(t, w, lower)
			assert.LessOrEqual(t, w, upper)
			if lo < upper {
				assert.GreaterOrEqual(t, w, lo, "retry %d", n)
				assert.LessOrEqual(t, w, min(2*lo, upper), "retry %d", n)
			}
		}
	}
	assert.Equal(t, time.Second, Wait(time.Second, time.Second, 5, 0, 1))
	assert.Equal(t, time.Hour, Wait(time.Hour, time.Hour, 80, 0, 1), "no overflow")
}
