package fleet_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// The billable-refresh phase: 50 calls over 8 replicas, for a stale
// account, then for a fresh one.
const (
	freshReplicas = 8
	freshCalls    = 50
	freshMaxAge   = 5 * time.Minute
	staleAccount  = "acct_fleet_stale"
	warmAccount   = "acct_fleet_warm"
)

// freshFigures is what one round of the phase measured.
type freshFigures struct {
	calls    int
	billed   int   // refresh requests the fake received for the account
	failed   int   // calls that returned an error
	notFresh int   // calls whose balance was not the refreshed (or fresh) one
	firstErr error // one failed call's error, for the failure message
}

// addFreshAccounts adds the phase's two accounts: one whose balance is an
// hour old, one whose balance is new.
func addFreshAccounts(t testing.TB, api *quilttest.Server) {
	t.Helper()
	conn := &quiltt.Connection{ID: "conn_fleet", Provider: quiltt.ProviderMock, Status: quiltt.ConnectionStatusSynced}
	for id, at := range map[string]time.Time{staleAccount: time.Now().Add(-time.Hour), warmAccount: time.Now()} {
		require.NoError(t, api.AddAccount(api.ProfileID(), quiltt.Account{
			ID: id, Name: "Fleet payments " + id, Kind: quiltt.AccountKindDepository, Connection: conn,
		}))
		_, err := api.SetBalance(id, quiltt.Balance{At: at, Source: quiltt.BalanceSourceSync})
		require.NoError(t, err)
	}
}

// newFreshReplicas returns 8 replicas sharing the fleet's limiter and a
// redisstore.RefreshLock, each on its own go-redis client and connection
// pool.
func newFreshReplicas(t testing.TB, e *env) []*quiltt.Client {
	replicas := make([]*quiltt.Client, freshReplicas)
	for i := range replicas {
		replicas[i] = newAPIReplica(t, e, true)
	}
	return replicas
}

// runFresh makes 50 concurrent FreshBalance calls for accountID, spread
// over the replicas (call i on replica i mod 8), and counts at the fake the
// refresh requests they sent. want says which balance every call must
// return.
func runFresh(t *testing.T, e *env, replicas []*quiltt.Client, accountID string, want func(*quiltt.Balance) bool) freshFigures {
	ctx := testContext(t, 90*time.Second)
	e.api.ResetRequests()
	f := freshFigures{calls: freshCalls}
	var mu sync.Mutex
	atOnce(freshCalls, func(i int) {
		b, err := replicas[i%len(replicas)].FreshBalance(ctx, accountID, freshMaxAge)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err != nil:
			f.failed++
			if f.firstErr == nil {
				f.firstErr = fmt.Errorf("call %d: %w", i, err)
			}
		case !want(b):
			f.notFresh++
		}
	})
	for _, r := range e.api.Requests() {
		if r.Route == quilttest.RouteRefresh && r.AccountID == accountID {
			f.billed++
		}
	}
	return f
}

// refreshedBalance is the check of the stale account's calls: the balance
// its refresh brought.
func refreshedBalance(b *quiltt.Balance) bool {
	return b != nil && b.Source == quiltt.BalanceSourceRefresh && time.Since(b.At) <= freshMaxAge
}

// freshBalanceOf is the check of the fresh account's calls: the balance
// it had, unrefreshed.
func freshBalanceOf(b *quiltt.Balance) bool {
	return b != nil && b.Source == quiltt.BalanceSourceSync && time.Since(b.At) <= freshMaxAge
}
