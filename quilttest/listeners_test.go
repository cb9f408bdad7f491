package quilttest_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unspecifiedAddr makes a loopback listener report the unspecified
// address, as one on ":8080" does, without listening beyond loopback.
type unspecifiedAddr struct{ net.Listener }

func (l unspecifiedAddr) Addr() net.Addr {
	a := l.Listener.Addr().(*net.TCPAddr)
	return &net.TCPAddr{IP: net.IPv4zero, Port: a.Port}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return l
}

func TestWithListeners(t *testing.T) {
	api, auth := listen(t), listen(t)
	s := quilttest.NewServer(quilttest.WithListeners(unspecifiedAddr{api}, auth))
	assert.Equal(t, "http://127.0.0.1:"+port(api), s.URL(), "an unspecified host is reached on loopback")
	assert.Equal(t, "http://"+auth.Addr().String(), s.AuthURL())

	r := gql(t, s, `{ profile { id } }`, nil)
	assert.Equal(t, http.StatusOK, r.status)
	r = doAuth(t, s, http.MethodPost, "/v1/introspect/api_key", "Bearer "+s.APIKey(), nil)
	assert.Equal(t, http.StatusOK, r.status)

	s.Close()
	assertClosed(t, api)
	assertClosed(t, auth)
}

// assertClosed checks that l was closed: Accept fails with net.ErrClosed
// (rather than wait: a deadline ends a listener left open).
func assertClosed(t *testing.T, l net.Listener) {
	t.Helper()
	err := l.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	if err == nil {
		_, err = l.Accept()
	}
	assert.ErrorIs(t, err, net.ErrClosed)
}

func port(l net.Listener) string { return strconv.Itoa(l.Addr().(*net.TCPAddr).Port) }

func TestWithListenersRefused(t *testing.T) {
	l := listen(t)
	assert.Panics(t, func() { quilttest.NewServer(quilttest.WithListeners(l, nil)) })
	assertClosed(t, l) // a failed NewServer closes the listeners it was given
	l = listen(t)
	assert.Panics(t, func() { quilttest.NewServer(quilttest.WithListeners(l, l)) })
	assertClosed(t, l)
	api, auth := listen(t), listen(t)
	assert.Panics(t, func() { quilttest.NewServer(quilttest.WithListeners(api, auth), quilttest.WithLogLimit(0)) })
	assertClosed(t, api)
	assertClosed(t, auth)
}

// Shutdown waits for a request being served only until its context ends,
// then drops it; a server with nothing in flight stops at once.
func TestShutdown(t *testing.T) {
	s := quilttest.NewServer()
	require.NoError(t, s.Shutdown(t.Context()))
	require.NoError(t, s.Shutdown(t.Context()), "again: nothing to do")
	s.Close() // after Shutdown: nothing to do
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+"/v1/graphql", nil)
	require.NoError(t, err)
	_, err = http.DefaultClient.Do(req)
	assert.Error(t, err, "the server is gone")

	// A request whose body never ends keeps its handler reading. Every
	// request counts against the credential's budget before its body is
	// read: once another request of the same credential sees one more
	// counted than it sent itself, the handler is running.
	fixed := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	s = quilttest.NewServer(quilttest.WithClock(func() time.Time { return fixed }), quilttest.WithRateLimit(1000, time.Second))
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("POST /v1/graphql HTTP/1.1\r\nHost: quilttest\r\nAuthorization: " + basic(s, s.ProfileID()) +
		"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"))
	require.NoError(t, err)
	for sent := 1; ; sent++ {
		require.Less(t, sent, 1000, "the stalled request never reached its handler")
		r := gql(t, s, `{ profile { id } }`, nil)
		if r.header.Get("Ratelimit-Remaining") == strconv.Itoa(1000-sent-1) {
			break
		}
	}
	err = s.Shutdown(expired(t))
	assert.ErrorIs(t, err, context.Canceled, "Shutdown reports the request it cut short")
	_, err = bufio.NewReader(conn).ReadString('\n')
	assert.Error(t, err, "its connection was closed without an answer")
}

// expired returns a context that has already ended.
func expired(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}

func TestWithLogLimit(t *testing.T) {
	s := quilttest.NewTestServer(t, quilttest.WithLogLimit(2))
	for _, q := range []string{`{ a: profile { id } }`, `{ b: profile { id } }`, `{ c: profile { id } }`} {
		gql(t, s, q, nil)
	}
	reqs := s.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, `{ b: profile { id } }`, reqs[0].Query)
	assert.Equal(t, `{ c: profile { id } }`, reqs[1].Query)
}

// The hooks see every request and delivery as the logs record them.
func TestHooks(t *testing.T) {
	_, hookURL := newReceiver(t, http.StatusNoContent)
	var mu sync.Mutex
	var reqs []quilttest.Request
	var dels []quilttest.Delivery
	s := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh),
		quilttest.WithWebhook(hookURL, "whsec_hooks"),
		quilttest.WithRequestHook(func(r quilttest.Request) { mu.Lock(); reqs = append(reqs, r); mu.Unlock() }),
		quilttest.WithDeliveryHook(func(d quilttest.Delivery) { mu.Lock(); dels = append(dels, d); mu.Unlock() }))
	gql(t, s, `{ profile { id } }`, nil)
	r := do(t, s, http.MethodPost, "/v1/accounts/"+quilttest.CheckingAccountID+"/balances/refresh", "Bearer "+s.APIKey(), nil)
	require.Equal(t, http.StatusAccepted, r.status)
	require.Len(t, s.CompleteRefreshes(), 1)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, reqs, 2)
	assert.Equal(t, s.Requests(), reqs)
	assert.Equal(t, "Basic [redacted]", reqs[0].Header.Get("Authorization"))
	require.Len(t, dels, 1)
	assert.Equal(t, http.StatusNoContent, dels[0].StatusCode)
	assert.Equal(t, s.Deliveries()[0].Body, dels[0].Body)

	assert.Panics(t, func() { quilttest.NewServer(quilttest.WithRequestHook(nil)) })
	assert.Panics(t, func() { quilttest.NewServer(quilttest.WithDeliveryHook(nil)) })
}
