package quiltt

import (
	"context"
	"fmt"
	"sync"
)

// DefaultRefreshConcurrency is how many refreshes RefreshBalances keeps in
// flight by default. The client's rate limiter, not this bound, sets the
// pace: it only needs to cover the limiter's rate times Quiltt's latency.
const DefaultRefreshConcurrency = 8

// maxRefreshConcurrency bounds RefreshBalancesOptions.Concurrency.
const maxRefreshConcurrency = 1000

// RefreshBalancesOptions tunes RefreshBalances. A nil *RefreshBalancesOptions,
// or a zero field, takes the default.
type RefreshBalancesOptions struct {
	// Concurrency bounds the refreshes in flight, 1 to 1000;
	// DefaultRefreshConcurrency when zero.
	Concurrency int
}

// RefreshResult is the outcome of one account's refresh in RefreshBalances.
type RefreshResult struct {
	AccountID string
	// Err is nil when Quiltt accepted the refresh, else what RefreshBalance
	// would have returned; for a refresh never sent because the context
	// ended first, an error wrapping the context's error. Check
	// errors.Is(Err, ErrOutcomeUnknown) before refreshing that account again.
	Err error
}

// RefreshBalancesError summarises the failures of RefreshBalances. Its
// Unwrap returns every failed result's error, so errors.Is(err,
// ErrOutcomeUnknown) holds when at least one refresh may have been billed
// though it failed, and errors.Is(err, context.DeadlineExceeded) when at
// least one failed for the deadline.
type RefreshBalancesError struct {
	Total      int // accounts, after removing duplicates
	Failed     int // results with a non-nil Err, NotStarted included
	NotStarted int // refreshes never sent because the context ended
	errs       []error
}

// Error implements the error interface.
func (e *RefreshBalancesError) Error() string {
	return fmt.Sprintf("quiltt: RefreshBalances: %d of %d refreshes failed (%d not started); see the results",
		e.Failed, e.Total, e.NotStarted)
}

// Unwrap returns the errors of the failed results.
func (e *RefreshBalancesError) Unwrap() []error { return e.errs }

// RefreshBalances refreshes the balance of each account as RefreshBalance
// does, with at most opts.Concurrency refreshes in flight. Every attempt
// waits on the client's rate limiter (WithRateLimit, or WithLimiter's), so a
// long list runs at the client's request budget rather than into 429s. Each
// distinct ID is refreshed at most once, whatever its count in accountIDs.
//
// It returns one result per distinct ID, in the order of first appearance,
// and a *RefreshBalancesError when any result failed (nil when all were
// accepted). It does not stop at a failure: every refresh is attempted and
// reported. When ctx ends it launches no more refreshes; those not launched
// get an error wrapping ctx's error, and those in flight end as their
// context makes them. It returns only once every refresh it launched has
// returned: no goroutine outlives the call.
//
// It fails without any request, with nil results, for invalid opts or a nil
// ctx (an error wrapping ErrNilContext), and with every result wrapping
// ErrMissingCredentials when the client has no API key.
func (c *Client) RefreshBalances(ctx context.Context, accountIDs []string, opts *RefreshBalancesOptions) (_ []RefreshResult, err error) {
	const op = "RefreshBalances"
	ctx, obs := c.observe(ctx, op)
	defer obs.finish(&err)
	if ctx == nil {
		return nil, errorf("%s: %w", op, ErrNilContext)
	}
	workers := DefaultRefreshConcurrency
	if opts != nil && opts.Concurrency != 0 {
		if opts.Concurrency < 0 || opts.Concurrency > maxRefreshConcurrency {
			return nil, errorf("%s: Concurrency %d is outside 1..%d", op, opts.Concurrency, maxRefreshConcurrency)
		}
		workers = opts.Concurrency
	}

	results := make([]RefreshResult, 0, len(accountIDs))
	seen := make(map[string]struct{}, len(accountIDs))
	for _, id := range accountIDs {
		if _, dup := seen[id]; !dup {
			seen[id] = struct{}{}
			results = append(results, RefreshResult{AccountID: id})
		}
	}

	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	notStarted := 0
	for i := range results {
		if err := acquire(ctx, sem); err != nil {
			for j := i; j < len(results); j++ {
				results[j].Err = errorf("%s %s: not sent: %w", op, results[j].AccountID, err)
			}
			notStarted = len(results) - i
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i].Err = c.refresh(ctx, op, results[i].AccountID)
		})
	}
	wg.Wait()

	summary := &RefreshBalancesError{Total: len(results), NotStarted: notStarted}
	for _, r := range results {
		if r.Err != nil {
			summary.Failed++
			summary.errs = append(summary.errs, r.Err)
		}
	}
	if summary.Failed == 0 {
		return results, nil
	}
	return results, summary
}

// acquire takes a slot of sem, or returns ctx's error once ctx has ended,
// even when a slot is free.
func acquire(ctx context.Context, sem chan struct{}) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case sem <- struct{}{}:
		if err := ctx.Err(); err != nil {
			<-sem
			return err
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
