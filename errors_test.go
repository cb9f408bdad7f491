package quiltt_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHTTPErrorsBecomeTypedErrors(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		ctype       string
		body        []byte
		headers     []string
		attempts    int // the server must see exactly this many
		sentinel    error
		message     string
		instruction string
		errorID     string
	}{
		{name: "401", status: 401, ctype: "application/json", body: fixture(t, "error_401.json"), attempts: 1,
			sentinel: quiltt.ErrUnauthorized, message: "Not Authenticated",
			instruction: "Are you sending a valid API Key secret in the `Authorization` header?"},
		{name: "403 empty body", status: 403, attempts: 1, sentinel: quiltt.ErrForbidden, message: "Forbidden"},
		{name: "404", status: 404, ctype: "application/json", body: []byte(`{"message":"Not Found"}`), attempts: 1,
			sentinel: quiltt.ErrNotFound, message: "Not Found"},
		{name: "400", status: 400, ctype: "application/json", body: []byte(`{"message":"Bad Request","instruction":"x"}`), attempts: 1,
			sentinel: quiltt.ErrBadRequest, message: "Bad Request", instruction: "x"},
		{name: "429 retried to exhaustion", status: 429, ctype: "application/json", body: fixture(t, "error_429.json"),
			headers: []string{"Ratelimit-Limit", "25", "Ratelimit-Remaining", "0"}, attempts: 4,
			sentinel: quiltt.ErrRateLimited, message: "Too Many Requests",
			instruction: "The Connection provider's rate limit has been exceeded. Please try again later."},
		{name: "500 with errorId", status: 500, ctype: "application/json", body: fixture(t, "error_500.json"), attempts: 4,
			sentinel: quiltt.ErrServer, message: "Internal Server Error", errorID: "d3bb4c7b-3f0a-41a9-975c-b3f1aaa4bca3",
			instruction: "Something went wrong on our side. Please contact support with the errorId."},
		{name: "500 with error_id", status: 500, ctype: "application/json", body: fixture(t, "error_500_snake.json"), attempts: 4,
			sentinel: quiltt.ErrServer, message: "Internal Server Error", errorID: "d3bb4c7b-3f0a-41a9-975c-b3f1aaa4bca3",
			instruction: "Something went wrong on our side."},
		{name: "502 html from a proxy", status: 502, ctype: "text/html", body: fixture(t, "proxy_502.html"), attempts: 4,
			sentinel: quiltt.ErrServer, message: "Bad Gateway"},
		{name: "503 truncated json", status: 503, ctype: "application/json", body: []byte(`{"message":"Serv`), attempts: 4,
			sentinel: quiltt.ErrServer, message: "Service Unavailable"},
		{name: "501 not retried", status: 501, attempts: 1, sentinel: quiltt.ErrServer, message: "Not Implemented"},
		{name: "graphql errors on a 401", status: 401, ctype: "application/json",
			body: []byte(`{"errors":[{"message":"Token expired","extensions":{"code":"UNAUTHENTICATED"}}]}`), attempts: 1,
			sentinel: quiltt.ErrUnauthorized, message: "Token expired"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			client, mux, srv := setup(t)
			gql := handleGraphQL(t, mux, func(w http.ResponseWriter, _ *gqlRequest, _ int) {
				reply(w, tc.status, tc.ctype, tc.body, tc.headers...)
			})
			accounts, err := client.Accounts(context.Background(), nil)
			assert.Nil(t, accounts)
			var e *quiltt.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.status, e.StatusCode)
			assert.ErrorIs(t, err, tc.sentinel)
			assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown, "reads never have an unknown outcome")
			assert.Equal(t, tc.message, e.Message)
			assert.Equal(t, tc.instruction, e.Instruction)
			assert.Equal(t, tc.errorID, e.ErrorID)
			assert.Equal(t, tc.attempts, e.Attempts)
			assert.Equal(t, tc.attempts, int(gql.attempts.Load()), "attempts the server saw")
			assert.Equal(t, "Accounts", e.Op)
			assert.Equal(t, http.MethodPost, e.Method)
			assert.Equal(t, srv.baseURL()+"/v1/graphql", e.URL)
			assert.Contains(t, err.Error(), "Accounts")
			assert.Contains(t, err.Error(), strconv.Itoa(tc.status))
			assert.NotContains(t, err.Error(), "<html>", "never the raw body")
		})
	}
}

// Wrapping a sentinel does not repeat the package's prefix: "quiltt: Op:
// missing credentials: …", not "quiltt: Op: quiltt: missing credentials".
func TestErrorsSayQuilttOnce(t *testing.T) {
	closed := refusedBaseURL(t)
	keyOnly, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey), quiltt.WithBaseURL(closed), quiltt.WithMaxRetries(0))
	require.NoError(t, err)
	tokenOnly, err := quiltt.NewClient(quiltt.WithSessionToken(testSessionToken), quiltt.WithBaseURL(closed))
	require.NoError(t, err)
	var zero quiltt.Client
	ctx := context.Background()
	_, errNoCredentials := quiltt.NewClient()
	_, errNoProfile := keyOnly.Accounts(ctx, nil)
	_, errBadProfile := keyOnly.ForProfile("p:1").Account(ctx, "acct_1")
	_, errProfileNoKey := tokenOnly.ForProfile(testProfile).Accounts(ctx, nil)
	_, errZero := zero.Accounts(ctx, nil)
	for name, err := range map[string]error{
		"NewClient without credentials": errNoCredentials,
		"REST without an API key":       tokenOnly.RefreshBalance(ctx, "acct_1"),
		"GraphQL without a profile":     errNoProfile,
		"a malformed profile":           errBadProfile,
		"ForProfile without an API key": errProfileNoKey,
		"the zero Client":               errZero,
		"a refused connection":          keyOnly.RefreshBalance(ctx, "acct_1"),
	} {
		require.Error(t, err, name)
		assert.Equal(t, 1, strings.Count(err.Error(), "quiltt:"), "%s: %v", name, err)
	}
	assert.ErrorIs(t, errBadProfile, quiltt.ErrMissingCredentials)
}
