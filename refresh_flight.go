package quiltt

// FreshBalance's in-process join: of the calls of one process that find an
// account's balance stale (with the same credentials), one leads and
// settles it through the RefreshLock (refresh_fresh.go); the others join
// it and take its result.

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// freshFlight is one FreshBalance call's work for an account, in flight in
// this process. Calls for the same account with the same credentials that
// find the balance stale meanwhile join it and take its result instead of
// starting their own.
type freshFlight struct {
	done chan struct{} // closed once the fields below are set
	b    *Balance      // the leader's balance; joiners get copies
	err  error
	// abandoned is set when the leader's own context ended (or it
	// panicked) before a result: the joiners start over.
	abandoned bool
}

// freshFlights are the flights of a pipeline, by freshKey.
type freshFlights struct {
	mu sync.Mutex
	m  map[string]*freshFlight
}

// settleOnce settles the stale balance seen once in this process: it leads
// a flight for the account, or joins the one in progress and returns its
// result; after a leader whose own context ended, it starts over.
func (c *Client) settleOnce(ctx context.Context, op, accountID string, seen *Balance, seenRead bool, maxAge time.Duration) (*Balance, error) {
	fs, key := c.p.fresh, c.freshKey(accountID)
	for {
		f, leader := fs.flights.join(key)
		if leader {
			return c.leadFlight(ctx, op, accountID, key, f, seen, seenRead, maxAge)
		}
		c.p.logger.LogAttrs(ctx, slog.LevelDebug, logFreshJoin, slog.String("account_id", accountID))
		if fs.hooks.joined != nil {
			fs.hooks.joined(accountID)
		}
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, errorf("%s %s: waiting for the refresh in flight: %w", op, accountID, ctx.Err())
		}
		if !f.abandoned {
			return cloneBalance(f.b), f.err
		}
	}
}

// leadFlight does f's work, then hands its result to the calls that joined
// it.
func (c *Client) leadFlight(ctx context.Context, op, accountID, key string, f *freshFlight, seen *Balance, seenRead bool, maxAge time.Duration) (*Balance, error) {
	defer c.p.fresh.flights.land(key, f) // f.abandoned stays true if settle panics
	b, err := c.settle(ctx, op, accountID, seen, seenRead, maxAge)
	f.b, f.err = cloneBalance(b), err
	f.abandoned = err != nil && ctx.Err() != nil
	return b, err
}

// freshKey names an account's flights in this process, with the
// credentials that read it, so that a call never takes a balance another
// profile read.
func (c *Client) freshKey(accountID string) string {
	if c.profileSet {
		return "profile\x00" + c.profileID + "\x00" + accountID
	}
	return "session\x00" + accountID
}

// join returns the flight in progress for key, or starts one that the
// caller leads.
func (fl *freshFlights) join(key string) (f *freshFlight, leader bool) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if f := fl.m[key]; f != nil {
		return f, false
	}
	f = &freshFlight{done: make(chan struct{}), abandoned: true}
	fl.m[key] = f
	return f, true
}

// land ends f: later calls start a flight of their own, and f's joiners
// read its result.
func (fl *freshFlights) land(key string, f *freshFlight) {
	fl.mu.Lock()
	delete(fl.m, key)
	fl.mu.Unlock()
	close(f.done)
}

// cloneBalance returns a copy of b sharing no amount with it; nil stays nil.
func cloneBalance(b *Balance) *Balance {
	if b == nil {
		return nil
	}
	c := *b
	c.Available, c.Current, c.Limit = copyAmount(b.Available), copyAmount(b.Current), copyAmount(b.Limit)
	return &c
}
