package quiltt

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
)

// attemptGuard is the innermost stage of the pipeline that the SDK owns,
// just above the user's transport. It watches one attempt through
// httptrace, to tell the retry policy whether the request can have reached
// Quiltt: an attempt that never got a connection was not sent.
type attemptGuard struct {
	next http.RoundTripper
}

func (g *attemptGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	// GetConn proves that the transport reports to the trace (a custom one
	// may not); only then does a missing GotConn prove nothing was sent.
	var getConn, gotConn atomic.Bool
	trace := &httptrace.ClientTrace{
		GetConn: func(string) { getConn.Store(true) },
		GotConn: func(httptrace.GotConnInfo) { gotConn.Store(true) },
	}
	resp, err := g.next.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	if err != nil && (getConn.Load() && !gotConn.Load() || isDialError(err)) {
		return resp, &notSentError{err}
	}
	return resp, err
}

// notSentError marks a transport error of an attempt that never got a
// connection: Quiltt cannot have seen the request.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// isDialError reports whether err is a failure to open a connection.
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// wasNotSent reports whether an attempt's error proves that the request never
// reached a connection.
func wasNotSent(err error) bool {
	var ns *notSentError
	var le *limiterError
	return errors.As(err, &ns) || errors.As(err, &le)
}

// maxRedirects is how many redirects a read follows when the user's client
// has no CheckRedirect of its own (net/http's default).
const maxRedirects = 10

// redirectError is a redirect the SDK's policy did not follow. The retry
// policy does not retry it: the same request would be redirected again.
type redirectError struct {
	reason string
	err    error // the user's CheckRedirect error, if that refused
}

func (e *redirectError) Error() string {
	if e.err != nil {
		return e.reason + ": " + e.err.Error()
	}
	return e.reason
}

func (e *redirectError) Unwrap() error { return e.err }

// redirectPolicy is the CheckRedirect of a call of the given kind. A trigger
// never follows a redirect, since following one would send it a second time
// (307 and 308 resend the POST): its 3xx answer is returned. Other calls
// follow redirects to http(s) URLs as the user's CheckRedirect says, or up
// to maxRedirects without one.
func redirectPolicy(kind opKind, user func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if kind == opTrigger {
			return http.ErrUseLastResponse
		}
		if req.URL.Scheme != "https" && req.URL.Scheme != "http" {
			return &redirectError{reason: "redirected to a URL that is not http or https"}
		}
		if user != nil {
			err := user(req, via)
			if err == nil || err == http.ErrUseLastResponse {
				return err
			}
			return &redirectError{reason: "the HTTP client's CheckRedirect refused a redirect", err: err}
		}
		if len(via) >= maxRedirects {
			return &redirectError{reason: fmt.Sprintf("stopped after %d redirects", maxRedirects)}
		}
		return nil
	}
}
