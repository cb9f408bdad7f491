package quiltt_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

func TestNewClientValidatesEveryOption(t *testing.T) {
	key := quiltt.WithAPIKey(testAPIKey)
	cases := map[string][]quiltt.Option{
		"no credentials":             {},
		"empty key":                  {quiltt.WithAPIKey("")},
		"key with newline":           {quiltt.WithAPIKey(testAPIKey + "\n")},
		"key with space":             {quiltt.WithAPIKey("qltt_a b")},
		"empty token":                {quiltt.WithSessionToken("")},
		"unparsable URL":             {key, quiltt.WithBaseURL("http://[::1")},
		"no scheme":                  {key, quiltt.WithBaseURL("api.quiltt.io")},
		"ftp":                        {key, quiltt.WithBaseURL("ftp://api.quiltt.io")},
		"credentials in URL":         {key, quiltt.WithBaseURL("https://user:" + testAPIKey + "@api.quiltt.io")},
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
			assert.NotContains(t, err.Error(), testAPIKey, "no secret in the error")
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
		quiltt.WithAPIKey(testAPIKey),
		quiltt.WithSessionToken(testSessionToken),
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
		_, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey), quiltt.WithBaseURL(h))
		assert.NoError(t, err, "plain http is fine on loopback: %s", h)
	}
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
	tr := &countingTransport{next: http.DefaultTransport}
	jar := http.CookieJar(nil)
	hc := &http.Client{Transport: tr, Timeout: 7 * time.Second, Jar: jar}
	before := *hc
	c, mux, _ := setup(t, quiltt.WithHTTPClient(hc))
	handleGraphQL(t, mux, replyFixture(t, "accounts_full.json"))
	_, err := c.Accounts(context.Background(), nil)
	require.NoError(t, err)
	assert.EqualValues(t, 1, tr.n.Load(), "the user's transport carried the request")
	assert.Equal(t, before.Transport, hc.Transport)
	assert.Equal(t, before.Timeout, hc.Timeout)
	assert.Nil(t, hc.CheckRedirect)
}

// A credential pasted into the wrong option, or into the host or port of a
// URL, never reaches the option's error: it says what is wrong, not what
// was given.
func TestOptionErrorsNeverQuoteTheValue(t *testing.T) {
	key := testAPIKey
	for name, opt := range map[string]quiltt.Option{
		"WithAPIKey, a newline":          quiltt.WithAPIKey(key + "\n"),
		"WithSessionToken, a space":      quiltt.WithSessionToken(key + " x"),
		"WithAPIVersion(key)":            quiltt.WithAPIVersion(key),
		"WithAPIVersion, date and key":   quiltt.WithAPIVersion("2026-04-01" + key),
		"WithBaseURL(key)":               quiltt.WithBaseURL(key),
		"WithBaseURL, key in the port":   quiltt.WithBaseURL("https://api.quiltt.io:" + key),
		"WithBaseURL, key as scheme":     quiltt.WithBaseURL(key + "://api.quiltt.io"),
		"WithBaseURL, key as plain host": quiltt.WithBaseURL("http://" + key + "/v1"),
		"WithBaseURL, key in userinfo":   quiltt.WithBaseURL("https://" + key + "@api.quiltt.io"),
		"WithBaseURL, key in the query":  quiltt.WithBaseURL("https://api.quiltt.io/?k=" + key),
		"WithBaseURL, key, bad escape":   quiltt.WithBaseURL("https://api.quiltt.io/%zz" + key),
		"WithBaseURL, key, bad host":     quiltt.WithBaseURL("https://" + key + "%zz/"),
		"WithBaseURL, key, control char": quiltt.WithBaseURL("https://api.quiltt.io/" + key + "\x7f"),
		"WithAuthURL, key in the port":   quiltt.WithAuthURL("https://auth.quiltt.io:" + key),
		"WithAuthURL, key as plain host": quiltt.WithAuthURL("http://" + key),
		"WithAuthURL, key as fragment":   quiltt.WithAuthURL("https://auth.quiltt.io/#" + key),
	} {
		_, err := quiltt.NewClient(quiltt.WithAPIKey("qltt_a_valid_key"), opt)
		require.Error(t, err, name)
		assert.NotContains(t, err.Error(), key, name)
		assert.NotContains(t, err.Error(), "TESTKEY", name)
	}
}

// WithAuthURL is checked as WithBaseURL is; a valid one is accepted.
func TestWithAuthURL(t *testing.T) {
	for _, bad := range []string{"", "auth.quiltt.io", "ftp://auth.quiltt.io", "http://auth.quiltt.io", "https://auth.quiltt.io?x=1"} {
		_, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey), quiltt.WithAuthURL(bad))
		assert.Error(t, err, "%q", bad)
	}
	for _, good := range []string{quiltt.DefaultAuthURL, "https://auth.quiltt.io/", "http://127.0.0.1:8081/auth"} {
		_, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey), quiltt.WithAuthURL(good))
		assert.NoError(t, err, good)
	}
}
