package transport

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tracedTransport plays a transport's side of httptrace: it calls the hooks
// named in steps, in order, stopping as a net/http transport would when the
// request's context ends, then fails with err or answers 200.
type tracedTransport struct {
	steps  []string
	err    error
	cancel func() // called at the step "CancelCaller"

	done   []string // the steps it got through
	answer *http.Response
}

func (tt *tracedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	trace := httptrace.ContextClientTrace(req.Context())
	for _, step := range tt.steps {
		if err := req.Context().Err(); err != nil && step == "WroteHeaders" {
			// HTTP/2 checks the context just before writing headers.
			return nil, err
		}
		switch step {
		case "GetConn":
			trace.GetConn("api.quiltt.io:443")
		case "GotConn":
			trace.GotConn(httptrace.GotConnInfo{})
		case "WroteHeaders":
			trace.WroteHeaders()
		case "CancelCaller":
			tt.cancel()
		}
		tt.done = append(tt.done, step)
	}
	if tt.err != nil {
		return nil, tt.err
	}
	tt.answer = &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("{}"))}
	return tt.answer, nil
}

// opKind stands for internal/retry's Kind, which imports this package: the
// guard knows only whether a request is a trigger.
type opKind int

const (
	opRead opKind = iota
	opTrigger
	opIdempotent
)

func repeat(n int, steps ...string) []string {
	var out []string
	for range n {
		out = append(out, steps...)
	}
	return out
}

func TestAttemptGuard(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	lost := io.ErrUnexpectedEOF
	cases := []struct {
		name     string
		kind     opKind
		steps    []string
		err      error
		notSent  bool
		resend   bool // a *ResendError
		reached  int  // WroteHeaders the transport got through
		answered bool
	}{
		{name: "dial refused", kind: opTrigger, steps: []string{"GetConn"}, err: refused, notSent: true},
		{name: "dial refused, transport without trace", kind: opTrigger, err: refused, notSent: true},
		{name: "no trace, lost", kind: opTrigger, err: lost},
		{name: "connection obtained, then lost before writing", kind: opTrigger, steps: []string{"GetConn", "GotConn"}, err: lost},
		{name: "written, then a dial error (reset, then a refused reconnect)", kind: opRead,
			steps: []string{"GetConn", "GotConn", "WroteHeaders"}, err: refused, reached: 1},
		{name: "trigger written once, answered", kind: opTrigger, steps: []string{"GetConn", "GotConn", "WroteHeaders"}, reached: 1, answered: true},
		{name: "trigger: HTTP/2 resend on the same connection is stopped", kind: opTrigger,
			steps: []string{"GetConn", "GotConn", "WroteHeaders", "GotConn", "WroteHeaders"}, resend: true, reached: 1},
		{name: "trigger: resend on a new connection is stopped", kind: opTrigger,
			steps: []string{"GetConn", "GotConn", "WroteHeaders", "GetConn", "GotConn", "WroteHeaders"}, resend: true, reached: 1},
		{name: "trigger: unusable connection before writing, resent", kind: opTrigger,
			steps: []string{"GetConn", "GotConn", "GotConn", "WroteHeaders"}, reached: 1, answered: true},
		{name: "trigger: a resend without a new connection is seen", kind: opTrigger,
			steps: []string{"GetConn", "GotConn", "WroteHeaders", "WroteHeaders"}, resend: true, reached: 2},
		{name: "read: seven resends allowed", kind: opRead,
			steps: append([]string{"GetConn"}, repeat(8, "GotConn", "WroteHeaders")...), reached: 8, answered: true},
		{name: "read: the eighth resend is stopped", kind: opRead,
			steps: append([]string{"GetConn"}, repeat(9, "GotConn", "WroteHeaders")...), resend: true, reached: 8},
		{name: "idempotent: like a read", kind: opIdempotent,
			steps: []string{"GetConn", "GotConn", "WroteHeaders", "WroteHeaders"}, reached: 2, answered: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tt := &tracedTransport{steps: tc.steps, err: tc.err}
			g := &Guard{Sends: SendsFor(tc.kind == opTrigger), Next: tt}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "https://api.quiltt.io/v1/x", nil)
			require.NoError(t, err)
			resp, err := g.RoundTrip(req)
			wrote := 0
			for _, s := range tt.done {
				if s == "WroteHeaders" {
					wrote++
				}
			}
			assert.Equal(t, tc.reached, wrote, "headers written")
			if tc.answered {
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close())
				return
			}
			require.Error(t, err)
			assert.Nil(t, resp)
			assert.Equal(t, tc.notSent, WasNotSent(err), "not sent: %v", err)
			var re *ResendError
			assert.Equal(t, tc.resend, errors.As(err, &re), "resend: %v", err)
			if tc.resend {
				assert.NotErrorIs(t, err, context.Canceled, "the guard's own cancellation is not the caller's")
			}
			if tc.err != nil && !tc.resend {
				assert.ErrorIs(t, err, tc.err, "the transport's error is kept")
			}
		})
	}
}

// A resend refused while the caller's context ended too is the caller's
// context ending.
func TestAttemptGuardCallerCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	tt := &tracedTransport{steps: []string{"GetConn", "GotConn", "WroteHeaders", "CancelCaller", "GotConn", "WroteHeaders"}, cancel: cancel}
	g := &Guard{Sends: TriggerSends, Next: tt}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://api.quiltt.io/v1/x", nil)
	require.NoError(t, err)
	_, err = g.RoundTrip(req)
	assert.Contains(t, tt.done, "GotConn", "the test reached the resend")
	assert.ErrorIs(t, err, context.Canceled)
	var re *ResendError
	assert.False(t, errors.As(err, &re))
}
