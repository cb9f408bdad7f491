package redisstore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt/internal/redistest"
	"github.com/quiltt-go/quiltt/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	lockKey     = "quiltt:refresh:{acct_1}"
	lockChannel = "quiltt:refresh-released:{acct_1}"
)

func newRefreshLock(t testing.TB, rdb redis.UniversalClient, opts ...redisstore.Option) *redisstore.RefreshLock {
	t.Helper()
	l, err := redisstore.NewRefreshLock(rdb, opts...)
	require.NoError(t, err)
	return l
}

// mustAcquire takes the lock on key, failing the test unless it is taken,
// and returns its release func.
func mustAcquire(t testing.TB, ctx context.Context, l *redisstore.RefreshLock, key string, ttl time.Duration) func(context.Context) error {
	t.Helper()
	release, ok, err := l.Acquire(ctx, key, ttl)
	require.NoError(t, err)
	require.True(t, ok)
	return release
}

func refreshLocks(t testing.TB, srv *redistest.Server, n int) []*redisstore.RefreshLock {
	t.Helper()
	var out []*redisstore.RefreshLock
	for _, c := range replicas(t, srv, n) {
		out = append(out, newRefreshLock(t, c))
	}
	return out
}

// subscribers waits until n Waits are subscribed to the lock's channel.
func subscribers(t testing.TB, rdb *redis.Client, channel string, n int64) {
	t.Helper()
	eventually(t, "the waiters to subscribe", func() bool {
		return rdb.PubSubNumSub(context.Background(), channel).Val()[channel] == n
	})
}

// TestRefreshLockOneHolderAmongConcurrentReplicas: 50 concurrent Acquires
// of one key over 5 replicas: exactly one holds the lock.
func TestRefreshLockOneHolderAmongConcurrentReplicas(t *testing.T) {
	srv := redistest.Start(t)
	locks := refreshLocks(t, srv, 5)
	ctx := testCtx(t)
	var holders atomic.Int32
	var mu sync.Mutex
	var release func(context.Context) error
	onGo(50, func(i int) {
		rel, ok, err := locks[i%len(locks)].Acquire(ctx, "acct_1", time.Minute)
		assert.NoError(t, err)
		if ok {
			holders.Add(1)
			mu.Lock()
			release = rel
			mu.Unlock()
		} else {
			assert.Nil(t, rel, "no release func without the lock")
		}
	})
	require.Equal(t, int32(1), holders.Load())
	require.NoError(t, release(ctx))
	_, ok, err := locks[0].Acquire(ctx, "acct_1", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "released: the next Acquire gets it")
}

// TestRefreshLockWaitersWakeOnRelease: waiters on other replicas return as
// soon as the holder releases, long before the lock's TTL; the release
// deletes the key.
func TestRefreshLockWaitersWakeOnRelease(t *testing.T) {
	srv := redistest.Start(t)
	locks := refreshLocks(t, srv, 5)
	rdb := newClient(t, srv)
	ctx := testCtx(t) // the lock's TTL outlasts it: only the release can end the Waits in time

	release := mustAcquire(t, ctx, locks[0], "acct_1", 10*time.Minute)
	const n = 12
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- locks[1+i%4].Wait(ctx, "acct_1") }()
	}
	subscribers(t, rdb, lockChannel, n)
	select {
	case err := <-errs:
		t.Fatalf("a Wait returned before the release: %v", err)
	default:
	}
	require.NoError(t, release(ctx))
	for range n {
		assert.NoError(t, <-errs)
	}
	assert.Zero(t, rdb.Exists(ctx, lockKey).Val(), "the release deleted the lock")
	assert.NoError(t, release(ctx), "a second release is a no-op")
}

// TestRefreshLockWaitFreeReturnsAtOnce: Wait on a key nobody holds returns
// nil without waiting for any message.
func TestRefreshLockWaitFreeReturnsAtOnce(t *testing.T) {
	srv := redistest.Start(t)
	l := newRefreshLock(t, newClient(t, srv))
	assert.NoError(t, l.Wait(testCtx(t), "acct_free"))
}

// TestRefreshLockWaitEndsWhenTTLRunsOut: a holder that never releases (it
// died) holds waiters up only for the lock's TTL.
func TestRefreshLockWaitEndsWhenTTLRunsOut(t *testing.T) {
	srv := redistest.Start(t)
	locks := refreshLocks(t, srv, 2)
	rdb := newClient(t, srv)
	ctx := testCtx(t)
	mustAcquire(t, ctx, locks[0], "acct_1", 150*time.Millisecond)
	pttl := rdb.PTTL(ctx, lockKey).Val()
	assert.Greater(t, pttl, time.Duration(0))
	assert.LessOrEqual(t, pttl, 150*time.Millisecond)

	require.NoError(t, locks[1].Wait(ctx, "acct_1"))
	assert.Zero(t, rdb.Exists(ctx, lockKey).Val(), "Wait returned once the lock was gone")
}

// TestRefreshLockReleaseBetweenSubscribeAndCheck: Wait is subscribed
// before it reads the lock, so a release that lands in between is seen by
// the read (and its message is on the way too).
func TestRefreshLockReleaseBetweenSubscribeAndCheck(t *testing.T) {
	srv := redistest.Start(t)
	holder := newRefreshLock(t, newClient(t, srv))
	observer := newClient(t, srv)
	waiterClient := newClient(t, srv)
	waiter := newRefreshLock(t, waiterClient)
	ctx := testCtx(t)
	release := mustAcquire(t, ctx, holder, "acct_1", 10*time.Minute)
	var released atomic.Bool
	var subscribedAtCheck int64 = -1
	waiterClient.AddHook(&counter{before: func(cmd redis.Cmder) {
		if name := cmd.Name(); name != "evalsha" && name != "eval" {
			return
		}
		if released.CompareAndSwap(false, true) {
			subscribedAtCheck = observer.PubSubNumSub(ctx, lockChannel).Val()[lockChannel]
			assert.NoError(t, release(ctx))
		}
	}})
	require.NoError(t, waiter.Wait(ctx, "acct_1"))
	require.True(t, released.Load(), "the release ran just before the read of the lock")
	assert.Equal(t, int64(1), subscribedAtCheck, "Wait had subscribed before it read the lock")
}

// TestRefreshLockReleaseBetweenCheckAndReceive: a release that lands after
// Wait read the lock (held) is delivered by the subscription made before:
// no wake-up is lost, and Wait does not sit out the 10-minute TTL (the
// test's context would end first).
func TestRefreshLockReleaseBetweenCheckAndReceive(t *testing.T) {
	srv := redistest.Start(t)
	holder := newRefreshLock(t, newClient(t, srv))
	waiterClient := newClient(t, srv)
	waiter := newRefreshLock(t, waiterClient)
	ctx := testCtx(t)
	release := mustAcquire(t, ctx, holder, "acct_1", 10*time.Minute)
	var released atomic.Bool
	waiterClient.AddHook(&counter{after: func(cmd redis.Cmder) {
		if name := cmd.Name(); name != "evalsha" && name != "eval" {
			return
		}
		require.NoError(t, cmd.Err(), "the read of the lock")
		if released.CompareAndSwap(false, true) {
			assert.NoError(t, release(ctx))
		}
	}})
	require.NoError(t, waiter.Wait(ctx, "acct_1"))
	assert.True(t, released.Load())
}

// TestRefreshLockWaitIgnoresAnotherHoldersRelease: a release message for
// another token (an earlier holder's) does not end the Wait on the current
// holder: the Wait runs into its deadline instead.
func TestRefreshLockWaitIgnoresAnotherHoldersRelease(t *testing.T) {
	srv := redistest.Start(t)
	locks := refreshLocks(t, srv, 2)
	rdb := newClient(t, srv)
	ctx := testCtx(t)
	release := mustAcquire(t, ctx, locks[0], "acct_1", 10*time.Minute)

	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- locks[1].Wait(short, "acct_1") }()
	subscribers(t, rdb, lockChannel, 1)
	require.Equal(t, int64(1), rdb.Publish(ctx, lockChannel, "an-earlier-holders-token").Val(), "delivered to the waiter")
	assert.ErrorIs(t, <-done, context.DeadlineExceeded, "the stale release did not end the Wait")

	go func() { done <- locks[1].Wait(ctx, "acct_1") }()
	subscribers(t, rdb, lockChannel, 1)
	require.NoError(t, release(ctx))
	assert.NoError(t, <-done, "the holder's own release does")
}

// TestRefreshLockExpiredHolderCannotRelease: once a holder's TTL ran out
// and another caller took the lock, the old release func does nothing: the
// new holder keeps the lock, and no release is published.
func TestRefreshLockExpiredHolderCannotRelease(t *testing.T) {
	srv := redistest.Start(t)
	locks := refreshLocks(t, srv, 3)
	rdb := newClient(t, srv)
	ctx := testCtx(t)
	oldRelease := mustAcquire(t, ctx, locks[0], "acct_1", 20*time.Millisecond)
	var newRelease func(context.Context) error
	eventually(t, "the 20 ms lock to run out", func() bool {
		rel, ok, err := locks[1].Acquire(ctx, "acct_1", 10*time.Minute)
		require.NoError(t, err)
		newRelease = rel
		return ok
	})
	// A subscriber of our own sees what the releases publish.
	ps := rdb.Subscribe(ctx, lockChannel)
	defer ps.Close()
	_, err := ps.Receive(ctx)
	require.NoError(t, err, "subscription confirmed")

	require.NoError(t, oldRelease(ctx), "a no-op, not an error")
	_, ok, err := locks[2].Acquire(ctx, "acct_1", time.Minute)
	require.NoError(t, err)
	assert.False(t, ok, "the new holder still has the lock")
	require.NoError(t, rdb.Publish(ctx, lockChannel, "marker").Err())
	msg, err := ps.ReceiveMessage(ctx)
	require.NoError(t, err)
	assert.Equal(t, "marker", msg.Payload, "the old release published nothing")

	require.NoError(t, newRelease(ctx))
	msg, err = ps.ReceiveMessage(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, "marker", msg.Payload, "the new holder's release publishes its token")
	assert.Zero(t, rdb.Exists(ctx, lockKey).Val())
}

// TestRefreshLockWaitEndsWithContext: a Wait on a held lock returns the
// context's error when the context is cancelled, and leaves no goroutine or
// subscription behind.
func TestRefreshLockWaitEndsWithContext(t *testing.T) {
	srv := redistest.Start(t)
	locks := refreshLocks(t, srv, 2)
	rdb := newClient(t, srv)
	mustAcquire(t, testCtx(t), locks[0], "acct_1", 10*time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- locks[1].Wait(ctx, "acct_1") }()
	subscribers(t, rdb, lockChannel, 1)
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	subscribers(t, rdb, lockChannel, 0)

	deadline, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	assert.ErrorIs(t, locks[1].Wait(deadline, "acct_1"), context.DeadlineExceeded)
}

// TestRefreshLockRedisDown: with Redis stopped, Acquire, the release func
// and Wait fail with a *redisstore.Error; a Wait in progress when Redis
// stops fails too instead of waiting out the TTL; once Redis is back (with
// its data) all work again.
func TestRefreshLockRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	locks := refreshLocks(t, srv, 2)
	rdb := newClient(t, srv)
	ctx := testCtx(t)
	release := mustAcquire(t, ctx, locks[0], "acct_1", 10*time.Minute)
	done := make(chan error, 1)
	go func() { done <- locks[1].Wait(ctx, "acct_1") }()
	subscribers(t, rdb, lockChannel, 1)

	require.NoError(t, srv.Stop())
	var se *redisstore.Error
	require.ErrorAs(t, <-done, &se, "the Wait in progress fails")
	assert.Equal(t, "lock wait", se.Op)
	_, ok, err := locks[1].Acquire(ctx, "acct_2", time.Minute)
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "lock acquire", se.Op)
	assert.False(t, ok)
	require.ErrorAs(t, locks[1].Wait(ctx, "acct_1"), &se)
	require.ErrorAs(t, release(ctx), &se)
	assert.Equal(t, "lock release", se.Op)

	require.NoError(t, srv.Restart())
	_, ok, err = locks[1].Acquire(ctx, "acct_1", time.Minute)
	require.NoError(t, err)
	assert.False(t, ok, "the lock survived the outage")
	go func() { done <- locks[1].Wait(ctx, "acct_1") }()
	subscribers(t, rdb, lockChannel, 1)
	require.NoError(t, release(ctx))
	assert.NoError(t, <-done)
}

// TestRefreshLockRejectsBadInput: bad arguments fail before any Redis call.
func TestRefreshLockRejectsBadInput(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	h := &counter{}
	rdb.AddHook(h)
	l := newRefreshLock(t, rdb)
	ctx := testCtx(t)
	_, _, err := l.Acquire(ctx, "", time.Minute)
	assert.Error(t, err, "empty key")
	_, _, err = l.Acquire(ctx, "acct_1", 0)
	assert.Error(t, err, "ttl under 1 ms")
	assert.Error(t, l.Wait(ctx, ""), "empty key")
	assert.Zero(t, h.scripts()+h.count("subscribe"), "nothing reached Redis")
	_, ok, err := l.Acquire(ctx, "acct_1", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "the valid call passes: the refusals above are the arguments'")

	_, err = redisstore.NewRefreshLock(nil)
	assert.Error(t, err, "nil client")
	_, err = redisstore.NewRefreshLock(rdb, redisstore.WithFallback(&countingLimiter{}))
	assert.Error(t, err, "WithFallback is the limiter's")
}
