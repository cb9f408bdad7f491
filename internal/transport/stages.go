package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Limiter paces the client's requests: every attempt of every call (the
// first one and each retry, REST and GraphQL alike) waits on it before it is
// sent. *rate.Limiter (golang.org/x/time/rate) satisfies it; so does the
// fleet-wide limiter of package redisstore, which shares one budget across
// every replica that uses one API key.
//
// Wait blocks until the request may go, or returns an error: the context's
// error when ctx ends first, or the limiter's own (for a shared limiter, its
// store being unreachable, for instance). The client returns such an error
// wrapped, so errors.Is finds the limiter's cause, and it sends nothing.
type Limiter interface {
	Wait(ctx context.Context) error
}

// LimiterStage is the stage of the pipeline that makes every attempt wait
// on the client's Limiter. A refusal ends the attempt before anything is
// sent, and the call with it: the SDK does not retry a limiter's error.
type LimiterStage struct {
	Limiter Limiter
	Next    http.RoundTripper
}

func (s *LimiterStage) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := s.Limiter.Wait(ctx); err != nil {
		return nil, &LimiterError{Err: err, CtxErr: ctx.Err()}
	}
	return s.Next.RoundTrip(req)
}

// LimiterError is a Limiter's refusal. errors.Is finds its cause and, only
// when the call's context had really ended, the context's error too: a
// fleet limiter's store outage does not read as a timeout.
type LimiterError struct {
	Err    error
	CtxErr error // the context's error when Wait returned, if it had ended
}

func (e *LimiterError) Error() string { return "rate limiter: " + bareText(e.Err) }

func (e *LimiterError) Unwrap() []error {
	if e.CtxErr != nil && !errors.Is(e.Err, e.CtxErr) {
		return []error{e.Err, e.CtxErr}
	}
	return []error{e.Err}
}

// ErrLimiterPastDeadline is the refusal of a wait that would end after the
// context's deadline: that is a deadline, so it matches
// context.DeadlineExceeded, returned at once instead of at the deadline.
var ErrLimiterPastDeadline = &deadlineError{msg: "the wait for the rate limiter would pass the context's deadline"}

type deadlineError struct{ msg string }

func (e *deadlineError) Error() string        { return e.msg }
func (e *deadlineError) Is(target error) bool { return target == context.DeadlineExceeded }

// RateLimiter adapts *rate.Limiter, the client's default Limiter, so that its
// refusals are typed: rate.Limiter.Wait says "would exceed context deadline"
// in an error only its text tells apart. Its wait is rate.Limiter.Wait's,
// step by step.
type RateLimiter struct{ l *rate.Limiter }

// NewRateLimiter paces with l.
func NewRateLimiter(l *rate.Limiter) RateLimiter { return RateLimiter{l} }

func (r RateLimiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := time.Now()
	res := r.l.ReserveN(now, 1)
	if !res.OK() { // only when the burst is below 1, which WithRateLimit refuses
		return errors.New("the rate limiter's burst is below 1")
	}
	delay := res.DelayFrom(now)
	if delay == 0 {
		return nil
	}
	if deadline, ok := ctx.Deadline(); ok && now.Add(delay).After(deadline) {
		res.CancelAt(now)
		return ErrLimiterPastDeadline
	}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		res.Cancel()
		return ctx.Err()
	}
}

// AsLimiter returns the Limiter the pipeline waits on: a *rate.Limiter
// through RateLimiter, anything else as it is.
func AsLimiter(l Limiter) Limiter {
	if rl, ok := l.(*rate.Limiter); ok {
		return RateLimiter{rl}
	}
	return l
}

// bareText is err's text without the SDK's "quiltt: " prefix, for errors
// that the root package wraps in its own.
func bareText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return strings.TrimPrefix(err.Error(), "quiltt: ")
}

// Timeout is the stage of the pipeline that bounds one attempt by the
// Timeout of the innermost HTTP client (WithHTTPClient's, DefaultTimeout by
// default): from the moment the attempt leaves the limiter until its answer's
// body is closed. It sits below the limiter, so that time spent queueing for
// the rate budget (long in a fleet whose replicas share one) never counts
// against the attempt: net/http's Client.Timeout, which the SDK does not use,
// would count it. A redirect the attempt follows gets a timeout of its own.
type Timeout struct {
	D    time.Duration // the inner client's Timeout
	Next http.RoundTripper
}

func (s *Timeout) RoundTrip(req *http.Request) (*http.Response, error) {
	parent := req.Context()
	ctx, cancel := context.WithTimeout(parent, s.D)
	resp, err := s.Next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		timedOut := ctx.Err() != nil && parent.Err() == nil
		cancel()
		if timedOut {
			return nil, &AttemptTimeoutError{timeout: s.D, err: err}
		}
		return nil, err
	}
	resp.Body = &timeoutBody{cancelOnClose: cancelOnClose{ReadCloser: resp.Body, cancel: cancel}, ctx: ctx, parent: parent, timeout: s.D}
	return resp, nil
}

// AttemptTimeoutError is an attempt that outlived the client's per-attempt
// Timeout. Like net/http's own timeout error it matches
// context.DeadlineExceeded and reports Timeout() true; it wraps what the
// transport said, so the pipeline still sees whether the request was sent.
type AttemptTimeoutError struct {
	timeout time.Duration
	err     error
}

func (e *AttemptTimeoutError) Error() string {
	return fmt.Sprintf("attempt timed out after %v (the HTTP client's Timeout): %s", e.timeout, bareText(e.err))
}
func (e *AttemptTimeoutError) Unwrap() error        { return e.err }
func (e *AttemptTimeoutError) Timeout() bool        { return true }
func (e *AttemptTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// timeoutBody ends an attempt's timeout when its answer's body is closed
// (cancelOnClose), and names a read that the timeout cut short.
type timeoutBody struct {
	cancelOnClose
	ctx, parent context.Context
	timeout     time.Duration
}

func (b *timeoutBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && b.ctx.Err() != nil && b.parent.Err() == nil {
		err = &AttemptTimeoutError{timeout: b.timeout, err: err}
	}
	return n, err
}

// Credential is the stage of the pipeline that authenticates one
// attempt: it clones the request (a RoundTripper must not change the one it
// is given) and sets Authorization on the clone, only when the request's URL
// is on the origin of the call's Endpoint. A redirect to another host, or to
// the other Quiltt host, goes out without a credential. The request the
// retry loop holds never carries one, so no credential outlives an attempt.
type Credential struct {
	Endpoint *Endpoint
	Auth     func() string // the Authorization value; nil for none
	Next     http.RoundTripper
}

func (s *Credential) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Del("Authorization")
	if s.Auth != nil && s.Endpoint.Owns(r.URL) {
		r.Header.Set("Authorization", s.Auth())
	}
	return s.Next.RoundTrip(r)
}

// Endpoint is a host the SDK sends requests to, with its base path: the API
// host (WithBaseURL) or the auth host (WithAuthURL). Every request names its
// Endpoint, and the credential stage sets Authorization only on requests to
// that Endpoint's own origin, so a redirect elsewhere carries none.
type Endpoint struct {
	base   string // scheme://host/path, the path escaped, no trailing slash
	scheme string
	host   string // host[:port], as in url.URL.Host
	Path   string // the escaped base path, "" for none
}

// NewEndpoint takes a URL checked by parseBaseURL.
func NewEndpoint(u *url.URL) *Endpoint {
	return &Endpoint{base: u.String(), scheme: u.Scheme, host: u.Host, Path: u.EscapedPath()}
}

// String returns the Endpoint's base URL.
func (e *Endpoint) String() string { return e.base }

// Host returns the Endpoint's host[:port], as in url.URL.Host.
func (e *Endpoint) Host() string { return e.host }

// URL returns the URL of path (which starts with "/") below the Endpoint.
func (e *Endpoint) URL(path string) string { return e.base + path }

// Owns reports whether u is on the Endpoint's origin: same scheme, same host
// and port. Host names compare without regard to case.
func (e *Endpoint) Owns(u *url.URL) bool {
	return u != nil && u.Scheme == e.scheme && strings.EqualFold(u.Host, e.host)
}

// Relative returns u's path below the Endpoint's base path, and whether u is
// below the Endpoint at all.
func (e *Endpoint) Relative(u *url.URL) (string, bool) {
	if !e.Owns(u) || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	rel, ok := strings.CutPrefix(u.EscapedPath(), e.Path)
	if !ok || !strings.HasPrefix(rel, "/") {
		return "", false
	}
	return rel, true
}

// Bodies: what the pipeline reads of an answer, and no more.

// ReadErrorBody reads a non-2xx body up to max bytes, drains a little more
// so the connection can be reused, and leaves resp.Body readable again for
// go-retryablehttp. A body that fails midway gives what was read.
func ReadErrorBody(resp *http.Response, max int64) []byte {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, max))
	DrainAndClose(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return body
}

// maxDrain is how much of the unread rest of an answer is read and
// discarded before it is closed, so that its connection can be reused.
const maxDrain = 4 << 10

// DrainAndClose drains up to maxDrain bytes of body and closes it. A read
// error is ignored: the answer was already decided by what came before.
func DrainAndClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxDrain))
	body.Close()
}

// CappedBody reads a 2xx body and fails past limit bytes, so no answer is
// read without bound. Its caller reports the failure as ErrInvalidResponse.
type CappedBody struct {
	rc    io.ReadCloser
	limit int64
	read  int64
}

// NewCappedBody caps rc at limit bytes.
func NewCappedBody(rc io.ReadCloser, limit int64) *CappedBody {
	return &CappedBody{rc: rc, limit: limit}
}

func (b *CappedBody) Read(p []byte) (int, error) {
	if b.read > b.limit {
		return 0, fmt.Errorf("body over %d bytes", b.limit)
	}
	if room := b.limit + 1 - b.read; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := b.rc.Read(p)
	b.read += int64(n)
	if b.read > b.limit {
		return n, fmt.Errorf("body over %d bytes", b.limit)
	}
	return n, err
}

func (b *CappedBody) Close() error { return b.rc.Close() }
