package h2fault_test

import (
	"bytes"
	"context"
	"errors"
	"go/version"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt/internal/h2fault"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/net/http2"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// protocolErrorResent says whether this Go release's HTTP/2 client resends a
// request whose stream the server reset with PROTOCOL_ERROR. Go 1.26 does
// (on a new connection, with no backoff); Go 1.27 returns the stream error
// instead. The tests below state each release's behaviour, so that CI's
// second pass on Go 1.27 checks the server as well as the first pass does.
var protocolErrorResent = version.Compare(runtime.Version(), "go1.27") < 0

// start runs a server for the test and a client that trusts it; both are
// closed when the test ends.
func start(t *testing.T, cfg h2fault.Config) (*h2fault.Server, *http.Client) {
	t.Helper()
	s, err := h2fault.Start(cfg)
	require.NoError(t, err)
	c := s.Client()
	t.Cleanup(func() {
		c.CloseIdleConnections()
		s.Close()
	})
	return s, c
}

// faultFirst gives the first request the fault and answers the rest 200.
func faultFirst(fault h2fault.Reply) h2fault.Script {
	return func(r h2fault.Request) h2fault.Reply {
		if r.N == 1 {
			return fault
		}
		return h2fault.Reply{Status: http.StatusOK, Body: []byte("ok")}
	}
}

func get(ctx context.Context, c *http.Client, url string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, http.NoBody)
	if err != nil {
		return nil, nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

func TestRespondOverTLSAndH2C(t *testing.T) {
	for _, h2c := range []bool{false, true} {
		t.Run(map[bool]string{false: "TLS", true: "h2c"}[h2c], func(t *testing.T) {
			s, c := start(t, h2fault.Config{H2C: h2c, Script: func(r h2fault.Request) h2fault.Reply {
				return h2fault.Reply{
					Status: http.StatusAccepted,
					Header: http.Header{"Content-Type": {"application/json"}, "X-Seen": {r.Method + " " + r.Path + " " + r.Header.Get("X-Probe")}},
					Body:   []byte(`{"ok":true}`),
				}
			}})
			assert.Equal(t, !h2c, strings.HasPrefix(s.URL(), "https://127.0.0.1:"), s.URL())
			assert.Equal(t, h2c, s.Certificate() == nil)

			req, err := http.NewRequest(http.MethodPost, s.URL()+"/v1/accounts/a/balances/refresh", http.NoBody)
			require.NoError(t, err)
			req.Header.Set("X-Probe", "p1")
			resp, err := c.Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)

			assert.Equal(t, 2, resp.ProtoMajor, "spoke HTTP/2")
			assert.Equal(t, http.StatusAccepted, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			assert.Equal(t, "POST /v1/accounts/a/balances/refresh p1", resp.Header.Get("X-Seen"))
			assert.EqualValues(t, len(`{"ok":true}`), resp.ContentLength)
			assert.JSONEq(t, `{"ok":true}`, string(body))
			assert.Equal(t, 1, s.Count(http.MethodPost, "/v1/accounts/a/balances/refresh"))
			assert.Equal(t, 0, s.Count(http.MethodGet, "/v1/accounts/a/balances/refresh"))
			assert.Equal(t, 1, s.Total())
			assert.Equal(t, 1, s.Conns())
			assert.False(t, s.Capped())
		})
	}
}

// Bodies larger than HTTP/2's initial 65,535-byte windows, both ways, need
// WINDOW_UPDATE handling on both sides.
func TestBodiesPastTheFlowControlWindow(t *testing.T) {
	answer := bytes.Repeat([]byte("0123456789abcdef"), 20<<10) // 320 KiB
	s, c := start(t, h2fault.Config{Script: h2fault.Always(h2fault.Reply{Body: answer})})
	for range 3 { // several answers on one connection use up its window too
		resp, err := c.Post(s.URL()+"/big", "application/octet-stream", bytes.NewReader(make([]byte, 200<<10)))
		require.NoError(t, err)
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, answer, got)
	}
	assert.Equal(t, 3, s.Count(http.MethodPost, "/big"))
	assert.Equal(t, 1, s.Conns())
}

// Go's HTTP/2 client resends a request on RST_STREAM(PROTOCOL_ERROR) and
// REFUSED_STREAM, inside its transport: the server sees it twice and the
// caller one success (after PROTOCOL_ERROR it no longer trusts the
// connection and resends on a new one). On INTERNAL_ERROR and CANCEL it
// gives up: the server sees it once and the caller an error. Before or
// after the request was read makes no difference to the client.
func TestNetHTTPResendsOnSomeResets(t *testing.T) {
	for _, tc := range []struct {
		code   http2.ErrCode
		resent bool
		conns  int // connections the server saw; at least this many when over 1
	}{
		{http2.ErrCodeProtocol, protocolErrorResent, 2},
		{http2.ErrCodeRefusedStream, true, 1},
		{http2.ErrCodeInternal, false, 1},
		{http2.ErrCodeCancel, false, 1},
	} {
		for _, when := range []h2fault.Action{h2fault.ResetBeforeRead, h2fault.ResetAfterRead} {
			t.Run(tc.code.String()+"/"+when.String(), func(t *testing.T) {
				s, c := start(t, h2fault.Config{Script: faultFirst(h2fault.Reply{Action: when, Code: tc.code})})
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				resp, body, err := get(ctx, c, s.URL()+"/r")
				if tc.resent {
					require.NoError(t, err)
					assert.Equal(t, http.StatusOK, resp.StatusCode)
					assert.Equal(t, "ok", string(body))
					assert.Equal(t, 2, s.Count(http.MethodGet, "/r"), "the client resent the request")
				} else {
					require.Error(t, err)
					assert.Equal(t, 1, s.Count(http.MethodGet, "/r"))
				}
				if tc.conns > 1 && tc.resent {
					// A new connection for the resend; under load Go's
					// transport sometimes dials one more while the first
					// is being retired (seen 1 run in ~50 of make test).
					assert.GreaterOrEqual(t, s.Conns(), tc.conns, "connections")
				} else if tc.resent {
					assert.Equal(t, tc.conns, s.Conns(), "connections")
				} else {
					assert.Equal(t, 1, s.Conns(), "connections")
				}
			})
		}
	}
}

// A request with a body is read in full before ResetAfterRead, and resent
// (from GetBody) like a bodyless one where the release resends at all.
func TestResetAfterReadWithABody(t *testing.T) {
	s, c := start(t, h2fault.Config{Script: faultFirst(h2fault.Reply{Action: h2fault.ResetAfterRead, Code: http2.ErrCodeProtocol})})
	resp, err := c.Post(s.URL()+"/graphql", "application/json", strings.NewReader(`{"query":"{ accounts { id } }"}`))
	if !protocolErrorResent {
		require.Error(t, err)
		assert.Equal(t, 1, s.Count(http.MethodPost, "/graphql"), "read in full once, not resent")
		return
	}
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 2, s.Count(http.MethodPost, "/graphql"))
}

// GOAWAY below the stream tells the client it was not processed: Go's client
// resends it on a new connection. GOAWAY at the stream says it may have
// been: the client reports an error once the connection closes.
func TestGoAway(t *testing.T) {
	t.Run("below the stream", func(t *testing.T) {
		s, c := start(t, h2fault.Config{Script: faultFirst(h2fault.Reply{Action: h2fault.GoAwayBelow})})
		resp, body, err := get(context.Background(), c, s.URL()+"/g")
		require.NoError(t, err)
		assert.Equal(t, "ok", string(body))
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, 2, s.Count(http.MethodGet, "/g"))
		assert.GreaterOrEqual(t, s.Conns(), 2, "resent on a new connection (under load Go may dial one more)")
	})
	t.Run("at the stream", func(t *testing.T) {
		s, c := start(t, h2fault.Config{Script: faultFirst(h2fault.Reply{Action: h2fault.GoAwayAt, Code: http2.ErrCodeInternal})})
		_, _, err := get(context.Background(), c, s.URL()+"/g")
		require.Error(t, err)
		assert.Equal(t, 1, s.Count(http.MethodGet, "/g"))
		assert.Equal(t, 1, s.Conns())
	})
}

// A server that resets every stream with PROTOCOL_ERROR meets a resend
// storm: Go's client resends a bodyless request on a new connection after
// each reset, with no backoff (thousands a second). The server stops it by
// itself at MaxStreams: GOAWAY, and every later connection closed at once,
// so the client gives up well before the test's deadline.
func TestResetEveryStreamStopsAtMaxStreams(t *testing.T) {
	const limit = 20
	s, c := start(t, h2fault.Config{
		MaxStreams: limit,
		Script:     h2fault.Always(h2fault.Reply{Action: h2fault.ResetBeforeRead, Code: http2.ErrCodeProtocol}),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err := get(ctx, c, s.URL()+"/loop")
	require.Error(t, err)
	if !protocolErrorResent {
		// This release does not resend by itself: the test sends the
		// storm, one request after another, past the bound.
		for range limit + 5 {
			_, _, err = get(ctx, c, s.URL()+"/loop")
			require.Error(t, err)
		}
	}
	assert.NoError(t, ctx.Err(), "stopped by the server, not by the deadline")
	assert.True(t, s.Capped())
	assert.Equal(t, limit, s.Total(), "requests (resent by Go 1.26, sent again by the test on 1.27) counted up to the bound")
	assert.Equal(t, limit, s.Count(http.MethodGet, "/loop"))
}

// The Script sees requests numbered in order, across connections.
func TestScriptSeesRequestNumbers(t *testing.T) {
	var seen atomic.Int64
	var bad atomic.Bool
	s, c := start(t, h2fault.Config{Script: func(r h2fault.Request) h2fault.Reply {
		if int64(r.N) != seen.Add(1) || r.Conn != 1 || r.StreamID != uint32(2*r.N-1) {
			bad.Store(true)
		}
		return h2fault.Reply{}
	}})
	for range 3 {
		resp, _, err := get(context.Background(), c, s.URL()+"/n")
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
	assert.EqualValues(t, 3, seen.Load())
	assert.False(t, bad.Load(), "numbers, connection and stream IDs in order")
}

func TestStartRefusesABadConfig(t *testing.T) {
	_, err := h2fault.Start(h2fault.Config{})
	assert.Error(t, err, "no Script")
	_, err = h2fault.Start(h2fault.Config{Script: h2fault.Always(h2fault.Reply{}), MaxStreams: -1})
	assert.Error(t, err, "negative MaxStreams")
}

// Close ends connections in use and returns only when every goroutine of
// the server has ended.
func TestCloseWithAConnectionOpen(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := h2fault.Start(h2fault.Config{Script: h2fault.Always(h2fault.Reply{})})
	require.NoError(t, err)
	tr := s.Transport()
	resp, _, err := get(context.Background(), &http.Client{Transport: tr}, s.URL()+"/")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	s.Close()
	s.Close() // idempotent
	_, _, err = get(context.Background(), &http.Client{Transport: tr}, s.URL()+"/")
	assert.Error(t, err, "closed")
	tr.CloseIdleConnections()
	assert.False(t, errors.Is(err, context.DeadlineExceeded))
}
