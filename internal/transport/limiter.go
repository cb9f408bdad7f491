package transport

import (
	"context"
	"errors"
	"net/http"
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
