package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/redis/go-redis/v9"
)

// ClaimStore de-duplicates webhook events across every replica that shares
// a Redis: it satisfies quiltt.ClaimStore, so the webhook handler of each
// replica claims an event in Redis before it runs the callback. Of any
// number of concurrent claims on one event, on any replicas, exactly one is
// quiltt.ClaimAcquired; the others see quiltt.ClaimBusy (the handler answers
// so that Quiltt delivers again later) until the holder marks the event
// done (then quiltt.ClaimDone, for the retention period) or releases it.
//
// Each event is one key, "<prefix>:claim:<event ID>", holding
// "lease:<token>" while leased (it expires with the lease) and "done" while
// retained (it expires with the retention). Every step is one atomic Lua
// script.
//
// A ClaimStore is safe for concurrent use.
type ClaimStore struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ quiltt.ClaimStore = (*ClaimStore)(nil)

// NewClaimStore returns a claim store on rdb. Every replica must use the
// same Redis and prefix.
//
// Options: WithPrefix.
//
// Failure modes: NewClaimStore fails when rdb is nil or an option is
// invalid or is WithFallback. See the methods for the failures at run time.
func NewClaimStore(rdb redis.UniversalClient, opts ...Option) (*ClaimStore, error) {
	c, err := newConfig("NewClaimStore", rdb, opts)
	if err != nil {
		return nil, err
	}
	return &ClaimStore{rdb: rdb, prefix: c.prefix}, nil
}

// Claim takes the event's lease for lease, with a fresh random token, when
// the event is neither leased nor done; otherwise it reports
// quiltt.ClaimBusy or quiltt.ClaimDone. The lease ends by itself after
// lease, so that a replica that dies mid-callback does not hold the event
// for ever: choose a lease longer than the callback can take, since once it
// has run out another delivery may claim the event and run the callback a
// second time.
//
// Failure modes:
//   - an empty eventID, or a lease under 1 ms: an error, nothing stored;
//   - Redis cannot answer: a *Error; nothing was claimed, or a lease was
//     taken whose answer was lost (it expires after lease, and the
//     redelivery then claims the event). The handler answers a retryable
//     status either way, so the event is neither lost nor run twice;
//   - ctx ends first: the context's error, with the same two outcomes.
func (s *ClaimStore) Claim(ctx context.Context, eventID string, lease time.Duration) (quiltt.Claim, error) {
	if eventID == "" {
		return quiltt.Claim{}, fmt.Errorf("%w: event ID", errEmptyKey)
	}
	if lease < time.Millisecond {
		return quiltt.Claim{}, fmt.Errorf("redisstore: claim: lease %v: need at least 1ms", lease)
	}
	key := claimKey(s.prefix, eventID)
	token := newToken()
	state, err := claimScript.Run(ctx, s.rdb, []string{key}, token, lease.Milliseconds()).Int64()
	if err != nil {
		return quiltt.Claim{}, fail(ctx, "claim", key, err)
	}
	c := quiltt.Claim{EventID: eventID, State: quiltt.ClaimState(state)}
	switch c.State {
	case quiltt.ClaimAcquired:
		c.Token = token
	case quiltt.ClaimBusy, quiltt.ClaimDone:
	default:
		return quiltt.Claim{}, storeErr("claim", key, fmt.Errorf("unexpected reply %d", state))
	}
	return c, nil
}

// Done marks the claimed event processed for retain, ending the lease: a
// later claim within retain reports quiltt.ClaimDone. It marks the event
// too when c's lease ran out and no delivery has claimed the event since.
// It does nothing, and returns nil, when another delivery holds a live
// lease on the event (that delivery settles it) or the event is done.
//
// The callback has succeeded by the time Done is called, and only the done
// mark stands between it and a second run: so while Redis cannot answer,
// Done tries again, pausing from 10 ms up to 500 ms between tries, until
// Redis answers or ctx ends.
//
// Failure modes:
//   - c is not an acquired claim (no event ID or token), or retain is
//     under 1 ms: an error at once, nothing changed;
//   - Redis cannot answer until ctx ends: an error matching both the
//     last *Error and the context's error. The event may or may not be
//     marked done (a try whose answer was lost may have marked it); if it
//     is not, its lease runs out and the next delivery runs the callback
//     again.
//
// A callback runs a second time in two cases, which is why callbacks
// should be idempotent where they can: an outage that outlasts the lease
// between the callback's success and its Done (above), and a replica that
// dies (killed, crashed, its process or its machine lost) after the
// callback succeeded but before Done reached Redis: its lease runs out,
// and the next delivery of the event runs the callback again.
func (s *ClaimStore) Done(ctx context.Context, c quiltt.Claim, retain time.Duration) error {
	if err := checkClaim("claim done", c); err != nil {
		return err
	}
	if retain < time.Millisecond {
		return fmt.Errorf("redisstore: claim done: retain %v: need at least 1ms", retain)
	}
	key := claimKey(s.prefix, c.EventID)
	pause := doneRetryMin
	for {
		err := claimDoneScript.Run(ctx, s.rdb, []string{key}, c.Token, retain.Milliseconds()).Err()
		if err == nil {
			return nil
		}
		failed := storeErr("claim done", key, err)
		if ctx.Err() != nil {
			return fmt.Errorf("%w (tried until the context ended: %w)", failed, ctx.Err())
		}
		timer := time.NewTimer(pause)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("%w (tried until the context ended: %w)", failed, ctx.Err())
		}
		pause = min(2*pause, doneRetryMax)
	}
}

// The pauses between Done's tries while Redis cannot answer.
const (
	doneRetryMin = 10 * time.Millisecond
	doneRetryMax = 500 * time.Millisecond
)

// Release gives the lease up so that the next delivery can claim the event
// (after a failed callback). It does nothing, and returns nil, when c's
// lease is no longer held.
//
// Failure modes:
//   - c is not an acquired claim (no event ID or token): an error;
//   - Redis cannot answer, or ctx ends first: an error; the lease may
//     still be held, and then runs out after its TTL, when a redelivery
//     claims the event. Nothing is lost, only delayed.
func (s *ClaimStore) Release(ctx context.Context, c quiltt.Claim) error {
	if err := checkClaim("claim release", c); err != nil {
		return err
	}
	key := claimKey(s.prefix, c.EventID)
	if err := claimReleaseScript.Run(ctx, s.rdb, []string{key}, c.Token).Err(); err != nil {
		return fail(ctx, "claim release", key, err)
	}
	return nil
}

// checkClaim refuses a claim that Claim did not acquire.
func checkClaim(op string, c quiltt.Claim) error {
	if c.EventID == "" {
		return fmt.Errorf("%w: %s: event ID", errEmptyKey, op)
	}
	if c.Token == "" || c.State != quiltt.ClaimAcquired {
		return fmt.Errorf("redisstore: %s: claim on %q was not acquired (state %v)", op, c.EventID, c.State)
	}
	return nil
}
