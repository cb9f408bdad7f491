package quiltt_test

// The test harness's scripted REST routes (harness_test.go has setup):
// handleScript answers a route's attempts in turn and records them; answer,
// hijack and resetConn are the replies it is given.

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// seenRequest is what a scripted route recorded of one attempt.
type seenRequest struct {
	Method, URI, Auth, ContentType string
	ContentLength                  int64
	Body                           string
}

// recorder counts and records the attempts a scripted route sees.
type recorder struct {
	attempts atomic.Int32
	mu       sync.Mutex
	reqs     []seenRequest
}

func (rec *recorder) record(r *http.Request) int {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, seenRequest{
		Method: r.Method, URI: r.RequestURI, Auth: r.Header.Get("Authorization"),
		ContentType: r.Header.Get("Content-Type"), ContentLength: r.ContentLength, Body: string(body),
	})
	rec.mu.Unlock()
	return int(rec.attempts.Add(1))
}

// seen returns the attempts recorded, in order; URI is the request URI as
// the client sent it, base path included.
func (rec *recorder) seen() []seenRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seenRequest(nil), rec.reqs...)
}

// handleScript serves pattern on mux: it records every attempt, and answers
// attempt i (counted from 1) with replies[i-1], every later one with the
// last reply.
func handleScript(mux *http.ServeMux, pattern string, replies ...http.HandlerFunc) *recorder {
	rec := &recorder{}
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		n := rec.record(r)
		replies[min(n, len(replies))-1](w, r)
	})
	return rec
}

// refreshFixture reads a file of testdata/refresh.
func refreshFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "refresh", name))
	require.NoError(t, err)
	return b
}

// answer replies with status, the testdata/refresh fixture (if any) and
// header pairs.
func answer(t testing.TB, status int, file string, header ...string) http.HandlerFunc {
	var body []byte
	if file != "" {
		body = refreshFixture(t, file)
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		if len(body) > 0 && w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
}

// hijack takes the connection over and hands it to fn, which must close it.
func hijack(t testing.TB, fn func(net.Conn, *bufio.ReadWriter)) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		fn(conn, rw)
	}
}

// resetConn closes conn with an RST instead of a FIN.
func resetConn(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
