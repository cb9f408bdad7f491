package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/internal/nilness"
	"github.com/redis/go-redis/v9"
)

// Option configures NewLimiter, NewClaimStore, NewRefreshLock or
// NewBalanceFeed. The constructor fails with an error, naming the option,
// when an option's value is invalid or the option does not apply to it.
type Option func(*config) error

type config struct {
	prefix     string
	fallback   quiltt.Limiter
	balanceTTL time.Duration // WithBalanceTTL's; 0 for the default
}

// WithPrefix sets the prefix of every Redis key and channel the value uses
// (default "quiltt"; see the package doc for the key shapes). Give each
// environment sharing one Redis its own prefix, and give every replica of
// one service the same.
//
// Failure modes: the constructor fails when prefix is empty, longer than
// 100 bytes, or holds anything but printable ASCII without spaces and
// braces.
func WithPrefix(prefix string) Option {
	return func(c *config) error {
		if err := checkName("prefix", prefix); err != nil {
			return fmt.Errorf("WithPrefix: %w", err)
		}
		c.prefix = prefix
		return nil
	}
}

// WithFallback makes a Limiter wait on l, an in-process limiter, whenever
// Redis cannot answer, instead of failing the call. Size it at the
// limiter's rate divided by the fleet's number of replicas (for 24
// requests/s and 4 replicas, rate.NewLimiter(6, 1)): while Redis is down
// each replica then paces itself, and the fleet stays within the budget as
// long as it has no more replicas than that.
//
// Failure modes: the constructor fails when l is nil or holds a nil
// pointer (such as a nil *rate.Limiter), and when the option is given to
// NewClaimStore, NewRefreshLock or NewBalanceFeed (a claim, a lock or a
// feed has no safe local stand-in: they fail instead, see the package
// doc).
func WithFallback(l quiltt.Limiter) Option {
	return func(c *config) error {
		if nilness.Nil(l) {
			return errors.New("WithFallback: nil limiter")
		}
		c.fallback = l
		return nil
	}
}

// newConfig applies opts over the defaults, after checking the client;
// what names the constructor for error messages.
func newConfig(what string, rdb redis.UniversalClient, opts []Option) (*config, error) {
	if rdb == nil {
		return nil, fmt.Errorf("redisstore: %s: nil Redis client", what)
	}
	c := &config{prefix: DefaultPrefix}
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("redisstore: %s: nil option", what)
		}
		if err := o(c); err != nil {
			return nil, fmt.Errorf("redisstore: %s: %w", what, err)
		}
	}
	if c.fallback != nil && what != "NewLimiter" {
		return nil, fmt.Errorf("redisstore: %s: WithFallback applies to NewLimiter only", what)
	}
	if c.balanceTTL != 0 && what != "NewBalanceFeed" {
		return nil, fmt.Errorf("redisstore: %s: WithBalanceTTL applies to NewBalanceFeed only", what)
	}
	return c, nil
}

// Error is the error every method returns when Redis did not answer as
// expected: it could not be reached, it answered with an error (a READONLY
// replica, a key of the wrong type, …), or the answer had an unexpected
// shape. Err is the cause, as go-redis reported it; errors.Is and errors.As
// see through to it. The message holds the operation and the key, never a
// credential.
type Error struct {
	Op  string // "limiter wait", "claim", "claim done", "claim release", "lock acquire", "lock release", "lock wait", "feed publish", "feed latest", "feed subscribe"
	Key string // the Redis key involved
	Err error
}

// Error describes the failure: "redisstore: claim quiltt:claim:evt_1: …".
func (e *Error) Error() string {
	return fmt.Sprintf("redisstore: %s %s: %v", e.Op, e.Key, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// fail is the error of a failed Redis call: the context's error when ctx
// ended, else a *Error.
func fail(ctx context.Context, op, key string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return storeErr(op, key, err)
}

// storeErr wraps a Redis failure as *Error.
func storeErr(op, key string, err error) error {
	return &Error{Op: op, Key: key, Err: err}
}
