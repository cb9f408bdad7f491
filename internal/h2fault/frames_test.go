package h2fault_test

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt/internal/h2fault"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// rawClient speaks HTTP/2 frames to an h2c server, for what net/http's
// client does not do on demand (PING, trailers, GOAWAY's fields).
type rawClient struct {
	t    *testing.T
	nc   net.Conn
	fr   *http2.Framer
	henc *hpack.Encoder
	hbuf bytes.Buffer
}

func dialRaw(t *testing.T, s *h2fault.Server) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	require.NoError(t, nc.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = nc.Write([]byte(http2.ClientPreface))
	require.NoError(t, err)
	c := &rawClient{t: t, nc: nc, fr: http2.NewFramer(nc, nc)}
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.henc = hpack.NewEncoder(&c.hbuf)
	require.NoError(t, c.fr.WriteSettings())
	return c
}

func (c *rawClient) headers(id uint32, method, path string, endStream bool) {
	c.hbuf.Reset()
	for _, f := range [][2]string{{":method", method}, {":scheme", "http"}, {":authority", "test"}, {":path", path}} {
		require.NoError(c.t, c.henc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]}))
	}
	require.NoError(c.t, c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: c.hbuf.Bytes(), EndHeaders: true, EndStream: endStream}))
}

// next reads frames until one matches keep.
func (c *rawClient) next(keep func(http2.Frame) bool) http2.Frame {
	for {
		f, err := c.fr.ReadFrame()
		require.NoError(c.t, err)
		if keep(f) {
			return f
		}
	}
}

func TestFramesSettingsPingAndTrailers(t *testing.T) {
	s, err := h2fault.Start(h2fault.Config{H2C: true, Script: h2fault.Always(h2fault.Reply{Status: 204})})
	require.NoError(t, err)
	defer s.Close()
	c := dialRaw(t, s)

	c.next(func(f http2.Frame) bool { sf, ok := f.(*http2.SettingsFrame); return ok && sf.IsAck() })

	data := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	require.NoError(t, c.fr.WritePing(false, data))
	ping := c.next(func(f http2.Frame) bool { _, ok := f.(*http2.PingFrame); return ok }).(*http2.PingFrame)
	assert.True(t, ping.IsAck())
	assert.Equal(t, data, ping.Data)

	// A request whose body ends with trailers is answered after them.
	c.headers(1, "POST", "/t", false)
	require.NoError(t, c.fr.WriteData(1, false, []byte("body")))
	c.hbuf.Reset()
	require.NoError(t, c.henc.WriteField(hpack.HeaderField{Name: "x-trailer", Value: "1"}))
	require.NoError(t, c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: c.hbuf.Bytes(), EndHeaders: true, EndStream: true}))
	h := c.next(func(f http2.Frame) bool { _, ok := f.(*http2.MetaHeadersFrame); return ok }).(*http2.MetaHeadersFrame)
	assert.Equal(t, uint32(1), h.StreamID)
	assert.Equal(t, "204", h.PseudoValue("status"))
	assert.True(t, h.StreamEnded())
	assert.Equal(t, 1, s.Count("POST", "/t"))
}

// GOAWAY carries the last-stream-id the Reply asks for, then the server
// closes the connection (the client reads EOF, not a reset).
func TestFramesGoAwayLastStreamID(t *testing.T) {
	for _, tc := range []struct {
		action h2fault.Action
		last   uint32
	}{{h2fault.GoAwayBelow, 1}, {h2fault.GoAwayAt, 3}} {
		t.Run(tc.action.String(), func(t *testing.T) {
			s, err := h2fault.Start(h2fault.Config{H2C: true, Script: func(r h2fault.Request) h2fault.Reply {
				if r.N == 2 {
					return h2fault.Reply{Action: tc.action, Code: http2.ErrCodeNo}
				}
				return h2fault.Reply{}
			}})
			require.NoError(t, err)
			defer s.Close()
			c := dialRaw(t, s)
			c.headers(1, "GET", "/a", true)
			c.next(func(f http2.Frame) bool { h, ok := f.(*http2.MetaHeadersFrame); return ok && h.StreamID == 1 })
			c.headers(3, "GET", "/b", true)
			ga := c.next(func(f http2.Frame) bool { _, ok := f.(*http2.GoAwayFrame); return ok }).(*http2.GoAwayFrame)
			assert.Equal(t, tc.last, ga.LastStreamID)
			assert.Equal(t, http2.ErrCodeNo, ga.ErrCode)
			for {
				f, err := c.fr.ReadFrame()
				if err != nil {
					break
				}
				_, isHeaders := f.(*http2.MetaHeadersFrame)
				assert.False(t, isHeaders, "no answer after GOAWAY")
			}
			assert.Equal(t, 1, s.Count("GET", "/b"))
		})
	}
}
