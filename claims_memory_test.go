package quiltt_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClaimStore(size int) (*quiltt.MemoryClaimStore, *fakeClock) {
	clk := &fakeClock{t: testNow}
	m := quiltt.NewMemoryClaimStore(size)
	m.Now = clk.Now
	return m, clk
}

func claim(t *testing.T, m *quiltt.MemoryClaimStore, id string, lease time.Duration) quiltt.Claim {
	t.Helper()
	c, err := m.Claim(context.Background(), id, lease)
	require.NoError(t, err)
	assert.Equal(t, id, c.EventID)
	return c
}

// Acquired → busy while leased → done once marked, for the retention; a
// release makes the event claimable at once.
func TestMemoryClaimStoreLifecycle(t *testing.T) {
	ctx := context.Background()
	m, clk := newClaimStore(0)

	a := claim(t, m, "evt_1", time.Minute)
	assert.Equal(t, quiltt.ClaimAcquired, a.State)
	assert.NotEmpty(t, a.Token)
	assert.Equal(t, quiltt.ClaimBusy, claim(t, m, "evt_1", time.Minute).State)
	assert.Empty(t, claim(t, m, "evt_1", time.Minute).Token, "a busy claim holds no token")

	require.NoError(t, m.Done(ctx, a, time.Hour))
	assert.Equal(t, quiltt.ClaimDone, claim(t, m, "evt_1", time.Minute).State)
	clk.Advance(time.Hour - time.Second)
	assert.Equal(t, quiltt.ClaimDone, claim(t, m, "evt_1", time.Minute).State)
	clk.Advance(time.Second)
	again := claim(t, m, "evt_1", time.Minute)
	assert.Equal(t, quiltt.ClaimAcquired, again.State, "forgotten after the retention")
	assert.NotEqual(t, a.Token, again.Token, "a token per lease")

	require.NoError(t, m.Release(ctx, again))
	assert.Equal(t, quiltt.ClaimAcquired, claim(t, m, "evt_1", time.Minute).State, "released: claimable at once")

	assert.Equal(t, "acquired busy done unknown", fmt.Sprint(quiltt.ClaimAcquired, quiltt.ClaimBusy, quiltt.ClaimDone, quiltt.ClaimState(0)))
}

// A holder whose lease expired cannot complete or release the lease of the
// delivery that took the event over.
func TestMemoryClaimStoreExpiredHolderCannotSettle(t *testing.T) {
	ctx := context.Background()
	m, clk := newClaimStore(0)
	old := claim(t, m, "evt_1", time.Minute)
	require.Equal(t, quiltt.ClaimAcquired, old.State)

	clk.Advance(time.Minute)
	taken := claim(t, m, "evt_1", time.Minute)
	require.Equal(t, quiltt.ClaimAcquired, taken.State, "an expired lease is taken over")

	require.NoError(t, m.Release(ctx, old))
	assert.Equal(t, quiltt.ClaimBusy, claim(t, m, "evt_1", time.Minute).State, "the old holder's Release did nothing")
	require.NoError(t, m.Done(ctx, old, time.Hour))
	assert.Equal(t, quiltt.ClaimBusy, claim(t, m, "evt_1", time.Minute).State, "the old holder's Done did nothing")

	require.NoError(t, m.Done(ctx, taken, time.Hour))
	assert.Equal(t, quiltt.ClaimDone, claim(t, m, "evt_1", time.Minute).State)

	// A lease that expired with nobody taking it over: the callback did
	// succeed, so Done records it and a redelivery does not run it again.
	late := claim(t, m, "evt_2", time.Minute)
	clk.Advance(2 * time.Minute)
	require.NoError(t, m.Done(ctx, late, time.Hour))
	assert.Equal(t, quiltt.ClaimDone, claim(t, m, "evt_2", time.Minute).State)
	// Likewise once the expired lease was forgotten altogether.
	gone := claim(t, m, "evt_4", time.Minute)
	clk.Advance(2 * time.Minute)
	require.NoError(t, m.Release(ctx, quiltt.Claim{EventID: "evt_4", Token: "not-the-lease"}))
	m2, _ := newClaimStore(0)
	require.NoError(t, m2.Done(ctx, gone, time.Hour), "a store that never saw the lease")
	assert.Equal(t, quiltt.ClaimDone, claim(t, m2, "evt_4", time.Minute).State)

	// Claims that never held a lease settle nothing.
	require.NoError(t, m.Done(ctx, quiltt.Claim{EventID: "evt_3"}, time.Hour))
	require.NoError(t, m.Release(ctx, quiltt.Claim{EventID: "evt_1", State: quiltt.ClaimDone}))
	assert.Equal(t, quiltt.ClaimDone, claim(t, m, "evt_1", time.Minute).State)
	assert.Equal(t, quiltt.ClaimAcquired, claim(t, m, "evt_3", time.Minute).State)
}

// Of many concurrent claims on one event, exactly one is acquired.
func TestMemoryClaimStoreClaimIsAtomic(t *testing.T) {
	m, _ := newClaimStore(0)
	const n = 64
	states := make([]quiltt.ClaimState, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			c, err := m.Claim(context.Background(), "evt_1", time.Minute)
			assert.NoError(t, err)
			states[i] = c.State
		})
	}
	close(start)
	wg.Wait()
	count := map[quiltt.ClaimState]int{}
	for _, s := range states {
		count[s]++
	}
	assert.Equal(t, map[quiltt.ClaimState]int{quiltt.ClaimAcquired: 1, quiltt.ClaimBusy: n - 1}, count)
}

// The store keeps at most its size: it forgets expired entries first, then
// the event marked done first, never a live lease.
func TestMemoryClaimStoreIsBounded(t *testing.T) {
	ctx := context.Background()
	m, clk := newClaimStore(3)
	for _, id := range []string{"a", "b", "c"} {
		require.NoError(t, m.Done(ctx, claim(t, m, id, time.Minute), time.Hour))
	}
	assert.Equal(t, 3, m.Len())

	// Full of processed events: the first marked done goes.
	require.Equal(t, quiltt.ClaimAcquired, claim(t, m, "d", time.Minute).State)
	assert.Equal(t, 3, m.Len())
	assert.Equal(t, quiltt.ClaimDone, claim(t, m, "b", time.Minute).State)
	assert.Equal(t, quiltt.ClaimDone, claim(t, m, "c", time.Minute).State)
	assert.Equal(t, 3, m.Len())
	assert.Equal(t, quiltt.ClaimAcquired, claim(t, m, "a", time.Minute).State, "a was forgotten")
	assert.Equal(t, 3, m.Len()) // c, d, a (b went for a)

	// Now c is done, d and a leased: e takes c's place.
	assert.Equal(t, quiltt.ClaimAcquired, claim(t, m, "e", time.Minute).State)
	// d, a, e are live leases: no room without breaking one.
	_, err := m.Claim(ctx, "f", time.Minute)
	assert.ErrorIs(t, err, quiltt.ErrClaimStoreFull)
	assert.Equal(t, quiltt.ClaimBusy, claim(t, m, "d", time.Minute).State, "live leases kept")
	assert.Equal(t, 3, m.Len())

	// Once the leases expire, their places are free.
	clk.Advance(time.Minute)
	assert.Equal(t, quiltt.ClaimAcquired, claim(t, m, "f", time.Minute).State)
	assert.LessOrEqual(t, m.Len(), 3)
}

// Leases of different lengths: an expired lease behind a live one is found
// when the store is full.
func TestMemoryClaimStoreFreesExpiredLeasesOutOfOrder(t *testing.T) {
	m, clk := newClaimStore(2)
	claim(t, m, "long", time.Hour)
	claim(t, m, "short", time.Second)
	clk.Advance(time.Second)
	assert.Equal(t, quiltt.ClaimAcquired, claim(t, m, "new", time.Minute).State)
	assert.Equal(t, quiltt.ClaimBusy, claim(t, m, "long", time.Minute).State)
}

func TestMemoryClaimStoreDefaultsAndContext(t *testing.T) {
	ctx := context.Background()
	var zero quiltt.MemoryClaimStore // ready to use
	clk := &fakeClock{t: testNow}
	zero.Now = clk.Now
	c, err := zero.Claim(ctx, "evt_1", 0)
	require.NoError(t, err)
	require.Equal(t, quiltt.ClaimAcquired, c.State)
	clk.Advance(quiltt.DefaultClaimLease - time.Second)
	busy, _ := zero.Claim(ctx, "evt_1", 0)
	assert.Equal(t, quiltt.ClaimBusy, busy.State, "zero lease means DefaultClaimLease")

	require.NoError(t, zero.Done(ctx, c, 0))
	clk.Advance(quiltt.DefaultClaimRetention - time.Second)
	done, _ := zero.Claim(ctx, "evt_1", 0)
	assert.Equal(t, quiltt.ClaimDone, done.State, "zero retention means DefaultClaimRetention")
	clk.Advance(time.Second)
	again, _ := zero.Claim(ctx, "evt_1", 0)
	assert.Equal(t, quiltt.ClaimAcquired, again.State)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = zero.Claim(cancelled, "evt_2", time.Minute)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, zero.Len(), "nothing claimed with an ended context")

	// The real clock when none is set.
	real := quiltt.NewMemoryClaimStore(1)
	c, err = real.Claim(ctx, "evt_1", time.Hour)
	require.NoError(t, err)
	assert.Equal(t, quiltt.ClaimAcquired, c.State)
}
