package quiltt

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/quiltt-go/quiltt/internal/retry"
	"github.com/quiltt-go/quiltt/internal/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/quiltt-go/quiltt/internal/h2fault"
)

// A request whose stream the server ended after reading its headers
// (GOAWAY below the stream, then the connection closed), and whose
// reconnect for the HTTP/2 client's own resend is refused: the dial error
// that ends the attempt does not make it "not sent", since the request was
// written. A read (which the guard lets the transport resend) tries the
// reconnect; a trigger's resend is stopped first. Either way Quiltt got one
// request, and a trigger's outcome is unknown (on today's main: "not sent",
// so retried, or with retries off an error without ErrOutcomeUnknown).
func TestWrittenThenRefusedReconnectIsNotNotSent(t *testing.T) {
	for _, kind := range []retry.Kind{retry.Read, retry.Trigger} {
		t.Run(kind.String(), func(t *testing.T) {
			srv, err := h2fault.Start(h2fault.Config{H2C: true, Script: func(r h2fault.Request) h2fault.Reply {
				if r.N == 1 {
					return h2fault.Reply{Action: h2fault.GoAwayBelow}
				}
				return h2fault.Reply{Status: http.StatusAccepted}
			}})
			require.NoError(t, err)
			t.Cleanup(srv.Close)
			var dials, refusedDials atomic.Int32
			tr := srv.Transport()
			tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				if dials.Add(1) > 1 {
					refusedDials.Add(1)
					return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
				}
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			}
			t.Cleanup(tr.CloseIdleConnections)
			c, err := NewClient(WithBaseURL(srv.URL()), WithAPIKey("qltt_key_1"), WithMaxRetries(0),
				WithRateLimit(rate.Inf, 1), WithHTTPClient(&http.Client{Transport: tr}))
			require.NoError(t, err)

			_, err = c.p.do(t.Context(), &request{op: "Test", kind: kind, endpoint: c.p.api,
				method: http.MethodPost, path: "/v1/x", auth: c.p.restAuth})

			var te *TransportError
			require.ErrorAs(t, err, &te)
			assert.False(t, transport.WasNotSent(te.Err), "a written request is never 'not sent': %v", err)
			assert.Equal(t, kind == retry.Trigger, errors.Is(err, ErrOutcomeUnknown), "outcome unknown: %v", err)
			assert.Equal(t, 1, srv.Count(http.MethodPost, "/v1/x"), "requests the server accepted")
			if kind == retry.Read {
				assert.EqualValues(t, 1, refusedDials.Load(), "the test drove the refused reconnect")
			}
		})
	}
}
