package quilttest_test

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFailNextStatus(t *testing.T) {
	s := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh))
	refresh := "/v1/accounts/" + quilttest.CheckingAccountID + "/balances/refresh"
	cases := []struct {
		route       quilttest.Route
		status      int
		message     string
		instruction string
	}{
		{quilttest.RouteRefresh, 429, "Too Many Requests", "The Connection provider's rate limit has been exceeded. Please try again later."},
		{quilttest.RouteRefresh, 403, "Forbidden", "Account does not belong to an active Connection."},
		{quilttest.RouteRefresh, 503, "Service Unavailable", ""},
		{quilttest.RouteGraphQL, 500, "Internal Server Error", ""},
		{quilttest.RouteGraphQL, 401, "Not Authenticated", ""},
	}
	for _, tc := range cases {
		t.Run(strconv.Itoa(tc.status)+" "+string(tc.route), func(t *testing.T) {
			require.NoError(t, s.FailNext(tc.route, 2, quilttest.Status(tc.status)))
			path, auth, body := refresh, "Bearer "+s.APIKey(), []byte(nil)
			if tc.route == quilttest.RouteGraphQL {
				path, auth, body = "/v1/graphql", basic(s, s.ProfileID()), []byte(`{"query":"{ profile { id } }"}`)
			}
			for range 2 {
				r := do(t, s, http.MethodPost, path, auth, body)
				assert.Equal(t, tc.status, r.status)
				assertRESTError(t, r, tc.message, tc.instruction)
				assert.NotEmpty(t, r.header.Get("Ratelimit-Limit"))
				if tc.status >= 500 {
					assert.Regexp(t, `"errorId":"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"`, string(r.body))
				}
			}
			assert.Equal(t, 0, s.PendingFaults(tc.route))
			r := do(t, s, http.MethodPost, path, auth, body)
			assert.Less(t, r.status, 300, "the third request succeeds")
		})
	}
	// Refreshes refused by a fault never took effect; the ones that got
	// through did.
	assert.Equal(t, 3, s.PendingRefreshes())
	reqs := s.Requests()
	require.NotEmpty(t, reqs)
	assert.True(t, reqs[0].Fault)
}

// The SDK sees an injected fault as the typed error it documents, and a
// Retry-After that the fault adds.
func TestFailNextThroughClient(t *testing.T) {
	s := quilttest.NewTestServer(t)
	c := newClient(t, s, quiltt.WithAPIKey(s.APIKey())).ForProfile(s.ProfileID())
	require.NoError(t, s.FailNext(quilttest.RouteGraphQL, 1, quilttest.Status(429).WithHeader("Retry-After", "7")))
	_, err := c.Accounts(t.Context(), nil)
	require.ErrorIs(t, err, quiltt.ErrRateLimited)
	var qe *quiltt.Error
	require.True(t, errors.As(err, &qe))
	assert.Equal(t, 7*time.Second, qe.RetryAfter)

	require.NoError(t, s.FailNext(quilttest.RouteGraphQL, 1, quilttest.Status(502)))
	_, err = c.Accounts(t.Context(), nil)
	assert.ErrorIs(t, err, quiltt.ErrServer)

	_, err = c.Accounts(t.Context(), nil)
	assert.NoError(t, err)
}

func TestFailNextDrop(t *testing.T) {
	s := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh))
	c := newClient(t, s, quiltt.WithSessionToken(s.SessionToken()))
	require.NoError(t, s.FailNext(quilttest.RouteGraphQL, 1, quilttest.DropConnection()))
	_, err := c.Accounts(t.Context(), nil)
	require.Error(t, err)
	var qe *quiltt.Error
	assert.False(t, errors.As(err, &qe), "no HTTP answer came")
	_, err = c.Accounts(t.Context(), nil)
	require.NoError(t, err)

	// A refresh dropped before it acted leaves nothing pending; one dropped
	// after it acted (the answer was lost) is pending.
	require.NoError(t, s.FailNext(quilttest.RouteRefresh, 1, quilttest.DropConnection()))
	require.NoError(t, s.FailNext(quilttest.RouteRefresh, 1, quilttest.DropConnection().ActingFirst()))
	for range 2 {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+"/v1/accounts/"+quilttest.CheckingAccountID+"/balances/refresh", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+s.APIKey())
		resp, err := s.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		assert.Error(t, err)
	}
	assert.Equal(t, 1, s.PendingRefreshes())
	var dropped int
	for _, r := range s.Requests() {
		if r.Dropped {
			dropped++
			assert.Equal(t, 0, r.StatusCode)
		}
	}
	assert.Equal(t, 3, dropped)
}

func TestFailNextActingFirstStatus(t *testing.T) {
	s := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh))
	require.NoError(t, s.FailNext(quilttest.RouteRefresh, 1, quilttest.Status(504).ActingFirst()))
	r := do(t, s, http.MethodPost, "/v1/accounts/"+quilttest.CheckingAccountID+"/balances/refresh", "Bearer "+s.APIKey(), nil)
	assert.Equal(t, http.StatusGatewayTimeout, r.status)
	assert.Equal(t, 1, s.PendingRefreshes(), "Quiltt acted although the answer is an error")
}

func TestFailNextRejectsBadArguments(t *testing.T) {
	s := quilttest.NewTestServer(t)
	assert.Error(t, s.FailNext("nope", 1, quilttest.Status(500)))
	assert.Error(t, s.FailNext(quilttest.RouteGraphQL, 0, quilttest.Status(500)))
	assert.Error(t, s.FailNext(quilttest.RouteGraphQL, 1, quilttest.Status(200)))
	assert.Error(t, s.FailNext(quilttest.RouteGraphQL, 1, quilttest.Fault{}))
	assert.Equal(t, 0, s.PendingFaults(quilttest.RouteGraphQL))
}

// clock is a fake clock that tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestRateLimitEnforced(t *testing.T) {
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := quilttest.NewTestServer(t, quilttest.WithRateLimit(3, time.Second), quilttest.WithClock(clk.Now))
	auth := basic(s, s.ProfileID())
	body := []byte(`{"query":"{ profile { id } }"}`)
	reset := strconv.FormatInt(clk.now.Unix()+1, 10)
	for i := range 3 {
		r := do(t, s, http.MethodPost, "/v1/graphql", auth, body)
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, "3", r.header.Get("Ratelimit-Limit"))
		assert.Equal(t, strconv.Itoa(2-i), r.header.Get("Ratelimit-Remaining"))
		assert.Equal(t, reset, r.header.Get("Ratelimit-Reset"))
	}
	r := do(t, s, http.MethodPost, "/v1/graphql", auth, body)
	assert.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "0", r.header.Get("Ratelimit-Remaining"))
	assertRESTError(t, r, "Too Many Requests", apiLimit)

	// The API key's budget is shared by Basic and Bearer; a session token
	// has its own. On the refresh route too the 429 is the API's budget,
	// not the provider's limit of Quiltt's refresh error table.
	r = do(t, s, http.MethodPost, "/v1/accounts/"+quilttest.CheckingAccountID+"/balances/refresh", "Bearer "+s.APIKey(), nil)
	assert.Equal(t, http.StatusTooManyRequests, r.status)
	assertRESTError(t, r, "Too Many Requests", apiLimit)
	r = do(t, s, http.MethodPost, "/v1/graphql", "Bearer "+s.SessionToken(), body)
	assert.Equal(t, http.StatusOK, r.status)

	// The SDK reads the 429 as rate limited, with the wait until reset.
	clk.Add(200 * time.Millisecond)
	c := newClient(t, s, quiltt.WithAPIKey(s.APIKey())).ForProfile(s.ProfileID())
	_, err := c.Accounts(t.Context(), nil)
	assert.ErrorIs(t, err, quiltt.ErrRateLimited)

	clk.Add(time.Second)
	r = do(t, s, http.MethodPost, "/v1/graphql", auth, body)
	assert.Equal(t, http.StatusOK, r.status, "a new window")
	assert.Equal(t, "2", r.header.Get("Ratelimit-Remaining"))
}

func TestOptionsAreChecked(t *testing.T) {
	for name, opt := range map[string]quilttest.Option{
		"nil":            nil,
		"api key":        quilttest.WithAPIKey("has space"),
		"clock":          quilttest.WithClock(nil),
		"delay":          quilttest.WithRefreshDelay(-2 * time.Second),
		"webhook url":    quilttest.WithWebhook("ftp://x", "s"),
		"webhook secret": quilttest.WithWebhook("http://127.0.0.1:1/", ""),
		"rate limit":     quilttest.WithRateLimit(0, time.Second),
		"short window":   quilttest.WithRateLimit(1, time.Millisecond),
		"version":        quilttest.WithAPIVersion("v1"),
		"prefix":         quilttest.WithPathPrefix("no-slash"),
	} {
		t.Run(name, func(t *testing.T) {
			assert.Panics(t, func() { quilttest.NewServer(opt).Close() })
		})
	}
	s := quilttest.NewTestServer(t, quilttest.WithAPIKey("qltt_fixed"), quilttest.WithAPIVersion("2025-06-01"))
	assert.Equal(t, "qltt_fixed", s.APIKey())
	r := do(t, s, http.MethodPost, "/v1/graphql", basic(s, s.ProfileID()), []byte(`{"query":"{ profile { id } }"}`))
	assert.Equal(t, "2025-06-01", r.header.Get("Quiltt-Version"))
}

func TestDataMethodsFail(t *testing.T) {
	s := quilttest.NewTestServer(t)
	assert.Error(t, s.AddProfile(quilttest.Profile{}))
	assert.Error(t, s.AddProfile(quilttest.Profile{ID: quilttest.DefaultProfileID}))
	assert.Error(t, s.AddProfile(quilttest.Profile{ID: "p_bad", Metadata: []byte("{")}))
	assert.Error(t, s.AddAccount("p_nobody", quiltt.Account{ID: "a"}))
	assert.Error(t, s.AddAccount(s.ProfileID(), quiltt.Account{}))
	assert.Error(t, s.AddAccount(s.ProfileID(), quiltt.Account{ID: quilttest.CheckingAccountID}))
	assert.Error(t, s.AddAccount(s.ProfileID(), quiltt.Account{ID: "a", Connection: &quiltt.Connection{ID: quilttest.DefaultConnectionID, Status: "SYNCING"}}))
	_, err := s.SetBalance("nope", quiltt.Balance{})
	assert.Error(t, err)
	assert.Error(t, s.SetRefreshResult("nope", quiltt.Balance{}))
	assert.Error(t, s.SetConnectionStatus("nope", quiltt.ConnectionStatusSynced))
	_, err = s.IssueSessionToken("nope")
	assert.Error(t, err)
	assert.Error(t, s.SetWebhook("not a url", "s"))
	_, ok := s.Account("nope")
	assert.False(t, ok)
	assert.Nil(t, s.Balances("nope"))
}
