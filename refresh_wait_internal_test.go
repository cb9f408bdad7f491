package quiltt

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestNextPoll(t *testing.T) {
	hi := 10 * time.Second
	var got []time.Duration
	for w := time.Second; len(got) < 6; w = nextPoll(w, hi) {
		got = append(got, w)
	}
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, hi, hi}, got)
}

func TestIsNewBalance(t *testing.T) {
	sent := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	old := &Balance{ID: "bal_1", At: sent.Add(-time.Hour), Source: BalanceSourceRefresh}
	for name, tc := range map[string]struct {
		b, before *Balance
		want      bool
	}{
		"none yet":                      {b: nil, before: old},
		"the same record":               {b: old, before: old},
		"new REFRESH record":            {b: &Balance{ID: "bal_2", At: sent.Add(-time.Minute), Source: BalanceSourceRefresh}, before: old, want: true},
		"new SYNC record dated before":  {b: &Balance{ID: "bal_2", At: sent.Add(-time.Minute), Source: BalanceSourceSync}, before: old},
		"new record dated after":        {b: &Balance{ID: "bal_2", At: sent.Add(time.Second)}, before: old, want: true},
		"first record of a new account": {b: &Balance{ID: "bal_1", Source: BalanceSourceRefresh}, want: true},
	} {
		assert.Equal(t, tc.want, isNewBalance(tc.b, tc.before, sent), name)
	}
}
