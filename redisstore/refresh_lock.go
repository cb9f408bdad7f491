package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/redis/go-redis/v9"
)

// subscribeTimeout bounds the wait for Redis to confirm a subscription.
const subscribeTimeout = 5 * time.Second

// RefreshLock is the lock FreshBalance takes before a billable refresh,
// shared by every replica that uses one Redis: it satisfies
// quiltt.RefreshLock. Of all the calls that find one account's balance
// stale at once, on any replicas, one takes the lock and refreshes; the
// others Wait, and return the moment the holder releases the lock (over
// Redis pub/sub), or when its TTL runs out.
//
// A lock is the key "<prefix>:refresh:{<key>}" holding the holder's random
// token, set with a TTL; a release deletes it only if it still holds the
// caller's token, and publishes the token on the channel
// "<prefix>:refresh-released:{<key>}". The braces around key are a hash tag,
// so that Redis Cluster and go-redis's Ring place the key and its channel
// together.
//
// A RefreshLock is safe for concurrent use.
type RefreshLock struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ quiltt.RefreshLock = (*RefreshLock)(nil)

// NewRefreshLock returns a refresh lock on rdb. Every replica must use the
// same Redis and prefix.
//
// Options: WithPrefix.
//
// Failure modes: NewRefreshLock fails when rdb is nil or an option is
// invalid or is WithFallback. See the methods for the failures at run time.
func NewRefreshLock(rdb redis.UniversalClient, opts ...Option) (*RefreshLock, error) {
	c, err := newConfig("NewRefreshLock", rdb, opts)
	if err != nil {
		return nil, err
	}
	return &RefreshLock{rdb: rdb, prefix: c.prefix}, nil
}

// Acquire takes the lock on key for at most ttl, with a fresh random token,
// when no one holds it, and returns the func that releases it; it reports
// false, with a nil error, when another caller holds it. The release func
// deletes the lock only while it still holds this caller's token (after
// the ttl ran out it does nothing and returns nil), and wakes every Wait on
// the key; calling it again does nothing.
//
// Failure modes:
//   - an empty key, or a ttl under 1 ms: an error;
//   - Redis cannot answer, or ctx ends first: an error, and the caller does
//     not hold the lock (if Redis took it and the answer was lost, the
//     lock runs out after ttl);
//   - the release func: an error when Redis cannot answer; the lock then
//     runs out after its ttl, and the waiters return then.
func (l *RefreshLock) Acquire(ctx context.Context, key string, ttl time.Duration) (release func(context.Context) error, acquired bool, err error) {
	if key == "" {
		return nil, false, fmt.Errorf("%w: lock key", errEmptyKey)
	}
	if ttl < time.Millisecond {
		return nil, false, fmt.Errorf("redisstore: lock acquire: ttl %v: need at least 1ms", ttl)
	}
	k, ch := refreshKey(l.prefix, key), refreshChannel(l.prefix, key)
	token := newToken()
	got, err := lockAcquireScript.Run(ctx, l.rdb, []string{k}, token, ttl.Milliseconds()).Int64()
	if err != nil {
		return nil, false, fail(ctx, "lock acquire", k, err)
	}
	if got != 1 {
		return nil, false, nil
	}
	release = func(ctx context.Context) error {
		if err := lockReleaseScript.Run(ctx, l.rdb, []string{k}, token, ch).Err(); err != nil {
			return fail(ctx, "lock release", k, err)
		}
		return nil
	}
	return release, true, nil
}

// Wait returns nil once the holder of key's lock at the time of the call
// has released it or its TTL has run out, at once when the key is not
// locked. It subscribes to the lock's channel first and reads the lock
// after, so that a release in between is not missed; it then waits for
// the holder's release message, or at most for the lock's remaining TTL
// (Redis's PTTL), with no polling.
//
// Failure modes:
//   - an empty key: an error;
//   - ctx ends first: the context's error;
//   - Redis cannot answer, or the connection drops while waiting: a
//     *Error (the caller cannot tell whether the refresh happened);
//   - the key holds a value with no TTL (something else wrote it): a
//     *Error, rather than a wait without end.
func (l *RefreshLock) Wait(ctx context.Context, key string) error {
	if key == "" {
		return fmt.Errorf("%w: lock key", errEmptyKey)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	k, ch := refreshKey(l.prefix, key), refreshChannel(l.prefix, key)
	ps := l.rdb.Subscribe(ctx, ch) // an error here shows in the first Receive
	defer ps.Close()
	// go-redis does not watch ctx while it reads: closing the
	// subscription ends the read at once.
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
	defer stop()

	if err := awaitSubscription(ctx, ps); err != nil {
		return fail(ctx, "lock wait", k, err)
	}
	holder, pttl, err := l.state(ctx, k)
	if err != nil {
		return err
	}
	for holder != "" {
		until := time.Now().Add(pttl)
		for {
			msg, err := ps.ReceiveTimeout(ctx, max(time.Until(until), time.Millisecond))
			if err == nil {
				if m, ok := msg.(*redis.Message); ok && m.Payload == holder {
					return nil
				}
				continue // a subscription or ping reply, or an earlier holder's release
			}
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			if !isTimeout(err) {
				return storeErr("lock wait", k, err)
			}
			if deadline, ok := ctx.Deadline(); ok && !time.Now().Before(deadline) {
				// The read timed out on ctx's deadline: its error is on
				// the way.
				<-ctx.Done()
				return ctx.Err()
			}
			break
		}
		// The TTL has run out by our clock: Redis decides.
		var now string
		now, pttl, err = l.state(ctx, k)
		if err != nil {
			return err
		}
		if now != holder {
			return nil // released, expired, or taken over since
		}
	}
	return nil
}

// awaitSubscription reads until Redis confirms the subscription.
func awaitSubscription(ctx context.Context, ps *redis.PubSub) error {
	for {
		msg, err := ps.ReceiveTimeout(ctx, subscribeTimeout)
		if err != nil {
			return err
		}
		if _, ok := msg.(*redis.Subscription); ok {
			return nil
		}
	}
}

// state reads the lock's holder ("" when free) and remaining TTL in one
// step.
func (l *RefreshLock) state(ctx context.Context, k string) (holder string, pttl time.Duration, err error) {
	reply, err := lockStateScript.Run(ctx, l.rdb, []string{k}).Slice()
	if err != nil {
		return "", 0, fail(ctx, "lock wait", k, err)
	}
	if len(reply) != 2 {
		return "", 0, storeErr("lock wait", k, fmt.Errorf("unexpected reply %v", reply))
	}
	ms, ok := reply[1].(int64)
	if !ok {
		return "", 0, storeErr("lock wait", k, fmt.Errorf("unexpected PTTL %v", reply[1]))
	}
	switch h := reply[0].(type) {
	case nil:
		return "", 0, nil
	case string:
		if ms < 0 {
			return "", 0, storeErr("lock wait", k, errors.New("the lock has no TTL"))
		}
		return h, time.Duration(ms) * time.Millisecond, nil
	default:
		return "", 0, storeErr("lock wait", k, fmt.Errorf("unexpected holder %v", reply[0]))
	}
}

// isTimeout reports whether err is a read deadline passing.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
