package quiltt_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/time/rate"
)

// The fault matrix runs every public network operation against every fault
// and checks, per cell: the attempts the server saw, the error's type and
// sentinels, no panic, no goroutine left behind, and a return by the
// deadline. The expected outcome of a cell follows from the rules of
// design.md ("Retries are safe"), written out in expectFor.

type faultKind int

const (
	fRefused        faultKind = iota // nothing listens
	fResetAtAccept                   // the server resets the connection at the first byte
	fResetAfterRead                  // the server reads the request, then resets
	fStatus                          // an HTTP error answer
	fSlow                            // no answer before the deadline
	fTruncated                       // a 2xx whose body stops short
	fOverCap                         // a 2xx whose body is over the SDK's cap
	fGQLErrors                       // GraphQL 200 with errors[] and data null
	fGQLPartial                      // GraphQL 200 with errors[] and partial data
	fGQLNullData                     // GraphQL 200 with data null and no errors[]
)

type fault struct {
	name       string
	kind       faultKind
	status     int
	html       bool
	jsonBody   bool
	retryAfter string
}

func (f fault) graphQLOnly() bool { return f.kind >= fGQLErrors }

func matrixFaults() []fault {
	faults := []fault{
		{name: "connection refused", kind: fRefused},
		{name: "reset before any response", kind: fResetAtAccept},
		{name: "reset after the request was written", kind: fResetAfterRead},
		{name: "502 HTML page", kind: fStatus, status: 502, html: true},
		{name: "server slower than the deadline", kind: fSlow},
		{name: "truncated body", kind: fTruncated},
		{name: "body over the cap", kind: fOverCap},
		{name: "GraphQL errors[]", kind: fGQLErrors},
		{name: "GraphQL partial data", kind: fGQLPartial},
		{name: "GraphQL data null", kind: fGQLNullData},
	}
	for _, status := range []int{400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504} {
		for _, js := range []bool{true, false} {
			for _, ra := range []string{"", "0", "120"} {
				name := strconv.Itoa(status)
				if js {
					name += " json"
				} else {
					name += " empty"
				}
				if ra != "" {
					name += " Retry-After " + ra
				}
				faults = append(faults, fault{name: name, kind: fStatus, status: status, jsonBody: js, retryAfter: ra})
			}
		}
	}
	return faults
}

type matrixOp struct {
	name    string
	trigger bool // a billable trigger: the faults hit its REST route
	run     func(ctx context.Context, c *quiltt.Client) error
}

func matrixOps() []matrixOp {
	return []matrixOp{
		{name: "Accounts", run: func(ctx context.Context, c *quiltt.Client) error {
			_, err := c.Accounts(ctx, nil)
			return err
		}},
		{name: "Account", run: func(ctx context.Context, c *quiltt.Client) error {
			_, err := c.Account(ctx, "acct_1")
			return err
		}},
		{name: "RefreshBalance", trigger: true, run: func(ctx context.Context, c *quiltt.Client) error {
			return c.RefreshBalance(ctx, "acct_1")
		}},
		{name: "RefreshAndWait", trigger: true, run: func(ctx context.Context, c *quiltt.Client) error {
			b, err := c.RefreshAndWait(ctx, "acct_1", &quiltt.RefreshWaitOptions{MinInterval: time.Millisecond, MaxInterval: 2 * time.Millisecond})
			if err == nil && (b == nil || b.ID != "bal_new") {
				return fmt.Errorf("RefreshAndWait returned %+v, want bal_new", b)
			}
			return err
		}},
		{name: "RefreshBalances", trigger: true, run: func(ctx context.Context, c *quiltt.Client) error {
			results, err := c.RefreshBalances(ctx, []string{"acct_1", "acct_1"}, nil)
			if len(results) != 1 {
				return fmt.Errorf("%d results for one distinct ID", len(results))
			}
			if (err == nil) != (results[0].Err == nil) {
				return fmt.Errorf("summary error %v disagrees with the result's %v", err, results[0].Err)
			}
			return err
		}},
	}
}

// expect is what a cell must show.
type expect struct {
	attempts int     // requests (or connections, for connection faults) the faulty side saw
	ok       bool    // no error
	is       []error // sentinels and causes that must match
	unknown  bool    // errors.Is(err, ErrOutcomeUnknown)
	typ      string  // "Error", "TransportError" or "QueryError"; "" for no check
}

const matrixRetries = 2 // so a retried fault is seen 3 times

func statusSentinel(status int) error {
	switch {
	case status == 400 || status == 422:
		return quiltt.ErrBadRequest
	case status == 401:
		return quiltt.ErrUnauthorized
	case status == 403:
		return quiltt.ErrForbidden
	case status == 404:
		return quiltt.ErrNotFound
	case status == 429:
		return quiltt.ErrRateLimited
	case status >= 500:
		return quiltt.ErrServer
	}
	return nil
}

// expectFor writes out design.md's rules. Reads retry network errors, 429
// and 5xx; a billable trigger retries only a connection never made, 429 and
// 503, and reports the rest of the 5xx and lost connections as outcome
// unknown. A wait asked for over the one-minute cap is not slept.
func expectFor(op matrixOp, f fault) expect {
	all := 1 + matrixRetries
	switch f.kind {
	case fRefused:
		return expect{attempts: 0, typ: "TransportError"}
	case fResetAtAccept, fResetAfterRead:
		if op.trigger && !(op.name == "RefreshAndWait" && f.kind == fResetAtAccept) {
			return expect{attempts: 1, typ: "TransportError", unknown: true}
		}
		// Reads retry; RefreshAndWait's first read fails before any refresh.
		return expect{attempts: all, typ: "TransportError"}
	case fSlow:
		return expect{attempts: 1, typ: "TransportError", is: []error{context.DeadlineExceeded}, unknown: op.trigger}
	case fTruncated, fOverCap:
		if op.trigger { // the 202 was sent: the refresh is accepted
			return expect{attempts: 1, ok: true}
		}
		return expect{attempts: 1, is: []error{quiltt.ErrInvalidResponse}}
	case fGQLErrors:
		return expect{attempts: 1, typ: "QueryError", is: []error{quiltt.ErrUnauthorized}}
	case fGQLPartial:
		return expect{attempts: 1, typ: "QueryError", is: []error{quiltt.ErrServer}}
	case fGQLNullData:
		return expect{attempts: 1, is: []error{quiltt.ErrInvalidResponse}}
	}
	// An HTTP error status.
	e := expect{attempts: 1, typ: "Error"}
	if s := statusSentinel(f.status); s != nil {
		e.is = []error{s}
	}
	retryable := f.status == 429 || f.status == 503 || (!op.trigger && f.status >= 500)
	if retryable && f.retryAfter != "120" {
		e.attempts = all
	}
	e.unknown = op.trigger && f.status >= 500 && f.status != 503
	return e
}

func TestFaultMatrix(t *testing.T) {
	cells := 0
	for _, op := range matrixOps() {
		for _, f := range matrixFaults() {
			if f.graphQLOnly() && (op.name == "RefreshBalance" || op.name == "RefreshBalances") {
				continue // these never read GraphQL
			}
			cells++
			t.Run(op.name+"/"+f.name, func(t *testing.T) {
				runCell(t, op, f, expectFor(op, f), false)
			})
		}
	}
	// The line `make test` shows.
	fmt.Printf("fault matrix: %d cells checked (%d operations x %d faults, GraphQL-only faults skipped for REST-only operations)\n",
		cells, len(matrixOps()), len(matrixFaults()))
}

// runCell runs one cell over the SDK's own transport, or with overTLS over
// TLS through a user's transport with HTTP/2 off (h1TLSClient).
func runCell(t *testing.T, op matrixOp, f fault, want expect, overTLS bool) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := newMatrixServer(t, op, f, overTLS)
	opts := []quiltt.Option{
		quiltt.WithBaseURL(srv.url), quiltt.WithAPIKey(testAPIKey),
		quiltt.WithMaxRetries(matrixRetries), quiltt.WithRetryWait(time.Millisecond, 2*time.Millisecond),
		quiltt.WithRateLimit(rate.Inf, 1),
	}
	if overTLS {
		opts = append(opts, quiltt.WithHTTPClient(h1TLSClient()))
	}
	c, err := quiltt.NewClient(opts...)
	require.NoError(t, err)
	client := c.ForProfile(testProfile)

	timeout := 5 * time.Second
	if f.kind == fSlow {
		timeout = 150 * time.Millisecond
		if overTLS { // room for the handshakes of RefreshAndWait's first read on a loaded machine
			timeout = 400 * time.Millisecond
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	start := time.Now()
	err = runCatching(t, op, ctx, client)
	elapsed := time.Since(start)
	cancel()
	srv.close()
	c.CloseIdleConnections()

	assert.Less(t, elapsed, timeout+time.Second, "returned by the deadline")
	assert.EqualValues(t, want.attempts, srv.attempts.Load(), "attempts the server saw")
	if want.ok {
		assert.NoError(t, err)
		return
	}
	require.Error(t, err)
	for _, target := range want.is {
		assert.ErrorIs(t, err, target)
	}
	assert.Equal(t, want.unknown, errors.Is(err, quiltt.ErrOutcomeUnknown), "ErrOutcomeUnknown: %v", err)
	for _, s := range []error{quiltt.ErrBadRequest, quiltt.ErrUnauthorized, quiltt.ErrForbidden, quiltt.ErrNotFound, quiltt.ErrRateLimited, quiltt.ErrServer} {
		if !containsErr(want.is, s) {
			assert.NotErrorIs(t, err, s, "no stray sentinel")
		}
	}
	var e *quiltt.Error
	var te *quiltt.TransportError
	var qe *quiltt.QueryError
	switch want.typ {
	case "Error":
		assert.ErrorAs(t, err, &e)
	case "TransportError":
		assert.ErrorAs(t, err, &te)
	case "QueryError":
		assert.ErrorAs(t, err, &qe)
	}
	assert.NotContains(t, err.Error(), testAPIKey)
}

func containsErr(list []error, target error) bool {
	for _, e := range list {
		if e == target {
			return true
		}
	}
	return false
}

// runCatching runs op, turning a panic into a test failure and an error, so
// that one panicking cell does not end the matrix.
func runCatching(t *testing.T, op matrixOp, ctx context.Context, client *quiltt.Client) (err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
			t.Errorf("panic: %v", p)
		}
	}()
	return op.run(ctx, client)
}
