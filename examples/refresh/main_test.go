package main

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/time/rate"
)

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// accountEnv is an environment where only QUILTT_ACCOUNT_ID is set, to id
// ("" for unset): the example runs against the fake.
func accountEnv(id string) func(string) string {
	return func(k string) string {
		if k == EnvAccountID {
			return id
		}
		return ""
	}
}

func TestRunAgainstFake(t *testing.T) {
	for name, tc := range map[string]struct {
		accountID string
		header    string
		before    string
		after     string
	}{
		"first account": {
			header: "Refreshing Premium Checking (acct_12sf19AeKaWfukStXAL7nN)",
			before: `before  bal_12v6sGb87FS28QIGWVgnnm  SYNC     2024-06-09T07:40:20Z  3141.59          —`,
			after:  `after   bal_\w+  REFRESH  \S+Z  3141.59          —`,
		},
		"QUILTT_ACCOUNT_ID": {
			accountID: quilttest.CreditCardAccountID,
			header:    "Refreshing Premium Credit Card (acct_12vAFU1c4t514E40Nb9NTW)",
			before:    `before  bal_12vbv96FYbSi0EP4H7hgVt  SYNC     2024-06-01T18:55:35Z  -2134.34   12665.66`,
			after:     `after   bal_\w+  REFRESH  \S+Z  -2134.34   12665.66`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			start := time.Now()
			require.NoError(t, run(t.Context(), accountEnv(tc.accountID), &stdout, &stderr))
			assert.Less(t, time.Since(start), 2*time.Second)

			out := stdout.String()
			assert.Contains(t, out, tc.header+"\n\n")
			assert.Regexp(t, `(?m)^\s+ID\s+SOURCE\s+AT\s+CURRENT\s+AVAILABLE$`, out)
			assert.Regexp(t, `(?m)^`+tc.before+`$`, out)
			assert.Regexp(t, `(?m)^`+tc.after+`$`, out)
			assert.Contains(t, stderr.String(), "running against quilttest")
			assert.Contains(t, out, "came in Quiltt's balance.created webhook, before the first poll", "the feed ended the wait")
		})
	}
}

func TestRunUnknownAccount(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), accountEnv("acct_unknown"), &stdout, &stderr)
	require.ErrorIs(t, err, quiltt.ErrNotFound)
	assert.Empty(t, stdout.String())
}

func TestExplain(t *testing.T) {
	srv := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh))
	client, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL()), quiltt.WithAPIKey(srv.APIKey()), quiltt.WithMaxRetries(0), quiltt.WithRateLimit(rate.Inf, 1))
	require.NoError(t, err)
	t.Cleanup(client.CloseIdleConnections)
	profile := client.ForProfile(srv.ProfileID())

	t.Run("outcome unknown", func(t *testing.T) {
		require.NoError(t, srv.FailNext(quilttest.RouteRefresh, 1, quilttest.Status(502)))
		_, err := profile.RefreshAndWait(t.Context(), quilttest.CheckingAccountID, nil)
		err = explain(err)
		assert.ErrorIs(t, err, quiltt.ErrOutcomeUnknown)
		assert.Regexp(t, regexp.MustCompile(`^the refresh may have been started, and billed`), err.Error())
	})
	t.Run("no new balance in time", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err := profile.RefreshAndWait(ctx, quilttest.CheckingAccountID, &quiltt.RefreshWaitOptions{MinInterval: 10 * time.Millisecond})
		err = explain(err)
		var waitErr *quiltt.RefreshWaitError
		assert.ErrorAs(t, err, &waitErr)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Regexp(t, `^the refresh was accepted but no new balance came in time`, err.Error())
	})
	t.Run("other errors unchanged", func(t *testing.T) {
		other := errors.New("boom")
		assert.Same(t, other, explain(other))
	})
}
