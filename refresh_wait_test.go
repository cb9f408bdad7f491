package quiltt_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
)

// balanceServer is a fake Quiltt with one account: the refresh endpoint
// and the AccountBalance query. Before a refresh, and for the first
// changeAfter polls after it, the account's balance is old; then it is
// fresh. A nil balance answers null.
type balanceServer struct {
	old, fresh  func() string // JSON of the balance
	changeAfter int32         // polls after the refresh that still see old; <0: never changes
	gqlStatus   int           // when set, every GraphQL read after the refresh answers it

	triggers atomic.Int32
	reads    atomic.Int32 // GraphQL reads, before and after the refresh
	polls    atomic.Int32 // GraphQL reads after the refresh
}

// routes serves the refresh of acct_1 and the GraphQL endpoint on mux.
func (s *balanceServer) routes(t *testing.T, mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/accounts/acct_1/balances/refresh", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testAPIKey {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		s.triggers.Add(1)
		w.WriteHeader(http.StatusAccepted)
	})
	handleGraphQL(t, mux, func(w http.ResponseWriter, r *gqlRequest, _ int) {
		if r.OpName != "AccountBalance" || r.Header.Get("Authorization") == "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.reads.Add(1)
		balance := s.old
		if s.triggers.Load() > 0 {
			n := s.polls.Add(1)
			if s.gqlStatus != 0 {
				w.WriteHeader(s.gqlStatus)
				return
			}
			if s.changeAfter >= 0 && n > s.changeAfter {
				balance = s.fresh
			}
		}
		account := "null"
		if r.Variables["id"] == "acct_1" {
			account = fmt.Sprintf(`{"id":"acct_1","balance":%s}`, balance())
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"data":{"account":%s}}`, account)
	})
}

func balanceJSON(id, source string, at time.Time, current string) func() string {
	return func() string {
		return fmt.Sprintf(`{"id":%q,"at":%q,"source":%q,"available":null,"current":%s,"limit":null}`,
			id, at.UTC().Format(time.RFC3339), source, current)
	}
}

func nullBalance() string { return "null" }

var fastPolls = &quiltt.RefreshWaitOptions{MinInterval: time.Millisecond, MaxInterval: 4 * time.Millisecond}

func TestRefreshAndWait(t *testing.T) {
	t.Parallel()
	past := time.Date(2024, 6, 9, 7, 40, 20, 0, time.UTC)
	for name, tc := range map[string]struct {
		old, fresh func() string
		wantID     string
	}{
		"a REFRESH balance replaces an older REFRESH one": {
			old:    balanceJSON("bal_old", "REFRESH", past, "3141.59"),
			fresh:  balanceJSON("bal_new", "REFRESH", past.Add(time.Minute), "110.00"),
			wantID: "bal_new",
		},
		"a balance dated after the refresh, without source": {
			old:    nullBalance,
			fresh:  balanceJSON("bal_new", "", time.Now().Add(time.Hour), "110.00"),
			wantID: "bal_new",
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := &balanceServer{old: tc.old, fresh: tc.fresh, changeAfter: 3}
			c, mux, _ := setup(t)
			s.routes(t, mux)

			b, err := c.RefreshAndWait(t.Context(), "acct_1", fastPolls)

			require.NoError(t, err)
			require.NotNil(t, b)
			assert.Equal(t, tc.wantID, b.ID)
			assert.Equal(t, "acct_1", b.AccountID)
			assert.Equal(t, "110", b.Current.String())
			assert.Nil(t, b.Available)
			assert.EqualValues(t, 1, s.triggers.Load(), "one refresh")
			assert.EqualValues(t, 4, s.polls.Load(), "three polls saw the old balance, the fourth the new one")
			assert.EqualValues(t, 5, s.reads.Load(), "one read before the refresh")
		})
	}
}

func TestRefreshAndWaitNeverChanges(t *testing.T) {
	t.Parallel()
	s := &balanceServer{old: balanceJSON("bal_old", "REFRESH", time.Date(2024, 6, 9, 0, 0, 0, 0, time.UTC), "1.5"), changeAfter: -1}
	c, mux, _ := setup(t)
	s.routes(t, mux)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()

	b, err := c.RefreshAndWait(ctx, "acct_1", fastPolls)

	assert.Nil(t, b)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	var we *quiltt.RefreshWaitError
	require.ErrorAs(t, err, &we)
	require.NotNil(t, we.Last, "the last balance seen")
	assert.Equal(t, "bal_old", we.Last.ID)
	assert.Equal(t, "acct_1", we.AccountID)
	assert.Positive(t, we.Polls)
	assert.EqualValues(t, 1, s.triggers.Load(), "one refresh, however long the wait")
	assert.NotContains(t, err.Error(), testAPIKey)
}

func TestRefreshAndWaitStopsWaitingWhenCancelled(t *testing.T) {
	t.Parallel()
	s := &balanceServer{old: nullBalance, changeAfter: -1}
	c, mux, _ := setup(t)
	s.routes(t, mux)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()

	start := time.Now()
	_, err := c.RefreshAndWait(ctx, "acct_1", &quiltt.RefreshWaitOptions{MinInterval: time.Hour})

	assert.Less(t, time.Since(start), 5*time.Second)
	var we *quiltt.RefreshWaitError
	require.ErrorAs(t, err, &we)
	assert.Nil(t, we.Last, "the account had no balance")
	assert.Zero(t, we.Polls)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestRefreshAndWaitPollFails(t *testing.T) {
	t.Parallel()
	s := &balanceServer{old: nullBalance, changeAfter: -1, gqlStatus: http.StatusForbidden}
	c, mux, _ := setup(t)
	s.routes(t, mux)

	_, err := c.RefreshAndWait(t.Context(), "acct_1", fastPolls)

	var we *quiltt.RefreshWaitError
	require.ErrorAs(t, err, &we)
	assert.ErrorIs(t, err, quiltt.ErrForbidden)
	assert.Equal(t, 1, we.Polls)
	assert.EqualValues(t, 1, s.triggers.Load())
}

func TestRefreshAndWaitNothingBilledOnEarlyFailure(t *testing.T) {
	t.Parallel()
	s := &balanceServer{old: nullBalance, changeAfter: -1}
	_, mux, srv := setup(t)
	s.routes(t, mux)
	withKey := newClient(t, srv.baseURL())
	tokenOnly, err := quiltt.NewClient(quiltt.WithSessionToken("session.jwt.token"), quiltt.WithBaseURL(srv.baseURL()))
	require.NoError(t, err)
	t.Cleanup(tokenOnly.CloseIdleConnections)

	for name, tc := range map[string]struct {
		c    *quiltt.Client
		id   string
		opts *quiltt.RefreshWaitOptions
		is   error
	}{
		"API key, no profile": {c: withKey, id: "acct_1", is: quiltt.ErrMissingCredentials},
		"session token only":  {c: tokenOnly, id: "acct_1", is: quiltt.ErrMissingCredentials},
		"invalid ID":          {c: withKey.ForProfile("p_1"), id: "a/b", is: quiltt.ErrInvalidAccountID},
		"unknown account":     {c: withKey.ForProfile("p_1"), id: "acct_2", is: quiltt.ErrNotFound},
		"negative interval":   {c: withKey.ForProfile("p_1"), id: "acct_1", opts: &quiltt.RefreshWaitOptions{MinInterval: -1}},
		"max below min":       {c: withKey.ForProfile("p_1"), id: "acct_1", opts: &quiltt.RefreshWaitOptions{MinInterval: time.Second, MaxInterval: time.Millisecond}},
	} {
		b, err := tc.c.RefreshAndWait(t.Context(), tc.id, tc.opts)
		assert.Nil(t, b, name)
		require.Error(t, err, name)
		if tc.is != nil {
			assert.ErrorIs(t, err, tc.is, name)
		}
		var we *quiltt.RefreshWaitError
		assert.NotErrorAs(t, err, &we, name)
	}
	assert.Zero(t, s.triggers.Load(), "nothing billed")
}

// RefreshWaitError counts its polls in words: "after 1 poll", "after 3
// polls".
func TestRefreshWaitErrorSaysPolls(t *testing.T) {
	t.Parallel()
	for polls, want := range map[int]string{0: "after 0 polls:", 1: "after 1 poll:", 3: "after 3 polls:"} {
		err := &quiltt.RefreshWaitError{AccountID: "acct_1", Polls: polls, Err: context.DeadlineExceeded}
		assert.Contains(t, err.Error(), want)
	}

	s := &balanceServer{old: nullBalance, changeAfter: -1, gqlStatus: http.StatusForbidden}
	c, mux, _ := setup(t)
	s.routes(t, mux)
	_, err := c.RefreshAndWait(t.Context(), "acct_1", fastPolls)
	var we *quiltt.RefreshWaitError
	require.ErrorAs(t, err, &we)
	require.Equal(t, 1, we.Polls)
	assert.Contains(t, err.Error(), "no new balance after 1 poll: ")
}
