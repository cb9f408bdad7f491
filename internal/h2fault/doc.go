// Package h2fault is a frame-level HTTP/2 test server that misbehaves on
// purpose: per stream, a Script chooses whether to answer, to reset the
// stream (RST_STREAM with any error code, before or after the request was
// read) or to send GOAWAY and close the connection. It counts the requests
// (HEADERS frames) it saw per method and path, so a test can assert how many
// times a request reached the server, including the resends that Go's
// HTTP/2 client makes inside its transport, below any retry policy.
//
// It speaks HTTP/2 over TLS (ALPN "h2", with a self-signed certificate made
// at start or given by the caller) or, with Config.H2C, prior-knowledge
// unencrypted HTTP/2; a client that offers only HTTP/1.1 is disconnected
// after the handshake. It listens on loopback only, is built directly on
// golang.org/x/net/http2's Framer and hpack (no net/http server, which would
// never misbehave this way), and leaves no goroutine behind once Close
// returns.
//
// Limits, by design: header blocks it writes must fit in one frame (no
// CONTINUATION), request bodies are read and discarded (at most
// MaxRequestBody bytes each), and server push and priorities are ignored.
package h2fault
