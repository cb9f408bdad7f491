package quilttest_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAuthModes(t *testing.T) {
	s := quilttest.NewTestServer(t)
	query := []byte(`{"query":"{ profile { id } }"}`)
	refresh := "/v1/accounts/" + quilttest.CheckingAccountID + "/balances/refresh"
	cases := []struct {
		name       string
		auth       string
		gqlStatus  int
		restStatus int
	}{
		{"Basic profile ID", basic(s, s.ProfileID()), 200, 401},
		{"Basic profile UUID", basic(s, quilttest.DefaultProfileUUID), 200, 401},
		{"session token", "Bearer " + s.SessionToken(), 200, 401},
		{"Bearer API key", "Bearer " + s.APIKey(), 401, 202},
		{"lowercase scheme", "bearer " + s.APIKey(), 401, 202},
		{"none", "", 401, 401},
		{"Basic wrong secret", "Basic " + base64.StdEncoding.EncodeToString([]byte(s.ProfileID()+":qltt_wrong")), 401, 401},
		{"Basic unknown profile", basic(s, "p_nobody"), 401, 401},
		{"Basic not base64", "Basic !!!", 401, 401},
		{"Basic without colon", "Basic " + base64.StdEncoding.EncodeToString([]byte(s.APIKey())), 401, 401},
		{"Bearer unknown", "Bearer qltt_wrong", 401, 401},
		{"scheme only", "Bearer", 401, 401},
		{"other scheme", "Token " + s.APIKey(), 401, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, http.MethodPost, "/v1/graphql", tc.auth, query)
			assert.Equal(t, tc.gqlStatus, r.status, "GraphQL")
			if tc.gqlStatus == 401 {
				assertRESTError(t, r, "Not Authenticated", "Are you sending a valid API Key secret in the `Authorization` header?")
			}
			r = do(t, s, http.MethodPost, refresh, tc.auth, nil)
			assert.Equal(t, tc.restStatus, r.status, "refresh")
			if tc.restStatus == 401 {
				assertRESTError(t, r, "Not Authenticated", "Are you sending a valid API Key secret in the `Authorization` header?")
			}
		})
	}
}

// The request log records how each request authenticated, never the
// credential itself.
func TestRequestLogRedactsCredentials(t *testing.T) {
	s := quilttest.NewTestServer(t)
	do(t, s, http.MethodPost, "/v1/graphql", basic(s, s.ProfileID()), []byte(`{"query":"query Me { profile { id } }","operationName":"Me"}`))
	do(t, s, http.MethodPost, "/v1/graphql", "Bearer "+s.SessionToken(), []byte(`{"query":"{ profile { id } }"}`))
	do(t, s, http.MethodPost, "/v1/accounts/acct_nope/balances/refresh", "Bearer "+s.APIKey(), nil)
	do(t, s, http.MethodGet, "/v1/graphql", "Bearer wrong", nil)
	do(t, s, http.MethodPost, "/v2/elsewhere", "", nil)

	reqs := s.Requests()
	require.Len(t, reqs, 5)
	assert.Equal(t, quilttest.AuthBasic, reqs[0].Auth)
	assert.Equal(t, quilttest.DefaultProfileID, reqs[0].ProfileID)
	assert.Equal(t, "Me", reqs[0].OperationName)
	assert.Equal(t, "query Me { profile { id } }", reqs[0].Query)
	assert.Equal(t, quilttest.RouteGraphQL, reqs[0].Route)
	assert.Equal(t, 200, reqs[0].StatusCode)
	assert.Equal(t, quilttest.AuthSessionToken, reqs[1].Auth)
	assert.Equal(t, quilttest.AuthAPIKey, reqs[2].Auth)
	assert.Equal(t, quilttest.RouteRefresh, reqs[2].Route)
	assert.Equal(t, "acct_nope", reqs[2].AccountID)
	assert.Equal(t, 404, reqs[2].StatusCode)
	assert.Equal(t, quilttest.AuthInvalid, reqs[3].Auth)
	assert.Equal(t, 405, reqs[3].StatusCode)
	assert.Equal(t, quilttest.Route(""), reqs[4].Route)
	assert.Equal(t, 404, reqs[4].StatusCode)

	all, err := json.Marshal(reqs)
	require.NoError(t, err)
	assert.NotContains(t, string(all), s.APIKey())
	assert.NotContains(t, string(all), s.SessionToken())
	assert.NotContains(t, string(all), base64.StdEncoding.EncodeToString([]byte(s.ProfileID()+":"+s.APIKey())))
	assert.Equal(t, "Basic [redacted]", reqs[0].Header.Get("Authorization"))

	s.ResetRequests()
	assert.Empty(t, s.Requests())
}

// Every answer carries the rate-limit headers and echoes Quiltt-Version.
func TestCommonHeaders(t *testing.T) {
	s := quilttest.NewTestServer(t)
	r := do(t, s, http.MethodPost, "/v1/graphql", basic(s, s.ProfileID()), []byte(`{"query":"{ profile { id } }"}`))
	assert.Equal(t, quilttest.DefaultAPIVersion, r.header.Get("Quiltt-Version"))
	assert.Equal(t, "25", r.header.Get("Ratelimit-Limit"))
	assert.NotEmpty(t, r.header.Get("Ratelimit-Remaining"))
	assert.NotEmpty(t, r.header.Get("Ratelimit-Reset"))

	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+"/v1/graphql", nil)
	require.NoError(t, err)
	req.Header.Set("Quiltt-Version", "2025-01-15")
	req.Header.Set("Authorization", "Bearer "+s.SessionToken())
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, "2025-01-15", resp.Header.Get("Quiltt-Version"))
	assert.Equal(t, "100", resp.Header.Get("Ratelimit-Limit"), "session tokens have Quiltt's larger budget")
}

// assertRESTError checks a Quiltt error body.
func assertRESTError(t *testing.T, r rawResponse, message, instruction string) {
	t.Helper()
	var body map[string]string
	require.NoError(t, json.Unmarshal(r.body, &body), string(r.body))
	assert.Equal(t, message, body["message"])
	if instruction != "" {
		assert.Equal(t, instruction, body["instruction"])
	}
}
