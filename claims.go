package quiltt

import (
	"container/list"
	"context"
	"errors"
	"strconv"
	"sync"
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
	// it is already done. A callback that succeeded runs again when its
	// Done never lands: the store cannot answer until the lease ends, or
	// the replica dies (killed, crashed) between the callback and Done.
	Done(ctx context.Context, c Claim, retain time.Duration) error
	// Release gives the lease up so that the next delivery can claim the
	// event. It does nothing (and returns nil) when c's lease is no longer
	// held.
	Release(ctx context.Context, c Claim) error
}

// DefaultClaimStoreSize is how many events a MemoryClaimStore made with a
// size of zero or less keeps at most, leases and processed events together.
const DefaultClaimStoreSize = 10000

// ErrClaimStoreFull is returned by MemoryClaimStore.Claim when every event
// the store can keep holds a live lease: it can take no new claim without
// breaking one. The webhook handler answers it 503, so the delivery comes
// again once leases have ended.
var ErrClaimStoreFull = errors.New("quiltt: claim store full: every event in it holds a live lease")

// MemoryClaimStore is a ClaimStore kept in the memory of one process: it
// de-duplicates the deliveries that reach this process, not those that
// reach another replica (package redisstore serves a fleet).
//
// It is safe for concurrent use, and Claim is atomic: of any number of
// concurrent claims on one event, exactly one is ClaimAcquired. Each lease
// has its own token, so a holder whose lease expired cannot complete or
// release the lease of the delivery that took the event over.
//
// It is bounded: it keeps at most its size of events. When full, it first
// forgets the leases and processed events that have expired, then the
// processed events that were marked done first (a redelivery of a
// forgotten event runs its callback again); it never forgets a live lease,
// and refuses a new claim with ErrClaimStoreFull instead.
//
// Build one with NewMemoryClaimStore. The zero value is ready to use and
// keeps DefaultClaimStoreSize events. Set Now, if at all, before the first
// call.
type MemoryClaimStore struct {
	// Now is the clock that leases and retention are measured with; nil
	// means time.Now. Tests set a fake clock here instead of sleeping.
	Now func() time.Time

	mu      sync.Mutex
	size    int
	entries map[string]*claimEntry
	leases  list.List // of *claimEntry holding a lease, oldest claim first
	done    list.List // of *claimEntry processed, first marked done first
	seq     uint64    // the last token handed out
}

// claimEntry is one event in a MemoryClaimStore: a lease while token is
// set, a processed event once it is "".
type claimEntry struct {
	id      string
	token   string
	expires time.Time
	elem    *list.Element // in leases or in done
}

// NewMemoryClaimStore returns an empty store that keeps at most size events
// (leases and processed events together); size zero or less means
// DefaultClaimStoreSize.
func NewMemoryClaimStore(size int) *MemoryClaimStore {
	if size <= 0 {
		size = DefaultClaimStoreSize
	}
	return &MemoryClaimStore{size: size, entries: make(map[string]*claimEntry)}
}

// Claim takes the lease of eventID for lease (zero or less means
// DefaultClaimLease), or reports that the event is busy (another live
// lease) or done (processed within its retention). A lease that expired is
// taken over as if it had never been.
//
// Failure modes:
//   - ctx already done: ctx's error, no claim taken;
//   - the store is full of live leases: ErrClaimStoreFull, no claim taken.
func (m *MemoryClaimStore) Claim(ctx context.Context, eventID string, lease time.Duration) (Claim, error) {
	if err := ctx.Err(); err != nil {
		return Claim{}, err
	}
	if lease <= 0 {
		lease = DefaultClaimLease
	}
	now := m.lock()
	defer m.mu.Unlock()
	if e := m.entries[eventID]; e != nil {
		if e.expires.After(now) {
			if e.token == "" {
				return Claim{EventID: eventID, State: ClaimDone}, nil
			}
			return Claim{EventID: eventID, State: ClaimBusy}, nil
		}
		m.remove(e)
	}
	if !m.makeRoom(now) {
		return Claim{}, ErrClaimStoreFull
	}
	m.seq++
	e := &claimEntry{id: eventID, token: strconv.FormatUint(m.seq, 36), expires: now.Add(lease)}
	e.elem = m.leases.PushBack(e)
	m.entries[eventID] = e
	return Claim{EventID: eventID, State: ClaimAcquired, Token: e.token}, nil
}

// Done marks the event of c processed for retain (zero or less means
// DefaultClaimRetention), ending its lease. It marks it too when c's lease
// expired and no other delivery has claimed the event since. It does
// nothing when another delivery holds a live lease on the event, when the
// event is done already, or for a Claim that was never acquired.
//
// Failure modes: none; it returns nil.
func (m *MemoryClaimStore) Done(_ context.Context, c Claim, retain time.Duration) error {
	if c.Token == "" {
		return nil
	}
	if retain <= 0 {
		retain = DefaultClaimRetention
	}
	now := m.lock()
	defer m.mu.Unlock()
	e := m.entries[c.EventID]
	switch {
	case e == nil:
		// The lease expired and was forgotten, or never stored: record it.
		if !m.makeRoom(now) {
			return nil // full of live leases: nothing can be recorded
		}
		e = &claimEntry{id: c.EventID}
		m.entries[c.EventID] = e
	case e.token == "":
		return nil // done already
	case e.token != c.Token && e.expires.After(now):
		return nil // another delivery holds a live lease
	default:
		m.leases.Remove(e.elem)
	}
	e.token = ""
	e.expires = now.Add(retain)
	e.elem = m.done.PushBack(e)
	return nil
}

// Release gives c's lease up, so that the next delivery of the event claims
// it at once. It does nothing when c's lease is no longer held.
//
// Failure modes: none; it returns nil.
func (m *MemoryClaimStore) Release(_ context.Context, c Claim) error {
	now := m.lock()
	defer m.mu.Unlock()
	if e := m.held(c, now); e != nil {
		m.remove(e)
	}
	return nil
}

// Len returns how many events the store keeps: live leases, processed
// events, and expired ones not yet forgotten. It is at most the store's
// size.
func (m *MemoryClaimStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

func (m *MemoryClaimStore) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// lock reads the clock, then takes m.mu and makes the zero value usable.
// It returns the time read, which leases and retention are measured with.
func (m *MemoryClaimStore) lock() time.Time {
	now := m.now()
	m.mu.Lock()
	if m.entries == nil {
		m.entries = make(map[string]*claimEntry)
	}
	if m.size <= 0 {
		m.size = DefaultClaimStoreSize
	}
	return now
}

// held returns the entry of c's lease if c holds it now, else nil; m.mu is
// held.
func (m *MemoryClaimStore) held(c Claim, now time.Time) *claimEntry {
	e := m.entries[c.EventID]
	if e == nil || c.Token == "" || e.token != c.Token || !e.expires.After(now) {
		return nil
	}
	return e
}

// remove forgets e; m.mu is held.
func (m *MemoryClaimStore) remove(e *claimEntry) {
	if e.token != "" {
		m.leases.Remove(e.elem)
	} else {
		m.done.Remove(e.elem)
	}
	delete(m.entries, e.id)
}

// makeRoom reports whether the store has room for one more event. When it
// is full, it frees one place at least, if it can: expired entries first
// (from the front of each list, where the oldest are), then the processed
// event marked done first, then any expired lease. A live lease is never
// forgotten. m.mu is held.
func (m *MemoryClaimStore) makeRoom(now time.Time) bool {
	if len(m.entries) < m.size {
		return true
	}
	for _, l := range []*list.List{&m.done, &m.leases} {
		for f := l.Front(); f != nil && !f.Value.(*claimEntry).expires.After(now); f = l.Front() {
			m.remove(f.Value.(*claimEntry))
		}
	}
	if len(m.entries) < m.size {
		return true
	}
	if f := m.done.Front(); f != nil {
		m.remove(f.Value.(*claimEntry))
		return true
	}
	// Only leases left: leases of different lengths may have expired
	// behind a live one. A full scan, only when the store is full of them.
	freed := false
	for f := m.leases.Front(); f != nil; {
		next := f.Next()
		if e := f.Value.(*claimEntry); !e.expires.After(now) {
			m.remove(e)
			freed = true
		}
		f = next
	}
	return freed
}
