package quiltt_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
)

// TestPublicContract pins the names and shapes that design.md fixes: a
// change to any of them fails to compile here, and the values are checked.
func TestPublicContract(t *testing.T) {
	var (
		_ func(...quiltt.Option) (*quiltt.Client, error)                                         = quiltt.NewClient
		_ func(string) quiltt.Option                                                             = quiltt.WithAPIKey
		_ func(string) quiltt.Option                                                             = quiltt.WithSessionToken
		_ func(string) quiltt.Option                                                             = quiltt.WithBaseURL
		_ func(*http.Client) quiltt.Option                                                       = quiltt.WithHTTPClient
		_ func(string) quiltt.Option                                                             = quiltt.WithAPIVersion
		_ func(int) quiltt.Option                                                                = quiltt.WithMaxRetries
		_ func(time.Duration, time.Duration) quiltt.Option                                       = quiltt.WithRetryWait
		_ func(*slog.Logger) quiltt.Option                                                       = quiltt.WithLogger
		_ func(*quiltt.Client, string) *quiltt.Client                                            = (*quiltt.Client).ForProfile
		_ func(*quiltt.Client, context.Context, *quiltt.AccountFilter) ([]quiltt.Account, error) = (*quiltt.Client).Accounts
		_ func(*quiltt.Client, context.Context, string) (*quiltt.Account, error)                 = (*quiltt.Client).Account
		_ func(*quiltt.Client, context.Context, string) error                                    = (*quiltt.Client).RefreshBalance
		_ func(quiltt.Account) quiltt.Class                                                      = quiltt.Account.Class
		_ func(quiltt.AccountKind) quiltt.Class                                                  = quiltt.AccountKind.Class
		_ func([]byte, http.Header, string) error                                                = quiltt.VerifyWebhook
		_ func([]byte) (*quiltt.WebhookPayload, error)                                           = quiltt.ParseWebhook
		_ func(string, func(context.Context, quiltt.Event) error) http.Handler                   = quiltt.NewWebhookHandler
		_ func(quiltt.Event) (*quiltt.Balance, error)                                            = quiltt.Event.Balance
	)
	f := quiltt.AccountFilter{Kinds: []quiltt.AccountKind{}, ExcludeKinds: []quiltt.AccountKind{}, Verified: new(bool)}
	a := quiltt.Account{ID: "", Name: "", Kind: quiltt.AccountKindCredit, Taxonomy: []string{}, Balance: &quiltt.Balance{}}
	var amount *decimal.Decimal
	b := quiltt.Balance{ID: "", AccountID: "", At: time.Time{}, Source: quiltt.BalanceSourceSync, Available: amount, Current: amount, Limit: amount}
	e := quiltt.Error{StatusCode: 0, Message: "", Instruction: "", ErrorID: ""}
	p := quiltt.WebhookPayload{Environment: quiltt.Environment{}, EventTypes: []quiltt.EventType{}, Events: []quiltt.Event{}}
	ev := quiltt.Event{ID: "", At: time.Time{}, Type: quiltt.EventBalanceCreated, Profile: quiltt.EventProfile{}, Record: json.RawMessage{}, Metadata: json.RawMessage{}}
	_, _, _, _, _, _ = f, a, b, e, p, ev

	assert.Equal(t, "Quiltt-Signature", quiltt.HeaderSignature)
	assert.Equal(t, "Quiltt-Timestamp", quiltt.HeaderTimestamp)
	assert.Equal(t, quiltt.EventType("balance.created"), quiltt.EventBalanceCreated)
	assert.Equal(t, []quiltt.AccountKind{"CREDIT", "DEPOSITORY", "INVESTMENT", "LOAN"},
		[]quiltt.AccountKind{quiltt.AccountKindCredit, quiltt.AccountKindDepository, quiltt.AccountKindInvestment, quiltt.AccountKindLoan})
	assert.Equal(t, []quiltt.BalanceSource{"INITIAL", "SYNC", "REFRESH"},
		[]quiltt.BalanceSource{quiltt.BalanceSourceInitial, quiltt.BalanceSourceSync, quiltt.BalanceSourceRefresh})
	assert.NotEqual(t, quiltt.ClassAsset, quiltt.ClassLiability)
	assert.NotEqual(t, quiltt.ClassUnknown, quiltt.ClassAsset)
	sentinels := []error{quiltt.ErrBadRequest, quiltt.ErrUnauthorized, quiltt.ErrForbidden, quiltt.ErrNotFound,
		quiltt.ErrRateLimited, quiltt.ErrServer, quiltt.ErrWebhookSignature, quiltt.ErrWebhookTimestamp}
	for i, a := range sentinels {
		for j, b := range sentinels {
			// Distinct sentinels: none matches another, so a caller's
			// errors.Is tells them apart.
			assert.Equal(t, i == j, errors.Is(a, b), "errors.Is(%v, %v)", a, b)
		}
		assert.True(t, strings.HasPrefix(a.Error(), "quiltt: "), "%q names the package", a)
	}
	for status, sentinel := range map[int]error{400: quiltt.ErrBadRequest, 401: quiltt.ErrUnauthorized, 403: quiltt.ErrForbidden,
		404: quiltt.ErrNotFound, 429: quiltt.ErrRateLimited, 500: quiltt.ErrServer, 503: quiltt.ErrServer} {
		assert.ErrorIs(t, &quiltt.Error{StatusCode: status}, sentinel, "status %d", status)
	}
}
