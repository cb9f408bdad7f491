package quiltt

import (
	"context"
	"time"
)

// DefaultClaimLease is how long a WebhookHandler's claim on an event lasts
// when no other lease is set: longer than a callback should ever take, so
// that a slow callback keeps its event, and short enough that the event of
// a replica that died mid-callback is handled again within minutes.
const DefaultClaimLease = 2 * time.Minute

// DefaultClaimRetention is how long a WebhookHandler remembers an event it
// processed when no other retention is set: 72 hours. Quiltt redelivers
// what did not get a 2xx, but documents neither how often nor for how long
// (UNCONFIRMED); 72 hours is the redelivery window of comparable senders
// (Stripe retries for up to three days), so that a late redelivery is
// still skipped. Set a longer retention if Quiltt's window proves longer.
const DefaultClaimRetention = 72 * time.Hour

// ClaimState says what a claim on a webhook event found.
type ClaimState int

const (
	// ClaimAcquired: the caller holds the event's lease and must process
	// the event, then call Done (on success) or Release (on failure).
	ClaimAcquired ClaimState = iota + 1
	// ClaimBusy: another delivery holds a live lease on the event. Answer
	// so that Quiltt delivers again later; never 2xx.
	ClaimBusy
	// ClaimDone: the event was processed already, within the retention
	// period. Skip it.
	ClaimDone
)

// String names the state.
func (s ClaimState) String() string {
	switch s {
	case ClaimAcquired:
		return "acquired"
	case ClaimBusy:
		return "busy"
	case ClaimDone:
		return "done"
	}
	return "unknown"
}

// Claim is the outcome of ClaimStore.Claim. Token identifies the lease, so
// that Done and Release act only on the holder's own lease: a holder whose
// lease ran out cannot release or complete the lease of the delivery that
// took the event over.
type Claim struct {
	EventID string
	State   ClaimState
	Token   string // set when State is ClaimAcquired
}

// ClaimStore de-duplicates webhook events by claim, not check-then-mark: a
// delivery claims an event (a lease that ends after a TTL) before the
// callback runs; success marks the event done for a retention period;
// failure releases the claim so that Quiltt's redelivery is processed; a
// replica that dies mid-callback loses its lease when the TTL ends.
//
// Implementations must be safe for concurrent use, and Claim must be atomic:
// of any number of concurrent claims on one event, at most one is
// ClaimAcquired. NewMemoryClaimStore serves one process; package redisstore
// serves a fleet.
//
// Every method returns an error when the store cannot answer; the webhook
// handler then answers a retryable status so that no event is lost.
type ClaimStore interface {
	// Claim takes the event's lease for at most lease, or reports that it is
	// busy or done.
	Claim(ctx context.Context, eventID string, lease time.Duration) (Claim, error)
	// Done marks the claimed event processed for retain, ending the lease.
	// It also marks it when c's lease ran out and no other delivery has
	// claimed the event since (the callback did succeed: forgetting that
	// would run it again on the next delivery). It does nothing (and
	// returns nil) when another delivery holds a live lease on the event or
	// it is already done.
	Done(ctx context.Context, c Claim, retain time.Duration) error
	// Release gives the lease up so that the next delivery can claim the
	// event. It does nothing (and returns nil) when c's lease is no longer
	// held.
	Release(ctx context.Context, c Claim) error
}
