package quiltt_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Credentials go only to the base URL's origin: a redirect to another host
// does not carry them.
func TestRedirectElsewhereCarriesNoCredentials(t *testing.T) {
	_, elsewhereMux, elsewhere := setup(t)
	gql := handleGraphQL(t, elsewhereMux, func(w http.ResponseWriter, r *gqlRequest, _ int) {
		assert.Empty(t, r.Header.Get("Authorization"), "no Authorization header across origins")
		reply(w, 200, "application/json", fixture(t, "account_null.json"))
	})
	c, mux, _ := setup(t)
	mux.HandleFunc("/v1/graphql", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.baseURL()+"/v1/graphql", http.StatusTemporaryRedirect)
	})

	_, _ = c.Account(context.Background(), "acct_1")
	assert.EqualValues(t, 1, gql.attempts.Load(), "the redirect was followed")
}

func TestAuthModesAndHeaders(t *testing.T) {
	_, mux, srv := setup(t)
	gql := handleGraphQL(t, mux, replyFixture(t, "accounts_full.json"))

	base, err := quiltt.NewClient(
		quiltt.WithBaseURL(srv.baseURL()), quiltt.WithAPIKey(testAPIKey),
		quiltt.WithAPIVersion("2026-04-01"),
	)
	require.NoError(t, err)
	_, err = base.ForProfile(testProfile).Accounts(context.Background(), nil)
	require.NoError(t, err)

	session, err := quiltt.NewClient(quiltt.WithBaseURL(srv.baseURL()), quiltt.WithSessionToken(testSessionToken))
	require.NoError(t, err)
	_, err = session.Accounts(context.Background(), nil)
	require.NoError(t, err)

	reqs := gql.seen()
	require.Len(t, reqs, 2)
	wantBasic := "Basic " + base64.StdEncoding.EncodeToString([]byte(testProfile+":"+testAPIKey))
	assert.Equal(t, wantBasic, reqs[0].Header.Get("Authorization"))
	assert.Equal(t, "2026-04-01", reqs[0].Header.Get("Quiltt-Version"))
	assert.Equal(t, "Bearer "+testSessionToken, reqs[1].Header.Get("Authorization"))
	assert.Empty(t, reqs[1].Header.Get("Quiltt-Version"), "no version unless set")
	for _, r := range reqs {
		assert.Equal(t, basePath+"/v1/graphql", r.Path)
		assert.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), "quiltt-go/"+quiltt.Version+" "), r.Header.Get("User-Agent"))
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	}
}

func TestGraphQLReadsNeedCredentials(t *testing.T) {
	_, mux, srv := setup(t)
	gql := handleGraphQL(t, mux, replyFixture(t, "accounts_full.json"))
	keyOnly, err := quiltt.NewClient(quiltt.WithBaseURL(srv.baseURL()), quiltt.WithAPIKey(testAPIKey))
	require.NoError(t, err)
	tokenOnly, err := quiltt.NewClient(quiltt.WithBaseURL(srv.baseURL()), quiltt.WithSessionToken(testSessionToken))
	require.NoError(t, err)

	for name, c := range map[string]*quiltt.Client{
		"API key without profile":   keyOnly,
		"empty profile":             keyOnly.ForProfile(""),
		"profile with a colon":      keyOnly.ForProfile("p_1:x"),
		"profile without API key":   tokenOnly.ForProfile(testProfile),
		"profile with control char": keyOnly.ForProfile("p_1\n"),
	} {
		_, err := c.Accounts(context.Background(), nil)
		assert.ErrorIs(t, err, quiltt.ErrMissingCredentials, name)
		_, err = c.Account(context.Background(), "acct_1")
		assert.ErrorIs(t, err, quiltt.ErrMissingCredentials, name)
		assert.NotContains(t, err.Error(), testAPIKey, name)
	}
	assert.Empty(t, gql.seen(), "no request without credentials")
}
