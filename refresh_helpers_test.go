package quiltt_test

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/quiltt-go/quiltt"
)

// testAPIKey looks like a real secret so that leak checks mean something.
const testAPIKey = "qltt_test_4f1d2c9a8b7e6d5c4b3a2f1e"

// prefix is where test servers mount the API, so that a request built with
// an absolute path instead of one below the base URL misses.
const prefix = "/prefix"

// refreshURI is the request URI of acct_1's refresh on a test server.
const refreshURI = prefix + "/v1/accounts/acct_1/balances/refresh"

// refreshFixture reads a file of testdata/refresh.
func refreshFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "refresh", name))
	require.NoError(t, err)
	return b
}

// seenRequest is what a test server recorded of one attempt.
type seenRequest struct {
	Method, URI, Auth, ContentType string
	ContentLength                  int64
	Body                           string
}

// recorder counts and records the attempts a test server sees.
type recorder struct {
	n    atomic.Int32
	mu   sync.Mutex
	reqs []seenRequest
}

func (rec *recorder) record(r *http.Request) int {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, seenRequest{
		Method: r.Method, URI: r.RequestURI, Auth: r.Header.Get("Authorization"),
		ContentType: r.Header.Get("Content-Type"), ContentLength: r.ContentLength, Body: string(body),
	})
	rec.mu.Unlock()
	return int(rec.n.Add(1))
}

func (rec *recorder) seen() []seenRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seenRequest(nil), rec.reqs...)
}

// scripted serves replies[i] to the attempt i (counted from 0), the last
// reply to every later attempt, under prefix; anything else is a 418.
func scripted(t testing.TB, replies ...http.HandlerFunc) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	mux := http.NewServeMux()
	mux.HandleFunc(prefix+"/v1/accounts/", func(w http.ResponseWriter, r *http.Request) {
		n := rec.record(r)
		replies[min(n, len(replies))-1](w, r)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, rec
}

// answer replies with status, the fixture file (if any) and header pairs.
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

// newClient builds a client for base with the test API key, fast retries
// (2 of them) and no client-side rate limit, plus opts.
func newClient(t testing.TB, base string, opts ...quiltt.Option) *quiltt.Client {
	t.Helper()
	all := append([]quiltt.Option{
		quiltt.WithAPIKey(testAPIKey),
		quiltt.WithBaseURL(base),
		quiltt.WithRetryWait(time.Millisecond, 5*time.Millisecond),
		quiltt.WithMaxRetries(2),
		quiltt.WithRateLimit(rate.Inf, 1),
	}, opts...)
	c, err := quiltt.NewClient(all...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// logBuffer is a debug-level slog logger writing to a buffer safe for
// concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
