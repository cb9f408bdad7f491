package quilttest

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/quiltt-go/quiltt"
)

// pendingRefresh is a refresh accepted with 202 and not yet completed.
type pendingRefresh struct {
	accountID string
}

// serveRefresh answers an authenticated refresh of accountID: 404 for an
// unknown account, 403 without an active connection, 400 for a kind the
// provider cannot refresh, else 202 and a pending refresh.
func (s *Server) serveRefresh(accountID string) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	ad := s.st.accounts[accountID]
	if ad == nil {
		return errorResponse(http.StatusNotFound, RouteRefresh)
	}
	if ad.conn == nil || !refreshable(ad.conn.Status) {
		return errorResponse(http.StatusForbidden, RouteRefresh)
	}
	kind := ad.a.Kind
	switch {
	case ad.a.Provider == quiltt.ProviderFinicity && kind != quiltt.AccountKindDepository,
		ad.a.Provider == quiltt.ProviderPlaid && kind == quiltt.AccountKindLoan:
		name := string(kind)
		if name == "" {
			name = "null"
		}
		return badKindResponse(name)
	}
	if s.closed {
		return errorResponse(http.StatusServiceUnavailable, RouteRefresh)
	}
	p := &pendingRefresh{accountID: accountID}
	s.pending = append(s.pending, p)
	if d := s.cfg.refreshDelay; d != ManualRefresh {
		s.wg.Add(1)
		go s.runRefresh(p, d)
	}
	return response{status: http.StatusAccepted}
}

// refreshable reports whether an account whose connection has status can
// be refreshed. Quiltt answers 403 when the connection is "disconnected or
// in an error state" (quiltt-api.md, "API versions"): DISCONNECTED,
// DISCONNECTING and the four ERROR_ statuses. Other statuses (SYNCED,
// SYNCING, INITIALIZING, UPGRADING, values the SDK has never seen) are
// accepted.
func refreshable(status quiltt.ConnectionStatus) bool {
	switch status {
	case quiltt.ConnectionStatusDisconnected, quiltt.ConnectionStatusDisconnecting,
		quiltt.ConnectionStatusErrorRepairable, quiltt.ConnectionStatusErrorService,
		quiltt.ConnectionStatusErrorProvider, quiltt.ConnectionStatusErrorInstitution:
		return false
	}
	return true
}

// runRefresh completes p after d, unless the server closes first.
func (s *Server) runRefresh(p *pendingRefresh, d time.Duration) {
	defer s.wg.Done()
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-s.ctx.Done():
			return
		}
	}
	s.complete(p)
}

// complete turns p into the account's new REFRESH balance and delivers
// its webhook. It reports false if p was already completed or the server
// closed.
func (s *Server) complete(p *pendingRefresh) (quiltt.Balance, bool) {
	s.mu.Lock()
	i := slices.Index(s.pending, p)
	ad := s.st.accounts[p.accountID]
	if i < 0 || s.closed || ad == nil {
		s.mu.Unlock()
		return quiltt.Balance{}, false
	}
	s.pending = slices.Delete(s.pending, i, i+1)
	now := s.cfg.now()
	next := quiltt.Balance{}
	switch {
	case ad.nextRefresh != nil:
		next = *ad.nextRefresh
		ad.nextRefresh = nil
	case ad.latest() != nil:
		next = copyBalance(*ad.latest())
	}
	b := s.st.appendBalance(ad, quiltt.Balance{
		At: now, Source: quiltt.BalanceSourceRefresh,
		Available: next.Available, Current: next.Current, Limit: next.Limit,
	}, now)
	profile := ad.profile.Profile
	s.mu.Unlock()

	s.publish(string(quiltt.EventBalanceCreated), balanceCreatedBody(profile, b, now))

	s.mu.Lock()
	defer s.mu.Unlock()
	s.completed++
	s.changedLocked()
	return copyBalance(b), true
}

// CompleteRefreshes completes every pending refresh now, in the calling
// goroutine: each account gets its new REFRESH balance, and each webhook
// delivery is made (and logged) before CompleteRefreshes returns. It
// returns the new balances, oldest refresh first; none after Close. It
// cannot fail: delivery failures are reported in Deliveries.
func (s *Server) CompleteRefreshes() []quiltt.Balance {
	s.mu.RLock()
	ps := slices.Clone(s.pending)
	s.mu.RUnlock()
	var out []quiltt.Balance
	for _, p := range ps {
		if b, ok := s.complete(p); ok {
			out = append(out, b)
		}
	}
	return out
}

// PendingRefreshes returns how many accepted refreshes have not completed.
// It cannot fail.
func (s *Server) PendingRefreshes() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.pending)
}

// CompletedRefreshes returns how many refreshes have completed, webhook
// delivery included. It cannot fail.
func (s *Server) CompletedRefreshes() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.completed
}

// ErrClosed is returned by waits that the server's Close interrupted.
var ErrClosed = errors.New("quilttest: server closed")

// WaitRefreshes blocks until at least n refreshes have completed since the
// server started, webhook deliveries included, so a test can wait for the
// background work without sleeping. It returns ctx's error (wrapped) when
// ctx ends first, and ErrClosed when the server closes first.
func (s *Server) WaitRefreshes(ctx context.Context, n int) error {
	return s.waitUntil(ctx, func() bool { return s.completed >= n }, "WaitRefreshes", n)
}
