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

	// Progress, when set, is called with each result as it lands, for a
	// long list to show how far it has come. Its order guarantees:
	//   - it is called once per distinct account, Total times in all,
	//     with Done counting 1, 2, … Total;
	//   - calls never overlap: each returns before the next begins, so
	//     Progress needs no lock of its own;
	//   - results come in the order they land, not the order of
	//     accountIDs (Index says where each stands in the returned
	//     slice); the refreshes never sent because ctx ended come last;
	//   - every call has returned before RefreshBalances returns.
	// It runs on the goroutine of the refresh that landed, which holds
	// its concurrency slot meanwhile: keep it short (hand the result to
	// a channel or a log), or it slows the refreshes behind it.
	Progress func(RefreshProgress)
}

// RefreshProgress is one landed result of RefreshBalances, as
// RefreshBalancesOptions.Progress sees it.
type RefreshProgress struct {
	Result RefreshResult
	Index  int // the result's index in the slice RefreshBalances returns
	Done   int // results landed so far, this one included: 1 to Total
	Total  int // distinct accounts
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
	var progress func(RefreshProgress)
	if opts != nil {
		progress = opts.Progress
	}
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

	landed := progressReporter{fn: progress, total: len(results)}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	notStarted := 0
	for i := range results {
		if err := acquire(ctx, sem); err != nil {
			notStarted = len(results) - i
			wg.Wait() // those in flight land first
			for j := i; j < len(results); j++ {
				results[j].Err = errorf("%s %s: not sent: %w", op, results[j].AccountID, err)
				landed.report(j, results[j])
			}
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			err := c.refresh(ctx, op, results[i].AccountID)
			results[i].Err = err
			landed.report(i, RefreshResult{AccountID: results[i].AccountID, Err: err})
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

// progressReporter calls RefreshBalancesOptions.Progress one result at a
// time, counting them; a nil fn reports nothing.
type progressReporter struct {
	fn    func(RefreshProgress)
	total int
	mu    sync.Mutex
	done  int
}

func (p *progressReporter) report(index int, r RefreshResult) {
	if p.fn == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	p.fn(RefreshProgress{Result: r, Index: index, Done: p.done, Total: p.total})
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
