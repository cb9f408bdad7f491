package h2fault

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// MaxRequestBody bounds the body the server reads for one request; a
// longer one gets RST_STREAM(ENHANCE_YOUR_CALM).
const MaxRequestBody = 1 << 20

const (
	// frameSize is the largest frame payload every peer accepts.
	frameSize = 16384
	// initialWindow is HTTP/2's initial flow-control window.
	initialWindow = 65535
	// handshakeTimeout bounds a TLS handshake and the client preface.
	handshakeTimeout = 5 * time.Second
	// drainTimeout bounds how long a connection is read after GOAWAY,
	// waiting for the client to close it.
	drainTimeout = 2 * time.Second
)

// errGoingAway stops a connection's frame loop after the server sent GOAWAY.
var errGoingAway = errors.New("h2fault: sent GOAWAY")

// conn is one served connection. All of its state belongs to the one
// goroutine that runs serve.
type conn struct {
	s    *Server
	nc   net.Conn // the TLS connection, or the TCP one for h2c
	id   int
	fr   *http2.Framer
	hbuf bytes.Buffer
	henc *hpack.Encoder

	streams     map[uint32]*stream // streams being read or answered
	lastID      uint32             // highest stream the client opened
	sendWindow  int64              // connection-level flow control, for DATA sent
	peerInitial int64              // the client's SETTINGS_INITIAL_WINDOW_SIZE
}

// stream is a request being read, or an answer waiting for flow control.
type stream struct {
	id      uint32
	reply   Reply
	reading bool  // END_STREAM not seen yet
	read    int64 // body bytes read
	window  int64 // stream-level flow control, for DATA sent
	pending []byte
}

// serve runs the TLS handshake (unless h2c), checks the client preface and
// runs the frame loop until the connection ends.
func (s *Server) serve(nc net.Conn, id int) {
	c := &conn{
		s: s, nc: nc, id: id,
		streams:     make(map[uint32]*stream),
		sendWindow:  initialWindow,
		peerInitial: initialWindow,
	}
	_ = nc.SetDeadline(time.Now().Add(handshakeTimeout))
	if s.tlsConf != nil {
		tc := tls.Server(nc, s.tlsConf)
		if err := tc.Handshake(); err != nil || tc.ConnectionState().NegotiatedProtocol != "h2" {
			return
		}
		c.nc = tc
	}
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(c.nc, preface); err != nil || string(preface) != http2.ClientPreface {
		return
	}
	_ = nc.SetDeadline(time.Time{})

	c.fr = http2.NewFramer(c.nc, c.nc)
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.fr.MaxHeaderListSize = 1 << 20
	c.henc = hpack.NewEncoder(&c.hbuf)
	// No dynamic table: a header block the server drops (too big for one
	// frame) then leaves no state the client lacks.
	c.henc.SetMaxDynamicTableSize(0)
	if err := c.fr.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 100}); err != nil {
		return
	}
	err := c.loop()
	if errors.Is(err, errGoingAway) {
		c.drain()
	}
}

// loop reads and handles frames until an error.
func (c *conn) loop() error {
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			var se http2.StreamError
			if errors.As(err, &se) { // a malformed request: reset it, go on
				delete(c.streams, se.StreamID)
				if err := c.fr.WriteRSTStream(se.StreamID, se.Code); err != nil {
					return err
				}
				continue
			}
			var ce http2.ConnectionError
			if errors.As(err, &ce) {
				_ = c.fr.WriteGoAway(c.lastID, http2.ErrCode(ce), nil)
			}
			return err
		}
		if err := c.handle(f); err != nil {
			return err
		}
	}
}

// drain half-closes the connection after GOAWAY and reads until the client
// closes it (or drainTimeout), so the GOAWAY is not lost to a TCP reset.
func (c *conn) drain() {
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(drainTimeout))
	_, _ = io.Copy(io.Discard, c.nc)
}

func (c *conn) handle(f http2.Frame) error {
	switch f := f.(type) {
	case *http2.SettingsFrame:
		if f.IsAck() {
			return nil
		}
		if v, ok := f.Value(http2.SettingInitialWindowSize); ok {
			delta := int64(v) - c.peerInitial
			c.peerInitial = int64(v)
			for _, st := range c.streams {
				st.window += delta
			}
		}
		if err := c.fr.WriteSettingsAck(); err != nil {
			return err
		}
		return c.flushAll()
	case *http2.PingFrame:
		if f.IsAck() {
			return nil
		}
		return c.fr.WritePing(true, f.Data)
	case *http2.WindowUpdateFrame:
		if f.StreamID == 0 {
			c.sendWindow += int64(f.Increment)
			return c.flushAll()
		}
		if st := c.streams[f.StreamID]; st != nil {
			st.window += int64(f.Increment)
			return c.flush(st)
		}
	case *http2.MetaHeadersFrame:
		return c.onHeaders(f)
	case *http2.DataFrame:
		return c.onData(f)
	case *http2.RSTStreamFrame:
		delete(c.streams, f.StreamID)
	case *http2.GoAwayFrame:
		return io.EOF // the client is leaving
	}
	return nil
}

// onHeaders opens a stream (or ends one with trailers) and applies the
// Script's Reply.
func (c *conn) onHeaders(f *http2.MetaHeadersFrame) error {
	id := f.StreamID
	if st := c.streams[id]; st != nil { // trailers
		if st.reading && f.StreamEnded() {
			st.reading = false
			return c.readDone(st)
		}
		return nil
	}
	if id%2 == 0 || id <= c.lastID {
		return nil // a stream already closed: nothing to do
	}
	c.lastID = id
	method, path := f.PseudoValue("method"), f.PseudoValue("path")
	n, ok := c.s.accepted(method, path)
	if !ok {
		_ = c.fr.WriteGoAway(below(id), http2.ErrCodeEnhanceYourCalm, []byte("h2fault: MaxStreams reached"))
		return errGoingAway
	}
	header := make(http.Header)
	for _, hf := range f.RegularFields() {
		header.Add(hf.Name, hf.Value)
	}
	reply := c.s.script(Request{N: n, Method: method, Path: path, Header: header, Conn: c.id, StreamID: id})
	switch reply.Action {
	case ResetBeforeRead:
		return c.fr.WriteRSTStream(id, reply.Code)
	case GoAwayBelow:
		if err := c.fr.WriteGoAway(below(id), reply.Code, nil); err != nil {
			return err
		}
		return errGoingAway
	case GoAwayAt:
		if err := c.fr.WriteGoAway(id, reply.Code, nil); err != nil {
			return err
		}
		return errGoingAway
	}
	st := &stream{id: id, reply: reply, reading: !f.StreamEnded(), window: c.peerInitial}
	c.streams[id] = st
	if !st.reading {
		return c.readDone(st)
	}
	return nil
}

// below is the client stream opened just before id (0 if none).
func below(id uint32) uint32 {
	if id > 2 {
		return id - 2
	}
	return 0
}

// onData reads (and discards) a request body, giving the client its
// flow-control credit back.
func (c *conn) onData(f *http2.DataFrame) error {
	if f.Length > 0 {
		if err := c.fr.WriteWindowUpdate(0, f.Length); err != nil {
			return err
		}
	}
	st := c.streams[f.StreamID]
	if st == nil || !st.reading {
		return nil // a stream reset or answered already
	}
	st.read += int64(len(f.Data()))
	if st.read > MaxRequestBody {
		delete(c.streams, st.id)
		return c.fr.WriteRSTStream(st.id, http2.ErrCodeEnhanceYourCalm)
	}
	if f.StreamEnded() {
		st.reading = false
		return c.readDone(st)
	}
	if f.Length > 0 {
		return c.fr.WriteWindowUpdate(st.id, f.Length)
	}
	return nil
}

// readDone applies the Reply once the request has been fully read.
func (c *conn) readDone(st *stream) error {
	if st.reply.Action == ResetAfterRead {
		delete(c.streams, st.id)
		return c.fr.WriteRSTStream(st.id, st.reply.Code)
	}
	return c.respond(st)
}

// respond writes the answer's HEADERS, and its body as flow control allows.
func (c *conn) respond(st *stream) error {
	r := st.reply
	status := r.Status
	if status == 0 {
		status = http.StatusOK
	}
	c.hbuf.Reset()
	_ = c.henc.WriteField(hpack.HeaderField{Name: ":status", Value: strconv.Itoa(status)})
	hasLength := false
	for _, k := range slices.Sorted(maps.Keys(r.Header)) {
		name := strings.ToLower(k)
		hasLength = hasLength || name == "content-length"
		for _, v := range r.Header[k] {
			_ = c.henc.WriteField(hpack.HeaderField{Name: name, Value: v})
		}
	}
	if !hasLength {
		_ = c.henc.WriteField(hpack.HeaderField{Name: "content-length", Value: strconv.Itoa(len(r.Body))})
	}
	if c.hbuf.Len() > frameSize { // would need CONTINUATION
		delete(c.streams, st.id)
		return c.fr.WriteRSTStream(st.id, http2.ErrCodeInternal)
	}
	end := len(r.Body) == 0
	if err := c.fr.WriteHeaders(http2.HeadersFrameParam{
		StreamID: st.id, BlockFragment: c.hbuf.Bytes(), EndStream: end, EndHeaders: true,
	}); err != nil {
		return err
	}
	if end {
		delete(c.streams, st.id)
		return nil
	}
	st.pending = r.Body
	return c.flush(st)
}

// flush writes as much of a stream's pending body as both flow-control
// windows allow; the rest waits for WINDOW_UPDATE.
func (c *conn) flush(st *stream) error {
	for len(st.pending) > 0 {
		n := min(int64(len(st.pending)), frameSize, st.window, c.sendWindow)
		if n <= 0 {
			return nil
		}
		chunk := st.pending[:n]
		st.pending = st.pending[n:]
		if err := c.fr.WriteData(st.id, len(st.pending) == 0, chunk); err != nil {
			return err
		}
		st.window -= n
		c.sendWindow -= n
	}
	delete(c.streams, st.id)
	return nil
}

// flushAll flushes every answer waiting for flow control.
func (c *conn) flushAll() error {
	for _, st := range c.streams {
		if len(st.pending) > 0 {
			if err := c.flush(st); err != nil {
				return err
			}
		}
	}
	return nil
}
