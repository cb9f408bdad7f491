package quiltt_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
)

// One call's reading: the attempts of its request, and the status, request
// ID and Ratelimit-* headers of its latest answer.
func TestCallInfoOfARead(t *testing.T) {
	c, mux, _ := setup(t)
	handleGraphQL(t, mux, func(w http.ResponseWriter, _ *gqlRequest, n int) {
		if n == 1 {
			reply(w, 503, "", nil, "X-Request-Id", "req_1", "Ratelimit-Limit", "25", "Ratelimit-Remaining", "0", "Ratelimit-Reset", "1")
			return
		}
		reply(w, 200, "application/json", fixture(t, "accounts_full.json"), "X-Request-Id", "req_2",
			"Ratelimit-Limit", "25", "Ratelimit-Remaining", "23", "Ratelimit-Reset", "1767332561")
	})
	var info quiltt.CallInfo
	_, err := c.Accounts(quiltt.WithCallInfo(context.Background(), &info), nil)
	require.NoError(t, err)
	assert.Equal(t, quiltt.CallInfo{
		Requests: 1, Attempts: 2, StatusCode: 200, RequestID: "req_2",
		RateLimit: quiltt.RateLimit{Limit: 25, Remaining: 23, Reset: time.Unix(1767332561, 0)},
	}, info)
}

// CallInfo holds the latest answer even when it carries no Ratelimit-*
// headers, where Client.RateLimit keeps the last reading that had them; a
// call whose attempt got no answer reports status 0.
func TestCallInfoLatestAnswer(t *testing.T) {
	c, mux, srv := setup(t, quiltt.WithMaxRetries(2))
	handleScript(mux, accountsPath, answer(t, 202, "", "Ratelimit-Limit", "25", "Ratelimit-Remaining", "20"), answer(t, 202, ""))
	require.NoError(t, c.RefreshBalance(context.Background(), "acct_1"))
	var info quiltt.CallInfo
	require.NoError(t, c.RefreshBalance(quiltt.WithCallInfo(context.Background(), &info), "acct_1"))
	assert.Equal(t, quiltt.CallInfo{Requests: 1, Attempts: 1, StatusCode: 202}, info)
	assert.Equal(t, quiltt.RateLimit{Limit: 25, Remaining: 20}, c.RateLimit(), "the client's reading is the last that had headers")

	srv.Close()
	c.CloseIdleConnections() // the next attempts find nothing listening
	info = quiltt.CallInfo{}
	require.Error(t, c.RefreshBalance(quiltt.WithCallInfo(context.Background(), &info), "acct_1"))
	assert.Equal(t, quiltt.CallInfo{Requests: 1, Attempts: 3}, info, "refused three times, no answer")
}

// A call of several requests adds them up, concurrent ones included (run
// under -race).
func TestCallInfoAddsUpRequests(t *testing.T) {
	c, mux, _ := setup(t)
	handleScript(mux, accountsPath, answer(t, http.StatusTooManyRequests, ""), answer(t, http.StatusAccepted, ""))
	var info quiltt.CallInfo
	ids := []string{"acct_1", "acct_2", "acct_3", "acct_4", "acct_5", "acct_6"}
	_, err := c.RefreshBalances(quiltt.WithCallInfo(context.Background(), &info), ids, &quiltt.RefreshBalancesOptions{Concurrency: 3})
	require.NoError(t, err)
	assert.Equal(t, len(ids), info.Requests)
	assert.Equal(t, len(ids)+1, info.Attempts, "one 429 retried")
	assert.Equal(t, http.StatusAccepted, info.StatusCode)
}
