package quiltt

import (
	"context"
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
