package quiltt_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// A refresh Quiltt refuses (400: Plaid does not refresh loans; nothing
// billed). In one process every concurrent call gets the holder's error:
// one refresh for 50 calls. Across replicas, a waiting replica cannot learn
// the holder's error, so each replica tries once: 8 refreshes for 8
// replicas, never more, and every call gets a 400.
func TestFreshBalanceRefusedRefresh(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		replicas, calls int
		sharedLock      bool
		want            int
	}{
		"one client, 50 calls":                {replicas: 1, calls: 50, want: 1},
		"8 replicas sharing a lock, 48 calls": {replicas: 8, calls: 48, sharedLock: true, want: 8},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := freshServer(t)
			loan := addPlaidLoan(t, s)
			prog := newProgress()
			// The first refresh waits until every call has joined its
			// replica's flight and every other replica waits on the lock.
			var first atomic.Bool
			hold := func(r *http.Request) error {
				if !first.CompareAndSwap(false, true) {
					return nil
				}
				if err := prog.waitJoined(r.Context(), tc.calls-tc.replicas); err != nil {
					return err
				}
				return prog.waitWaiting(r.Context(), tc.replicas-1)
			}
			lock := new(quiltt.MemoryRefreshLock)
			replicas := make([]*quiltt.Client, tc.replicas)
			for i := range replicas {
				gate, hc := gatedClient(t)
				gate.before = hold
				opts := []quiltt.Option{quiltt.WithHTTPClient(hc), prog.option()}
				if tc.sharedLock {
					opts = append(opts, quiltt.WithRefreshLock(lock))
				}
				replicas[i] = freshClient(t, s, opts...)
			}

			results := fanOut(deadline(t), replicas, tc.calls, loan, 5*time.Minute)

			for i, r := range results {
				assert.Nil(t, r.b, i)
				var qe *quiltt.Error
				require.ErrorAs(t, r.err, &qe, i)
				assert.Equal(t, http.StatusBadRequest, qe.StatusCode, i)
				assert.Equal(t, "FreshBalance", qe.Op, i)
				assert.NotErrorIs(t, r.err, quiltt.ErrOutcomeUnknown, i)
			}
			assert.Equal(t, tc.want, refreshes(s))
			assert.Equal(t, tc.calls-tc.replicas, prog.joins(), "the gate held the first refresh")
		})
	}
}

// A refresh of unknown outcome (500) is returned as ErrOutcomeUnknown to
// every call that shared it, and the lock stays held (its ttl): no call
// refreshes again, and a later call waits for that refresh's balance.
func TestFreshBalanceOutcomeUnknownIsNotRefreshedAgain(t *testing.T) {
	t.Parallel()
	t.Run("50 calls share the unknown outcome", func(t *testing.T) {
		t.Parallel()
		s := freshServer(t)
		require.NoError(t, s.FailNext(quilttest.RouteRefresh, 1, quilttest.Status(http.StatusInternalServerError)))
		prog := newProgress()
		gate, hc := gatedClient(t)
		gate.before = func(r *http.Request) error { return prog.waitJoined(r.Context(), 49) }
		c := freshClient(t, s, quiltt.WithHTTPClient(hc), prog.option())

		results := fanOut(deadline(t), []*quiltt.Client{c}, 50, checking, 5*time.Minute)

		for i, r := range results {
			assert.Nil(t, r.b, i)
			assert.ErrorIs(t, r.err, quiltt.ErrOutcomeUnknown, i)
			assert.ErrorIs(t, r.err, quiltt.ErrServer, i)
		}
		assert.Equal(t, 1, refreshes(s))

		// Quiltt did not act on it: a later call waits (until its context
		// ends) rather than bill a second refresh within the lock's ttl.
		ctx, cancel := context.WithCancel(deadline(t))
		defer cancel()
		later := goFresh(ctx, c, checking, 5*time.Minute)
		require.NoError(t, prog.waitWaiting(deadline(t), 1))
		cancel()
		r := <-later
		assert.Nil(t, r.b)
		assert.ErrorIs(t, r.err, context.Canceled)
		assert.NotErrorIs(t, r.err, quiltt.ErrRefreshLock)
		assert.Equal(t, 1, refreshes(s), "no second refresh")
	})
	t.Run("Quiltt acted: the next call gets its balance", func(t *testing.T) {
		t.Parallel()
		s := freshServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh))
		require.NoError(t, s.FailNext(quilttest.RouteRefresh, 1, quilttest.Status(http.StatusBadGateway).ActingFirst()))
		prog := newProgress()
		c := freshClient(t, s, prog.option())

		_, err := c.FreshBalance(deadline(t), checking, 5*time.Minute)
		require.ErrorIs(t, err, quiltt.ErrOutcomeUnknown)
		require.Equal(t, 1, s.PendingRefreshes(), "Quiltt accepted it before the 502")

		nextCallGetsPendingRefresh(t, s, c, prog)
		assert.Equal(t, 1, refreshes(s), "the waiting call billed nothing")
	})
}

// nextCallGetsPendingRefresh makes a call while the refresh Quiltt accepted
// earlier is pending, completes that refresh once the call waits for it,
// and checks that the call returns its balance.
func nextCallGetsPendingRefresh(t *testing.T, s *quilttest.Server, c *quiltt.Client, prog *progress) {
	t.Helper()
	next := goFresh(deadline(t), c, checking, 5*time.Minute)
	require.NoError(t, prog.waitWaiting(deadline(t), 1))
	done := s.CompleteRefreshes()
	require.Len(t, done, 1)
	r := <-next
	require.NoError(t, r.err)
	assert.Equal(t, done[0].ID, r.b.ID)
}

// The context ends while waiting: for the holder, after its refresh was
// accepted (a *RefreshWaitError; the lock stays held, so the next call
// waits for that refresh's balance); for a call that joined the holder in
// this process; for a replica waiting on the lock. Nothing more is billed.
func TestFreshBalanceContextEndsWhileWaiting(t *testing.T) {
	t.Parallel()
	t.Run("the holder, after its refresh was accepted", func(t *testing.T) {
		t.Parallel()
		s := freshServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh))
		ctx, cancel := context.WithCancel(deadline(t))
		defer cancel()
		gate, hc := gatedClient(t)
		gate.after = func(resp *http.Response) {
			if resp.StatusCode == http.StatusAccepted {
				cancel()
			}
		}
		prog := newProgress()
		c := freshClient(t, s, quiltt.WithHTTPClient(hc), prog.option())

		b, err := c.FreshBalance(ctx, checking, 5*time.Minute)

		assert.Nil(t, b)
		assert.ErrorIs(t, err, context.Canceled)
		var we *quiltt.RefreshWaitError
		require.ErrorAs(t, err, &we)
		assert.Equal(t, "FreshBalance", we.Op)
		assert.Equal(t, checking, we.AccountID)
		require.NotNil(t, we.Last)
		assert.Equal(t, quiltt.BalanceSourceSync, we.Last.Source, "the stale balance")
		assert.Contains(t, err.Error(), "quiltt: FreshBalance: refresh of")

		gate.after = nil
		nextCallGetsPendingRefresh(t, s, c, prog)
		assert.Equal(t, 1, refreshes(s))
	})
	t.Run("a call that joined, and a replica waiting on the lock", func(t *testing.T) {
		t.Parallel()
		s := freshServer(t)
		prog := newProgress()
		sending := make(chan struct{}) // closed when the holder's refresh reaches the gate
		var once sync.Once
		open := make(chan struct{})
		gate, hc := gatedClient(t)
		gate.before = func(r *http.Request) error {
			once.Do(func() { close(sending) })
			select {
			case <-open:
				return nil
			case <-r.Context().Done():
				return r.Context().Err()
			}
		}
		lock := new(quiltt.MemoryRefreshLock)
		holder := freshClient(t, s, quiltt.WithHTTPClient(hc), prog.option(), quiltt.WithRefreshLock(lock))
		replica := freshClient(t, s, prog.option(), quiltt.WithRefreshLock(lock))

		held := goFresh(deadline(t), holder, checking, 5*time.Minute)
		select { // the holder took the lock and sends its refresh
		case <-sending:
		case <-deadline(t).Done():
			t.Fatal("the holder's refresh never reached the gate")
		}

		for name, c := range map[string]*quiltt.Client{"joined": holder, "lock waiter": replica} {
			ctx, cancel := context.WithCancel(deadline(t))
			gave := goFresh(ctx, c, checking, 5*time.Minute)
			reached := prog.waitJoined
			if c == replica {
				reached = prog.waitWaiting
			}
			require.NoError(t, reached(deadline(t), 1), name)
			cancel()
			r := <-gave
			assert.Nil(t, r.b, name)
			assert.ErrorIs(t, r.err, context.Canceled, name)
			assert.NotErrorIs(t, r.err, quiltt.ErrRefreshLock, name)
		}

		close(open)
		r := <-held
		require.NoError(t, r.err)
		assert.Equal(t, quiltt.BalanceSourceRefresh, r.b.Source)
		assert.Equal(t, 1, refreshes(s))
	})
}

// Every failure before the refresh bills nothing; those found without a
// request send nothing at all.
func TestFreshBalanceNothingBilledOnEarlyFailure(t *testing.T) {
	t.Parallel()
	s := freshServer(t)
	withKey, err := quiltt.NewClient(quiltt.WithAPIKey(s.APIKey()), quiltt.WithBaseURL(s.URL()))
	require.NoError(t, err)
	t.Cleanup(withKey.CloseIdleConnections)
	tokenOnly, err := quiltt.NewClient(quiltt.WithSessionToken(s.SessionToken()), quiltt.WithBaseURL(s.URL()))
	require.NoError(t, err)
	t.Cleanup(tokenOnly.CloseIdleConnections)
	profile := freshClient(t, s)

	for name, tc := range map[string]struct {
		c      *quiltt.Client
		id     string
		maxAge time.Duration
		is     error
		sent   int // requests sent
	}{
		"API key, no profile": {c: withKey, id: checking, is: quiltt.ErrMissingCredentials},
		"session token only":  {c: tokenOnly, id: checking, is: quiltt.ErrMissingCredentials},
		"invalid account ID":  {c: profile, id: "acct/../x", is: quiltt.ErrInvalidAccountID},
		"negative maxAge":     {c: profile, id: checking, maxAge: -time.Second},
		"unknown account":     {c: profile, id: "acct_unknown", is: quiltt.ErrNotFound, sent: 1},
		"unknown profile":     {c: withKey.ForProfile("p_nobody"), id: checking, is: quiltt.ErrUnauthorized, sent: 1},
	} {
		s.ResetRequests()
		b, err := tc.c.FreshBalance(deadline(t), tc.id, tc.maxAge)
		assert.Nil(t, b, name)
		require.Error(t, err, name)
		if tc.is != nil {
			assert.ErrorIs(t, err, tc.is, name)
		}
		assert.Len(t, s.Requests(), tc.sent, name)
		assert.Zero(t, refreshes(s), name)
		assert.NotContains(t, err.Error(), s.APIKey(), name)
	}
}

// A failing lock store fails the call, wrapped in ErrRefreshLock, before
// anything is billed; a failed release is logged and the balance returned.
func TestFreshBalanceLockStoreFails(t *testing.T) {
	t.Parallel()
	storeErr := errors.New("dial tcp 127.0.0.1:6379: connection refused")
	for name, tc := range map[string]struct {
		lock      *failingLock
		refreshes int
		fails     bool
	}{
		"Acquire fails":           {lock: &failingLock{acquireErr: storeErr}, fails: true},
		"Wait fails":              {lock: &failingLock{held: true, waitErr: storeErr}, fails: true},
		"release fails after all": {lock: &failingLock{releaseErr: storeErr}, refreshes: 1},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := freshServer(t)
			var logs logBuffer
			c := freshClient(t, s, quiltt.WithRefreshLock(tc.lock), quiltt.WithLogger(logs.logger()))

			b, err := c.FreshBalance(deadline(t), checking, 5*time.Minute)

			assert.Equal(t, tc.refreshes, refreshes(s))
			if tc.fails {
				assert.Nil(t, b)
				assert.ErrorIs(t, err, quiltt.ErrRefreshLock)
				assert.ErrorIs(t, err, storeErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, quiltt.BalanceSourceRefresh, b.Source)
			assert.Contains(t, logs.String(), "releasing the refresh lock failed")
		})
	}
}
