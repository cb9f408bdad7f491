package quiltt

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// RefreshLock coordinates FreshBalance's billable refresh of one account
// across the clients that share it: of all the calls that find the
// account's balance stale at once, one takes the lock and refreshes; the
// others wait for the lock to be released and read the new balance.
//
// The SDK keeps an in-process lock by default (every client built by one
// NewClient shares it); package redisstore provides one shared by a fleet
// (WithRefreshLock). Implementations must be safe for concurrent use.
type RefreshLock interface {
	// Acquire takes the lock on key for at most ttl. It reports false,
	// with a nil error, when another holder has the lock. The returned
	// release func gives the lock up (only if still held by this caller);
	// it is nil unless acquired is true.
	Acquire(ctx context.Context, key string, ttl time.Duration) (release func(context.Context) error, acquired bool, err error)
	// Wait returns nil once key is not locked (released, or its ttl ran
	// out), or the context's error when ctx ends first, or the store's
	// error when it cannot tell.
	Wait(ctx context.Context, key string) error
}

// MemoryRefreshLock is a RefreshLock held in this process's memory: the
// default of every client, shared by the clients ForProfile derives from
// it. Give one *MemoryRefreshLock to several clients built by separate
// NewClient calls (WithRefreshLock) so that they, too, share one refresh
// per account; across processes use a store such as package redisstore.
//
// Its zero value is an unlocked lock, ready for use; it must not be copied
// after first use. It is safe for concurrent use and starts no goroutine:
// a lock that is never released is freed by a timer when its ttl ends.
type MemoryRefreshLock struct {
	mu   sync.Mutex
	held map[string]*memoryHold
}

// memoryHold is one holder's lock on a key.
type memoryHold struct {
	freed chan struct{} // closed when the lock is released or its ttl ends
	timer *time.Timer   // ends the lock after its ttl
}

// Acquire takes the lock on key for at most ttl and reports true, with the
// func that releases it early (only while this holder still has it; it
// never fails and ignores its context). It reports false, with a nil
// error, while another holder has the lock.
//
// Failure modes: an error, and no lock, when ttl is not positive; ctx's
// error, and no lock, when ctx has already ended.
func (l *MemoryRefreshLock) Acquire(ctx context.Context, key string, ttl time.Duration) (release func(context.Context) error, acquired bool, err error) {
	if ttl <= 0 {
		return nil, false, fmt.Errorf("quiltt: MemoryRefreshLock: ttl %v is not positive", ttl)
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, busy := l.held[key]; busy {
		return nil, false, nil
	}
	if l.held == nil {
		l.held = make(map[string]*memoryHold)
	}
	h := &memoryHold{freed: make(chan struct{})}
	l.held[key] = h
	// The timer's func takes l.mu, so it cannot see h before h.timer is set.
	h.timer = time.AfterFunc(ttl, func() { l.free(key, h) })
	return func(context.Context) error {
		l.free(key, h)
		return nil
	}, true, nil
}

// Wait returns nil once key is not locked: at once when it is not, else
// when its holder releases it or its ttl ends.
//
// Failure modes: ctx's error when ctx ends first.
func (l *MemoryRefreshLock) Wait(ctx context.Context, key string) error {
	l.mu.Lock()
	h := l.held[key]
	l.mu.Unlock()
	if h == nil {
		return nil
	}
	select {
	case <-h.freed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// free ends h's lock on key, if h still holds it, and wakes its waiters.
func (l *MemoryRefreshLock) free(key string, h *memoryHold) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[key] != h {
		return // released already, or its ttl ended and another holder took it
	}
	delete(l.held, key)
	h.timer.Stop()
	close(h.freed)
}
