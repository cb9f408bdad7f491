package quiltt_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
)

// Progress sees each result once as it lands, in landing order, one call at
// a time, all before RefreshBalances returns. The calls append to a slice
// without a lock: under -race, two calls at once would be reported.
func TestRefreshBalancesProgress(t *testing.T) {
	t.Parallel()
	fastReported := make(chan struct{})
	p := &perAccount{status: map[string]int{"acct_gone": 404}, before: func(id string) {
		if id == "acct_slow" {
			<-fastReported // acct_slow lands only after acct_fast was reported
		}
	}}
	c, mux, _ := setup(t)
	p.route(mux)
	ids := []string{"acct_slow", "acct_fast", "acct_slow", "acct_gone"}
	for i := range 20 {
		ids = append(ids, fmt.Sprintf("acct_%02d", i))
	}

	var seen []quiltt.RefreshProgress // unlocked on purpose
	results, err := c.RefreshBalances(t.Context(), ids, &quiltt.RefreshBalancesOptions{
		Concurrency: 8,
		Progress: func(pr quiltt.RefreshProgress) {
			seen = append(seen, pr)
			if pr.Result.AccountID == "acct_fast" {
				close(fastReported)
			}
		},
	})

	var summary *quiltt.RefreshBalancesError
	require.ErrorAs(t, err, &summary)
	require.Len(t, results, 23)
	require.Len(t, seen, 23, "every result reported before RefreshBalances returned")
	index := map[string]int{}
	for i, pr := range seen {
		assert.Equal(t, i+1, pr.Done, "Done counts 1..Total")
		assert.Equal(t, 23, pr.Total)
		require.Less(t, pr.Index, len(results))
		assert.Equal(t, results[pr.Index], pr.Result, "Index points at the same result")
		_, dup := index[pr.Result.AccountID]
		assert.False(t, dup, "%s reported twice", pr.Result.AccountID)
		index[pr.Result.AccountID] = i
	}
	assert.Less(t, index["acct_fast"], index["acct_slow"], "landing order, not input order")
	assert.ErrorIs(t, seen[index["acct_gone"]].Result.Err, quiltt.ErrNotFound)
}

// The refreshes never sent because the context ended are reported too, after
// every one that was sent.
func TestRefreshBalancesProgressNotStarted(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	p := &perAccount{before: func(id string) {
		if id == "acct_2" {
			cancel()
		}
	}}
	c, mux, _ := setup(t)
	p.route(mux)
	ids := []string{"acct_1", "acct_2", "acct_3", "acct_4"}

	var got []string
	_, err := c.RefreshBalances(ctx, ids, &quiltt.RefreshBalancesOptions{
		Concurrency: 1,
		Progress: func(pr quiltt.RefreshProgress) {
			status := "ok"
			switch {
			case pr.Result.AccountID == "acct_2":
				status = "in flight" // ended as the canceled context made it
			case pr.Result.Err != nil:
				status = "err"
			}
			got = append(got, fmt.Sprintf("%d/%d %s %s", pr.Done, pr.Total, pr.Result.AccountID, status))
		},
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, []string{"1/4 acct_1 ok", "2/4 acct_2 in flight", "3/4 acct_3 err", "4/4 acct_4 err"}, got)
}
