package h2fault

import (
	"net/http"

	"golang.org/x/net/http2"
)

// Action is what the server does with one stream.
type Action int

const (
	// Respond answers with the Reply's Status, Header and Body once the
	// request has been fully read (END_STREAM seen).
	Respond Action = iota
	// ResetBeforeRead sends RST_STREAM with the Reply's Code as soon as the
	// request's HEADERS frame arrives, before any of its body is read.
	ResetBeforeRead
	// ResetAfterRead sends RST_STREAM with the Reply's Code once the request
	// has been fully read (END_STREAM seen), without answering it.
	ResetAfterRead
	// GoAwayBelow sends GOAWAY with a last-stream-id below the stream (the
	// stream was not processed and may be retried, RFC 9113 §6.8) as soon as
	// its HEADERS frame arrives, then closes the connection.
	GoAwayBelow
	// GoAwayAt sends GOAWAY with a last-stream-id equal to the stream (it may
	// have been processed) as soon as its HEADERS frame arrives, then closes
	// the connection without answering it.
	GoAwayAt
)

// String names the action, for test names and messages.
func (a Action) String() string {
	switch a {
	case Respond:
		return "respond"
	case ResetBeforeRead:
		return "reset before read"
	case ResetAfterRead:
		return "reset after read"
	case GoAwayBelow:
		return "GOAWAY below the stream"
	case GoAwayAt:
		return "GOAWAY at the stream"
	}
	return "unknown action"
}

// Reply is a Script's decision for one stream. Its zero value answers 200
// with no body.
type Reply struct {
	Action Action
	// Code is the error code of RST_STREAM or GOAWAY (NO_ERROR by default).
	Code http2.ErrCode
	// Status, Header and Body make the answer of Respond. Status 0 means
	// 200. Header names are sent in lower case; Content-Length is added when
	// Header has none. Connection-specific headers (Connection,
	// Keep-Alive, Transfer-Encoding, …) must not be set: HTTP/2 forbids them.
	Status int
	Header http.Header
	Body   []byte
}

// Request describes a stream the server accepted, as a Script sees it when
// the stream's HEADERS frame arrives.
type Request struct {
	// N numbers the requests the server accepted, from 1, across all its
	// connections.
	N int
	// Method and Path are the :method and :path pseudo-headers.
	Method, Path string
	// Header holds the regular request headers, canonicalised.
	Header http.Header
	// Conn numbers the connection the stream arrived on, from 1.
	Conn int
	// StreamID is the stream's HTTP/2 identifier.
	StreamID uint32
}

// Script chooses the Reply for each request. It may be called from several
// connections at once, so it must be safe for concurrent use; it must not
// block, since its connection waits on it.
type Script func(Request) Reply

// Always returns a Script that gives every request the same Reply, such as
// a reset of every stream.
func Always(r Reply) Script {
	return func(Request) Reply { return r }
}
