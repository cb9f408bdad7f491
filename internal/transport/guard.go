package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
)

// Guard is the innermost stage of the pipeline that the SDK owns,
// just above the user's transport. It watches one attempt through
// httptrace, to tell the retry policy whether the request can have reached
// Quiltt, and it bounds how many times the transport sends the request
// within the attempt: once for a request that must not be repeated (a
// billable trigger), a few times for the others.
//
// Why: net/http's HTTP/2 client sends a request again on its own, below any
// retry policy, after RST_STREAM(PROTOCOL_ERROR or REFUSED_STREAM), a GOAWAY
// or an unusable connection (http2shouldRetryRequest), and a request without
// a body is always resendable to it; against a server that resets every
// stream it does so thousands of times a second. The one hook that runs
// between the failure and the resend is httptrace's GetConn/GotConn: the
// resend first obtains a connection. Once the request's headers were
// written as many times as allowed, the guard cancels the attempt's context
// there; the HTTP/2 client checks that context, without blocking, just
// before it writes the headers (http2clientStream.encodeAndWriteHeaders),
// so the next HEADERS frame is never written. HTTP/1's own resend of a POST
// happens only when nothing of the first write reached the wire; the guard
// stops it too, though not always before it is written: either way at most
// one write reached Quiltt, and the attempt reads, conservatively, as
// outcome unknown. A transport the guard cannot stop but that
// reports to httptrace is caught after the fact: a trigger's second
// WroteHeaders in one attempt fails the attempt. Transports that report
// nothing to httptrace are neither stopped nor seen.
type Guard struct {
	Sends int // the most times the transport may write the request: 1 for a trigger
	Next  http.RoundTripper
}

// Sends per attempt: a trigger once; anything else once plus Go's HTTP/2
// client's own bound on its resends (seven), which its connection-level
// retry loop does not keep.
const (
	TriggerSends = 1
	OtherSends   = 8
)

func SendsFor(trigger bool) int {
	if trigger {
		return TriggerSends
	}
	return OtherSends
}

// attemptTrace is what httptrace told of one attempt. Its hooks run on the
// transport's goroutines.
type attemptTrace struct {
	sends        int
	cancel       context.CancelCauseFunc
	getConn      atomic.Int32
	gotConn      atomic.Int32
	wroteHeaders atomic.Int32
	refused      atomic.Bool // the guard stopped a resend
}

// ErrResendRefused is the cause the guard cancels an attempt with.
var ErrResendRefused = errors.New("quiltt: resend refused")

// connecting runs when the transport looks for or obtains a connection:
// after the headers were written, that is a resend, which is refused once
// the request was sent as many times as allowed.
func (t *attemptTrace) connecting() {
	if int(t.wroteHeaders.Load()) >= t.sends && t.refused.CompareAndSwap(false, true) {
		t.cancel(ErrResendRefused)
	}
}

func (t *attemptTrace) hooks() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn:      func(string) { t.getConn.Add(1); t.connecting() },
		GotConn:      func(httptrace.GotConnInfo) { t.gotConn.Add(1); t.connecting() },
		WroteHeaders: func() { t.wroteHeaders.Add(1) },
	}
}

func (g *Guard) RoundTrip(req *http.Request) (*http.Response, error) {
	parent := req.Context()
	ctx, cancel := context.WithCancelCause(parent)
	t := &attemptTrace{sends: g.Sends, cancel: cancel}
	resp, err := g.Next.RoundTrip(req.WithContext(httptrace.WithClientTrace(ctx, t.hooks())))
	if err != nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		cancel(nil)
		return nil, t.classify(parent, err)
	}
	if n := int(t.wroteHeaders.Load()); g.Sends == TriggerSends && n > TriggerSends {
		// A transport that resent without looking for a connection first:
		// too late to stop, not too late to say so.
		resp.Body.Close()
		cancel(nil)
		return nil, &ResendError{Writes: n}
	}
	if g.Sends == TriggerSends && resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		// A trigger's 3xx is its answer (RedirectPolicy), but net/http
		// parses Location before it asks CheckRedirect: without this, an
		// unparsable one would turn that answer into a transport error.
		resp.Header.Del("Location")
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: func() { cancel(nil) }}
	return resp, nil
}

// classify marks the error of an attempt with what the trace proves: a
// resend the guard stopped (the request was sent once), or an attempt that
// never reached a connection (nothing was sent). An attempt that obtained a
// connection or wrote its headers is never "not sent", whatever error came
// after.
func (t *attemptTrace) classify(parent context.Context, err error) error {
	if t.refused.Load() && parent.Err() == nil {
		return &ResendError{Stopped: true, Writes: int(t.wroteHeaders.Load())}
	}
	sent := t.gotConn.Load() > 0 || t.wroteHeaders.Load() > 0
	// GetConn proves that the transport reports to the trace (a custom one
	// may not); only then does a missing GotConn prove nothing was sent.
	if !sent && (t.getConn.Load() > 0 || IsDialError(err)) {
		return &NotSentError{Err: err}
	}
	return err
}

// cancelOnClose releases the context a stage made for an attempt once the
// attempt's answer is read: the guard's, and the timeout stage's (whose
// timeoutBody embeds it). cancel may run more than once, as a
// context.CancelFunc may.
type cancelOnClose struct {
	io.ReadCloser
	cancel func()
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// NotSentError marks a transport error of an attempt that never got a
// connection: Quiltt cannot have seen the request.
type NotSentError struct{ Err error }

func (e *NotSentError) Error() string { return e.Err.Error() }
func (e *NotSentError) Unwrap() error { return e.Err }

// ResendError is an attempt during which the transport tried to send the
// request more times than the guard allows: stopped before the next write
// (an HTTP/2 stream reset or GOAWAY, or a lost connection, made it try), or
// for a trigger seen after a second one.
type ResendError struct {
	Stopped bool
	Writes  int // the times the request was written
}

func (e *ResendError) Error() string {
	if e.Stopped {
		return fmt.Sprintf("the HTTP transport tried to send the request again after writing it %s (an HTTP/2 stream reset or GOAWAY, or a lost connection); stopped before the next write", times(e.Writes))
	}
	return fmt.Sprintf("the HTTP transport wrote the request %d times within one attempt", e.Writes)
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

// IsDialError reports whether err is a failure to open a connection.
func IsDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// WasNotSent reports whether an attempt's error proves that the request never
// reached a connection.
func WasNotSent(err error) bool {
	var ns *NotSentError
	var le *LimiterError
	return errors.As(err, &ns) || errors.As(err, &le)
}

// MaxRedirects is how many redirects a read follows when the user's client
// has no CheckRedirect of its own (net/http's default).
const MaxRedirects = 10

// RedirectError is a redirect the SDK's policy did not follow. The retry
// policy does not retry it: the same request would be redirected again.
type RedirectError struct {
	Reason string
	Err    error // the user's CheckRedirect error, if that refused
}

func (e *RedirectError) Error() string {
	if e.Err != nil {
		return e.Reason + ": " + e.Err.Error()
	}
	return e.Reason
}

func (e *RedirectError) Unwrap() error { return e.Err }

// RedirectPolicy is the CheckRedirect of a call of the given kind. A trigger
// never follows a redirect, since following one would send it a second time
// (307 and 308 resend the POST): its 3xx answer is returned. Other calls
// follow redirects to http(s) URLs as the user's CheckRedirect says, or up
// to MaxRedirects without one.
func RedirectPolicy(trigger bool, user func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if trigger {
			return http.ErrUseLastResponse
		}
		if req.URL.Scheme != "https" && req.URL.Scheme != "http" {
			return &RedirectError{Reason: "redirected to a URL that is not http or https"}
		}
		if user != nil {
			err := user(req, via)
			if err == nil || err == http.ErrUseLastResponse {
				return err
			}
			return &RedirectError{Reason: "the HTTP client's CheckRedirect refused a redirect", Err: err}
		}
		if len(via) >= MaxRedirects {
			return &RedirectError{Reason: fmt.Sprintf("stopped after %d redirects", MaxRedirects)}
		}
		return nil
	}
}
