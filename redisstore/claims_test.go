package redisstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/internal/redistest"
	"github.com/quiltt-go/quiltt/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newClaimStore(t testing.TB, rdb redis.UniversalClient, opts ...redisstore.Option) *redisstore.ClaimStore {
	t.Helper()
	s, err := redisstore.NewClaimStore(rdb, opts...)
	require.NoError(t, err)
	return s
}

// mustClaim claims eventID, failing the test unless the claim is acquired.
func mustClaim(t testing.TB, ctx context.Context, s *redisstore.ClaimStore, eventID string, lease time.Duration) quiltt.Claim {
	t.Helper()
	c, err := s.Claim(ctx, eventID, lease)
	require.NoError(t, err)
	require.Equal(t, quiltt.ClaimAcquired, c.State)
	return c
}

// claimStores returns n stores, one per replica (its own client).
func claimStores(t testing.TB, srv *redistest.Server, n int) []*redisstore.ClaimStore {
	t.Helper()
	var out []*redisstore.ClaimStore
	for _, c := range replicas(t, srv, n) {
		out = append(out, newClaimStore(t, c))
	}
	return out
}

// TestClaimExactlyOneAmongConcurrentReplicas: 50 concurrent claims of one
// event over 5 replicas: exactly one acquires, the 49 others are busy.
func TestClaimExactlyOneAmongConcurrentReplicas(t *testing.T) {
	srv := redistest.Start(t)
	stores := claimStores(t, srv, 5)
	ctx := testCtx(t)
	var mu sync.Mutex
	states := map[quiltt.ClaimState]int{}
	var tokens []string
	onGo(50, func(i int) {
		c, err := stores[i%len(stores)].Claim(ctx, "evt_concurrent", time.Minute)
		assert.NoError(t, err)
		mu.Lock()
		defer mu.Unlock()
		states[c.State]++
		if c.State == quiltt.ClaimAcquired {
			tokens = append(tokens, c.Token)
		} else {
			assert.Empty(t, c.Token, "only the holder gets a token")
		}
		assert.Equal(t, "evt_concurrent", c.EventID)
	})
	assert.Equal(t, map[quiltt.ClaimState]int{quiltt.ClaimAcquired: 1, quiltt.ClaimBusy: 49}, states)
	require.Len(t, tokens, 1)
	assert.NotEmpty(t, tokens[0])
}

// TestClaimDoneThenDoneUntilRetainEnds: after Done every replica sees the
// event done, for retain; when the retention ends the event can be claimed
// again.
func TestClaimDoneThenDoneUntilRetainEnds(t *testing.T) {
	srv := redistest.Start(t)
	stores := claimStores(t, srv, 3)
	rdb := newClient(t, srv)
	ctx := testCtx(t)

	c := mustClaim(t, ctx, stores[0], "evt_done", time.Minute)
	require.NoError(t, stores[0].Done(ctx, c, time.Hour))
	for i, s := range stores {
		got, err := s.Claim(ctx, "evt_done", time.Minute)
		require.NoError(t, err)
		assert.Equal(t, quiltt.ClaimDone, got.State, "replica %d", i)
	}
	pttl, err := rdb.PTTL(ctx, "quiltt:claim:evt_done").Result()
	require.NoError(t, err)
	assert.Greater(t, pttl, 59*time.Minute, "retained for the retain given to Done, not the lease")
	assert.LessOrEqual(t, pttl, time.Hour)

	// End the retention now, on Redis's clock, instead of waiting an hour.
	require.NoError(t, rdb.PExpire(ctx, "quiltt:claim:evt_done", time.Millisecond).Err())
	eventually(t, "the retention to end", func() bool {
		return rdb.Exists(ctx, "quiltt:claim:evt_done").Val() == 0
	})
	again, err := stores[1].Claim(ctx, "evt_done", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, quiltt.ClaimAcquired, again.State)
}

// TestClaimReleaseLetsTheNextDeliveryClaim: a released event is claimed by
// the next delivery, on any replica, with a new token.
func TestClaimReleaseLetsTheNextDeliveryClaim(t *testing.T) {
	srv := redistest.Start(t)
	stores := claimStores(t, srv, 2)
	ctx := testCtx(t)

	first := mustClaim(t, ctx, stores[0], "evt_release", time.Minute)
	busy, err := stores[1].Claim(ctx, "evt_release", time.Minute)
	require.NoError(t, err)
	require.Equal(t, quiltt.ClaimBusy, busy.State)

	require.NoError(t, stores[0].Release(ctx, first))
	second, err := stores[1].Claim(ctx, "evt_release", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, quiltt.ClaimAcquired, second.State)
	assert.NotEqual(t, first.Token, second.Token)
}

// TestClaimExpiredLeaseIsClaimedAnew: a lease that ran out (its holder
// died, say) is claimed by the next delivery; the old holder's Done and
// Release then do nothing to the new holder's lease.
func TestClaimExpiredLeaseIsClaimedAnew(t *testing.T) {
	srv := redistest.Start(t)
	stores := claimStores(t, srv, 3)
	ctx := testCtx(t)

	old := mustClaim(t, ctx, stores[0], "evt_expired", 20*time.Millisecond)
	var taken quiltt.Claim
	eventually(t, "the 20 ms lease to run out", func() bool {
		c, err := stores[1].Claim(ctx, "evt_expired", time.Minute)
		require.NoError(t, err)
		require.NotEqual(t, quiltt.ClaimDone, c.State)
		taken = c
		return c.State == quiltt.ClaimAcquired
	})

	require.NoError(t, stores[0].Done(ctx, old, time.Hour), "the old holder's Done is a no-op, not an error")
	c, err := stores[2].Claim(ctx, "evt_expired", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, quiltt.ClaimBusy, c.State, "the old holder's Done did not mark the event")

	require.NoError(t, stores[0].Release(ctx, old))
	c, err = stores[2].Claim(ctx, "evt_expired", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, quiltt.ClaimBusy, c.State, "the old holder's Release did not free the new lease")

	require.NoError(t, stores[1].Done(ctx, taken, time.Hour))
	c, err = stores[2].Claim(ctx, "evt_expired", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, quiltt.ClaimDone, c.State, "the new holder's Done counts")
}

// TestClaimDoneAfterTheLeaseRanOutUnclaimed: the callback succeeded after
// its lease ran out and nobody claimed the event since, so Done still
// records it and a redelivery does not run the callback again.
func TestClaimDoneAfterTheLeaseRanOutUnclaimed(t *testing.T) {
	srv := redistest.Start(t)
	rdbs := replicas(t, srv, 2)
	stores := []*redisstore.ClaimStore{newClaimStore(t, rdbs[0]), newClaimStore(t, rdbs[1])}
	ctx := testCtx(t)

	late := mustClaim(t, ctx, stores[0], "evt_late", 20*time.Millisecond)
	eventually(t, "the 20 ms lease to run out", func() bool {
		n, err := rdbs[0].Exists(ctx, redisstore.DefaultPrefix+":claim:evt_late").Result()
		require.NoError(t, err)
		return n == 0
	})
	require.NoError(t, stores[0].Done(ctx, late, time.Hour))
	c, err := stores[1].Claim(ctx, "evt_late", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, quiltt.ClaimDone, c.State, "the late Done was recorded")
}

// TestClaimLeaseIsTheTTLAsked: the lease is the key's TTL on Redis, holding
// the holder's token, and a busy claim leaves it alone.
func TestClaimLeaseIsTheTTLAsked(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	s := newClaimStore(t, rdb, redisstore.WithPrefix("hooks"))
	ctx := testCtx(t)
	c := mustClaim(t, ctx, s, "evt_ttl", 90*time.Second)
	v, err := rdb.Get(ctx, "hooks:claim:evt_ttl").Result()
	require.NoError(t, err)
	assert.Equal(t, "lease:"+c.Token, v)
	pttl := rdb.PTTL(ctx, "hooks:claim:evt_ttl").Val()
	assert.Greater(t, pttl, 80*time.Second)
	assert.LessOrEqual(t, pttl, 90*time.Second)

	busy, err := s.Claim(ctx, "evt_ttl", time.Hour)
	require.NoError(t, err)
	require.Equal(t, quiltt.ClaimBusy, busy.State)
	assert.LessOrEqual(t, rdb.PTTL(ctx, "hooks:claim:evt_ttl").Val(), 90*time.Second, "a busy claim does not extend the lease")
}

// TestClaimLongOrOddEventIDs: event IDs too long or odd for a key are
// hashed into it, and still de-duplicate; different IDs never share a key.
func TestClaimLongOrOddEventIDs(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	s := newClaimStore(t, rdb)
	ctx := testCtx(t)
	ids := []string{strings.Repeat("e", 500), strings.Repeat("e", 501), "evt with space", "evt{tag}", "sha256:" + strings.Repeat("0", 64)}
	for _, id := range ids {
		c, err := s.Claim(ctx, id, time.Minute)
		require.NoError(t, err)
		assert.Equal(t, quiltt.ClaimAcquired, c.State, "%.20q is its own event", id)
		again, err := s.Claim(ctx, id, time.Minute)
		require.NoError(t, err)
		assert.Equal(t, quiltt.ClaimBusy, again.State, "%.20q", id)
	}
	keys, err := rdb.Keys(ctx, "quiltt:claim:*").Result()
	require.NoError(t, err)
	assert.Len(t, keys, len(ids))
	for _, k := range keys {
		assert.LessOrEqual(t, len(k), len("quiltt:claim:")+len("sha256:")+64)
		assert.NotContains(t, k, " ")
	}
}

// TestClaimRedisDown: with Redis stopped, Claim, Done and Release fail
// with a *redisstore.Error (the handler then answers a retryable status);
// once Redis is back, with its data, they work again and the lease taken
// before the outage still counts.
func TestClaimRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	stores := claimStores(t, srv, 2)
	ctx := testCtx(t)
	held := mustClaim(t, ctx, stores[0], "evt_outage", time.Minute)

	require.NoError(t, srv.Stop())
	var se *redisstore.Error
	c, err := stores[1].Claim(ctx, "evt_other", time.Minute)
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "claim", se.Op)
	assert.Equal(t, "quiltt:claim:evt_other", se.Key)
	assert.Zero(t, c, "no claim comes with an error")
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err = stores[0].Done(short, held, time.Hour)
	require.ErrorAs(t, err, &se, "Done tried until its context ended")
	assert.Equal(t, "claim done", se.Op)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	err = stores[0].Release(ctx, held)
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "claim release", se.Op)

	require.NoError(t, srv.Restart())
	c, err = stores[1].Claim(ctx, "evt_outage", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, quiltt.ClaimBusy, c.State, "the lease survived the outage")
	require.NoError(t, stores[0].Done(ctx, held, time.Hour))
	c, err = stores[1].Claim(ctx, "evt_outage", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, quiltt.ClaimDone, c.State)
}

// TestClaimDoneRidesOutAnOutage: a Done that meets Redis down tries again
// until Redis is back, so that a callback that succeeded during an outage
// is still marked done, and its redelivery skipped.
func TestClaimDoneRidesOutAnOutage(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	h := &counter{}
	rdb.AddHook(h)
	s := newClaimStore(t, rdb)
	other := newClaimStore(t, newClient(t, srv))
	ctx := testCtx(t)
	held := mustClaim(t, ctx, s, "evt_ride", time.Minute)
	tries := h.scripts()

	require.NoError(t, srv.Stop())
	done := make(chan error, 1)
	go func() { done <- s.Done(ctx, held, time.Hour) }()
	eventually(t, "Done to fail twice", func() bool { return h.scripts() >= tries+2 })
	require.NoError(t, srv.Restart())
	require.NoError(t, <-done)
	c, err := other.Claim(ctx, "evt_ride", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, quiltt.ClaimDone, c.State)
}

// TestClaimContextEnded: an ended context fails every method with its
// error, not a store error.
func TestClaimContextEnded(t *testing.T) {
	srv := redistest.Start(t)
	s := newClaimStore(t, newClient(t, srv))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Claim(ctx, "evt_ctx", time.Minute)
	assert.ErrorIs(t, err, context.Canceled)
	held := quiltt.Claim{EventID: "evt_ctx", State: quiltt.ClaimAcquired, Token: "t"}
	assert.ErrorIs(t, s.Done(ctx, held, time.Hour), context.Canceled)
	assert.ErrorIs(t, s.Release(ctx, held), context.Canceled)
}

// TestClaimRejectsBadInput: bad arguments fail before any Redis call.
func TestClaimRejectsBadInput(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	h := &counter{}
	rdb.AddHook(h)
	s := newClaimStore(t, rdb)
	ctx := testCtx(t)
	held := quiltt.Claim{EventID: "evt_1", State: quiltt.ClaimAcquired, Token: "tok"}

	_, err := s.Claim(ctx, "", time.Minute)
	assert.Error(t, err, "empty event ID")
	_, err = s.Claim(ctx, "evt_1", 999*time.Microsecond)
	assert.Error(t, err, "lease under 1 ms")
	assert.Error(t, s.Done(ctx, held, 0), "retain under 1 ms")
	assert.Error(t, s.Done(ctx, quiltt.Claim{EventID: "evt_1", State: quiltt.ClaimBusy}, time.Hour), "a busy claim")
	assert.Error(t, s.Done(ctx, quiltt.Claim{EventID: "evt_1", State: quiltt.ClaimDone}, time.Hour), "a done claim")
	assert.Error(t, s.Release(ctx, quiltt.Claim{State: quiltt.ClaimAcquired, Token: "tok"}), "no event ID")
	assert.Error(t, s.Release(ctx, quiltt.Claim{EventID: "evt_1", State: quiltt.ClaimAcquired}), "no token")
	assert.Zero(t, h.scripts(), "nothing reached Redis")

	require.NoError(t, s.Release(ctx, held), "a well-formed claim passes (and is a no-op: not held)")
	assert.Equal(t, 2, h.scripts(), "the valid call did reach Redis (EVALSHA, then EVAL on NOSCRIPT)")

	_, err = redisstore.NewClaimStore(nil)
	assert.Error(t, err, "nil client")
	_, err = redisstore.NewClaimStore(rdb, redisstore.WithFallback(&countingLimiter{}))
	assert.Error(t, err, "WithFallback is the limiter's")
	_, err = redisstore.NewClaimStore(rdb, redisstore.WithPrefix("a b"))
	assert.Error(t, err, "bad prefix")
}

// TestClaimPrefixesNeverShareAKey: two services whose prefix and event ID
// would concatenate to the same key (prefix "q" with event "evt:claim:1",
// prefix "q:claim:evt" with event "1") each claim their own event: the
// first one's done mark does not make the second skip its callback.
func TestClaimPrefixesNeverShareAKey(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	ctx := testCtx(t)
	a := newClaimStore(t, rdb, redisstore.WithPrefix("q"))
	b := newClaimStore(t, rdb, redisstore.WithPrefix("q:claim:evt"))
	c := mustClaim(t, ctx, a, "evt:claim:1", time.Minute)
	require.NoError(t, a.Done(ctx, c, time.Hour))
	mustClaim(t, ctx, b, "1", time.Minute)
	keys, err := rdb.Keys(ctx, "q:*").Result()
	require.NoError(t, err)
	assert.Len(t, keys, 2, "two keys: %v", keys)
}
