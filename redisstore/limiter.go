package redisstore

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// Limits on NewLimiter's arguments, so that the script's arithmetic stays
// exact: an emission interval between 1 µs and 24 h, a burst up to 10,000.
const (
	maxLimiterInterval = 24 * time.Hour
	maxLimiterBurst    = 10000
)

// Limiter is a rate limiter shared by every process that uses the same Redis
// key: a fleet-wide budget (GCRA, the generic cell rate algorithm, on
// Redis's clock). It satisfies quiltt.Limiter; pass it to quiltt.WithLimiter
// in every replica.
//
// Each Wait reserves the next free slot of the shared budget in one Redis
// round trip and sleeps until that slot: the waiters of every replica form
// one queue, in the order they reached Redis, and none polls.
//
// Each Limiter remembers the latest reservation Redis handed it (the
// budget's theoretical arrival time) and hands it back with every Wait,
// and Redis keeps the later of it and its own. So a Redis that comes back
// without its data (restarted without persistence, or failed over to a
// replica that lagged) does not hand out again the slots that waiters are
// still sleeping towards: the first Wait of each replica restores the
// queue as that replica knew it. (Until every replica has called once, a
// replica that knew a shorter queue may reserve a few slots over another's:
// within the budget's burst, not a second budget.)
//
// A Limiter is safe for concurrent use.
type Limiter struct {
	rdb      redis.UniversalClient
	key      string
	interval int64 // emission interval, µs
	burst    int
	fallback quiltt.Limiter
	latest   atomic.Int64 // the latest TAT Redis handed this limiter, µs of Redis's clock
}

var _ quiltt.Limiter = (*Limiter)(nil)

// NewLimiter returns a limiter that lets r requests a second through,
// with bursts of at most burst, across every Limiter built with the same
// Redis, prefix and name. For Quiltt's API-key budget of 25 requests a
// second, give r = 24 and burst = 1: a little under the budget, so that
// the fleet makes up for requests that reach Quiltt late (see the package
// doc). The Redis key is "<prefix>:rate:<name>".
//
// name is a label you choose for the budget, such as "prod-api-key": one
// per API key, the same in every replica. It is stored in Redis in clear
// (and shows in MONITOR, SLOWLOG, KEYS): never put the API key or any other
// secret in it.
//
// Options: WithPrefix; WithFallback to pace locally while Redis is down.
//
// Failure modes: NewLimiter fails when rdb is nil, name is empty, over 100
// bytes or not printable ASCII without spaces and braces, r is not a finite
// rate whose interval (1/r) lies between 1 µs and 24 h, burst is outside
// 1..10000, or an option is invalid. See Wait for the failures at run time.
func NewLimiter(rdb redis.UniversalClient, name string, r rate.Limit, burst int, opts ...Option) (*Limiter, error) {
	c, err := newConfig("NewLimiter", rdb, opts)
	if err != nil {
		return nil, err
	}
	if err := checkName("name", name); err != nil {
		return nil, fmt.Errorf("redisstore: NewLimiter: %w", err)
	}
	exact := 1e6 / float64(r) // the emission interval in µs
	if !(r > 0) || math.IsInf(float64(r), 0) || !(exact >= 1) || exact > float64(maxLimiterInterval/time.Microsecond) {
		return nil, fmt.Errorf("redisstore: NewLimiter: rate %v/s: need an interval (1/rate) between 1µs and %v", float64(r), maxLimiterInterval)
	}
	if burst < 1 || burst > maxLimiterBurst {
		return nil, fmt.Errorf("redisstore: NewLimiter: burst %d: need 1..%d", burst, maxLimiterBurst)
	}
	return &Limiter{
		rdb:      rdb,
		key:      rateKey(c.prefix, name),
		interval: int64(math.Ceil(exact)), // rounded up: never faster than r
		burst:    burst,
		fallback: c.fallback,
	}, nil
}

// Wait blocks until the shared budget has a slot for one request, which it
// then spends, or until ctx ends. It asks Redis once, then sleeps for the
// time Redis gave it; it never polls.
//
// Failure modes:
//   - ctx ends first: ctx.Err(). A slot reserved before ctx ended stays
//     spent: the fleet then sends less than its budget, never more;
//   - ctx has a deadline before the next free slot: at once, an error
//     wrapping context.DeadlineExceeded, and no slot is spent;
//   - Redis cannot answer (down, unreachable, an error reply, a wrong
//     answer): without WithFallback, a *Error wrapping go-redis's error, so
//     that the client returns it and sends nothing; with WithFallback, the
//     fallback's Wait decides, and Wait returns what it returns. A Redis
//     that takes long to fail (a dropped network rather than a refused
//     connection) holds Wait up for the go-redis client's own dial and
//     read timeouts;
//   - the Redis server's clock moving backwards (a failover to a server
//     whose clock is behind) lengthens the waits by as much, until the
//     budget's state, and the latest reservation each Limiter remembers,
//     have passed.
func (l *Limiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	maxWait := int64(-1) // µs; -1: any
	if deadline, ok := ctx.Deadline(); ok {
		maxWait = max(time.Until(deadline).Microseconds(), 0)
	}
	reply, err := gcraScript.Run(ctx, l.rdb, []string{l.key}, l.interval, l.burst, maxWait, l.latest.Load()).Int64Slice()
	if err == nil && len(reply) != 3 {
		err = fmt.Errorf("unexpected reply %v", reply)
	}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if l.fallback != nil {
			return l.fallback.Wait(ctx)
		}
		return storeErr("limiter wait", l.key, err)
	}
	l.remember(reply[2])
	wait := time.Duration(reply[1]) * time.Microsecond
	if reply[0] == 0 {
		return fmt.Errorf("redisstore: limiter %s: the next free slot is %v away, past the context's deadline: %w", l.key, wait, context.DeadlineExceeded)
	}
	if wait <= 0 {
		return nil
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// remember keeps tat if it is later than the latest one Redis handed l.
func (l *Limiter) remember(tat int64) {
	for {
		cur := l.latest.Load()
		if tat <= cur || l.latest.CompareAndSwap(cur, tat) {
			return
		}
	}
}
