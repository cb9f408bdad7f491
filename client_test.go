package quiltt_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

func TestNewClientValidatesEveryOption(t *testing.T) {
	key := quiltt.WithAPIKey(gqlTestKey)
	cases := map[string][]quiltt.Option{
		"no credentials":             {},
		"empty key":                  {quiltt.WithAPIKey("")},
		"key with newline":           {quiltt.WithAPIKey(gqlTestKey + "\n")},
		"key with space":             {quiltt.WithAPIKey("qltt_a b")},
		"empty token":                {quiltt.WithSessionToken("")},
		"unparsable URL":             {key, quiltt.WithBaseURL("http://[::1")},
		"no scheme":                  {key, quiltt.WithBaseURL("api.quiltt.io")},
		"ftp":                        {key, quiltt.WithBaseURL("ftp://api.quiltt.io")},
		"credentials in URL":         {key, quiltt.WithBaseURL("https://user:" + gqlTestKey + "@api.quiltt.io")},
		"query in URL":               {key, quiltt.WithBaseURL("https://api.quiltt.io?x=1")},
		"fragment in URL":            {key, quiltt.WithBaseURL("https://api.quiltt.io#x")},
		"plain http to remote host":  {key, quiltt.WithBaseURL("http://api.quiltt.io")},
		"nil HTTP client":            {key, quiltt.WithHTTPClient(nil)},
		"version not a date":         {key, quiltt.WithAPIVersion("latest")},
		"version impossible date":    {key, quiltt.WithAPIVersion("2026-02-30")},
		"negative retries":           {key, quiltt.WithMaxRetries(-1)},
		"zero min wait":              {key, quiltt.WithRetryWait(0, time.Second)},
		"max below min":              {key, quiltt.WithRetryWait(time.Second, time.Millisecond)},
		"zero rate":                  {key, quiltt.WithRateLimit(0, 1)},
		"zero burst":                 {key, quiltt.WithRateLimit(10, 0)},
		"nil option":                 {key, nil},
		"two bad options, both told": {quiltt.WithAPIKey(""), quiltt.WithMaxRetries(-3)},
	}
	for name, opts := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := quiltt.NewClient(opts...)
			assert.Nil(t, c)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), gqlTestKey, "no secret in the error")
		})
	}
	_, err := quiltt.NewClient(quiltt.WithAPIKey(""), quiltt.WithMaxRetries(-3))
	assert.Contains(t, err.Error(), "WithAPIKey")
	assert.Contains(t, err.Error(), "WithMaxRetries")
	_, err = quiltt.NewClient()
	assert.ErrorIs(t, err, quiltt.ErrMissingCredentials)
}

func TestNewClientAcceptsValidOptions(t *testing.T) {
	c, err := quiltt.NewClient(
		quiltt.WithAPIKey(gqlTestKey),
		quiltt.WithSessionToken(gqlTestToken),
		quiltt.WithBaseURL("https://api.quiltt.io/"),
		quiltt.WithHTTPClient(&http.Client{}),
		quiltt.WithAPIVersion("2026-04-01"),
		quiltt.WithMaxRetries(0),
		quiltt.WithRetryWait(time.Millisecond, time.Millisecond),
		quiltt.WithLogger(nil),
		quiltt.WithRateLimit(rate.Inf, 1),
	)
	require.NoError(t, err)
	assert.Equal(t, "quiltt.Client{https://api.quiltt.io, API key and session token}", c.String())
	for _, h := range []string{"http://127.0.0.1:8080", "http://localhost", "http://[::1]:9/x"} {
		_, err := quiltt.NewClient(quiltt.WithAPIKey(gqlTestKey), quiltt.WithBaseURL(h))
		assert.NoError(t, err, "plain http is fine on loopback: %s", h)
	}
}

func TestClientNeverPrintsItsCredentials(t *testing.T) {
	c, err := quiltt.NewClient(quiltt.WithAPIKey(gqlTestKey), quiltt.WithSessionToken(gqlTestToken))
	require.NoError(t, err)
	p := c.ForProfile(gqlTestProfile)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("client", "c", p, "base", c)
	for _, s := range []string{
		fmt.Sprintf("%v %+v %#v %s %q %x", p, p, p, p, p, p),
		fmt.Sprintf("%v %+v %#v", *p, *p, *c),
		logs.String(),
	} {
		assert.NotContains(t, s, gqlTestKey)
		assert.NotContains(t, s, gqlTestToken)
	}
	assert.Contains(t, p.String(), gqlTestProfile, "the profile ID is not a secret")
	assert.Equal(t, gqlTestProfile, p.ProfileID())
	assert.Empty(t, c.ProfileID())
}

// Credentials go only to the base URL's origin: a redirect to another host
// does not carry them.
func TestRedirectElsewhereCarriesNoCredentials(t *testing.T) {
	var elsewhereAuth atomic.Value
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhereAuth.Store(r.Header.Get("Authorization"))
		reply(w, 200, "application/json", fixture(t, "account_null.json"))
	}))
	t.Cleanup(elsewhere.Close)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/v1/graphql", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(origin.Close)

	c, err := quiltt.NewClient(quiltt.WithBaseURL(origin.URL), quiltt.WithAPIKey(gqlTestKey))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	_, _ = c.ForProfile(gqlTestProfile).Account(context.Background(), "acct_1")
	got, _ := elsewhereAuth.Load().(string)
	assert.Empty(t, got, "no Authorization header across origins")
}

// countingTransport counts round trips and passes them on.
type countingTransport struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func TestWithHTTPClientIsUsedAndNotMutated(t *testing.T) {
	srv := newGQLServer(t, replyFixture(t, "accounts_full.json"))
	tr := &countingTransport{next: http.DefaultTransport}
	jar := http.CookieJar(nil)
	hc := &http.Client{Transport: tr, Timeout: 7 * time.Second, Jar: jar}
	before := *hc
	c := newGQLClient(t, srv, quiltt.WithHTTPClient(hc))
	_, err := c.Accounts(context.Background(), nil)
	require.NoError(t, err)
	assert.EqualValues(t, 1, tr.n.Load(), "the user's transport carried the request")
	assert.Equal(t, before.Transport, hc.Transport)
	assert.Equal(t, before.Timeout, hc.Timeout)
	assert.Nil(t, hc.CheckRedirect)
}

// One client shared by 64 goroutines, under -race.
func TestClientIsSafeForConcurrentUse(t *testing.T) {
	srv := newGQLServer(t, replyFixture(t, "accounts_full.json"))
	c := newGQLClient(t, srv)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := c
			if i%2 == 1 {
				cl = c.ForProfile(fmt.Sprintf("p_%d", i))
			}
			accounts, err := cl.Accounts(context.Background(), nil)
			if err == nil && len(accounts) != 2 {
				err = fmt.Errorf("got %d accounts", len(accounts))
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.EqualValues(t, 64, srv.attempts.Load())
}

// The client-side limiter spaces attempts at the configured rate.
func TestRateLimiterSpacesRequests(t *testing.T) {
	srv := newGQLServer(t, replyFixture(t, "account_no_balance.json"))
	c := newGQLClient(t, srv, quiltt.WithRateLimit(50, 1)) // one every 20ms
	start := time.Now()
	for range 6 {
		_, err := c.Account(context.Background(), "acct_nobal")
		require.NoError(t, err)
	}
	assert.GreaterOrEqual(t, time.Since(start), 90*time.Millisecond, "5 gaps of 20ms")
}

func TestRateLimiterWaitStopsWithContext(t *testing.T) {
	srv := newGQLServer(t, replyFixture(t, "account_no_balance.json"))
	c := newGQLClient(t, srv, quiltt.WithRateLimit(0.01, 1)) // one per 100s
	_, err := c.Account(context.Background(), "acct_nobal")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = c.Account(ctx, "acct_nobal")
	require.Error(t, err)
	assert.EqualValues(t, 1, srv.attempts.Load(), "the second call never went out")
}

// WithAuthURL is checked as WithBaseURL is; a valid one is accepted.
func TestWithAuthURL(t *testing.T) {
	for _, bad := range []string{"", "auth.quiltt.io", "ftp://auth.quiltt.io", "http://auth.quiltt.io", "https://auth.quiltt.io?x=1"} {
		_, err := quiltt.NewClient(quiltt.WithAPIKey(gqlTestKey), quiltt.WithAuthURL(bad))
		assert.Error(t, err, "%q", bad)
	}
	for _, good := range []string{quiltt.DefaultAuthURL, "https://auth.quiltt.io/", "http://127.0.0.1:8081/auth"} {
		_, err := quiltt.NewClient(quiltt.WithAPIKey(gqlTestKey), quiltt.WithAuthURL(good))
		assert.NoError(t, err, good)
	}
}
