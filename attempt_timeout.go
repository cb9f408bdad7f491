package quiltt

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// timeoutStage is the stage of the pipeline that bounds one attempt by the
// Timeout of the innermost HTTP client (WithHTTPClient's, DefaultTimeout by
// default): from the moment the attempt leaves the limiter until its answer's
// body is closed. It sits below the limiter, so that time spent queueing for
// the rate budget (long in a fleet whose replicas share one) never counts
// against the attempt: net/http's Client.Timeout, which the SDK does not use,
// would count it. A redirect the attempt follows gets a timeout of its own.
type timeoutStage struct {
	timeout time.Duration
	next    http.RoundTripper
}

func (s *timeoutStage) RoundTrip(req *http.Request) (*http.Response, error) {
	parent := req.Context()
	ctx, cancel := context.WithTimeout(parent, s.timeout)
	resp, err := s.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		timedOut := ctx.Err() != nil && parent.Err() == nil
		cancel()
		if timedOut {
			return nil, &attemptTimeoutError{timeout: s.timeout, err: err}
		}
		return nil, err
	}
	resp.Body = &timeoutBody{cancelOnClose: cancelOnClose{ReadCloser: resp.Body, cancel: cancel}, ctx: ctx, parent: parent, timeout: s.timeout}
	return resp, nil
}

// attemptTimeoutError is an attempt that outlived the client's per-attempt
// Timeout. Like net/http's own timeout error it matches
// context.DeadlineExceeded and reports Timeout() true; it wraps what the
// transport said, so the pipeline still sees whether the request was sent.
type attemptTimeoutError struct {
	timeout time.Duration
	err     error
}

func (e *attemptTimeoutError) Error() string {
	return fmt.Sprintf("attempt timed out after %v (the HTTP client's Timeout): %s", e.timeout, bareText(e.err))
}
func (e *attemptTimeoutError) Unwrap() error        { return e.err }
func (e *attemptTimeoutError) Timeout() bool        { return true }
func (e *attemptTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

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
		err = &attemptTimeoutError{timeout: b.timeout, err: err}
	}
	return n, err
}
