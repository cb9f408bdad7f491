package quiltt

import (
	"context"
	"errors"
	"net/http"
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

// limiterStage is the stage of the pipeline that makes every attempt wait
// on the client's Limiter. A refusal ends the attempt before anything is
// sent, and the call with it: the SDK does not retry a limiter's error.
type limiterStage struct {
	limiter Limiter
	next    http.RoundTripper
}

func (s *limiterStage) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := s.limiter.Wait(ctx); err != nil {
		return nil, &limiterError{err: err, ctxErr: ctx.Err()}
	}
	return s.next.RoundTrip(req)
}

// limiterError is a Limiter's refusal. errors.Is finds its cause and, only
// when the call's context had really ended, the context's error too: a
// fleet limiter's store outage does not read as a timeout.
type limiterError struct {
	err    error
	ctxErr error // the context's error when Wait returned, if it had ended
}

func (e *limiterError) Error() string { return "rate limiter: " + e.err.Error() }

func (e *limiterError) Unwrap() []error {
	if e.ctxErr != nil && !errors.Is(e.err, e.ctxErr) {
		return []error{e.err, e.ctxErr}
	}
	return []error{e.err}
}

// errLimiterPastDeadline is the refusal of a wait that would end after the
// context's deadline: that is a deadline, so it matches
// context.DeadlineExceeded, returned at once instead of at the deadline.
var errLimiterPastDeadline = &deadlineError{msg: "the wait for the rate limiter would pass the context's deadline"}

type deadlineError struct{ msg string }

func (e *deadlineError) Error() string        { return e.msg }
func (e *deadlineError) Is(target error) bool { return target == context.DeadlineExceeded }

// rateLimiter adapts *rate.Limiter, the client's default Limiter, so that its
// refusals are typed: rate.Limiter.Wait says "would exceed context deadline"
// in an error only its text tells apart. Its wait is rate.Limiter.Wait's,
// step by step.
type rateLimiter struct{ l *rate.Limiter }

func (r rateLimiter) Wait(ctx context.Context) error {
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
		return errLimiterPastDeadline
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

// asLimiter returns the Limiter the pipeline waits on: a *rate.Limiter
// through rateLimiter, anything else as it is.
func asLimiter(l Limiter) Limiter {
	if rl, ok := l.(*rate.Limiter); ok {
		return rateLimiter{rl}
	}
	return l
}
