package fleet_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// The rate-budget phase: 16 replicas refresh 400 accounts.
const (
	refreshReplicas = 16
	refreshAccounts = 400
)

// idealRefreshWall is the time 400 requests take at exactly the budget.
var idealRefreshWall = time.Duration(refreshAccounts) * apiBudgetWindow / apiBudget

// refreshFigures is what the rate-budget phase measured.
type refreshFigures struct {
	refreshes   int           // refreshes asked for
	accepted    int           // refresh requests the fake answered 202
	answers429  int           // requests (of any route) the fake answered 429
	failed      int           // RefreshBalances results with an error
	wall        time.Duration // from the first call to the last result
	wallXIdeal  float64       // wall / idealRefreshWall
	firstFailed error         // one failed result's error, for the failure message
}

// refreshAccountID names the i-th account of the phase.
func refreshAccountID(i int) string { return fmt.Sprintf("acct_fleet%03d", i) }

// addRefreshAccounts adds the phase's accounts to the fake's default
// profile, on one synced connection.
func addRefreshAccounts(t testing.TB, api *quilttest.Server) []string {
	t.Helper()
	conn := &quiltt.Connection{ID: "conn_fleet", Provider: quiltt.ProviderMock, Status: quiltt.ConnectionStatusSynced}
	ids := make([]string, refreshAccounts)
	for i := range ids {
		ids[i] = refreshAccountID(i)
		require.NoError(t, api.AddAccount(api.ProfileID(), quiltt.Account{
			ID: ids[i], Name: "Fleet checking " + ids[i], Kind: quiltt.AccountKindDepository, Connection: conn,
		}))
	}
	return ids
}

// runRefreshes is the rate-budget phase: 16 replicas, each with its own
// connection pool and go-redis client and the fleet's shared limiter, call
// RefreshBalances on 25 accounts each, all at once. The figures are
// counted at the fake, which logs every request it answered; the phase
// then waits for every accepted refresh to complete.
func runRefreshes(t *testing.T, e *env, ids []string) refreshFigures {
	replicas := make([]*quiltt.Client, refreshReplicas)
	for i := range replicas {
		replicas[i] = newAPIReplica(t, e, false)
	}
	ctx := testContext(t, 90*time.Second)
	e.api.ResetRequests()

	per := len(ids) / refreshReplicas
	results := make([][]quiltt.RefreshResult, refreshReplicas)
	began := time.Now()
	atOnce(len(replicas), func(r int) {
		results[r], _ = replicas[r].RefreshBalances(ctx, ids[r*per:(r+1)*per], nil) // the results carry each error
	})
	f := refreshFigures{refreshes: len(ids), wall: time.Since(began)}
	f.wallXIdeal = f.wall.Seconds() / idealRefreshWall.Seconds()

	for _, rs := range results {
		for _, r := range rs {
			if r.Err != nil {
				f.failed++
				if f.firstFailed == nil {
					f.firstFailed = fmt.Errorf("%s: %w", r.AccountID, r.Err)
				}
			}
		}
	}
	for _, r := range e.api.Requests() {
		switch {
		case r.StatusCode == http.StatusTooManyRequests:
			f.answers429++
		case r.Route == quilttest.RouteRefresh && r.StatusCode == http.StatusAccepted:
			f.accepted++
		}
	}
	// Every accepted refresh was a real one: it completes (through the
	// completer) into a new balance.
	require.NoError(t, e.api.WaitRefreshes(ctx, f.accepted), "the accepted refreshes complete")
	return f
}

// runControl is the simulation's negative control: 16 replicas with only
// their own in-process limiters (the SDK's default, 25 requests/s each)
// and no retries refresh 5 accounts each at once. The fake must answer
// some of them 429, or its enforcement could not have caught a fleet over
// its budget. It returns the count of 429s.
func runControl(t *testing.T, e *env, ids []string) int {
	ctx := testContext(t, 30*time.Second)
	e.api.ResetRequests()
	const per = 5
	clients := make([]*quiltt.Client, refreshReplicas)
	for r := range clients {
		c, err := quiltt.NewClient(
			quiltt.WithBaseURL(e.api.URL()),
			quiltt.WithAPIKey(e.api.APIKey()),
			quiltt.WithHTTPClient(&http.Client{Transport: newTransport(t, per), Timeout: quiltt.DefaultTimeout}),
			quiltt.WithMaxRetries(0),
		)
		require.NoError(t, err)
		t.Cleanup(c.CloseIdleConnections)
		clients[r] = c
	}
	atOnce(len(clients), func(r int) {
		_, _ = clients[r].RefreshBalances(ctx, ids[r*per:(r+1)*per], nil) // counted at the fake
	})
	n := 0
	for _, r := range e.api.Requests() {
		if r.StatusCode == http.StatusTooManyRequests {
			n++
		}
	}
	return n
}
