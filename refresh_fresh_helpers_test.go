package quiltt_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// staleAt dates the balances the tests want stale.
var staleAt = time.Date(2024, 6, 9, 7, 40, 20, 0, time.UTC)

// deadline is the test's context, bounded so that a broken coordination
// fails the test in seconds instead of hanging it.
func deadline(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// freshServer is a fake Quiltt mounted under a path prefix, so that
// absolute-path bugs fail.
func freshServer(t *testing.T, opts ...quilttest.Option) *quilttest.Server {
	t.Helper()
	return quilttest.NewTestServer(t, append([]quilttest.Option{quilttest.WithPathPrefix(basePath)}, opts...)...)
}

// freshClient is a client of s, as its default profile, with fast retries
// and polls and no client-side rate limit, plus opts.
func freshClient(t *testing.T, s *quilttest.Server, opts ...quiltt.Option) *quiltt.Client {
	t.Helper()
	all := append([]quiltt.Option{
		quiltt.WithBaseURL(s.URL()),
		quiltt.WithAPIKey(s.APIKey()),
		quiltt.WithRetryWait(time.Millisecond, 4*time.Millisecond),
		quiltt.WithRateLimit(rate.Inf, 1),
		quiltt.WithFreshBalancePolling(time.Millisecond, 8*time.Millisecond),
	}, opts...)
	c, err := quiltt.NewClient(all...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c.ForProfile(s.ProfileID())
}

// refreshes counts the refresh requests s received, refused ones included.
func refreshes(s *quilttest.Server) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Route == quilttest.RouteRefresh {
			n++
		}
	}
	return n
}

// addPlaidLoan adds an account with a stale balance whose refresh the fake
// always refuses 400 (Plaid does not refresh loans).
func addPlaidLoan(t *testing.T, s *quilttest.Server) string {
	t.Helper()
	const id = "acct_plaid_loan"
	current := decimal.RequireFromString("-950.00")
	require.NoError(t, s.AddAccount(s.ProfileID(), quiltt.Account{
		ID: id, Name: "Loan", Kind: quiltt.AccountKindLoan, Provider: quiltt.ProviderPlaid,
		Connection: &quiltt.Connection{ID: "conn_plaid", Provider: quiltt.ProviderPlaid, Status: quiltt.ConnectionStatusSynced},
		Balance:    &quiltt.Balance{At: staleAt, Source: quiltt.BalanceSourceSync, Current: &current},
	}))
	return id
}

// progress counts where concurrent FreshBalance calls stand, told by the
// package's test hooks (quiltt.WithFreshTestHooks), so that a test can wait
// without sleeping until they reach a point: joined, a call joined the
// refresh in flight in its process; waiting, a call found the lock held by
// another caller and waits for its balance.
type progress struct {
	mu      sync.Mutex
	joined  int
	waiting int
	changed chan struct{} // closed and replaced at every event
}

func newProgress() *progress { return &progress{changed: make(chan struct{})} }

// option is the client option that reports to p.
func (p *progress) option() quiltt.Option {
	return quiltt.WithFreshTestHooks(
		func(string) { p.add(&p.joined) },
		func(string) { p.add(&p.waiting) },
	)
}

func (p *progress) add(n *int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	*n++
	close(p.changed)
	p.changed = make(chan struct{})
}

// joins returns how many calls joined a refresh in flight.
func (p *progress) joins() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.joined
}

// waitJoined returns nil once n calls joined a refresh in flight, or ctx's
// error.
func (p *progress) waitJoined(ctx context.Context, n int) error {
	return p.wait(ctx, func() bool { return p.joined >= n })
}

// waitWaiting returns nil once n calls waited on another caller's lock, or
// ctx's error.
func (p *progress) waitWaiting(ctx context.Context, n int) error {
	return p.wait(ctx, func() bool { return p.waiting >= n })
}

func (p *progress) wait(ctx context.Context, reached func() bool) error {
	for {
		p.mu.Lock()
		done, ch := reached(), p.changed
		p.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// refreshGate is an http.RoundTripper that lets a test hold refresh
// requests before they are sent (before) and see their answers (after).
type refreshGate struct {
	base   *http.Transport
	before func(r *http.Request) error
	after  func(resp *http.Response)
}

// gatedClient returns a refreshGate and an http.Client sending through it;
// set the gate's hooks before the first request.
func gatedClient(t *testing.T) (*refreshGate, *http.Client) {
	g := &refreshGate{base: http.DefaultTransport.(*http.Transport).Clone()}
	t.Cleanup(g.base.CloseIdleConnections)
	return g, &http.Client{Transport: g, Timeout: 30 * time.Second}
}

func (g *refreshGate) RoundTrip(r *http.Request) (*http.Response, error) {
	refresh := r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/balances/refresh")
	if refresh && g.before != nil {
		if err := g.before(r); err != nil {
			return nil, err
		}
	}
	resp, err := g.base.RoundTrip(r)
	if refresh && err == nil && g.after != nil {
		g.after(resp)
	}
	return resp, err
}

func (g *refreshGate) CloseIdleConnections() { g.base.CloseIdleConnections() }

// result is what one FreshBalance call returned.
type result struct {
	b   *quiltt.Balance
	err error
}

// fanOut runs FreshBalance(ctx, id, maxAge) n times at once, the i-th on
// clients[i%len(clients)], and returns every result once all returned.
func fanOut(ctx context.Context, clients []*quiltt.Client, n int, id string, maxAge time.Duration) []result {
	out := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			b, err := clients[i%len(clients)].FreshBalance(ctx, id, maxAge)
			out[i] = result{b, err}
		})
	}
	wg.Wait()
	return out
}

// goFresh starts FreshBalance(ctx, id, maxAge) on c and returns the
// channel its result arrives on.
func goFresh(ctx context.Context, c *quiltt.Client, id string, maxAge time.Duration) <-chan result {
	out := make(chan result, 1)
	go func() {
		b, err := c.FreshBalance(ctx, id, maxAge)
		out <- result{b, err}
	}()
	return out
}

// failingLock is a RefreshLock whose store fails.
type failingLock struct {
	acquireErr, waitErr, releaseErr error
	held                            bool // Acquire reports another holder
}

func (l *failingLock) Acquire(context.Context, string, time.Duration) (func(context.Context) error, bool, error) {
	switch {
	case l.acquireErr != nil:
		return nil, false, l.acquireErr
	case l.held:
		return nil, false, nil
	}
	return func(context.Context) error { return l.releaseErr }, true, nil
}

func (l *failingLock) Wait(context.Context, string) error { return l.waitErr }
