package quilttest

import (
	"fmt"
	"net/http"
)

// Fault is how FailNext makes a request fail: with an HTTP status (and
// Quiltt's error body for it), or by dropping the connection without an
// answer. Build one with Status or DropConnection.
type Fault struct {
	// Status is the HTTP status of the answer; 0 with Drop.
	Status int
	// Drop closes the connection instead of answering.
	Drop bool
	// AfterEffect first serves the request as usual (a refresh is
	// accepted and will complete), then fails it: the case of an answer
	// lost after Quiltt acted on the request.
	AfterEffect bool
	// Header is added to the answer, e.g. a Retry-After.
	Header http.Header
}

// Status returns a Fault that answers code with Quiltt's error body for it:
// the bodies of Quiltt's refresh error table for 400, 401, 403, 404 and 429
// (the provider's limit on the refresh route, the API's own elsewhere),
// the session limit for 403 and the Profile being deleted for 409 on
// RouteSessionIssue, and a body with a fresh errorId for 5xx. FailNext
// refuses codes outside 400..599.
func Status(code int) Fault { return Fault{Status: code} }

// DropConnection returns a Fault that closes the connection without
// answering, as a network failure would. It cannot fail.
func DropConnection() Fault { return Fault{Drop: true} }

// WithHeader returns a copy of f that adds key: value to its answer. It
// does nothing for a dropped connection.
func (f Fault) WithHeader(key, value string) Fault {
	f.Header = f.Header.Clone()
	if f.Header == nil {
		f.Header = http.Header{}
	}
	f.Header.Add(key, value)
	return f
}

// ActingFirst returns a copy of f with AfterEffect set: the request takes
// effect before it fails. It cannot fail.
func (f Fault) ActingFirst() Fault {
	f.AfterEffect = true
	return f
}

// FailNext makes the next n requests to route fail with f, whatever their
// credentials; later calls queue behind earlier ones. It fails, injecting
// nothing, if route is unknown, n < 1, or f is neither a drop nor a status
// in 400..599.
func (s *Server) FailNext(route Route, n int, f Fault) error {
	switch {
	case !route.known():
		return fmt.Errorf("quilttest: FailNext: unknown route %q", route)
	case n < 1:
		return fmt.Errorf("quilttest: FailNext: n = %d, need at least 1", n)
	case !f.Drop && (f.Status < 400 || f.Status > 599):
		return fmt.Errorf("quilttest: FailNext: status %d is not an error status", f.Status)
	}
	f.Header = f.Header.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[route] = append(s.faults[route], f)
	}
	return nil
}

// PendingFaults returns how many injected faults route has yet to serve;
// 0 for an unknown route. It cannot fail.
func (s *Server) PendingFaults(route Route) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.faults[route])
}

func (s *Server) takeFault(route Route) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[route]
	if len(q) == 0 {
		return Fault{}, false
	}
	f := q[0]
	s.faults[route] = q[1:]
	return f, true
}

// writeFault answers with f, or drops the connection.
func (s *Server) writeFault(w http.ResponseWriter, r *http.Request, rec *Request, f Fault, rl *rlState) {
	if f.Drop {
		rec.Dropped = true
		s.log(*rec)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
			return
		}
		// Not hijackable (HTTP/2): the closest is an empty 502 with the
		// connection closed.
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	resp := errorResponse(f.Status, rec.Route)
	resp.header = f.Header
	s.write(w, r, rec, resp, rl)
}
