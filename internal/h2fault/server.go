package h2fault

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"sync"
)

// DefaultMaxStreams is the number of requests a Server accepts when
// Config.MaxStreams is 0.
const DefaultMaxStreams = 10000

// Config configures a Server.
type Config struct {
	// Script chooses each stream's Reply. Required.
	Script Script
	// H2C serves prior-knowledge unencrypted HTTP/2 (no TLS, no upgrade)
	// instead of HTTP/2 over TLS.
	H2C bool
	// Certificate is the TLS certificate to serve; nil makes a fresh one
	// with NewCertificate. Ignored with H2C.
	Certificate *Certificate
	// MaxStreams bounds the requests the server accepts, so a client that
	// resends forever cannot keep a test running: the request past it gets
	// GOAWAY(ENHANCE_YOUR_CALM) and its connection is closed, and every
	// later connection is closed as soon as it is accepted. 0 means
	// DefaultMaxStreams.
	MaxStreams int
}

// Server is a running frame-level HTTP/2 server on loopback. Its methods
// are safe for concurrent use.
type Server struct {
	script     Script
	maxStreams int
	cert       *Certificate
	tlsConf    *tls.Config // nil for h2c
	ln         net.Listener
	url        string

	mu     sync.Mutex
	closed bool
	capped bool
	open   map[net.Conn]struct{}
	conns  int
	total  int
	counts map[string]int

	wg        sync.WaitGroup
	closeOnce sync.Once
}

// Start starts a server on a free loopback port.
//
// Failure modes: an error when Script is nil, MaxStreams is negative, the
// certificate cannot be made, or no loopback port can be opened.
func Start(cfg Config) (*Server, error) {
	if cfg.Script == nil {
		return nil, errors.New("h2fault: Config.Script is nil")
	}
	if cfg.MaxStreams < 0 {
		return nil, errors.New("h2fault: Config.MaxStreams is negative")
	}
	s := &Server{
		script:     cfg.Script,
		maxStreams: cfg.MaxStreams,
		open:       make(map[net.Conn]struct{}),
		counts:     make(map[string]int),
	}
	if s.maxStreams == 0 {
		s.maxStreams = DefaultMaxStreams
	}
	scheme := "http"
	if !cfg.H2C {
		scheme = "https"
		s.cert = cfg.Certificate
		if s.cert == nil {
			c, err := NewCertificate()
			if err != nil {
				return nil, err
			}
			s.cert = c
		}
		s.tlsConf = &tls.Config{
			Certificates: []tls.Certificate{s.cert.TLS},
			NextProtos:   []string{"h2"},
			MinVersion:   tls.VersionTLS12,
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.ln = ln
	s.url = scheme + "://" + ln.Addr().String()
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// URL is the server's base URL, such as https://127.0.0.1:41234 (http://
// with H2C), with no trailing slash.
func (s *Server) URL() string { return s.url }

// Certificate is the certificate the server presents; nil with H2C.
func (s *Server) Certificate() *Certificate { return s.cert }

// Transport returns a new *http.Transport that speaks HTTP/2 to the server:
// over TLS, it trusts the server's certificate and has ForceAttemptHTTP2
// (what a user does to keep HTTP/2 on a customised transport); with H2C, it
// allows only unencrypted HTTP/2. The caller closes its idle connections.
func (s *Server) Transport() *http.Transport {
	if s.tlsConf == nil {
		p := new(http.Protocols)
		p.SetUnencryptedHTTP2(true)
		return &http.Transport{Protocols: p}
	}
	return &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: s.cert.Pool},
		ForceAttemptHTTP2: true,
	}
}

// Client returns a new *http.Client on a new Transport.
func (s *Server) Client() *http.Client { return &http.Client{Transport: s.Transport()} }

// Count returns how many requests with this method and path the server
// accepted (HEADERS frames opening a stream, before any GOAWAY or the
// MaxStreams bound), whatever it then did with them.
func (s *Server) Count(method, path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[method+" "+path]
}

// Total returns how many requests the server accepted, on every method and
// path.
func (s *Server) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// Conns returns how many connections the server served (those closed at
// once because MaxStreams was reached are not counted).
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Capped reports whether a request arrived past MaxStreams.
func (s *Server) Capped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.capped
}

// Close stops the server: it closes the listener and every connection, and
// returns once every goroutine of the server has ended. Further calls do
// nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		for nc := range s.open {
			nc.Close()
		}
		s.mu.Unlock()
		s.ln.Close()
		s.wg.Wait()
	})
}

// accept serves each connection on its own goroutine until the listener is
// closed.
func (s *Server) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed || s.capped {
			s.mu.Unlock()
			nc.Close()
			continue
		}
		s.conns++
		id := s.conns
		s.open[nc] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.serve(nc, id)
			s.mu.Lock()
			delete(s.open, nc)
			s.mu.Unlock()
			nc.Close()
		}()
	}
}

// accepted records a request and returns its number, or false when the
// request is past MaxStreams (the server is then capped).
func (s *Server) accepted(method, path string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.total >= s.maxStreams {
		s.capped = true
		return 0, false
	}
	s.total++
	s.counts[method+" "+path]++
	return s.total, true
}
