package quiltt_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
)

// perAccount serves the refresh route, answering each account ID with
// status[ID] (202 when absent) and counting requests per ID.
type perAccount struct {
	status   map[string]int
	mu       sync.Mutex
	count    map[string]int
	inFlight atomic.Int32
	maxIn    atomic.Int32
	before   func(id string) // called before answering, if set
}

// route serves the refresh route on mux.
func (p *perAccount) route(mux *http.ServeMux) {
	p.count = map[string]int{}
	mux.HandleFunc("/v1/accounts/{id}/balances/refresh", func(w http.ResponseWriter, r *http.Request) {
		n := p.inFlight.Add(1)
		defer p.inFlight.Add(-1)
		for m := p.maxIn.Load(); n > m && !p.maxIn.CompareAndSwap(m, n); m = p.maxIn.Load() {
		}
		id := r.PathValue("id")
		p.mu.Lock()
		p.count[id]++
		p.mu.Unlock()
		if p.before != nil {
			p.before(id)
		}
		status, ok := p.status[id]
		if !ok {
			status = http.StatusAccepted
		}
		w.WriteHeader(status)
	})
}

func (p *perAccount) counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.count))
	for k, v := range p.count {
		out[k] = v
	}
	return out
}

func TestRefreshBalances(t *testing.T) {
	t.Parallel()
	p := &perAccount{status: map[string]int{"acct_gone": 404, "acct_500": 500}}
	c, mux, _ := setup(t)
	p.route(mux)
	ids := []string{"acct_a", "acct_b", "acct_a", "acct_gone", "acct_500", "acct_b", "bad/id", "acct_c"}

	results, err := c.RefreshBalances(t.Context(), ids, &quiltt.RefreshBalancesOptions{Concurrency: 3})

	require.Len(t, results, 6, "one result per distinct ID")
	var got []string
	for _, r := range results {
		got = append(got, r.AccountID)
	}
	assert.Equal(t, []string{"acct_a", "acct_b", "acct_gone", "acct_500", "bad/id", "acct_c"}, got, "input order")
	assert.NoError(t, results[0].Err)
	assert.NoError(t, results[1].Err)
	assert.ErrorIs(t, results[2].Err, quiltt.ErrNotFound)
	assert.ErrorIs(t, results[3].Err, quiltt.ErrOutcomeUnknown)
	assert.ErrorIs(t, results[4].Err, quiltt.ErrInvalidAccountID)
	assert.NoError(t, results[5].Err, "no fail-fast")
	assert.Equal(t, map[string]int{"acct_a": 1, "acct_b": 1, "acct_gone": 1, "acct_500": 1, "acct_c": 1}, p.counts(), "one request per ID")

	var summary *quiltt.RefreshBalancesError
	require.ErrorAs(t, err, &summary)
	assert.Equal(t, 6, summary.Total)
	assert.Equal(t, 3, summary.Failed)
	assert.Zero(t, summary.NotStarted)
	assert.ErrorIs(t, err, quiltt.ErrOutcomeUnknown)
	assert.ErrorIs(t, err, quiltt.ErrNotFound)
}

func TestRefreshBalancesAllAccepted(t *testing.T) {
	t.Parallel()
	p := &perAccount{}
	c, mux, _ := setup(t)
	p.route(mux)
	ids := make([]string, 40)
	for i := range ids {
		ids[i] = fmt.Sprintf("acct_%02d", i)
	}

	results, err := c.RefreshBalances(t.Context(), ids, &quiltt.RefreshBalancesOptions{Concurrency: 4})

	require.NoError(t, err)
	require.Len(t, results, 40)
	for _, r := range results {
		assert.NoError(t, r.Err, r.AccountID)
	}
	assert.LessOrEqual(t, p.maxIn.Load(), int32(4), "bounded concurrency")
	assert.Len(t, p.counts(), 40)

	results, err = c.RefreshBalances(t.Context(), nil, nil)
	assert.NoError(t, err)
	assert.Empty(t, results)
}

func TestRefreshBalancesStopsLaunchingWhenContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	p := &perAccount{before: func(id string) {
		if id == "acct_3" {
			cancel()
		}
	}}
	c, mux, _ := setup(t)
	p.route(mux)
	ids := []string{"acct_1", "acct_2", "acct_3", "acct_4", "acct_5", "acct_6"}

	results, err := c.RefreshBalances(ctx, ids, &quiltt.RefreshBalancesOptions{Concurrency: 1})

	require.Len(t, results, 6)
	assert.NoError(t, results[0].Err)
	assert.NoError(t, results[1].Err)
	for _, r := range results[3:] {
		assert.ErrorIs(t, r.Err, context.Canceled, r.AccountID)
	}
	assert.Equal(t, map[string]int{"acct_1": 1, "acct_2": 1, "acct_3": 1}, p.counts(), "nothing launched after the context ended")
	var summary *quiltt.RefreshBalancesError
	require.ErrorAs(t, err, &summary)
	assert.Equal(t, 3, summary.NotStarted)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestRefreshBalancesFailsEarly(t *testing.T) {
	t.Parallel()
	p := &perAccount{}
	c, mux, srv := setup(t)
	p.route(mux)
	for _, n := range []int{-1, 1001} {
		results, err := c.RefreshBalances(t.Context(), []string{"acct_1"}, &quiltt.RefreshBalancesOptions{Concurrency: n})
		assert.Error(t, err)
		assert.Nil(t, results)
	}

	tokenOnly, err := quiltt.NewClient(quiltt.WithSessionToken("session.jwt.token"), quiltt.WithBaseURL(srv.baseURL()))
	require.NoError(t, err)
	results, err := tokenOnly.RefreshBalances(t.Context(), []string{"acct_1", "acct_2"}, nil)
	assert.ErrorIs(t, err, quiltt.ErrMissingCredentials)
	require.Len(t, results, 2)
	for _, r := range results {
		assert.ErrorIs(t, r.Err, quiltt.ErrMissingCredentials)
	}
	assert.Empty(t, p.counts(), "no request")
}
