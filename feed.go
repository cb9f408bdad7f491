package quiltt

// Push, not poll: the BalanceFeed that carries the balances Quiltt's
// balance.created webhooks deliver to the calls waiting for them
// (FreshBalance, RefreshAndWait), and the small helpers those calls use.

import (
	"context"
	"log/slog"
	"time"

	"github.com/quiltt-go/quiltt/internal/nilness"
)

// BalanceFeed carries the balances Quiltt pushes. After a refresh Quiltt
// fires balance.created with the new balance (source REFRESH); a
// WebhookHandler with a Feed publishes every verified one, and the clients
// built WithBalanceFeed on the same feed take it from there instead of
// polling GraphQL for it.
//
// NewMemoryBalanceFeed serves one process (the webhook handler and the
// clients share the *MemoryBalanceFeed); package redisstore's
// NewBalanceFeed serves a fleet, whichever replica each delivery lands on.
// Implementations must be safe for concurrent use.
//
// A feed holds balances, amounts included, of every account whose
// delivery reached it; share one only among the clients of one Quiltt
// environment (those that may read these accounts).
type BalanceFeed interface {
	// Publish offers b, the balance of a verified balance.created
	// delivery, with its AccountID and ID set. The feed keeps it as the
	// account's latest unless it already holds one dated at or after
	// b.At (deliveries come out of order, and again), and sends the
	// balance it kept as latest, when that changed, to every subscription
	// of the account. It returns an error for a nil balance, one without
	// an ID or AccountID, or when the store fails.
	Publish(ctx context.Context, b *Balance) error
	// Latest returns the newest balance the feed holds for the account,
	// or nil when it holds none; an error when the store fails.
	Latest(ctx context.Context, accountID string) (*Balance, error)
	// Subscribe watches the account. Once it returns, each balance the
	// feed keeps as the account's latest afterwards is sent on balances (a
	// receiver that lags may miss older ones, never the newest) until
	// stop is called, which closes balances. balances is also closed when
	// the feed can no longer deliver; callers then fall back to polling.
	// stop is safe to call more than once. It returns an error, and no
	// subscription, when the store fails.
	Subscribe(ctx context.Context, accountID string) (balances <-chan *Balance, stop func(), err error)
}

// WithBalanceFeed makes FreshBalance and RefreshAndWait wait on f for the
// balance a refresh brings: they subscribe to the account before they
// trigger and return the first balance newer than the one they saw, as
// soon as its delivery is published, without reading it. FreshBalance
// also returns a balance f holds that is at most maxAge old without any
// read, and, when f holds none that is fresh, leaves the read to the call
// that takes the refresh lock (the fleet's other calls wait on f). Polling
// stays the fallback, at the configured cadence: a delivery that never
// comes costs time, never a wrong answer. When f fails (its store is
// down), the calls log it at warning level and go on as without a feed.
//
// Give the webhook handler that receives Quiltt's deliveries the same feed
// (WebhookHandler.Feed). NewClient fails if f is nil or holds a nil
// pointer (such as a nil *redisstore.BalanceFeed).
func WithBalanceFeed(f BalanceFeed) Option {
	return nonNilOption("WithBalanceFeed", "feed", f, func(c *config) { c.fresh.feed = f })
}

// feedTimeout bounds each call the SDK makes to a feed (Latest, Subscribe,
// and a delivery's Publish), so that a store that does not answer costs a
// call a bounded delay before it falls back to polling.
const feedTimeout = 5 * time.Second

// logFeedFailed is logged, at warning level, when a feed call fails.
const logFeedFailed = "quiltt: balance feed failed; polling instead"

// feedWatch is one call's subscription to an account's balances. Its zero
// value (no feed, or a feed that failed) never delivers.
type feedWatch struct {
	c    <-chan *Balance // nil once closed
	stop func()
}

// watchFeed subscribes to the account's balances on the client's feed; a
// client without a feed, or a feed that fails, gets a feedWatch that never
// delivers.
func (c *Client) watchFeed(ctx context.Context, op, accountID string) *feedWatch {
	f := c.p.fresh.feed
	if f == nil {
		return &feedWatch{}
	}
	sctx, cancel := context.WithTimeout(ctx, feedTimeout)
	defer cancel()
	ch, stop, err := f.Subscribe(sctx, accountID)
	if err != nil {
		c.feedFailed(ctx, op, accountID, "subscribe", err)
		return &feedWatch{}
	}
	return &feedWatch{c: ch, stop: stop}
}

// feedLatest returns the feed's latest balance of the account; ok is false
// without a feed or when it failed (logged).
func (c *Client) feedLatest(ctx context.Context, op, accountID string) (b *Balance, ok bool) {
	f := c.p.fresh.feed
	if f == nil {
		return nil, false
	}
	lctx, cancel := context.WithTimeout(ctx, feedTimeout)
	defer cancel()
	b, err := f.Latest(lctx, accountID)
	if err != nil {
		c.feedFailed(ctx, op, accountID, "latest", err)
		return nil, false
	}
	return b, true
}

func (c *Client) feedFailed(ctx context.Context, op, accountID, call string, err error) {
	if ctx.Err() != nil {
		return // the caller's own end, not the feed's failure
	}
	c.p.logger.LogAttrs(ctx, slog.LevelWarn, logFeedFailed, slog.String("op", op),
		slog.String("account_id", accountID), slog.String("call", call), slog.String("error", err.Error()))
}

// close ends the subscription.
func (w *feedWatch) close() {
	if w.stop != nil {
		w.stop()
	}
}

// take handles one receive from w.c: it returns a copy of b when accept
// holds for it; a closed channel is dropped, so that the caller polls on.
func (w *feedWatch) take(b *Balance, ok bool, accept func(*Balance) bool) *Balance {
	if !ok {
		w.c = nil
		return nil
	}
	if b != nil && accept(b) {
		return cloneBalance(b)
	}
	return nil
}

// race waits on w while wait runs with a context that ends when w delivers
// a balance accept takes; it returns that balance (nil when none came)
// and wait's error.
func (w *feedWatch) race(ctx context.Context, accept func(*Balance) bool, wait func(context.Context) error) (*Balance, error) {
	if w.c == nil {
		return nil, wait(ctx)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	got := make(chan *Balance, 1)
	go func() {
		var found *Balance
		defer func() { got <- found }()
		for found == nil {
			select {
			case b, ok := <-w.c:
				if found = w.take(b, ok, accept); found != nil {
					cancel()
				}
				if !ok {
					return
				}
			case <-wctx.Done():
				return
			}
		}
	}()
	err := wait(wctx)
	cancel()
	return <-got, err
}

// newerThan reports whether b is dated after seen (any b when seen is nil
// and b comes from a refresh).
func newerThan(b, seen *Balance) bool {
	if seen == nil {
		return b.Source == BalanceSourceRefresh
	}
	return b.ID != seen.ID && b.At.After(seen.At)
}

// feedSettles reports whether b, from the feed, ends a FreshBalance wait
// that saw seen: it is fresh, or newer than seen.
func feedSettles(b, seen *Balance, maxAge time.Duration) bool {
	return isFresh(b, maxAge, time.Now()) || newerThan(b, seen)
}

// answersRefresh reports whether b, from the feed, answers a refresh sent
// at sent when before was the balance read just before it: it is new (see
// isNewBalance) and not dated before it (an old balance delivered again).
func answersRefresh(b, before *Balance, sent time.Time) bool {
	return isNewBalance(b, before, sent) && (before == nil || !b.At.Before(before.At))
}

// Log messages of the webhook handler's publishing to its Feed.
const (
	msgFeedRecord  = "quiltt: webhook balance not published to the feed: its record does not decode"
	msgFeedPublish = "quiltt: webhook balance not published to the feed"
)

// publishFeed publishes the balance of each balance.created event of a
// verified delivery to h.Feed. A failure is logged, never answered: the
// delivery goes on (the claim rules decide it), and the waiters poll.
func (h *WebhookHandler) publishFeed(ctx context.Context, p *WebhookPayload) {
	if nilness.Nil(h.Feed) { // a nil pointer would panic: no feed

		return
	}
	for _, ev := range p.Events {
		if ev.Type != EventBalanceCreated {
			continue
		}
		attrs := []slog.Attr{slog.String("event", ev.ID), slog.String("type", string(ev.Type))}
		b, err := ev.Balance()
		if err != nil {
			h.logger().LogAttrs(ctx, slog.LevelWarn, msgFeedRecord, append(attrs, slog.String("error", err.Error()))...)
			continue
		}
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), feedTimeout)
		err = h.Feed.Publish(pctx, b)
		cancel()
		if err != nil {
			h.logger().LogAttrs(ctx, slog.LevelError, msgFeedPublish, append(attrs, slog.String("error", err.Error()))...)
		}
	}
}
