package quiltt

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Defaults of RefreshWaitOptions: the first poll comes a second after the
// refresh was accepted, each next one twice as late, at most every ten
// seconds.
const (
	DefaultPollMinInterval = time.Second
	DefaultPollMaxInterval = 10 * time.Second
)

// RefreshWaitOptions tunes RefreshAndWait. A nil *RefreshWaitOptions, or a
// zero field, takes the default.
type RefreshWaitOptions struct {
	// MinInterval is the wait between the accepted refresh and the first
	// poll; each next wait doubles, up to MaxInterval.
	// DefaultPollMinInterval when zero.
	MinInterval time.Duration
	// MaxInterval caps the wait between polls. DefaultPollMaxInterval when
	// zero (raised to MinInterval if that is larger).
	MaxInterval time.Duration
}

// intervals validates o and fills in the defaults.
func (o *RefreshWaitOptions) intervals() (lo, hi time.Duration, err error) {
	lo, hi = DefaultPollMinInterval, DefaultPollMaxInterval
	if o == nil {
		return lo, hi, nil
	}
	if o.MinInterval < 0 || o.MaxInterval < 0 {
		return 0, 0, errors.New("RefreshWaitOptions: negative interval")
	}
	if o.MinInterval > 0 {
		lo = o.MinInterval
	}
	switch {
	case o.MaxInterval > 0 && o.MaxInterval < lo:
		return 0, 0, fmt.Errorf("RefreshWaitOptions: MaxInterval %v is below MinInterval %v", o.MaxInterval, lo)
	case o.MaxInterval > 0:
		hi = o.MaxInterval
	default:
		hi = max(hi, lo)
	}
	return lo, hi, nil
}

// RefreshWaitError is returned by RefreshAndWait (and FreshBalance) when
// Quiltt accepted the refresh but no new balance could be read: the
// context ended first (Err is context.DeadlineExceeded or
// context.Canceled, or a *TransportError whose cause is one), or a poll
// failed (Err is that poll's error). The refresh was sent and may well be
// billed: do not simply trigger another one.
//
// errors.Is and errors.As see through it to Err, so
// errors.Is(err, context.DeadlineExceeded) holds when the deadline passed.
type RefreshWaitError struct {
	// Op is the SDK operation that waited: "RefreshAndWait" when empty,
	// or "FreshBalance".
	Op        string
	AccountID string
	// Last is the latest balance read, before the refresh or while
	// polling; nil when the account had none.
	Last *Balance
	// Polls is how many times the balance was read after the refresh.
	Polls int
	// Err is why the wait ended.
	Err error
}

// Error implements the error interface.
func (e *RefreshWaitError) Error() string {
	op := e.Op
	if op == "" {
		op = "RefreshAndWait"
	}
	polls := "polls"
	if e.Polls == 1 {
		polls = "poll"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "quiltt: %s: refresh of %s accepted, but no new balance after %d %s: %s", op, e.AccountID, e.Polls, polls, bareText(e.Err))
	if e.Last != nil {
		fmt.Fprintf(&b, " (last balance %s at %s)", e.Last.ID, e.Last.At.Format(time.RFC3339))
	}
	return b.String()
}

// Unwrap returns Err.
func (e *RefreshWaitError) Unwrap() error { return e.Err }

// RefreshAndWait triggers a balance refresh of the account (as
// RefreshBalance does) and polls the account's balance over GraphQL until a
// balance newer than the refresh appears, then returns it. A balance counts
// as newer when it is not the one read just before the refresh and its
// Source is BalanceSourceRefresh or its At is after the refresh was sent
// (Quiltt's clock against the local one).
//
// It needs both the API key (for the REST refresh) and GraphQL credentials:
// call it on a client derived with ForProfile (or built with both an API key
// and a session token). The first poll waits opts.MinInterval, each next
// wait doubles up to opts.MaxInterval; the waits end the moment ctx ends.
// ctx bounds the whole call: give it a deadline. With a BalanceFeed
// (WithBalanceFeed) it subscribes to the account before the refresh and
// returns the delivered balance as soon as it is published, without a
// poll; the polls stay the fallback.
//
// Failure modes, before anything is billed: an error wrapping
// ErrMissingCredentials (no API key, or no GraphQL credentials) or
// ErrInvalidAccountID, or one for invalid opts, without a request; the error
// of the first balance read (for example ErrNotFound for an unknown
// account), without a refresh. Then the errors of RefreshBalance, returned
// as they are (check ErrOutcomeUnknown). Once the refresh was accepted,
// every failure is a *RefreshWaitError carrying the last balance seen; when
// the context's deadline passes first, errors.Is(err,
// context.DeadlineExceeded) holds for it.
func (c *Client) RefreshAndWait(ctx context.Context, accountID string, opts *RefreshWaitOptions) (_ *Balance, err error) {
	const op = "RefreshAndWait"
	ctx, obs := c.observe(ctx, op)
	defer obs.finish(&err)
	lo, hi, err := opts.intervals()
	if err != nil {
		return nil, errorf("%s: %w", op, err)
	}
	if err := errors.Join(c.restReady(op), c.graphQLReady(op)); err != nil {
		return nil, err
	}
	if err := checkAccountID(accountID); err != nil {
		return nil, errorf("%s: %w", op, err)
	}
	before, err := c.latestBalance(ctx, op, accountID)
	if err != nil {
		return nil, err
	}
	w := c.watchFeed(ctx, op, accountID) // before the trigger: its delivery may come at once
	defer w.close()
	sent := time.Now()
	if err := c.refresh(ctx, op, accountID); err != nil {
		return nil, err
	}
	return c.pollNewBalance(ctx, op, accountID, before, sent, lo, hi, w)
}

// pollNewBalance polls the account's balance after a refresh sent at sent
// was accepted, first after lo, each next wait doubling up to hi, until a
// balance newer than before appears (see isNewBalance), or w delivers one
// (no read). Every failure is a *RefreshWaitError carrying the last balance
// seen.
func (c *Client) pollNewBalance(ctx context.Context, op, accountID string, before *Balance, sent time.Time, lo, hi time.Duration, w *feedWatch) (*Balance, error) {
	last, wait := before, lo
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for polls := 0; ; {
		select {
		case <-ctx.Done():
			return nil, &RefreshWaitError{Op: op, AccountID: accountID, Last: last, Polls: polls, Err: ctx.Err()}
		case b, ok := <-w.c:
			if fb := w.take(b, ok, func(b *Balance) bool { return answersRefresh(b, before, sent) }); fb != nil {
				return fb, nil
			}
			continue
		case <-timer.C:
		}
		b, err := c.latestBalance(ctx, op, accountID)
		polls++
		if err != nil {
			return nil, &RefreshWaitError{Op: op, AccountID: accountID, Last: last, Polls: polls, Err: err}
		}
		if b != nil {
			last = b
		}
		if isNewBalance(b, before, sent) {
			return b, nil
		}
		wait = nextPoll(wait, hi)
		timer.Reset(wait)
	}
}

// isNewBalance reports whether b answers a refresh sent at sent, when before
// was the balance just before it.
func isNewBalance(b, before *Balance, sent time.Time) bool {
	return isOtherBalance(b, before) && (b.Source == BalanceSourceRefresh || b.At.After(sent))
}

// isOtherBalance reports whether b is a balance other than seen: a newer
// one, since an account's balances only ever get added.
func isOtherBalance(b, seen *Balance) bool {
	return b != nil && (seen == nil || b.ID != seen.ID)
}

// nextPoll doubles the wait between polls, up to hi.
func nextPoll(wait, hi time.Duration) time.Duration {
	if wait >= hi/2 {
		return hi
	}
	return wait * 2
}
