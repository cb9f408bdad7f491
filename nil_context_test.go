package quiltt_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/quiltt-go/quiltt"
)

// Every public call given a nil context returns an error wrapping
// ErrNilContext, as net/http does, instead of panicking, and sends nothing.
func TestNilContext(t *testing.T) {
	var nilCtx context.Context
	c, mux, _ := setup(t)
	gql := handleGraphQL(t, mux, func(w http.ResponseWriter, _ *gqlRequest, _ int) {
		t.Error("a request was sent")
		w.WriteHeader(http.StatusInternalServerError)
	})
	calls := map[string]func() error{
		"Accounts": func() error { _, err := c.Accounts(nilCtx, nil); return err },
		"Account":  func() error { _, err := c.Account(nilCtx, "acct_1"); return err },
		"RefreshBalance": func() error {
			return c.RefreshBalance(nilCtx, "acct_1")
		},
		"RefreshAndWait": func() error { _, err := c.RefreshAndWait(nilCtx, "acct_1", nil); return err },
		"RefreshBalances": func() error {
			results, err := c.RefreshBalances(nilCtx, []string{"acct_1"}, nil)
			assert.Nil(t, results)
			return err
		},
		"AccountClassifier.Classify": func() error {
			_, err := quiltt.NewAccountClassifier(c).Classify(nilCtx, "acct_1")
			return err
		},
		"with WithCallInfo": func() error {
			_, err := c.Accounts(quiltt.WithCallInfo(nilCtx, &quiltt.CallInfo{}), nil)
			return err
		},
	}
	for name, call := range calls {
		var err error
		assert.NotPanics(t, func() { err = call() }, name)
		assert.ErrorIs(t, err, quiltt.ErrNilContext, name)
		if err != nil {
			assert.Equal(t, 1, strings.Count(err.Error(), "quiltt:"), "%s: one prefix: %v", name, err)
		}
	}
	assert.Zero(t, gql.attempts.Load())
}
