package quilttest_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Reads, refreshes, seeding and log reads run at once; -race checks the
// server's locking, goleak (TestMain) that everything stops.
func TestConcurrentUse(t *testing.T) {
	rv, hookURL := newReceiver(t, http.StatusOK)
	s := quilttest.NewTestServer(t, quilttest.WithWebhook(hookURL, "whsec_c"))
	c := newClient(t, s, quiltt.WithSessionToken(s.SessionToken()), quiltt.WithRateLimit(1e6, 1000))
	const n = 8
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := c.Accounts(t.Context(), nil)
			assert.NoError(t, err)
		})
		wg.Go(func() {
			r := do(t, s, http.MethodPost, "/v1/accounts/"+quilttest.CheckingAccountID+"/balances/refresh", "Bearer "+s.APIKey(), nil)
			assert.Equal(t, http.StatusAccepted, r.status)
		})
		wg.Go(func() {
			_, err := s.SetBalance(quilttest.CreditCardAccountID, quiltt.Balance{Current: decPtr("1.5")})
			assert.NoError(t, err)
			_ = s.Requests()
			_ = s.Deliveries()
		})
	}
	wg.Wait()
	require.NoError(t, s.WaitRefreshes(waitCtx(t), n))
	assert.Len(t, s.Deliveries(), n)
	rv.mu.Lock()
	assert.Len(t, rv.bodies, n)
	rv.mu.Unlock()
}
