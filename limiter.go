package quiltt

import (
	"context"
	"fmt"
	"net/http"

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
// on the client's rate limiter. A refusal ends the attempt before anything
// is sent, and the call with it.
type limiterStage struct {
	limiter *rate.Limiter
	next    http.RoundTripper
}

func (s *limiterStage) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := s.limiter.Wait(ctx); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		} else if _, ok := ctx.Deadline(); ok {
			// The limiter refuses, at once, a wait that would pass the
			// deadline: that call is over, not worth a retry.
			err = fmt.Errorf("%w: the rate limiter's wait would pass it", context.DeadlineExceeded)
		}
		return nil, &limiterError{err: err}
	}
	return s.next.RoundTrip(req)
}

// limiterError is the rate limiter's refusal.
type limiterError struct{ err error }

func (e *limiterError) Error() string { return "rate limiter: " + e.err.Error() }
func (e *limiterError) Unwrap() error { return e.err }
