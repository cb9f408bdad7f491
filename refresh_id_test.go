package quiltt_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/quiltt-go/quiltt"
)

// Every Unicode space is whitespace, as RefreshBalance's doc says: IDs
// holding U+3000, U+2003, U+1680 (and the others unicode.IsSpace knows)
// are refused, and no billable POST is sent.
func TestRefreshBalanceRefusesUnicodeSpaces(t *testing.T) {
	c, mux, _ := setup(t)
	rec := handleScript(mux, accountsPath, answer(t, 202, ""))
	for _, r := range []rune{'\u3000', '\u2003', '\u1680', '\u2000', '\u200a', '\u202f', '\u205f', '\u00a0', '\u2028', '\u2029', '\u0085'} {
		id := "acct" + string(r) + "1"
		err := c.RefreshBalance(t.Context(), id)
		assert.ErrorIs(t, err, quiltt.ErrInvalidAccountID, "%U", r)
	}
	assert.Zero(t, rec.attempts.Load(), "no request for an ID holding a space")
	assert.NoError(t, c.RefreshBalance(t.Context(), "acct_é✓1"), "other non-ASCII characters are path-escaped")
	assert.Equal(t, int32(1), rec.attempts.Load())
}
