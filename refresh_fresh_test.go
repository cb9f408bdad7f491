package quiltt_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

const checking = quilttest.CheckingAccountID // seeded with a 2024 balance: stale

// A balance within maxAge is returned as read: one GraphQL read, no refresh.
func TestFreshBalanceFreshAccountIsNotRefreshed(t *testing.T) {
	t.Parallel()
	s := freshServer(t)
	current := decimal.RequireFromString("120.50")
	stored, err := s.SetBalance(checking, quiltt.Balance{Current: &current}) // dated now
	require.NoError(t, err)
	c := freshClient(t, s)

	b, err := c.FreshBalance(deadline(t), checking, time.Minute)

	require.NoError(t, err)
	assert.Equal(t, stored.ID, b.ID)
	assert.Equal(t, "120.5", b.Current.String())
	assert.Zero(t, refreshes(s), "nothing billed")
	assert.Len(t, s.Requests(), 1, "one read")
}

// A stale balance costs exactly one refresh; the balance it brings is
// returned, and is fresh for the next call, which refreshes nothing.
func TestFreshBalanceStaleAccountIsRefreshedOnce(t *testing.T) {
	t.Parallel()
	s := freshServer(t)
	c := freshClient(t, s)

	b, err := c.FreshBalance(deadline(t), checking, 5*time.Minute)

	require.NoError(t, err)
	assert.Equal(t, 1, refreshes(s))
	all := s.Balances(checking)
	require.Len(t, all, 2, "the seeded balance and the refresh's")
	assert.Equal(t, all[1].ID, b.ID)
	assert.Equal(t, quiltt.BalanceSourceRefresh, b.Source)
	assert.Equal(t, checking, b.AccountID)
	assert.Equal(t, "3141.59", b.Current.String())

	again, err := c.FreshBalance(deadline(t), checking, 5*time.Minute)
	require.NoError(t, err)
	assert.Equal(t, b.ID, again.ID)
	assert.Equal(t, 1, refreshes(s), "the new balance is fresh: no second refresh")
}

// maxAge 0 accepts only a balance dated now or later (now − At ≤ 0).
func TestFreshBalanceMaxAgeZero(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		at        time.Time
		refreshes int
	}{
		"a second old: refreshed":          {at: time.Now().Add(-time.Second), refreshes: 1},
		"dated ahead by the provider: not": {at: time.Now().Add(time.Hour)},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := freshServer(t)
			_, err := s.SetBalance(checking, quiltt.Balance{At: tc.at})
			require.NoError(t, err)

			b, err := freshClient(t, s).FreshBalance(deadline(t), checking, 0)

			require.NoError(t, err)
			assert.Equal(t, tc.refreshes, refreshes(s))
			assert.Equal(t, s.Balances(checking)[len(s.Balances(checking))-1].ID, b.ID)
		})
	}
}

// 50 concurrent calls on one client for one stale account: one refresh,
// and every call gets its balance, each its own copy.
func TestFreshBalanceConcurrentCallsShareOneRefresh(t *testing.T) {
	t.Parallel()
	s := freshServer(t)
	c := freshClient(t, s)

	results := fanOut(deadline(t), []*quiltt.Client{c}, 50, checking, 5*time.Minute)

	assert.Equal(t, 1, refreshes(s))
	all := s.Balances(checking)
	require.Len(t, all, 2)
	seen := map[*quiltt.Balance]bool{}
	for i, r := range results {
		require.NoError(t, r.err, i)
		assert.Equal(t, all[1].ID, r.b.ID, i)
		assert.Equal(t, "3141.59", r.b.Current.String(), i)
		assert.False(t, seen[r.b], "call %d shares its *Balance", i)
		seen[r.b] = true
	}
}

// Eight replicas (eight NewClient, each with its own pool) that share one
// RefreshLock, as replicas share a store: 50 calls spread over them, one
// refresh. Without the shared lock, the same replicas bill eight: the
// negative control, held at the gate until all eight refreshes are in.
func TestFreshBalanceReplicasShareOneRefresh(t *testing.T) {
	t.Parallel()
	t.Run("sharing a lock", func(t *testing.T) {
		t.Parallel()
		s := freshServer(t)
		lock := new(quiltt.MemoryRefreshLock)
		replicas := make([]*quiltt.Client, 8)
		for i := range replicas {
			replicas[i] = freshClient(t, s, quiltt.WithRefreshLock(lock))
		}

		results := fanOut(deadline(t), replicas, 50, checking, 5*time.Minute)

		assert.Equal(t, 1, refreshes(s))
		all := s.Balances(checking)
		require.Len(t, all, 2)
		for i, r := range results {
			require.NoError(t, r.err, i)
			assert.Equal(t, all[1].ID, r.b.ID, i)
		}
	})
	t.Run("each with its own lock", func(t *testing.T) {
		t.Parallel()
		s := freshServer(t)
		var arrived atomic.Int32
		allIn := make(chan struct{})
		replicas := make([]*quiltt.Client, 8)
		for i := range replicas {
			gate, hc := gatedClient(t)
			gate.before = func(r *http.Request) error {
				if arrived.Add(1) == int32(len(replicas)) {
					close(allIn)
				}
				select {
				case <-allIn:
					return nil
				case <-r.Context().Done():
					return r.Context().Err()
				}
			}
			replicas[i] = freshClient(t, s, quiltt.WithHTTPClient(hc))
		}

		results := fanOut(deadline(t), replicas, 50, checking, 5*time.Minute)

		for i, r := range results {
			require.NoError(t, r.err, i)
		}
		assert.Equal(t, 8, refreshes(s), "one per process: nothing shared")
	})
}

func TestFreshBalanceOptions(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]quiltt.Option{
		"nil lock":      quiltt.WithRefreshLock(nil),
		"zero min":      quiltt.WithFreshBalancePolling(0, time.Second),
		"max below min": quiltt.WithFreshBalancePolling(time.Second, time.Millisecond),
	} {
		_, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey), opt)
		assert.Error(t, err, name)
	}
	_, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey),
		quiltt.WithRefreshLock(new(quiltt.MemoryRefreshLock)), quiltt.WithFreshBalancePolling(time.Second, time.Second))
	assert.NoError(t, err)
}
