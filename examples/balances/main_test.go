package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/quiltt-go/quiltt"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// noEnv is an environment where no variable is set: the examples use the fake.
func noEnv(string) string { return "" }

func TestRunAgainstFake(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(t.Context(), noEnv, &stdout, &stderr))

	assert.Equal(t, ""+
		"NAME                 KIND        CLASS       CURRENT  AVAILABLE     OWED\n"+
		"Premium Checking     DEPOSITORY  ASSET       3141.59          —     0.00\n"+
		"Premium Credit Card  CREDIT      LIABILITY  -2134.34   12665.66  2134.34\n",
		stdout.String())
	assert.Contains(t, stderr.String(), "QUILTT_API_KEY_SECRET and QUILTT_PROFILE_ID are unset")
	assert.Contains(t, stderr.String(), "quilttest")
	assert.Equal(t, 1, strings.Count(stderr.String(), "\n"), "one line on stderr")
}

func TestPrintTableShowsMissingAsDash(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, printTable(&out, []quiltt.Account{
		{Name: "New Savings"}, // no kind, no balance yet
		{Name: "Card", Kind: quiltt.AccountKindCredit, Balance: &quiltt.Balance{Available: amount("50")}},
	}))
	assert.Equal(t, ""+
		"NAME         KIND    CLASS      CURRENT  AVAILABLE  OWED\n"+
		"New Savings  —       UNKNOWN          —          —     —\n"+
		"Card         CREDIT  LIABILITY        —      50.00     —\n",
		out.String())
}

func amount(s string) *decimal.Decimal {
	d := decimal.RequireFromString(s)
	return &d
}
