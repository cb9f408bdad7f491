package quiltt

// FreshBalance, its options, and the protocol by which, of the clients
// that share a RefreshLock, one refreshes an account's stale balance while
// the others wait for its result. Within a process, calls first join one
// another (refresh_flight.go).

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// freshLockTTL is how long one FreshBalance call may hold an account's
// refresh lock: its refresh and the wait for the new balance end within it.
// A holder that dies frees the lock after it; a refresh that brought no
// balance within it counts as lost, and the next call may refresh again.
const freshLockTTL = 2 * time.Minute

// freshSendWithin bounds the time, from taking the lock, within which the
// refresh must be sent (the re-read, the trigger and its retries): the rest
// of freshLockTTL is left for its balance to appear, so that the lock never
// ends just after a refresh it covers was sent.
const freshSendWithin = freshLockTTL / 2

// freshReleaseTimeout bounds the release of the lock, which is attempted
// even after the caller's context ended.
const freshReleaseTimeout = 5 * time.Second

// ErrRefreshLock marks a FreshBalance call that failed because its
// RefreshLock did (for example, the shared store was unreachable). The
// error also wraps the lock's own error. Nothing was billed by the call:
// it fails rather than refresh without the lock, which could bill a
// refresh that another replica is already making.
var ErrRefreshLock = errors.New("quiltt: refresh lock failed")

// Debug log messages of FreshBalance's coordination, with the account_id.
const (
	logFreshJoin    = "quiltt: FreshBalance: joining the refresh in flight in this process"
	logFreshWait    = "quiltt: FreshBalance: another caller holds the refresh lock; waiting for its balance"
	logFreshRefresh = "quiltt: FreshBalance: refresh lock taken; refreshing"
)

// freshConfig is what the options set for FreshBalance.
type freshConfig struct {
	lock             RefreshLock
	pollMin, pollMax time.Duration
	feed             BalanceFeed // WithBalanceFeed's; nil polls only
	hooks            freshHooks
}

// freshHooks are called where FreshBalance logs logFreshJoin and
// logFreshWait, so that tests can wait for concurrent calls to reach those
// points without reading the log. Only tests set them (export_test.go).
type freshHooks struct {
	joined, waiting func(accountID string)
}

// WithRefreshLock sets the RefreshLock through which FreshBalance shares
// one billable refresh of an account among every client that uses the same
// lock: give each replica of a service a lock on the store they share (see
// package redisstore), or give one *MemoryRefreshLock to several clients
// of one process. Without it, each NewClient makes its own
// MemoryRefreshLock, shared by the clients ForProfile derives. NewClient
// fails if l is nil or holds a nil pointer (such as a nil
// *redisstore.RefreshLock).
func WithRefreshLock(l RefreshLock) Option {
	return nonNilOption("WithRefreshLock", "lock", l, func(c *config) { c.fresh.lock = l })
}

// WithFreshBalancePolling sets how often FreshBalance reads the balance
// while a refresh is pending (its own, or another caller's): first after
// min, each next wait doubling up to max. The defaults are
// DefaultPollMinInterval and DefaultPollMaxInterval; tests against
// quilttest can use milliseconds. NewClient fails unless 0 < min <= max.
func WithFreshBalancePolling(min, max time.Duration) Option {
	return func(c *config) error {
		if min <= 0 || max < min {
			return fmt.Errorf("quiltt: WithFreshBalancePolling: need 0 < min <= max, got %v and %v", min, max)
		}
		c.fresh.pollMin, c.fresh.pollMax = min, max
		return nil
	}
}

// freshState is what FreshBalance keeps in a pipeline, shared by the
// client and the clients ForProfile derives from it: the configuration,
// defaults filled in, and the refreshes in flight in this process.
type freshState struct {
	freshConfig
	flights freshFlights
}

func newFreshState(cfg freshConfig) *freshState {
	fs := &freshState{freshConfig: cfg, flights: freshFlights{m: make(map[string]*freshFlight)}}
	if fs.lock == nil {
		fs.lock = new(MemoryRefreshLock)
	}
	if fs.pollMin == 0 {
		fs.pollMin, fs.pollMax = DefaultPollMinInterval, DefaultPollMaxInterval
	}
	return fs
}

// FreshBalance returns the account's latest balance when it is at most
// maxAge old (time.Now() minus Balance.At); else it refreshes the balance
// once and waits for the new one, which it returns even if the provider
// dates it more than maxAge ago. It is the call to make before moving
// money: FreshBalance(ctx, id, 5*time.Minute). maxAge 0 refreshes unless
// the balance is dated now or later; an account without a balance is
// always refreshed.
//
// Concurrent calls for one account share one billable refresh. In a
// process, calls that find the balance stale join the one call already
// refreshing it (with the same credentials: a client and its ForProfile
// clients share this) and all get its result, balance or error. Across
// clients, the call that takes the account's RefreshLock (WithRefreshLock;
// by default one per NewClient) reads the balance again and refreshes only
// if it is still the stale one it found: a balance that is fresh, or other
// than that one (another caller's refresh brought it), is returned as it
// is, whatever its age. The others wait, reading the balance at every
// poll, and return the first one that is fresh or differs from the one
// they found. When the holder's refresh failed where Quiltt cannot have acted
// (a 4xx, a 429 or 503 after retries, a request never sent), it releases
// the lock and one waiting client takes it and tries once itself (it is
// not billed twice: the failed refresh was not). When the refresh may have
// been billed (ErrOutcomeUnknown, or accepted with no new balance yet), the
// holder keeps the lock until its two-minute ttl ends, so no one refreshes
// again meanwhile; the waiters take the balance as soon as it appears. A
// call sends at most one refresh, never a second after an unknown outcome.
//
// With a BalanceFeed (WithBalanceFeed), a balance the feed holds that is
// at most maxAge old is returned with no read at all; otherwise the read
// is left to the call that takes the lock, every call subscribes to the
// account before any refresh is sent, and each returns the delivered
// balance the moment it is published, whichever replica received it; the
// polls stay the fallback.
//
// It needs the API key and GraphQL credentials: call it on a client
// derived with ForProfile (or built with both an API key and a session
// token). The refresh must be sent within one minute of taking the lock
// and its balance appear within two (the lock's ttl); ctx bounds the whole
// call: give it a deadline.
//
// Failure modes:
//   - without a request: an error for a negative maxAge; an error wrapping
//     ErrMissingCredentials when the client has no API key or cannot
//     authenticate GraphQL; one wrapping ErrInvalidAccountID for an ID
//     RefreshBalance refuses;
//   - the error of a balance read (the first one, the one again once this
//     call holds the lock, or one while waiting for another caller's
//     refresh), without a refresh by this call: for an unknown account,
//     errors.Is(err, ErrNotFound); an *Error, a *QueryError or a
//     *TransportError otherwise (see Account);
//   - an error wrapping ErrRefreshLock and the lock's error when the
//     RefreshLock fails to acquire or wait; nothing was billed by the call;
//   - the errors of RefreshBalance, when this call's refresh failed, as
//     they are: check errors.Is(err, ErrOutcomeUnknown), and do not
//     refresh again (a next FreshBalance waits for that refresh's balance
//     instead);
//   - a *RefreshWaitError (Op "FreshBalance") once this call's refresh was
//     accepted but no new balance could be read: a poll failed (Err is its
//     error), or ctx or the lock's ttl ended first (errors.Is(err,
//     context.DeadlineExceeded) holds after a deadline or the ttl, not
//     after a cancel). The refresh may well be billed;
//   - an error wrapping ctx's error when ctx ended while waiting for
//     another caller's refresh; nothing was billed by the call.
//
// A call that joined another in this process returns that call's error.
func (c *Client) FreshBalance(ctx context.Context, accountID string, maxAge time.Duration) (_ *Balance, err error) {
	const op = "FreshBalance"
	ctx, obs := c.observe(ctx, op)
	defer obs.finish(&err)
	if maxAge < 0 {
		return nil, errorf("%s: maxAge %v is negative", op, maxAge)
	}
	if err := errors.Join(c.restReady(op), c.graphQLReady(op)); err != nil {
		return nil, err
	}
	if err := checkAccountID(accountID); err != nil {
		return nil, errorf("%s: %w", op, err)
	}
	// With a feed, the balance it holds stands for the one read: a fresh
	// one is the answer, and a stale one (or none) leaves the read to the
	// call that takes the lock (seenRead false).
	seen, fromFeed := c.feedLatest(ctx, op, accountID)
	if !fromFeed {
		var err error
		if seen, err = c.latestBalance(ctx, op, accountID); err != nil {
			return nil, err
		}
	}
	if isFresh(seen, maxAge, time.Now()) {
		return seen, nil
	}

	return c.settleOnce(ctx, op, accountID, seen, !fromFeed, maxAge)
}

// settle coordinates through the RefreshLock: it refreshes when it takes
// the lock, else waits for the holder's balance; after a holder that
// released the lock without a new balance, it tries to take the lock again.
// It subscribes to the feed (if any) first, before any refresh is sent.
// seenRead says whether seen was read (else the feed's, or none).
func (c *Client) settle(ctx context.Context, op, accountID string, seen *Balance, seenRead bool, maxAge time.Duration) (*Balance, error) {
	w := c.watchFeed(ctx, op, accountID)
	defer w.close()
	for {
		release, acquired, err := c.p.fresh.lock.Acquire(ctx, accountID, freshLockTTL)
		if err != nil {
			return nil, lockError(ctx, op, accountID, "acquire", err)
		}
		if acquired {
			return c.refreshHolding(ctx, op, accountID, seen, seenRead, maxAge, release, w)
		}
		b, found, err := c.awaitHolder(ctx, op, accountID, seen, seenRead, maxAge, w)
		if err != nil || found {
			return b, err
		}
	}
}

// refreshHolding runs with the account's lock held: it reads the balance
// again, returns it if another caller's refresh just brought it, else
// sends the refresh and polls for its balance. It releases the lock unless
// the refresh may be pending (accepted without a new balance yet, or of
// unknown outcome): then the lock ends with its ttl, and no one refreshes
// again before.
func (c *Client) refreshHolding(ctx context.Context, op, accountID string, seen *Balance, seenRead bool, maxAge time.Duration, release func(context.Context) error, w *feedWatch) (*Balance, error) {
	keep := false
	defer func() {
		if !keep {
			c.releaseLock(ctx, accountID, release)
		}
	}()
	hold, cancel := context.WithTimeout(ctx, freshLockTTL)
	defer cancel()
	send, cancelSend := context.WithTimeout(hold, freshSendWithin)
	defer cancelSend()

	if fb, ok := c.feedLatest(send, op, accountID); ok && fb != nil && feedSettles(fb, seen, maxAge) {
		return fb, nil // the previous holder's refresh brought it
	}
	b, err := c.latestBalance(send, op, accountID)
	if err != nil {
		return nil, err
	}
	if (seenRead && isOtherBalance(b, seen)) || isFresh(b, maxAge, time.Now()) {
		return b, nil
	}
	c.p.logger.LogAttrs(ctx, slog.LevelDebug, logFreshRefresh, slog.String("account_id", accountID))
	sent := time.Now()
	if err := c.refresh(send, op, accountID); err != nil {
		keep = errors.Is(err, ErrOutcomeUnknown)
		return nil, err
	}
	keep = true // should polling panic, the refresh is still pending
	nb, err := c.pollNewBalance(hold, op, accountID, b, sent, c.p.fresh.pollMin, c.p.fresh.pollMax, w)
	keep = err != nil
	return nb, err
}

// awaitHolder waits while another caller holds the account's lock, reading
// the balance at every poll. It returns found with the balance once it is
// fresh or differs from seen, or found false when the lock was freed and
// the balance is unchanged (the holder failed, or its ttl ended). A
// balance the feed delivers meanwhile ends the wait without a read.
func (c *Client) awaitHolder(ctx context.Context, op, accountID string, seen *Balance, seenRead bool, maxAge time.Duration, w *feedWatch) (b *Balance, found bool, err error) {
	fs := c.p.fresh
	c.p.logger.LogAttrs(ctx, slog.LevelDebug, logFreshWait, slog.String("account_id", accountID))
	if fs.hooks.waiting != nil {
		fs.hooks.waiting(accountID)
	}
	for wait := fs.pollMin; ; wait = nextPoll(wait, fs.pollMax) {
		wctx, cancel := context.WithTimeout(ctx, wait)
		fb, werr := w.race(wctx, func(b *Balance) bool { return feedSettles(b, seen, maxAge) },
			func(wctx context.Context) error { return fs.lock.Wait(wctx, accountID) })
		pollDue := wctx.Err() != nil
		cancel()
		if fb != nil {
			return fb, true, nil
		}
		if ctx.Err() != nil {
			return nil, false, lockError(ctx, op, accountID, "wait for", werr)
		}
		if werr != nil && !pollDue {
			return nil, false, lockError(ctx, op, accountID, "wait for", werr)
		}
		if fb, ok := c.feedLatest(ctx, op, accountID); ok && fb != nil && feedSettles(fb, seen, maxAge) {
			return fb, true, nil
		}
		b, err := c.latestBalance(ctx, op, accountID)
		if err != nil {
			return nil, false, err
		}
		if (seenRead && isOtherBalance(b, seen)) || isFresh(b, maxAge, time.Now()) {
			return b, true, nil
		}
		if werr == nil {
			return nil, false, nil
		}
	}
}

// releaseLock gives the lock up, even after ctx ended. A failure is logged,
// not returned: the lock then ends with its ttl, and the waiters see the
// balance at their next poll.
func (c *Client) releaseLock(ctx context.Context, accountID string, release func(context.Context) error) {
	if release == nil {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), freshReleaseTimeout)
	defer cancel()
	if err := release(rctx); err != nil {
		c.p.logger.LogAttrs(ctx, slog.LevelWarn, "quiltt: FreshBalance: releasing the refresh lock failed; it ends with its ttl",
			slog.String("account_id", accountID), slog.String("error", err.Error()))
	}
}

// lockError reports a failed Acquire or Wait: ctx's error when ctx ended,
// else ErrRefreshLock with the lock's error.
func lockError(ctx context.Context, op, accountID, verb string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return errorf("%s %s: waiting for the refresh lock: %w", op, accountID, ctxErr)
	}
	return errorf("%s %s: %w: %s it: %w", op, accountID, ErrRefreshLock, verb, err)
}

// isFresh reports whether b is at most maxAge old at now.
func isFresh(b *Balance, maxAge time.Duration, now time.Time) bool {
	return b != nil && now.Sub(b.At) <= maxAge
}
