package quiltt

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
)

func TestIsFresh(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(age time.Duration) *Balance { return &Balance{ID: "bal_1", At: now.Add(-age)} }
	for name, tc := range map[string]struct {
		b      *Balance
		maxAge time.Duration
		want   bool
	}{
		"no balance":                   {b: nil, maxAge: time.Hour},
		"exactly maxAge old":           {b: at(time.Minute), maxAge: time.Minute, want: true},
		"a nanosecond past maxAge":     {b: at(time.Minute + 1), maxAge: time.Minute},
		"maxAge 0, dated now":          {b: at(0), maxAge: 0, want: true},
		"maxAge 0, a nanosecond old":   {b: at(1), maxAge: 0},
		"dated in the future":          {b: at(-time.Hour), maxAge: 0, want: true},
		"undated (zero At)":            {b: &Balance{ID: "bal_1"}, maxAge: 24 * time.Hour},
		"two years old, maxAge 1 year": {b: at(2 * 365 * 24 * time.Hour), maxAge: 365 * 24 * time.Hour},
	} {
		assert.Equal(t, tc.want, isFresh(tc.b, tc.maxAge, now), name)
	}
}

func TestIsOtherBalance(t *testing.T) {
	old := &Balance{ID: "bal_1"}
	assert.False(t, isOtherBalance(nil, nil), "still none")
	assert.False(t, isOtherBalance(nil, old), "none is not newer")
	assert.False(t, isOtherBalance(&Balance{ID: "bal_1"}, old), "the same record")
	assert.True(t, isOtherBalance(&Balance{ID: "bal_2"}, old))
	assert.True(t, isOtherBalance(old, nil), "the account's first balance")
}

func TestCloneBalanceSharesNoAmount(t *testing.T) {
	assert.Nil(t, cloneBalance(nil))
	d := decimal.RequireFromString("10.25")
	b := &Balance{ID: "bal_1", Current: &d}
	c := cloneBalance(b)
	assert.Equal(t, b, c)
	*c.Current = decimal.Zero
	assert.Equal(t, "10.25", b.Current.String())
	assert.Nil(t, c.Available)
}
