package quilttest_test

import (
	"errors"
	"testing"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The SDK reads the seeded accounts exactly, with Basic credentials
// (ForProfile) and with a session token.
func TestClientReadsSeed(t *testing.T) {
	s := quilttest.NewTestServer(t, quilttest.WithPathPrefix("/quiltt"))
	clients := map[string]*quiltt.Client{
		"ForProfile":         newClient(t, s, quiltt.WithAPIKey(s.APIKey())).ForProfile(s.ProfileID()),
		"ForProfile by UUID": newClient(t, s, quiltt.WithAPIKey(s.APIKey())).ForProfile(quilttest.DefaultProfileUUID),
		"session token":      newClient(t, s, quiltt.WithSessionToken(s.SessionToken())),
	}
	for name, c := range clients {
		t.Run(name, func(t *testing.T) {
			accounts, err := c.Accounts(t.Context(), nil)
			require.NoError(t, err)
			require.Len(t, accounts, 2)
			checking, card := accounts[0], accounts[1]

			assert.Equal(t, quilttest.CheckingAccountID, checking.ID)
			assert.Equal(t, "Premium Checking", checking.Name)
			require.NotNil(t, checking.Balance)
			assert.Equal(t, "3141.59", checking.Balance.Current.String())
			assert.Nil(t, checking.Balance.Available)
			assert.Nil(t, checking.Balance.Limit)
			assert.Equal(t, quilttest.CheckingAccountID, checking.Balance.AccountID)
			assert.Equal(t, quiltt.ClassAsset, checking.Class())

			require.NotNil(t, card.Balance)
			assert.Equal(t, "-2134.34", card.Balance.Current.String())
			assert.Equal(t, "12665.66", card.Balance.Available.String())
			assert.True(t, card.Balance.Limit.Equal(*decPtr("-15000.00")))
			assert.Equal(t, quiltt.ClassLiability, card.Class())

			// The SDK reads back what the server stores.
			stored, ok := s.Account(quilttest.CreditCardAccountID)
			require.True(t, ok)
			assert.Equal(t, stored.Name, card.Name)
			assert.Equal(t, stored.Taxonomy, card.Taxonomy)
			assert.Equal(t, stored.Connection, card.Connection)
			assert.Equal(t, stored.Institution, card.Institution)
			assert.True(t, stored.Balance.At.Equal(card.Balance.At))

			one, err := c.Account(t.Context(), quilttest.CreditCardAccountID)
			require.NoError(t, err)
			assert.Equal(t, card.ID, one.ID)

			_, err = c.Account(t.Context(), "acct_unknown")
			assert.ErrorIs(t, err, quiltt.ErrNotFound)
		})
	}
}

func TestClientFilter(t *testing.T) {
	s := quilttest.NewTestServer(t)
	c := newClient(t, s, quiltt.WithSessionToken(s.SessionToken()))
	verified := true
	accounts, err := c.Accounts(t.Context(), &quiltt.AccountFilter{Verified: &verified})
	require.NoError(t, err)
	require.Len(t, accounts, 1)
	assert.Equal(t, quilttest.CheckingAccountID, accounts[0].ID)

	accounts, err = c.Accounts(t.Context(), &quiltt.AccountFilter{ExcludeKinds: []quiltt.AccountKind{quiltt.AccountKindDepository}})
	require.NoError(t, err)
	require.Len(t, accounts, 1)
	assert.Equal(t, quilttest.CreditCardAccountID, accounts[0].ID)

	accounts, err = c.Accounts(t.Context(), &quiltt.AccountFilter{Kinds: []quiltt.AccountKind{quiltt.AccountKindLoan}})
	require.NoError(t, err)
	assert.Empty(t, accounts)
}

// A balance set on the server is what the SDK reads next, exactly.
func TestClientSeesSetBalance(t *testing.T) {
	s := quilttest.NewTestServer(t)
	c := newClient(t, s, quiltt.WithAPIKey(s.APIKey())).ForProfile(s.ProfileID())
	stored, err := s.SetBalance(quilttest.CheckingAccountID, quiltt.Balance{
		Source: quiltt.BalanceSourceSync, Available: decPtr("100.10"), Current: decPtr("0.000001"),
	})
	require.NoError(t, err)
	a, err := c.Account(t.Context(), quilttest.CheckingAccountID)
	require.NoError(t, err)
	require.NotNil(t, a.Balance)
	assert.Equal(t, stored.ID, a.Balance.ID)
	assert.Equal(t, "100.1", a.Balance.Available.String())
	assert.Equal(t, "0.000001", a.Balance.Current.String())
	assert.Nil(t, a.Balance.Limit)
	assert.Equal(t, quiltt.BalanceSourceSync, a.Balance.Source)
	assert.Len(t, s.Balances(quilttest.CheckingAccountID), 2)
}

func TestClientUnauthorized(t *testing.T) {
	s := quilttest.NewTestServer(t)
	cases := map[string]*quiltt.Client{
		"wrong API key":         newClient(t, s, quiltt.WithAPIKey("qltt_wrong")).ForProfile(s.ProfileID()),
		"unknown profile":       newClient(t, s, quiltt.WithAPIKey(s.APIKey())).ForProfile("p_nobody"),
		"unknown session token": newClient(t, s, quiltt.WithSessionToken("eyJ.unknown.token")),
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := c.Accounts(t.Context(), nil)
			require.Error(t, err)
			assert.ErrorIs(t, err, quiltt.ErrUnauthorized)
			var qe *quiltt.Error
			require.True(t, errors.As(err, &qe))
			assert.Equal(t, "Not Authenticated", qe.Message)
			assert.NotContains(t, err.Error(), s.APIKey())
		})
	}

	tok, err := s.IssueSessionToken(s.ProfileID())
	require.NoError(t, err)
	c := newClient(t, s, quiltt.WithSessionToken(tok))
	_, err = c.Accounts(t.Context(), nil)
	require.NoError(t, err)
	s.RevokeSessionToken(tok)
	_, err = c.Accounts(t.Context(), nil)
	assert.ErrorIs(t, err, quiltt.ErrUnauthorized)
}
