package quilttest_test

import (
	"errors"
	"strconv"
	"testing"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A refresh refused where Quiltt cannot have acted (503, or the provider's
// 429 that leaves the API budget intact) is sent again by the SDK and
// succeeds on the second attempt.
func TestSDKRefreshRetriesWhereQuilttDidNotAct(t *testing.T) {
	for _, status := range []int{503, 429} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			s := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh))
			require.NoError(t, s.FailNext(quilttest.RouteRefresh, 1, quilttest.Status(status)))

			require.NoError(t, sdkClient(t, s).RefreshBalance(t.Context(), quilttest.CheckingAccountID))
			reqs := requestsTo(s, quilttest.RouteRefresh)
			assert.Equal(t, []int{status, 202}, statuses(reqs), "2 attempts")
			assert.True(t, reqs[0].Fault)
			assert.Equal(t, 1, s.PendingRefreshes(), "one refresh accepted")
		})
	}
}

// A refresh that fails where Quiltt may have acted (500, 502, 504, a
// connection dropped after the request was sent) is not sent again: one
// attempt, and errors.Is(err, quiltt.ErrOutcomeUnknown). With ActingFirst
// the fake did act, which is why the SDK must not retry.
func TestSDKRefreshOutcomeUnknown(t *testing.T) {
	cases := map[string]struct {
		fault   quilttest.Fault
		pending int
	}{
		"500":                  {quilttest.Status(500), 0},
		"502":                  {quilttest.Status(502), 0},
		"504 after acting":     {quilttest.Status(504).ActingFirst(), 1},
		"dropped":              {quilttest.DropConnection(), 0},
		"dropped after acting": {quilttest.DropConnection().ActingFirst(), 1},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh))
			require.NoError(t, s.FailNext(quilttest.RouteRefresh, 1, tc.fault))

			err := sdkClient(t, s).RefreshBalance(t.Context(), quilttest.CheckingAccountID)
			require.Error(t, err)
			assert.ErrorIs(t, err, quiltt.ErrOutcomeUnknown)
			assert.Len(t, requestsTo(s, quilttest.RouteRefresh), 1, "1 attempt")
			assert.Equal(t, tc.pending, s.PendingRefreshes())
			if tc.fault.Drop {
				var te *quiltt.TransportError
				require.True(t, errors.As(err, &te), "no answer came: %v", err)
				assert.Equal(t, 1, te.Attempts)
				return
			}
			qe := requireError(t, err)
			assert.ErrorIs(t, err, quiltt.ErrServer)
			assert.Equal(t, tc.fault.Status, qe.StatusCode)
			assert.Equal(t, 1, qe.Attempts)
			assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, qe.ErrorID, "the fake's errorId reaches the error")
		})
	}
}

// Reads retry every fault the fake injects on GraphQL, a dropped
// connection included, and give up after WithMaxRetries with the last
// answer.
func TestSDKAccountsRetriesFaults(t *testing.T) {
	for name, fault := range map[string]quilttest.Fault{
		"dropped": quilttest.DropConnection(),
		"500":     quilttest.Status(500),
		"503":     quilttest.Status(503),
		"429":     quilttest.Status(429),
	} {
		t.Run(name, func(t *testing.T) {
			s := quilttest.NewTestServer(t)
			require.NoError(t, s.FailNext(quilttest.RouteGraphQL, 1, fault))

			accounts, err := sdkClient(t, s).Accounts(t.Context(), nil)
			require.NoError(t, err)
			assert.Len(t, accounts, 2)
			reqs := requestsTo(s, quilttest.RouteGraphQL)
			assert.Equal(t, []int{fault.Status, 200}, statuses(reqs), "2 attempts")
			assert.Equal(t, fault.Drop, reqs[0].Dropped)
		})
	}

	s := quilttest.NewTestServer(t)
	require.NoError(t, s.FailNext(quilttest.RouteGraphQL, 4, quilttest.Status(503)))
	_, err := sdkClient(t, s).Accounts(t.Context(), nil)
	assert.ErrorIs(t, err, quiltt.ErrServer)
	assert.Equal(t, 4, requireError(t, err).Attempts, "the first attempt and 3 retries")
	assert.Len(t, requestsTo(s, quilttest.RouteGraphQL), 4)
}
