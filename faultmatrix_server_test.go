package quiltt_test

// The fault matrix's server (faultmatrix_test.go runs the matrix):
// matrixServer serves GraphQL and the refresh route under a prefix, and
// answers the cell's operation with its fault.

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// matrixServer serves GraphQL and the refresh route under a prefix; the
// fault hits the refresh route for triggers and GraphQL for reads (and for
// GraphQL-only faults). Connection faults hit the whole server.
type matrixServer struct {
	url       string
	attempts  atomic.Int32 // on the faulty side
	refreshed atomic.Bool
	release   chan struct{}
	close     func()
}

const matrixPrefix = "/matrix"

func matrixAccount(balanceID, source string) string {
	return `{"id":"acct_1","name":"Premium Checking","kind":"DEPOSITORY","mask":"4321","currencyCode":"USD",` +
		`"verified":true,"state":"OPEN","provider":"PLAID","taxonomy":["ASSET","DEPOSITORY"],` +
		`"transactedFirstOn":null,"transactedLastOn":null,"metadata":null,` +
		`"institution":{"id":"ins_1","name":"First Platypus Bank"},"connection":null,` +
		`"balance":{"id":"` + balanceID + `","at":"2024-06-09T07:40:20Z","source":"` + source + `","available":null,"current":3141.59,"limit":null}}`
}

// newMatrixServer starts the cell's server: plain HTTP/1.1, or with overTLS
// HTTP/1.1 over TLS with h2TestCert (faultmatrix_h2_test.go).
func newMatrixServer(t *testing.T, op matrixOp, f fault, overTLS bool) *matrixServer {
	t.Helper()
	m := &matrixServer{release: make(chan struct{})}
	start := func(h http.Handler) *httptest.Server {
		if !overTLS {
			return httptest.NewServer(h)
		}
		srv := httptest.NewUnstartedServer(h)
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{h2TestCert.TLS}, NextProtos: []string{"http/1.1"}}
		srv.StartTLS()
		return srv
	}
	switch f.kind {
	case fRefused:
		srv := start(http.NotFoundHandler())
		m.url = srv.URL + matrixPrefix
		srv.Close()
		m.close = func() {}
		return m
	case fResetAtAccept:
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		var wg sync.WaitGroup
		wg.Go(func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				m.attempts.Add(1)
				_, _ = conn.Read(make([]byte, 1)) // the request has started to arrive
				conn.(*net.TCPConn).SetLinger(0)
				conn.Close()
			}
		})
		scheme := "http://"
		if overTLS {
			scheme = "https://"
		}
		m.url = scheme + ln.Addr().String() + matrixPrefix
		m.close = func() { ln.Close(); wg.Wait() }
		return m
	}

	faultOnREST := op.trigger && !f.graphQLOnly()
	old, fresh := matrixAccount("bal_old", "SYNC"), matrixAccount("bal_new", "REFRESH")
	mux := http.NewServeMux()
	mux.HandleFunc(matrixPrefix+"/v1/graphql", func(w http.ResponseWriter, r *http.Request) {
		if !faultOnREST {
			m.attempts.Add(1)
			m.serveFault(w, r, f, true)
			return
		}
		acct := old
		if m.refreshed.Load() {
			acct = fresh
		}
		reply(w, 200, "application/json", []byte(`{"data":{"account":`+acct+`,"accounts":[`+acct+`]}}`))
	})
	mux.HandleFunc(matrixPrefix+"/v1/accounts/", func(w http.ResponseWriter, r *http.Request) {
		if !faultOnREST {
			t.Errorf("%s: unexpected refresh", op.name)
			w.WriteHeader(http.StatusAccepted)
			m.refreshed.Store(true)
			return
		}
		m.attempts.Add(1)
		m.serveFault(w, r, f, false)
	})
	srv := start(mux)
	m.url = srv.URL + matrixPrefix
	m.close = func() { close(m.release); srv.Close() }
	return m
}

// serveFault answers with the fault; on the REST route a 2xx marks the
// account refreshed.
func (m *matrixServer) serveFault(w http.ResponseWriter, r *http.Request, f fault, graphQL bool) {
	okStatus := http.StatusAccepted
	if graphQL {
		okStatus = http.StatusOK
	}
	switch f.kind {
	case fResetAfterRead:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			if tc, ok := conn.(*tls.Conn); ok {
				conn = tc.NetConn() // reset the TCP connection under the TLS one
			}
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}
	case fSlow:
		select {
		case <-r.Context().Done():
		case <-m.release:
		}
		// Never answer, not even late: over TLS the client's close_notify
		// ends the request's context while the client can still read, and
		// a 200 written then can reach it.
		panic(http.ErrAbortHandler)
	case fTruncated:
		m.refreshed.Store(!graphQL)
		body := `{"data":{"accounts":[` + matrixAccount("bal_x", "SYNC")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)+100))
		w.WriteHeader(okStatus)
		_, _ = w.Write([]byte(body))
	case fOverCap:
		m.refreshed.Store(!graphQL)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(okStatus)
		_, _ = w.Write([]byte(`{"data":{"accounts":[`))
		pad := []byte(strings.Repeat(" ", 64<<10))
		for written := 0; written <= 17<<20; written += len(pad) {
			if _, err := w.Write(pad); err != nil {
				return
			}
		}
	case fGQLErrors:
		reply(w, 200, "application/json", []byte(`{"data":null,"errors":[{"message":"Not Authenticated","extensions":{"code":"UNAUTHENTICATED"}}]}`))
	case fGQLPartial:
		reply(w, 200, "application/json", []byte(`{"data":{"account":{"id":"acct_1","balance":null},"accounts":[`+
			matrixAccount("bal_old", "SYNC")+`]},"errors":[{"message":"provider timed out","path":["account","balance"],`+
			`"extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`))
	case fGQLNullData:
		reply(w, 200, "application/json", []byte(`{"data":null}`))
	case fStatus:
		var headers []string
		if f.retryAfter != "" {
			headers = append(headers, "Retry-After", f.retryAfter)
		}
		switch {
		case f.html:
			reply(w, f.status, "text/html", []byte("<html><body><h1>502 Bad Gateway</h1></body></html>"), headers...)
		case f.jsonBody:
			reply(w, f.status, "application/json",
				[]byte(`{"message":"`+http.StatusText(f.status)+`","instruction":"matrix","errorId":"err-1"}`), headers...)
		default:
			reply(w, f.status, "", nil, headers...)
		}
	}
}
