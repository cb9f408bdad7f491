package quiltt_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

func TestAuthModesAndHeaders(t *testing.T) {
	srv := newGQLServer(t, replyFixture(t, "accounts_full.json"))

	base, err := quiltt.NewClient(
		quiltt.WithBaseURL(srv.baseURL()), quiltt.WithAPIKey(gqlTestKey),
		quiltt.WithAPIVersion("2026-04-01"),
	)
	require.NoError(t, err)
	_, err = base.ForProfile(gqlTestProfile).Accounts(context.Background(), nil)
	require.NoError(t, err)

	session, err := quiltt.NewClient(quiltt.WithBaseURL(srv.baseURL()), quiltt.WithSessionToken(gqlTestToken))
	require.NoError(t, err)
	_, err = session.Accounts(context.Background(), nil)
	require.NoError(t, err)

	reqs := srv.seen()
	require.Len(t, reqs, 2)
	wantBasic := "Basic " + base64.StdEncoding.EncodeToString([]byte(gqlTestProfile+":"+gqlTestKey))
	assert.Equal(t, wantBasic, reqs[0].Header.Get("Authorization"))
	assert.Equal(t, "2026-04-01", reqs[0].Header.Get("Quiltt-Version"))
	assert.Equal(t, "Bearer "+gqlTestToken, reqs[1].Header.Get("Authorization"))
	assert.Empty(t, reqs[1].Header.Get("Quiltt-Version"), "no version unless set")
	for _, r := range reqs {
		assert.Equal(t, gqlTestPrefix+"/v1/graphql", r.Path)
		assert.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), "quiltt-go/"+quiltt.Version+" "), r.Header.Get("User-Agent"))
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	}
}

func TestGraphQLReadsNeedCredentials(t *testing.T) {
	srv := newGQLServer(t, replyFixture(t, "accounts_full.json"))
	keyOnly, err := quiltt.NewClient(quiltt.WithBaseURL(srv.baseURL()), quiltt.WithAPIKey(gqlTestKey))
	require.NoError(t, err)
	tokenOnly, err := quiltt.NewClient(quiltt.WithBaseURL(srv.baseURL()), quiltt.WithSessionToken(gqlTestToken))
	require.NoError(t, err)

	for name, c := range map[string]*quiltt.Client{
		"API key without profile":   keyOnly,
		"empty profile":             keyOnly.ForProfile(""),
		"profile with a colon":      keyOnly.ForProfile("p_1:x"),
		"profile without API key":   tokenOnly.ForProfile(gqlTestProfile),
		"profile with control char": keyOnly.ForProfile("p_1\n"),
	} {
		_, err := c.Accounts(context.Background(), nil)
		assert.ErrorIs(t, err, quiltt.ErrMissingCredentials, name)
		_, err = c.Account(context.Background(), "acct_1")
		assert.ErrorIs(t, err, quiltt.ErrMissingCredentials, name)
		assert.NotContains(t, err.Error(), gqlTestKey, name)
	}
	assert.Empty(t, srv.seen(), "no request without credentials")
}
