package quiltt

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"

	"golang.org/x/time/rate"
)

// attemptTransport is the innermost stage of the pipeline that the SDK owns.
// It runs once per attempt: it waits on the client's rate limiter, clones
// the request, sets Authorization on the clone (only for the base URL's
// origin, so a redirect elsewhere carries no credential), and records
// whether the attempt ever got a connection, which tells a retry policy
// whether Quiltt can have seen the request.
//
// It deliberately has no CloseIdleConnections method: go-retryablehttp calls
// that on every failed call, and the user's transport is not the SDK's to
// close.
type attemptTransport struct {
	base    http.RoundTripper
	limiter *rate.Limiter
	scheme  string
	host    string
}

// callKey carries the call's *request to attemptTransport (for its
// credential) and to the redirect policy (for its kind).
type callKey struct{}

// notSentError marks a transport error of an attempt that never got a
// connection: Quiltt cannot have seen the request.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

func (t *attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if t.limiter != nil {
		if err := t.limiter.Wait(ctx); err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				err = ctxErr
			} else if _, ok := ctx.Deadline(); ok {
				// The limiter refuses, at once, a wait that would pass the
				// deadline: that call is over, not worth a retry.
				err = fmt.Errorf("%w: the rate limiter's wait would pass it", context.DeadlineExceeded)
			}
			return nil, &notSentError{err}
		}
	}
	// GetConn proves that the transport reports to the trace (a custom one
	// may not); only then does a missing GotConn prove nothing was sent.
	var getConn, gotConn atomic.Bool
	trace := &httptrace.ClientTrace{
		GetConn: func(string) { getConn.Store(true) },
		GotConn: func(httptrace.GotConnInfo) { gotConn.Store(true) },
	}
	r := req.Clone(httptrace.WithClientTrace(ctx, trace))
	if call, ok := ctx.Value(callKey{}).(*request); ok && call.auth != "" && r.URL.Scheme == t.scheme && r.URL.Host == t.host {
		r.Header.Set("Authorization", string(call.auth))
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil && (getConn.Load() && !gotConn.Load() || isDialError(err)) {
		return resp, &notSentError{err}
	}
	return resp, err
}

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
	return errors.As(err, &ns)
}

// retryableTransportError reports whether a read may be retried after err:
// network faults yes; a context that ended, a certificate the SDK cannot
// trust, a malformed URL or a redirect loop no.
func retryableTransportError(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) || errors.As(err, &invalid) {
		return false
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		msg := ue.Err.Error()
		if strings.Contains(msg, "unsupported protocol scheme") || strings.Contains(msg, "stopped after") {
			return false
		}
	}
	return true
}

// maxRedirects is how many redirects a read follows when the user's client
// has no CheckRedirect of its own (net/http's default).
const maxRedirects = 10

// redirectPolicy wraps the user's CheckRedirect: a billable trigger never
// follows a redirect, since following one would send it a second time (307
// and 308 resend the POST); reads follow the user's policy, or net/http's.
func redirectPolicy(user func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if call, ok := req.Context().Value(callKey{}).(*request); ok && call.kind == opTrigger {
			return http.ErrUseLastResponse
		}
		if user != nil {
			return user(req, via)
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	}
}
