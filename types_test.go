package quiltt_test

import (
	"testing"

	"github.com/quiltt-go/quiltt"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func amount(t testing.TB, s string) *decimal.Decimal {
	t.Helper()
	if s == "null" {
		return nil
	}
	d := dec(t, s)
	return &d
}

func TestBalanceAmountOwed(t *testing.T) {
	for _, tc := range []struct{ current, want string }{
		{"-2134.34", "2134.34"}, // credit card: owed
		{"-25.00", "25.00"},     // overdrawn checking account
		{"3141.59", "0"},        // in the holder's favour
		{"0", "0"},
		{"null", "null"},
	} {
		b := quiltt.Balance{Current: amount(t, tc.current)}
		assertAmount(t, tc.want, b.AmountOwed(), tc.current)
	}
}

func TestBalanceAvailableFunds(t *testing.T) {
	for _, tc := range []struct{ available, current, want string }{
		{"100.0", "110.0", "100.0"},
		{"null", "3141.59", "3141.59"},
		{"0", "50", "0"}, // zero is reported, not missing
		{"null", "null", "null"},
	} {
		b := quiltt.Balance{Available: amount(t, tc.available), Current: amount(t, tc.current)}
		got := b.AvailableFunds()
		assertAmount(t, tc.want, got, tc.available+"/"+tc.current)
		if got != nil {
			assert.NotSame(t, b.Available, got)
			assert.NotSame(t, b.Current, got)
		}
	}
}

func TestBalanceLiabilityPositive(t *testing.T) {
	card := quiltt.Balance{ID: "bal_12vbv96FYbSi0EP4H7hgVt", Available: amount(t, "12665.66"), Current: amount(t, "-2134.34"), Limit: amount(t, "-15000.00")}

	plaid, err := card.ToLiabilityPositive(quiltt.ClassLiability)
	require.NoError(t, err)
	assertAmount(t, "2134.34", plaid.Current, "current owed is positive")
	assertAmount(t, "12665.66", plaid.Available, "available credit as reported")
	assertAmount(t, "-15000.00", plaid.Limit, "limit as reported")
	assert.Equal(t, card.ID, plaid.ID)
	assertAmount(t, "-2134.34", card.Current, "the original is untouched")
	assert.NotSame(t, card.Limit, plaid.Limit)

	back, err := plaid.FromLiabilityPositive(quiltt.ClassLiability)
	require.NoError(t, err)
	assert.True(t, card.Current.Equal(*back.Current))

	checking := quiltt.Balance{Available: nil, Current: amount(t, "3141.59")}
	same, err := checking.ToLiabilityPositive(quiltt.ClassAsset)
	require.NoError(t, err)
	assertAmount(t, "3141.59", same.Current, "assets agree in both conventions")
	assert.Nil(t, same.Available)

	for _, class := range []quiltt.Class{quiltt.ClassUnknown, "", "EQUITY"} {
		_, err := card.ToLiabilityPositive(class)
		assert.ErrorIs(t, err, quiltt.ErrUnknownClass)
		_, err = card.FromLiabilityPositive(class)
		assert.ErrorIs(t, err, quiltt.ErrUnknownClass)
	}
}

func TestClasses(t *testing.T) {
	assert.Equal(t, quiltt.ClassLiability, quiltt.Account{Kind: quiltt.AccountKindDepository, Taxonomy: []string{"LIABILITY"}}.Class(), "taxonomy first")
	assert.Equal(t, quiltt.ClassAsset, quiltt.Account{Kind: quiltt.AccountKindInvestment}.Class())
	assert.Equal(t, quiltt.ClassLiability, quiltt.AccountKindLoan.Class())
	assert.Equal(t, quiltt.ClassUnknown, quiltt.AccountKind("CRYPTO").Class())
}
