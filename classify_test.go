package quiltt_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeAccounts serves the Account query of the GraphQL API for the
// accounts it knows, and counts the lookups.
type fakeAccounts struct {
	gql     *gqlRoute    // its attempts are the lookups
	auth    atomic.Value // the last Authorization header
	gate    chan struct{}
	arrived chan struct{}
	known   map[string]string // id → account JSON
}

func (f *fakeAccounts) answer(w http.ResponseWriter, r *gqlRequest, _ int) {
	f.auth.Store(r.Header.Get("Authorization"))
	select {
	case f.arrived <- struct{}{}:
	default:
	}
	if f.gate != nil {
		<-f.gate
	}
	id, _ := r.Variables["id"].(string)
	account, ok := f.known[id]
	if !ok {
		account = "null"
	}
	reply(w, http.StatusOK, "application/json", []byte(`{"data":{"account":`+account+`}}`))
}

// newFakeAccounts serves fakeAccounts on a setup server and returns a
// client of it, without a profile and without retries.
func newFakeAccounts(t *testing.T) (*fakeAccounts, *quiltt.Client) {
	t.Helper()
	f := &fakeAccounts{known: map[string]string{
		"acct_12vAFU1c4t514E40Nb9NTW": `{"id":"acct_12vAFU1c4t514E40Nb9NTW","name":"Premium Credit Card","kind":"CREDIT","taxonomy":["LIABILITY","CREDIT"],"verified":false,"state":"OPEN","provider":"PLAID","institution":{"id":"i","name":"Bank"},"balance":null}`,
		"acct_12sf19AeKaWfukStXAL7nN": `{"id":"acct_12sf19AeKaWfukStXAL7nN","name":"Premium Checking","kind":"DEPOSITORY","taxonomy":[],"verified":true,"state":"OPEN","provider":"PLAID","institution":{"id":"i","name":"Bank"},"balance":null}`,
		"acct_12wm3n4PaWHdcMgu6ZVDx5": `{"id":"acct_12wm3n4PaWHdcMgu6ZVDx5","name":"Mystery","kind":null,"taxonomy":[],"verified":false,"state":"OPEN","provider":"MOCK","institution":{"id":"i","name":"Bank"},"balance":null}`,
	}}
	_, mux, srv := setup(t)
	f.gql = handleGraphQL(t, mux, func(w http.ResponseWriter, r *gqlRequest, n int) { f.answer(w, r, n) })
	return f, newClient(t, srv.baseURL(), quiltt.WithMaxRetries(0))
}

func TestAccountClassifierCachesOneLookupPerAccount(t *testing.T) {
	f, c := newFakeAccounts(t)
	k := quiltt.NewAccountClassifier(c.ForProfile("p_12uGLpPexyTkZCcJJntSjb"))
	ctx := context.Background()
	for range 3 {
		class, err := k.Classify(ctx, "acct_12vAFU1c4t514E40Nb9NTW")
		require.NoError(t, err)
		assert.Equal(t, quiltt.ClassLiability, class)
		class, err = k.Classify(ctx, "acct_12sf19AeKaWfukStXAL7nN")
		require.NoError(t, err)
		assert.Equal(t, quiltt.ClassAsset, class)
		class, err = k.Classify(ctx, "acct_12wm3n4PaWHdcMgu6ZVDx5")
		require.NoError(t, err)
		assert.Equal(t, quiltt.ClassUnknown, class)
	}
	assert.Equal(t, int32(3), f.gql.attempts.Load())

	_, err := k.Classify(ctx, "acct_unknown")
	assert.ErrorIs(t, err, quiltt.ErrNotFound)
	_, err = k.Classify(ctx, "acct_unknown")
	assert.ErrorIs(t, err, quiltt.ErrNotFound)
	assert.Equal(t, int32(5), f.gql.attempts.Load(), "failures are not cached")
}

func TestAccountClassifierSharesConcurrentLookups(t *testing.T) {
	f, c := newFakeAccounts(t)
	f.gate = make(chan struct{})
	f.arrived = make(chan struct{}, 8)
	k := quiltt.NewAccountClassifier(c.ForProfile("p_1"))
	var wg sync.WaitGroup
	classes := make([]quiltt.Class, 8)
	for i := range classes {
		wg.Go(func() {
			classes[i], _ = k.Classify(context.Background(), "acct_12vAFU1c4t514E40Nb9NTW")
		})
	}
	<-f.arrived // the lookup reached the server; the gate holds it
	close(f.gate)
	wg.Wait()
	assert.Equal(t, int32(1), f.gql.attempts.Load())
	for _, class := range classes {
		assert.Equal(t, quiltt.ClassLiability, class)
	}
}

func TestAccountClassifierClassifyBalance(t *testing.T) {
	f, c := newFakeAccounts(t)
	k := quiltt.NewAccountClassifier(c)
	p, err := quiltt.ParseWebhook(readFixture(t, "envelope_several_events.json"))
	require.NoError(t, err)

	b, class, err := k.ClassifyBalance(context.Background(), p.Events[1])
	require.NoError(t, err)
	assert.Equal(t, quiltt.ClassLiability, class)
	assertAmount(t, "2134.34", b.AmountOwed(), "owed")
	assert.Contains(t, f.auth.Load(), "Basic ", "looked up as the event's Profile")

	_, _, err = k.ClassifyBalance(context.Background(), p.Events[2])
	assert.ErrorIs(t, err, quiltt.ErrWebhookEventType)

	var zero quiltt.AccountClassifier
	_, err = zero.Classify(context.Background(), "acct_1")
	assert.Error(t, err)
}

func TestAccountClassifierWaiterHonoursContext(t *testing.T) {
	f, c := newFakeAccounts(t)
	f.gate = make(chan struct{})
	f.arrived = make(chan struct{}, 1)
	k := quiltt.NewAccountClassifier(c.ForProfile("p_1"))
	var wg sync.WaitGroup
	var leaderClass quiltt.Class
	wg.Go(func() {
		leaderClass, _ = k.Classify(context.Background(), "acct_12sf19AeKaWfukStXAL7nN")
	})
	<-f.arrived
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := k.Classify(ctx, "acct_12sf19AeKaWfukStXAL7nN")
	assert.ErrorIs(t, err, context.Canceled)
	close(f.gate)
	wg.Wait()
	assert.Equal(t, quiltt.ClassAsset, leaderClass)
}
