package quilttest_test

import (
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// addUnrefreshable adds the accounts the fake refuses to refresh: one of a
// loan at Plaid (400) and one without a connection (403).
func addUnrefreshable(t *testing.T, s *quilttest.Server) (plaidLoan, orphan string) {
	t.Helper()
	plaidLoan, orphan = "acct_plaid_loan", "acct_orphan"
	require.NoError(t, s.AddAccount(s.ProfileID(), quiltt.Account{ID: plaidLoan, Name: "Loan", Kind: quiltt.AccountKindLoan, Provider: quiltt.ProviderPlaid,
		Connection: &quiltt.Connection{ID: "conn_plaid", Provider: quiltt.ProviderPlaid, Status: quiltt.ConnectionStatusSynced}}))
	require.NoError(t, s.AddAccount(s.ProfileID(), quiltt.Account{ID: orphan, Name: "No connection", Kind: quiltt.AccountKindDepository}))
	return plaidLoan, orphan
}

// RefreshBalance through the SDK: nil for the fake's 202, and each of its
// refusals a *quiltt.Error with Quiltt's documented body and the sentinel
// of its status, sent once and never retried.
func TestSDKRefreshBalance(t *testing.T) {
	s := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh))
	plaidLoan, orphan := addUnrefreshable(t, s)
	c := sdkClient(t, s)

	require.NoError(t, c.RefreshBalance(t.Context(), quilttest.CheckingAccountID))
	assert.Equal(t, 1, s.PendingRefreshes())
	assert.Equal(t, []int{202}, statuses(requestsTo(s, quilttest.RouteRefresh)))

	cases := []struct {
		name        string
		client      *quiltt.Client
		accountID   string
		status      int
		sentinel    error
		message     string
		instruction string
	}{
		{"unknown account", c, "acct_unknown", 404, quiltt.ErrNotFound,
			"Not Found", "Does the URL contain the ID of a connected Account?"},
		{"no active connection", c, orphan, 403, quiltt.ErrForbidden,
			"Forbidden", "Account does not belong to an active Connection."},
		{"kind the provider cannot refresh", c, plaidLoan, 400, quiltt.ErrBadRequest,
			"Bad Request", "Account provider does not support Balance Refreshes for `LOAN` accounts."},
		{"wrong API key", sdkClient(t, s, quiltt.WithAPIKey("qltt_wrong_key")), quilttest.CheckingAccountID, 401, quiltt.ErrUnauthorized,
			"Not Authenticated", "Are you sending a valid API Key secret in the `Authorization` header?"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.ResetRequests()
			err := tc.client.RefreshBalance(t.Context(), tc.accountID)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.sentinel)
			assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown, "a 4xx says Quiltt did not act")
			qe := requireError(t, err)
			assert.Equal(t, tc.status, qe.StatusCode)
			assert.Equal(t, tc.message, qe.Message)
			assert.Equal(t, tc.instruction, qe.Instruction)
			assert.Equal(t, "RefreshBalance", qe.Op)
			assert.Equal(t, 1, qe.Attempts)
			assert.Equal(t, 25, qe.RateLimit.Limit, "the fake's Ratelimit-* headers reach the error")
			assert.NotContains(t, err.Error(), s.APIKey())
			assert.NotContains(t, err.Error(), "qltt_wrong_key")
			assert.Equal(t, []int{tc.status}, statuses(requestsTo(s, quilttest.RouteRefresh)))
		})
	}
	assert.Equal(t, 1, s.PendingRefreshes(), "no refusal left a refresh behind")
}

// RefreshAndWait returns the REFRESH balance the fake completes shortly
// after its 202, exactly as the fake stored it and GraphQL answers it.
func TestSDKRefreshAndWait(t *testing.T) {
	s := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(time.Millisecond))
	require.NoError(t, s.SetRefreshResult(quilttest.CreditCardAccountID, quiltt.Balance{
		Available: decPtr("12000.01"), Current: decPtr("-2999.99"), Limit: decPtr("-15000.00"),
	}))
	c := sdkClient(t, s)
	before, err := c.Account(t.Context(), quilttest.CreditCardAccountID)
	require.NoError(t, err)
	require.NotNil(t, before.Balance)

	poll := &quiltt.RefreshWaitOptions{MinInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond}
	b, err := c.RefreshAndWait(waitCtx(t), quilttest.CreditCardAccountID, poll)
	require.NoError(t, err)
	require.NotNil(t, b)
	assert.NotEqual(t, before.Balance.ID, b.ID)
	assert.Equal(t, quiltt.BalanceSourceRefresh, b.Source)
	assert.Equal(t, quilttest.CreditCardAccountID, b.AccountID)
	assert.Equal(t, "12000.01", b.Available.String())
	assert.Equal(t, "-2999.99", b.Current.String())
	assert.Equal(t, "-15000.00", b.Limit.StringFixed(2))

	stored := s.Balances(quilttest.CreditCardAccountID)
	require.Len(t, stored, 2)
	assert.Equal(t, stored[1].ID, b.ID)
	assert.True(t, stored[1].At.Equal(b.At))
	assert.Len(t, requestsTo(s, quilttest.RouteRefresh), 1, "one refresh, then reads")

	// An unknown account fails on the first read, before anything is billed.
	_, err = c.RefreshAndWait(waitCtx(t), "acct_unknown", poll)
	assert.ErrorIs(t, err, quiltt.ErrNotFound)
	assert.Len(t, requestsTo(s, quilttest.RouteRefresh), 1)
}

// RefreshBalances refreshes each distinct account once, reports the
// fake's refusals per account, and leaves one pending refresh per
// accepted one.
func TestSDKRefreshBalances(t *testing.T) {
	s := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh))
	plaidLoan, _ := addUnrefreshable(t, s)
	require.NoError(t, s.AddAccount(s.ProfileID(), quiltt.Account{ID: "acct_savings", Name: "Savings", Kind: quiltt.AccountKindDepository,
		Connection: &quiltt.Connection{ID: quilttest.DefaultConnectionID, Provider: quiltt.ProviderMock, Status: quiltt.ConnectionStatusSynced}}))
	c := sdkClient(t, s)

	ids := []string{quilttest.CheckingAccountID, quilttest.CreditCardAccountID, quilttest.CheckingAccountID, "acct_savings", plaidLoan, "acct_savings"}
	results, err := c.RefreshBalances(t.Context(), ids, &quiltt.RefreshBalancesOptions{Concurrency: 2})
	require.Error(t, err)
	var summary *quiltt.RefreshBalancesError
	require.ErrorAs(t, err, &summary)
	assert.Equal(t, 4, summary.Total)
	assert.Equal(t, 1, summary.Failed)
	assert.ErrorIs(t, err, quiltt.ErrBadRequest)
	assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown)

	require.Len(t, results, 4)
	for i, want := range []string{quilttest.CheckingAccountID, quilttest.CreditCardAccountID, "acct_savings", plaidLoan} {
		assert.Equal(t, want, results[i].AccountID)
		if want == plaidLoan {
			assert.ErrorIs(t, results[i].Err, quiltt.ErrBadRequest)
		} else {
			assert.NoError(t, results[i].Err)
		}
	}

	perAccount := map[string]int{}
	for _, r := range requestsTo(s, quilttest.RouteRefresh) {
		perAccount[r.AccountID]++
	}
	assert.Equal(t, map[string]int{quilttest.CheckingAccountID: 1, quilttest.CreditCardAccountID: 1, "acct_savings": 1, plaidLoan: 1}, perAccount)
	assert.Equal(t, 3, s.PendingRefreshes())
	got := s.CompleteRefreshes()
	require.Len(t, got, 3)
	for _, b := range got {
		assert.Equal(t, quiltt.BalanceSourceRefresh, b.Source)
	}
}
