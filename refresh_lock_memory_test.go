package quiltt_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
)

// The lock is exclusive per key, Wait blocks while it is held and returns
// once it is released, and keys are independent.
func TestMemoryRefreshLock(t *testing.T) {
	t.Parallel()
	var l quiltt.MemoryRefreshLock // the zero value is ready
	ctx := deadline(t)

	require.NoError(t, l.Wait(ctx, "acct_1"), "not locked: at once")
	release, ok, err := l.Acquire(ctx, "acct_1", time.Hour)
	require.NoError(t, err)
	require.True(t, ok)
	require.NotNil(t, release)

	again, ok, err := l.Acquire(ctx, "acct_1", time.Hour)
	assert.NoError(t, err)
	assert.False(t, ok, "held by another")
	assert.Nil(t, again)
	other, ok, err := l.Acquire(ctx, "acct_2", time.Hour)
	require.NoError(t, err)
	assert.True(t, ok, "another key is free")
	require.NoError(t, other(ctx))

	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, l.Wait(short, "acct_1"), context.DeadlineExceeded, "Wait blocks while the lock is held")

	waited := make(chan error, 1)
	go func() { waited <- l.Wait(ctx, "acct_1") }()
	require.NoError(t, release(ctx))
	assert.NoError(t, <-waited)
	assert.NoError(t, release(ctx), "releasing twice is harmless")

	release, ok, err = l.Acquire(ctx, "acct_1", time.Hour)
	require.NoError(t, err)
	assert.True(t, ok, "free again after release")
	require.NoError(t, release(ctx))
}

// A holder that never releases loses the lock when its ttl ends (waking
// its waiters), and its late release does not free the next holder's lock.
func TestMemoryRefreshLockTTL(t *testing.T) {
	t.Parallel()
	l := new(quiltt.MemoryRefreshLock)
	ctx := deadline(t)

	stale, ok, err := l.Acquire(ctx, "acct_1", 5*time.Millisecond)
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, l.Wait(ctx, "acct_1"), "the ttl frees the lock")

	next, ok, err := l.Acquire(ctx, "acct_1", time.Hour)
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, stale(ctx), "the first holder releases late")
	_, ok, err = l.Acquire(ctx, "acct_1", time.Hour)
	require.NoError(t, err)
	assert.False(t, ok, "the late release left the next holder's lock alone")
	require.NoError(t, next(ctx))
}

func TestMemoryRefreshLockRefuses(t *testing.T) {
	t.Parallel()
	var l quiltt.MemoryRefreshLock
	for _, ttl := range []time.Duration{0, -time.Second} {
		release, ok, err := l.Acquire(t.Context(), "acct_1", ttl)
		assert.Error(t, err, ttl)
		assert.False(t, ok)
		assert.Nil(t, release)
	}
	done, cancel := context.WithCancel(t.Context())
	cancel()
	_, ok, err := l.Acquire(done, "acct_1", time.Hour)
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, ok)
	_, ok, err = l.Acquire(t.Context(), "acct_1", time.Hour)
	require.NoError(t, err)
	assert.True(t, ok, "the refusals took nothing")
}

// Under contention, never two holders at once; every waiter gets its turn.
func TestMemoryRefreshLockConcurrent(t *testing.T) {
	t.Parallel()
	var l quiltt.MemoryRefreshLock
	ctx := deadline(t)
	var holders, turns atomic.Int32
	var overlapped atomic.Bool
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for {
				release, ok, err := l.Acquire(ctx, "acct_1", time.Hour)
				if !assert.NoError(t, err) {
					return
				}
				if !ok {
					if !assert.NoError(t, l.Wait(ctx, "acct_1")) {
						return
					}
					continue
				}
				if holders.Add(1) > 1 {
					overlapped.Store(true)
				}
				turns.Add(1)
				holders.Add(-1)
				assert.NoError(t, release(ctx))
				return
			}
		})
	}
	wg.Wait()
	assert.False(t, overlapped.Load(), "two holders at once")
	assert.EqualValues(t, 32, turns.Load())
}
