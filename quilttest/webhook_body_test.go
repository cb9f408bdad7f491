package quilttest_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// BalanceCreatedBody fills whatever the caller leaves out, so that every
// body it builds is one the SDK accepts: ParseWebhook, Event.Balance and
// the webhook handler, which answers 2xx only when its callback succeeded.
func TestBalanceCreatedBodyIsAccepted(t *testing.T) {
	at := time.Date(2026, 1, 2, 5, 42, 41, 0, time.UTC)
	full := quiltt.Balance{
		ID: "bal_12wm3nAz3ZSpYWxauhLqrf", AccountID: "acct_12wm3n4PaWHdcMgu6ZVDx5",
		At: time.Date(2024, 6, 7, 8, 27, 37, 0, time.UTC), Source: quiltt.BalanceSourceSync,
		Available: decPtr("100.0"), Current: decPtr("110.0"), Limit: decPtr("-15000.00"),
	}
	other := quilttest.Profile{ID: "p_other", UUID: "0190aaaa-0000-7000-8000-000000000001"}
	cases := []struct {
		name    string
		profile quilttest.Profile
		b       quiltt.Balance
		at      time.Time
		want    quiltt.Balance // "" ID: any bal_ ID
		profID  string
	}{
		{
			name: "zero balance, zero profile",
			b:    quiltt.Balance{}, at: at,
			want:   quiltt.Balance{AccountID: quilttest.CheckingAccountID, At: at, Source: quiltt.BalanceSourceRefresh},
			profID: quilttest.DefaultProfileID,
		},
		{
			name:    "amounts only",
			profile: other,
			b:       quiltt.Balance{Current: decPtr("3141.59")}, at: at,
			want:   quiltt.Balance{AccountID: quilttest.CheckingAccountID, At: at, Source: quiltt.BalanceSourceRefresh, Current: decPtr("3141.59")},
			profID: "p_other",
		},
		{
			name: "account and source, no ID or time",
			b:    quiltt.Balance{AccountID: "acct_x", Source: quiltt.BalanceSourceInitial, Available: decPtr("0")}, at: at,
			want:   quiltt.Balance{AccountID: "acct_x", At: at, Source: quiltt.BalanceSourceInitial, Available: decPtr("0")},
			profID: quilttest.DefaultProfileID,
		},
		{
			name: "full", profile: other, b: full, at: at,
			want:   full,
			profID: "p_other",
		},
		{
			name:   "zero event time",
			b:      quiltt.Balance{ID: "bal_1"},
			want:   quiltt.Balance{ID: "bal_1", AccountID: quilttest.CheckingAccountID, Source: quiltt.BalanceSourceRefresh},
			profID: quilttest.DefaultProfileID,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := time.Now().Truncate(time.Second)
			body := quilttest.BalanceCreatedBody(tc.profile, tc.b, tc.at)

			p, err := quiltt.ParseWebhook(body)
			require.NoError(t, err, string(body))
			require.Len(t, p.Events, 1)
			e := p.Events[0]
			assert.Equal(t, quiltt.EventBalanceCreated, e.Type)
			assert.Regexp(t, `^evt_[0-9A-Za-z]{22}$`, e.ID)
			assert.Equal(t, tc.profID, e.Profile.ID)
			b, err := e.Balance()
			require.NoError(t, err, string(body))

			if tc.want.ID == "" {
				assert.Regexp(t, `^bal_[0-9A-Za-z]{22}$`, b.ID)
			} else {
				assert.Equal(t, tc.want.ID, b.ID)
			}
			assert.Equal(t, tc.want.AccountID, b.AccountID)
			assert.Equal(t, tc.want.Source, b.Source)
			if tc.at.IsZero() {
				assert.False(t, e.At.Before(before), "the event is dated now")
				assert.True(t, b.At.Equal(e.At), "the balance is dated as the event")
			} else {
				assert.True(t, e.At.Equal(tc.at))
				assert.True(t, b.At.Equal(tc.want.At), "balance at %v, want %v", b.At, tc.want.At)
			}
			for name, pair := range map[string][2]*decimal.Decimal{
				"available": {tc.want.Available, b.Available},
				"current":   {tc.want.Current, b.Current},
				"limit":     {tc.want.Limit, b.Limit},
			} {
				if pair[0] == nil {
					assert.Nil(t, pair[1], name)
				} else if assert.NotNil(t, pair[1], name) {
					assert.True(t, pair[0].Equal(*pair[1]), "%s: %s, want %s", name, pair[1], pair[0])
				}
			}

			// The SDK's handler takes the delivery, signed, and its
			// callback gets the balance.
			var got []string
			h := quiltt.NewWebhookHandler("whsec_test", func(_ context.Context, e quiltt.Event) error {
				b, err := e.Balance()
				if err != nil {
					return err
				}
				got = append(got, b.ID)
				return nil
			})
			req := httptest.NewRequest(http.MethodPost, "/hooks", bytes.NewReader(body))
			for k, v := range quilttest.SignWebhook(body, "whsec_test", time.Now()) {
				req.Header[k] = v
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			assert.Less(t, w.Code, 300, w.Body.String())
			assert.Equal(t, []string{b.ID}, got)
		})
	}
	// Two bodies for the same zero balance carry distinct IDs.
	one, two := quilttest.BalanceCreatedBody(quilttest.Profile{}, quiltt.Balance{}, at), quilttest.BalanceCreatedBody(quilttest.Profile{}, quiltt.Balance{}, at)
	assert.NotEqual(t, one, two)
}
