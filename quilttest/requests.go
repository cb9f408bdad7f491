package quilttest

import (
	"net/http"
	"slices"
	"time"
)

// Request is one request the server received, as Requests reports it.
// Credentials are never kept: the Authorization header holds only its
// scheme and "[redacted]".
type Request struct {
	Time      time.Time   // when it arrived, by the server's clock
	Method    string      // the HTTP method
	Path      string      // the URL path, with the WithPathPrefix prefix
	Route     Route       // "" for a path the fake does not serve
	Auth      Auth        // how it authenticated
	ProfileID string      // the profile a request authenticated as (Basic or a session token)
	AccountID string      // the account of a refresh
	Header    http.Header // the request headers, credentials redacted

	// Body is the raw body of a GraphQL request or of issuing a session
	// (which holds no credential); nil for other routes.
	Body []byte
	// Query and OperationName are those of a GraphQL body that decoded.
	Query         string
	OperationName string

	StatusCode int  // the status answered; 0 when the connection was dropped
	Dropped    bool // a DropConnection fault closed the connection
	Fault      bool // the answer came from FailNext
}

// Requests returns every request received so far, oldest first, including
// those that failed authentication, routing or a fault. The slice is the
// caller's. It cannot fail.
func (s *Server) Requests() []Request {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := slices.Clone(s.requests)
	for i := range out {
		out[i].Header = out[i].Header.Clone()
		out[i].Body = slices.Clone(out[i].Body)
	}
	return out
}

// ResetRequests empties the request log. It cannot fail.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}
