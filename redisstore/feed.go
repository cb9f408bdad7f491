package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/redis/go-redis/v9"
	"github.com/shopspring/decimal"
)

// DefaultBalanceTTL is how long a BalanceFeed keeps an account's latest
// balance in Redis unless WithBalanceTTL says otherwise: an hour,
// longer than the maxAge a payment gives FreshBalance, and no longer.
const DefaultBalanceTTL = time.Hour

// BalanceFeed is the fleet's quiltt.BalanceFeed on Redis: the webhook
// handler of whichever replica a balance.created delivery lands on
// publishes the balance (quiltt.WebhookHandler.Feed), and the
// FreshBalance and RefreshAndWait calls waiting for it on every replica
// (quiltt.WithBalanceFeed) return it at once.
//
// Each account's latest balance is the hash "<prefix>:balance:{<account>}"
// (fields at, its time in µs, and b, the balance as JSON, amounts as
// exact decimal strings), kept for the feed's TTL from its last change; a
// publish replaces it only with a balance dated later, in one Lua script
// that also publishes the new latest on the channel
// "<prefix>:balance-created:<account>", which every waiting call
// subscribes to. The channel is not hash-tagged with the key: Redis
// (single server, Sentinel or Cluster, whose nodes forward every PUBLISH
// to each other) delivers it wherever the subscription sits. go-redis's
// Ring does not forward messages between its shards: NewBalanceFeed
// refuses one.
//
// What it stores: balances, with their amounts, for the TTL, under the
// prefix; never a credential (the record of a verified delivery carries
// none). Whoever can read the Redis can read them.
//
// A BalanceFeed is safe for concurrent use.
type BalanceFeed struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
}

var _ quiltt.BalanceFeed = (*BalanceFeed)(nil)

// NewBalanceFeed returns the feed on rdb, keeping each account's latest
// balance for DefaultBalanceTTL (WithBalanceTTL sets another). Every
// replica, and every webhook handler, must use the same Redis and prefix.
//
// Options: WithPrefix, WithBalanceTTL.
//
// Failure modes: NewBalanceFeed fails when rdb is nil or a *redis.Ring, or
// an option is invalid or is WithFallback. See the methods for the
// failures at run time.
func NewBalanceFeed(rdb redis.UniversalClient, opts ...Option) (*BalanceFeed, error) {
	c, err := newConfig("NewBalanceFeed", rdb, opts)
	if err != nil {
		return nil, err
	}
	if _, ring := rdb.(*redis.Ring); ring {
		return nil, errors.New("redisstore: NewBalanceFeed: a go-redis Ring does not carry pub/sub between its shards; use a single server, Sentinel or Cluster")
	}
	ttl := c.balanceTTL
	if ttl == 0 {
		ttl = DefaultBalanceTTL
	}
	return &BalanceFeed{rdb: rdb, prefix: c.prefix, ttl: ttl}, nil
}

// WithBalanceTTL sets how long a BalanceFeed keeps an account's latest
// balance in Redis after it last changed (DefaultBalanceTTL, an hour, by
// default): at least the longest maxAge the service gives FreshBalance,
// and no longer than it needs the balances to sit in Redis.
//
// Failure modes: the constructor fails when ttl is under a second, and
// when the option is given to any constructor but NewBalanceFeed.
func WithBalanceTTL(ttl time.Duration) Option {
	return func(c *config) error {
		if ttl < time.Second {
			return fmt.Errorf("WithBalanceTTL: %v: need at least 1s", ttl)
		}
		c.balanceTTL = ttl
		return nil
	}
}

// Name returns the prefix of the feed's keys and channels: replicas that
// log the same name (on the same Redis) share their pushed balances.
func (f *BalanceFeed) Name() string { return f.prefix }

// wireBalance is a balance as the feed stores and publishes it.
type wireBalance struct {
	ID        string           `json:"id"`
	AccountID string           `json:"accountId"`
	At        time.Time        `json:"at"`
	Source    string           `json:"source"`
	Available *decimal.Decimal `json:"available"`
	Current   *decimal.Decimal `json:"current"`
	Limit     *decimal.Decimal `json:"limit"`
}

func encodeBalance(b *quiltt.Balance) ([]byte, error) {
	return json.Marshal(wireBalance{ID: b.ID, AccountID: b.AccountID, At: b.At, Source: string(b.Source),
		Available: b.Available, Current: b.Current, Limit: b.Limit})
}

func decodeBalance(s string) (*quiltt.Balance, error) {
	var w wireBalance
	if err := json.Unmarshal([]byte(s), &w); err != nil {
		return nil, err
	}
	if w.ID == "" || w.AccountID == "" {
		return nil, errors.New("stored balance has no id or accountId")
	}
	return &quiltt.Balance{ID: w.ID, AccountID: w.AccountID, At: w.At, Source: quiltt.BalanceSource(w.Source),
		Available: w.Available, Current: w.Current, Limit: w.Limit}, nil
}

// Publish keeps b as its account's latest balance, for the feed's TTL,
// unless Redis holds one dated at or after b.At; when it keeps it, it
// publishes it to every subscription of the account, on any replica. One
// script does both, atomically.
//
// Failure modes: an error, without a request, for a nil balance or one
// without an ID or AccountID; a *Error when Redis cannot answer (nothing
// may have been kept), or ctx's error when ctx ends first.
func (f *BalanceFeed) Publish(ctx context.Context, b *quiltt.Balance) error {
	if b == nil || b.ID == "" || b.AccountID == "" {
		return errors.New("redisstore: feed publish: a balance with an ID and an AccountID is needed")
	}
	k, ch := balanceKey(f.prefix, b.AccountID), balanceChannel(f.prefix, b.AccountID)
	body, err := encodeBalance(b)
	if err != nil {
		return storeErr("feed publish", k, err)
	}
	if err := feedPublishScript.Run(ctx, f.rdb, []string{k}, b.At.UnixMicro(), body, f.ttl.Milliseconds(), ch).Err(); err != nil {
		return fail(ctx, "feed publish", k, err)
	}
	return nil
}

// Latest returns the account's latest balance the feed holds, or nil when
// it holds none (none was published, or its TTL ran out).
//
// Failure modes: a *Error when Redis cannot answer or holds something
// that does not decode; ctx's error when ctx ends first.
func (f *BalanceFeed) Latest(ctx context.Context, accountID string) (*quiltt.Balance, error) {
	if accountID == "" {
		return nil, fmt.Errorf("%w: account ID", errEmptyKey)
	}
	k := balanceKey(f.prefix, accountID)
	s, err := f.rdb.HGet(ctx, k, balanceField).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, nil
	case err != nil:
		return nil, fail(ctx, "feed latest", k, err)
	}
	b, err := decodeBalance(s)
	if err != nil {
		return nil, storeErr("feed latest", k, err)
	}
	return b, nil
}

// Subscribe watches the account's channel and returns once Redis has
// confirmed the subscription: every balance published for the account
// afterwards, by any replica, is sent on balances (a receiver that lags
// keeps the newest). stop closes the subscription and balances, and
// waits for the goroutine that forwards them; call it once done. While
// Redis is unreachable go-redis reconnects and resubscribes; balances
// published meanwhile are missed (the callers poll).
//
// Failure modes: an empty account ID; a *Error when Redis cannot confirm
// the subscription within 5 s; ctx's error when ctx ends first.
func (f *BalanceFeed) Subscribe(ctx context.Context, accountID string) (<-chan *quiltt.Balance, func(), error) {
	if accountID == "" {
		return nil, nil, fmt.Errorf("%w: account ID", errEmptyKey)
	}
	ch := balanceChannel(f.prefix, accountID)
	ps := f.rdb.Subscribe(ctx, ch) // an error here shows in the first Receive
	if err := awaitSubscription(ctx, ps); err != nil {
		_ = ps.Close()
		return nil, nil, fail(ctx, "feed subscribe", ch, err)
	}
	msgs := ps.Channel()
	out := make(chan *quiltt.Balance, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		for m := range msgs {
			b, err := decodeBalance(m.Payload)
			if err != nil || b.AccountID != accountID {
				continue // not a balance this feed published: ignored
			}
			sendNewest(out, b)
		}
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = ps.Close() // closes msgs: the goroutine ends
			<-done
		})
	}
	return out, stop, nil
}

// sendNewest puts b in out, a buffer of one that only this goroutine
// sends on, replacing a balance the receiver has not taken.
func sendNewest(out chan *quiltt.Balance, b *quiltt.Balance) {
	select {
	case out <- b:
		return
	default:
	}
	select {
	case <-out:
	default:
	}
	select {
	case out <- b:
	default:
	}
}
