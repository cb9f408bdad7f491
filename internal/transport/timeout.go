package transport

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

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
