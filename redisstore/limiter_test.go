package redisstore_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt/internal/redistest"
	"github.com/quiltt-go/quiltt/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// slow is a rate whose interval (10 s) dwarfs any stall of a busy machine,
// so that "the next slot is not free yet" holds whatever the scheduling.
const slow = rate.Limit(0.1)

func newLimiter(t testing.TB, rdb redis.UniversalClient, name string, r rate.Limit, burst int, opts ...redisstore.Option) *redisstore.Limiter {
	t.Helper()
	l, err := redisstore.NewLimiter(rdb, name, r, burst, opts...)
	require.NoError(t, err)
	return l
}

// shortCtx ends within a second: far before a slow slot, long after a free
// one.
func shortCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestLimiterBudgetIsSharedAcrossReplicas: the first replica spends the
// budget's only slot; every other replica sharing the name then finds no
// free slot, and a limiter with another name is untouched.
func TestLimiterBudgetIsSharedAcrossReplicas(t *testing.T) {
	srv := redistest.Start(t)
	clients := replicas(t, srv, 4)
	var lims []*redisstore.Limiter
	for _, c := range clients {
		lims = append(lims, newLimiter(t, c, "fleet", slow, 1))
	}

	require.NoError(t, lims[0].Wait(shortCtx(t)))
	for i, l := range lims[1:] {
		err := l.Wait(shortCtx(t))
		assert.ErrorIs(t, err, context.DeadlineExceeded, "replica %d must find the shared slot spent", i+1)
	}
	other := newLimiter(t, clients[1], "other-budget", slow, 1)
	assert.NoError(t, other.Wait(shortCtx(t)), "another name is another budget")
}

// TestLimiterBurst: burst requests go at once, the next one waits.
func TestLimiterBurst(t *testing.T) {
	srv := redistest.Start(t)
	clients := replicas(t, srv, 3)
	for i := range 3 {
		l := newLimiter(t, clients[i], "burst", slow, 3)
		require.NoError(t, l.Wait(shortCtx(t)), "request %d of the burst", i)
	}
	l := newLimiter(t, clients[0], "burst", slow, 3)
	assert.ErrorIs(t, l.Wait(shortCtx(t)), context.DeadlineExceeded)
}

// TestLimiterPacesConcurrentReplicas: 24 waits spread over 4 replicas at
// 40/s with burst 1 take at least 23 intervals, by the local clock: the
// replicas queue on one budget. (A lower bound only: a busy machine makes
// it slower, never faster.) Each Wait is one script call: nobody polls.
func TestLimiterPacesConcurrentReplicas(t *testing.T) {
	srv := redistest.Start(t)
	const n, r = 24, 40
	clients := replicas(t, srv, 4)
	// Load the script into Redis first, so that each Wait below is one
	// EVALSHA (a first call meets NOSCRIPT and sends EVAL).
	require.NoError(t, newLimiter(t, clients[0], "warm-up", r, 1).Wait(testCtx(t)))
	var hooks []*counter
	var lims []*redisstore.Limiter
	for _, c := range clients {
		h := &counter{}
		c.AddHook(h)
		hooks = append(hooks, h)
		lims = append(lims, newLimiter(t, c, "paced", r, 1))
	}
	ctx := testCtx(t)
	var failed atomic.Int32
	start := time.Now()
	onGo(n, func(i int) {
		if err := lims[i%len(lims)].Wait(ctx); err != nil {
			failed.Add(1)
		}
	})
	elapsed := time.Since(start)
	assert.Zero(t, failed.Load())
	minimum := time.Duration(n-1) * time.Second / r
	assert.GreaterOrEqual(t, elapsed, minimum-time.Millisecond, "%d requests at %d/s across replicas", n, r)

	calls := 0
	for _, h := range hooks {
		calls += h.scripts()
	}
	assert.Equal(t, n, calls, "one script call per Wait, none repeated")
}

// TestLimiterWaitEndsWithContext: a Wait sleeping for its slot returns the
// context's error as soon as the context is cancelled.
func TestLimiterWaitEndsWithContext(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	l := newLimiter(t, rdb, "cancel", slow, 1)
	require.NoError(t, l.Wait(shortCtx(t)))

	ctx, cancel := context.WithCancel(context.Background()) // no deadline: Wait reserves and sleeps
	defer cancel()
	h := &counter{after: func(cmd redis.Cmder) {
		if cmd.Name() == "evalsha" || cmd.Name() == "eval" {
			cancel() // Redis has answered: Wait is about to sleep ~10 s
		}
	}}
	rdb.AddHook(h)
	err := l.Wait(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, h.scripts(), "the Wait reached Redis before it was cancelled")

	assert.ErrorIs(t, l.Wait(ctx), context.Canceled, "an ended context fails before asking Redis")
	assert.Equal(t, 1, h.scripts())
}

// TestLimiterDeadlineSpendsNothing: a Wait whose deadline comes before the
// next slot fails at once and leaves the budget as it was.
func TestLimiterDeadlineSpendsNothing(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	l := newLimiter(t, rdb, "deadline", slow, 1)
	require.NoError(t, l.Wait(shortCtx(t)))
	ctx := testCtx(t)
	before, err := rdb.Get(ctx, "quiltt:rate:deadline").Result()
	require.NoError(t, err)

	start := time.Now()
	err = l.Wait(shortCtx(t))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second, "it fails at once, not when the deadline passes")
	after, err := rdb.Get(ctx, "quiltt:rate:deadline").Result()
	require.NoError(t, err)
	assert.Equal(t, before, after, "the theoretical arrival time did not move")
}

// TestLimiterStateIsRedisClockMicroseconds: the key holds the theoretical
// arrival time in µs of Redis's clock and expires once that time passed.
func TestLimiterStateIsRedisClockMicroseconds(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	ctx := testCtx(t)
	l := newLimiter(t, rdb, "state", 20, 1, redisstore.WithPrefix("svc"))
	now, err := rdb.Time(ctx).Result()
	require.NoError(t, err)
	require.NoError(t, l.Wait(ctx))
	v, err := rdb.Get(ctx, "svc:rate:state").Result()
	require.NoError(t, err)
	tat, err := strconv.ParseInt(v, 10, 64)
	require.NoError(t, err, "an integer, not Lua's %%.14g")
	assert.GreaterOrEqual(t, tat, now.UnixMicro()+50_000, "now + one interval (50 ms)")
	assert.Less(t, tat, now.UnixMicro()+50_000+int64(10*time.Second/time.Microsecond))
	pttl, err := rdb.PTTL(ctx, "svc:rate:state").Result()
	require.NoError(t, err)
	assert.Greater(t, pttl, time.Duration(0))
	assert.LessOrEqual(t, pttl, 50*time.Millisecond, "the key lives until the arrival time, no longer")
	eventually(t, "the idle limiter's key to expire", func() bool {
		return rdb.Exists(ctx, "svc:rate:state").Val() == 0
	})
}

// TestLimiterRedisDownFailsWithoutFallback: with Redis stopped Wait returns
// a *redisstore.Error (so the client sends nothing); once Redis is back,
// Wait works again.
func TestLimiterRedisDownFailsWithoutFallback(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	l := newLimiter(t, rdb, "down", 1000, 1)
	ctx := testCtx(t)
	require.NoError(t, l.Wait(ctx))

	require.NoError(t, srv.Stop())
	err := l.Wait(ctx)
	var se *redisstore.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "limiter wait", se.Op)
	assert.Equal(t, "quiltt:rate:down", se.Key)
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, context.Canceled)

	require.NoError(t, srv.Restart())
	assert.NoError(t, l.Wait(ctx), "Redis is back")
}

// TestLimiterRedisDownUsesFallback: WithFallback is asked only while Redis
// cannot answer, and what it returns is Wait's answer; an ended context is
// never handed to it.
func TestLimiterRedisDownUsesFallback(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	fb := &countingLimiter{}
	l := newLimiter(t, rdb, "fallback", 1000, 1, redisstore.WithFallback(fb))
	ctx := testCtx(t)
	require.NoError(t, l.Wait(ctx))
	assert.Zero(t, fb.calls.Load(), "Redis answers: no fallback")

	require.NoError(t, srv.Stop())
	assert.NoError(t, l.Wait(ctx), "the fallback lets the request go")
	assert.Equal(t, int32(1), fb.calls.Load())

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, l.Wait(cancelled), context.Canceled)
	assert.Equal(t, int32(1), fb.calls.Load(), "an ended context is not the store's failure")

	require.NoError(t, srv.Restart())
	require.NoError(t, l.Wait(ctx))
	assert.Equal(t, int32(1), fb.calls.Load(), "Redis is back: no fallback")
}

// TestLimiterFallbackPacesLocally: a real rate.Limiter as fallback paces
// the replica while Redis is down.
func TestLimiterFallbackPacesLocally(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	local := rate.NewLimiter(slow, 1)
	l := newLimiter(t, rdb, "fallback-rate", 1000, 1, redisstore.WithFallback(local))
	require.NoError(t, srv.Stop())
	require.NoError(t, l.Wait(shortCtx(t)), "the local limiter's burst")
	err := l.Wait(shortCtx(t))
	require.Error(t, err, "the local limiter has no slot within the deadline")
	var se *redisstore.Error
	assert.False(t, errors.As(err, &se), "the answer is the fallback's, not a store error: %v", err)
}

// TestNewLimiterRejects: every invalid argument fails the constructor.
func TestNewLimiterRejects(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	cases := map[string]func() (*redisstore.Limiter, error){
		"nil client":      func() (*redisstore.Limiter, error) { return redisstore.NewLimiter(nil, "n", 25, 1) },
		"empty name":      func() (*redisstore.Limiter, error) { return redisstore.NewLimiter(rdb, "", 25, 1) },
		"space in name":   func() (*redisstore.Limiter, error) { return redisstore.NewLimiter(rdb, "my key", 25, 1) },
		"brace in name":   func() (*redisstore.Limiter, error) { return redisstore.NewLimiter(rdb, "a{b}", 25, 1) },
		"zero rate":       func() (*redisstore.Limiter, error) { return redisstore.NewLimiter(rdb, "n", 0, 1) },
		"negative rate":   func() (*redisstore.Limiter, error) { return redisstore.NewLimiter(rdb, "n", -1, 1) },
		"infinite rate":   func() (*redisstore.Limiter, error) { return redisstore.NewLimiter(rdb, "n", rate.Inf, 1) },
		"rate over 1e6/s": func() (*redisstore.Limiter, error) { return redisstore.NewLimiter(rdb, "n", 2e6, 1) },
		"rate under 1/day": func() (*redisstore.Limiter, error) {
			return redisstore.NewLimiter(rdb, "n", rate.Every(25*time.Hour), 1)
		},
		"zero burst": func() (*redisstore.Limiter, error) { return redisstore.NewLimiter(rdb, "n", 25, 0) },
		"huge burst": func() (*redisstore.Limiter, error) { return redisstore.NewLimiter(rdb, "n", 25, 10001) },
		"empty prefix": func() (*redisstore.Limiter, error) {
			return redisstore.NewLimiter(rdb, "n", 25, 1, redisstore.WithPrefix(""))
		},
		"nil fallback": func() (*redisstore.Limiter, error) {
			return redisstore.NewLimiter(rdb, "n", 25, 1, redisstore.WithFallback(nil))
		},
		"typed nil fallback": func() (*redisstore.Limiter, error) {
			return redisstore.NewLimiter(rdb, "n", 25, 1, redisstore.WithFallback((*rate.Limiter)(nil)))
		},
		"nil option": func() (*redisstore.Limiter, error) { return redisstore.NewLimiter(rdb, "n", 25, 1, nil) },
		"long name": func() (*redisstore.Limiter, error) {
			return redisstore.NewLimiter(rdb, string(make([]byte, 101)), 25, 1)
		},
		"non-ascii name": func() (*redisstore.Limiter, error) { return redisstore.NewLimiter(rdb, "clé", 25, 1) },
	}
	for name, mk := range cases {
		l, err := mk()
		assert.Error(t, err, name)
		assert.Nil(t, l, name)
	}
	l, err := redisstore.NewLimiter(rdb, "prod-api-key", 25, 1, redisstore.WithPrefix("svc-a"))
	require.NoError(t, err, "the valid case passes: the refusals above are the arguments'")
	assert.NotNil(t, l)
}
