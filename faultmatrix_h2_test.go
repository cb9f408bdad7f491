package quiltt_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/internal/h2fault"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/net/http2"
	"golang.org/x/time/rate"
)

// The HTTP/2 rows of the fault matrix: every operation of matrixOps against
// every HTTP/2 fault (internal/h2fault), over three transports. They check
// what the HTTP/1.1 rows check (attempts, error type and sentinels, no
// panic, no goroutine left, a return by the deadline) and, above all, the
// promise of design.md: a billable refresh reaches the server once, however
// the transport reacts to a stream reset or a GOAWAY.

// h2TestCert is the certificate of every TLS server of the HTTP/2 rows.
// TestMain makes it and names it in SSL_CERT_FILE before any test runs, so
// the SDK's own transport (NewClient without WithHTTPClient, a clone of
// http.DefaultTransport) trusts it through the system roots, as it would
// trust Quiltt's certificate: no test hook in the SDK, and nothing else in
// this process trusts it but the HTTP/2 rows' own clients.
var h2TestCert *h2fault.Certificate

// trustH2TestCert makes h2TestCert and sets SSL_CERT_FILE to it. It must
// run before anything in the process loads the system roots (crypto/x509
// reads them once). The returned func removes the file.
func trustH2TestCert() (cleanup func(), err error) {
	h2TestCert, err = h2fault.NewCertificate()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "quiltt-h2-roots")
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "roots.pem")
	if err := os.WriteFile(file, h2TestCert.PEM, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := os.Setenv("SSL_CERT_FILE", file); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return func() { os.RemoveAll(dir) }, nil
}

// h2MatrixMaxStreams bounds the requests one cell's server accepts: a
// transport that resends on every reset (thousands a second) is stopped
// there, and the cell reports the bound.
const h2MatrixMaxStreams = 100

type h2Fault struct {
	name  string
	reply h2fault.Reply
	every bool // every request on the faulty route, not only the first
}

func h2Faults() []h2Fault {
	var faults []h2Fault
	for _, when := range []h2fault.Action{h2fault.ResetBeforeRead, h2fault.ResetAfterRead} {
		for _, code := range []http2.ErrCode{http2.ErrCodeProtocol, http2.ErrCodeInternal, http2.ErrCodeRefusedStream, http2.ErrCodeCancel} {
			faults = append(faults, h2Fault{name: "RST_STREAM " + code.String() + " " + when.String(), reply: h2fault.Reply{Action: when, Code: code}})
		}
	}
	return append(faults,
		h2Fault{name: "GOAWAY below the stream", reply: h2fault.Reply{Action: h2fault.GoAwayBelow}},
		h2Fault{name: "GOAWAY at the stream", reply: h2fault.Reply{Action: h2fault.GoAwayAt}},
		h2Fault{name: "RST_STREAM PROTOCOL_ERROR on every stream", every: true,
			reply: h2fault.Reply{Action: h2fault.ResetBeforeRead, Code: http2.ErrCodeProtocol}},
	)
}

// h2Transport is how the SDK reaches the server in a row.
type h2Transport struct {
	name string
	h2c  bool
	user bool // WithHTTPClient(the server's own client); false: the SDK's transport
}

func h2Transports() []h2Transport {
	return []h2Transport{
		{name: "SDK transport"},
		{name: "user transport", user: true},
		{name: "user transport h2c", h2c: true, user: true},
	}
}

// h2Expect is what an HTTP/2 cell must show.
type h2Expect struct {
	minAttempts, maxAttempts int // requests on the faulty route
	// ok: the call succeeds; okIfResent: it succeeds exactly when the
	// request was sent twice (REFUSED_STREAM: the second was answered).
	ok, okIfResent bool
	// unknown: the error wraps ErrOutcomeUnknown; not checked with
	// okIfResent, where the server said it did not process the request.
	unknown bool
}

// h2ReadBound is the most a read may be sent: each of the SDK's attempts
// once, and up to seven resends inside Go's HTTP/2 transport (its retry
// bound) on faults the transport deems safe.
const h2ReadBound = (1 + matrixRetries) * 8

// h2ExpectFor writes out design.md's rules for HTTP/2 (issue 9). Reads
// retry: one fault then a 200 ends in success after two requests; a fault on
// every stream ends in a *TransportError. A refresh reaches the server
// exactly once, and every fault here strikes after its HEADERS were written,
// so the error wraps ErrOutcomeUnknown; REFUSED_STREAM alone says the
// stream was not processed (RFC 9113 §8.7), so one resend is allowed there.
func h2ExpectFor(op matrixOp, f h2Fault) h2Expect {
	switch {
	case !op.trigger && f.every:
		return h2Expect{minAttempts: 1, maxAttempts: h2ReadBound}
	case !op.trigger:
		return h2Expect{minAttempts: 2, maxAttempts: 2, ok: true}
	case !f.every && f.reply.Code == http2.ErrCodeRefusedStream:
		return h2Expect{minAttempts: 1, maxAttempts: 2, okIfResent: true}
	}
	return h2Expect{minAttempts: 1, maxAttempts: 1, unknown: true}
}

const (
	h2RefreshPath = matrixPrefix + "/v1/accounts/acct_1/balances/refresh"
	h2GraphQLPath = matrixPrefix + "/v1/graphql"
)

// h2MatrixScript faults the first request (or every request) on the
// operation's faulty route, the refresh POST for triggers and GraphQL for
// reads, and answers everything else as Quiltt would: 202 for a refresh,
// the account (fresh once a refresh was accepted) for GraphQL.
func h2MatrixScript(op matrixOp, f h2Fault, stray *atomic.Int32) h2fault.Script {
	route := h2GraphQLPath
	if op.trigger {
		route = h2RefreshPath
	}
	var faulted, refreshed atomic.Bool
	return func(r h2fault.Request) h2fault.Reply {
		if r.Method == http.MethodPost && r.Path == route && (f.every || faulted.CompareAndSwap(false, true)) {
			return f.reply
		}
		switch {
		case r.Method == http.MethodPost && r.Path == h2RefreshPath:
			if !op.trigger {
				stray.Add(1)
			}
			refreshed.Store(true)
			return h2fault.Reply{Status: http.StatusAccepted}
		case r.Method == http.MethodPost && r.Path == h2GraphQLPath:
			acct := matrixAccount("bal_old", "SYNC")
			if refreshed.Load() {
				acct = matrixAccount("bal_new", "REFRESH")
			}
			return h2fault.Reply{
				Status: http.StatusOK,
				Header: http.Header{"Content-Type": {"application/json"}},
				Body:   []byte(`{"data":{"account":` + acct + `,"accounts":[` + acct + `]}}`),
			}
		}
		stray.Add(1)
		return h2fault.Reply{Status: http.StatusNotFound}
	}
}

func TestFaultMatrixHTTP2(t *testing.T) {
	require.NotNil(t, h2TestCert, "TestMain did not make the test certificate")
	roots, err := x509.SystemCertPool()
	require.NoError(t, err)
	_, err = h2TestCert.TLS.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "127.0.0.1"})
	require.NoError(t, err, "the system roots do not hold the test certificate: SSL_CERT_FILE was set too late")

	cells := 0
	for _, tr := range h2Transports() {
		for _, op := range matrixOps() {
			for _, f := range h2Faults() {
				cells++
				t.Run(tr.name+"/"+op.name+"/"+f.name, func(t *testing.T) {
					runH2Cell(t, tr, op, f, h2ExpectFor(op, f))
				})
			}
		}
	}
	fmt.Printf("fault matrix HTTP/2: %d cells checked (%d transports x %d operations x %d faults)\n",
		cells, len(h2Transports()), len(matrixOps()), len(h2Faults()))
}

func runH2Cell(t *testing.T, tr h2Transport, op matrixOp, f h2Fault, want h2Expect) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var stray atomic.Int32
	srv, err := h2fault.Start(h2fault.Config{
		Script:      h2MatrixScript(op, f, &stray),
		H2C:         tr.h2c,
		Certificate: h2TestCert,
		MaxStreams:  h2MatrixMaxStreams,
	})
	require.NoError(t, err)
	opts := []quiltt.Option{
		quiltt.WithBaseURL(srv.URL() + matrixPrefix), quiltt.WithAPIKey(testAPIKey),
		quiltt.WithMaxRetries(matrixRetries), quiltt.WithRetryWait(time.Millisecond, 2*time.Millisecond),
		quiltt.WithRateLimit(rate.Inf, 1),
	}
	if tr.user {
		opts = append(opts, quiltt.WithHTTPClient(srv.Client()))
	}
	c, err := quiltt.NewClient(opts...)
	require.NoError(t, err)
	client := c.ForProfile(testProfile)

	const timeout = 5 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	start := time.Now()
	err = runCatching(t, op, ctx, client)
	elapsed := time.Since(start)
	cancel()
	srv.Close()
	c.CloseIdleConnections()

	route := h2GraphQLPath
	if op.trigger {
		route = h2RefreshPath
	}
	attempts := srv.Count(http.MethodPost, route)
	assert.Less(t, elapsed, timeout+time.Second, "returned by the deadline")
	assert.Zero(t, stray.Load(), "requests off the operation's routes")
	if attempts < want.minAttempts || attempts > want.maxAttempts {
		capped := ""
		if srv.Capped() {
			capped = fmt.Sprintf(" (the server's bound of %d requests stopped the resends)", h2MatrixMaxStreams)
		}
		what := "GraphQL requests"
		if op.trigger {
			what = "refresh POSTs"
		}
		if srv.Total() == 0 {
			capped = " (no HTTP/2 request at all: did the transport negotiate HTTP/1.1?)"
		}
		t.Errorf("the server saw %d %s, allowed %d to %d%s; err: %v", attempts, what, want.minAttempts, want.maxAttempts, capped, err)
	}
	ok := want.ok || (want.okIfResent && attempts == 2)
	if ok {
		assert.NoError(t, err)
		return
	}
	require.Error(t, err)
	var te *quiltt.TransportError
	assert.ErrorAs(t, err, &te, "a *TransportError")
	if !want.okIfResent {
		assert.Equal(t, want.unknown, errors.Is(err, quiltt.ErrOutcomeUnknown), "ErrOutcomeUnknown: %v", err)
	}
	for _, s := range []error{quiltt.ErrBadRequest, quiltt.ErrUnauthorized, quiltt.ErrForbidden, quiltt.ErrNotFound, quiltt.ErrRateLimited, quiltt.ErrServer} {
		assert.NotErrorIs(t, err, s, "no stray sentinel")
	}
	assert.NotContains(t, err.Error(), testAPIKey)
}

// h1TLSClient is a user's client with HTTP/2 off: HTTP/1.1 only, over TLS,
// trusting h2TestCert.
func h1TLSClient() *http.Client {
	p := new(http.Protocols)
	p.SetHTTP1(true)
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: h2TestCert.Pool},
		Protocols:       p,
	}}
}

// expectForHTTP1TLS is expectFor over TLS. One cell differs: a connection
// reset at its first byte is a reset of the TLS handshake, so no connection
// was ever obtained and nothing was sent: even a refresh is retried, and
// the outcome is known.
func expectForHTTP1TLS(op matrixOp, f fault) expect {
	if f.kind == fResetAtAccept {
		return expect{attempts: 1 + matrixRetries, typ: "TransportError"}
	}
	return expectFor(op, f)
}

// h1TLSFault selects the faults the HTTP/1.1-over-TLS rows run: every
// fault of the connection or the body but one, and each status once (JSON,
// no Retry-After, and the HTML 502). The other Retry-After and body variants
// exercise the retry policy, which TestFaultMatrix covers and which does not
// depend on the transport. The body over the cap (17 MiB) is left out: the
// cap applies to the body whatever carried it, and encrypting 17 MiB under
// -race takes seconds a cell.
func h1TLSFault(f fault) bool {
	return f.kind != fOverCap && (f.kind != fStatus || f.html || (f.jsonBody && f.retryAfter == ""))
}

// TestFaultMatrixHTTP1TLS runs the HTTP/1.1 matrix over TLS through a
// user's transport with HTTP/2 off, the third kind of transport issue 9
// names: every operation, against the faults h1TLSFault selects.
func TestFaultMatrixHTTP1TLS(t *testing.T) {
	require.NotNil(t, h2TestCert, "TestMain did not make the test certificate")
	cells := 0
	for _, op := range matrixOps() {
		for _, f := range matrixFaults() {
			if !h1TLSFault(f) || f.graphQLOnly() && (op.name == "RefreshBalance" || op.name == "RefreshBalances") {
				continue
			}
			cells++
			t.Run(op.name+"/"+f.name, func(t *testing.T) {
				runCell(t, op, f, expectForHTTP1TLS(op, f), true)
			})
		}
	}
	fmt.Printf("fault matrix HTTP/1.1 over TLS, a user's transport with HTTP/2 off: %d cells checked\n", cells)
}
