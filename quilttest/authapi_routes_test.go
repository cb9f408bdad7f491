package quilttest_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every auth route answers 401, with the documented body, to a missing,
// wrong or wrong-kind credential: the routes that take a session token ask
// for one (OpenAPI: "Are you sending a valid and unexpired Session token…").
func TestAuthRoutesUnauthenticated(t *testing.T) {
	s := quilttest.NewTestServer(t)
	wantKey := string(fixture(t, "auth/401.json"))
	wantSession := string(fixture(t, "auth/401_session.json"))
	routes := []struct {
		method, path string
		right        string // the credential the route takes
	}{
		{http.MethodPost, "/v1/users/sessions", "Bearer " + s.APIKey()},
		{http.MethodDelete, "/v1/users/session", "Bearer " + s.SessionToken()},
		{http.MethodGet, "/v1/users/session", "Bearer " + s.SessionToken()},
		{http.MethodPost, "/v1/introspect/session_token", "Bearer " + s.SessionToken()},
		{http.MethodPost, "/v1/introspect/api_key", "Bearer " + s.APIKey()},
	}
	for _, rt := range routes {
		wrongKind := "Bearer " + s.SessionToken()
		if strings.HasSuffix(rt.right, s.SessionToken()) {
			wrongKind = "Bearer " + s.APIKey()
		}
		for name, auth := range map[string]string{
			"none":       "",
			"wrong":      "Bearer qltt_wrong",
			"wrong kind": wrongKind,
			"basic":      basic(s, s.ProfileID()),
		} {
			t.Run(rt.path+" "+name, func(t *testing.T) {
				r := doAuth(t, s, rt.method, rt.path, auth, []byte(`{"userId":"`+quilttest.DefaultProfileID+`"}`))
				assert.Equal(t, http.StatusUnauthorized, r.status)
				want := wantKey
				if strings.HasSuffix(rt.right, s.SessionToken()) {
					want = wantSession
				}
				assert.JSONEq(t, want, string(r.body))
			})
		}
	}
	// The default token still works: nothing above revoked it.
	r := doAuth(t, s, http.MethodPost, "/v1/introspect/session_token", "Bearer "+s.SessionToken(), nil)
	assert.Equal(t, http.StatusOK, r.status)
}

// A Profile is issued 10 sessions an hour and 20 a day, on the fake's
// clock; the Go helper's tokens do not count.
func TestAuthSessionLimits(t *testing.T) {
	clk := &clock{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	s := quilttest.NewTestServer(t, quilttest.WithClock(clk.Now))
	body := `{"userId":"` + quilttest.DefaultProfileID + `"}`
	for range 5 {
		_, err := s.IssueSessionToken(quilttest.DefaultProfileID)
		require.NoError(t, err)
	}
	issued := 0
	issueUntilRefused := func() int {
		n := 0
		for {
			r := issue(t, s, body)
			if r.status != http.StatusCreated {
				require.Equal(t, http.StatusTooManyRequests, r.status, string(r.body))
				assertRESTError(t, r, "Too Many Requests", "The Profile has reached its limit of sessions (10 an hour, 20 a day). Please try again later.")
				wait, err := strconv.Atoi(r.header.Get("Retry-After"))
				require.NoError(t, err, "Retry-After in seconds")
				assert.Positive(t, wait)
				assert.LessOrEqual(t, wait, 24*3600)
				return n
			}
			n++
			require.Less(t, n, 30, "no limit enforced")
		}
	}
	n := issueUntilRefused()
	assert.Equal(t, 10, n, "10 an hour")
	issued += n
	clk.Add(59 * time.Minute)
	assert.Equal(t, 0, issueUntilRefused(), "still within the hour")
	clk.Add(time.Minute)
	n = issueUntilRefused()
	assert.Equal(t, 10, n, "a new hour")
	issued += n
	clk.Add(time.Hour)
	assert.Equal(t, 0, issueUntilRefused(), "20 a day")
	clk.Add(22 * time.Hour) // 24 hours after the first ten
	assert.Equal(t, 10, issueUntilRefused(), "the first ten have left the day")
	assert.Equal(t, 20, issued)

	// Another Profile has limits of its own.
	r := issue(t, s, `{}`)
	assert.Equal(t, http.StatusCreated, r.status)
}

func TestAuthProfileBeingDeleted(t *testing.T) {
	s := quilttest.NewTestServer(t)
	require.NoError(t, s.SetProfileDeleting(quilttest.DefaultProfileUUID, true))
	r := issue(t, s, `{"userId":"`+quilttest.DefaultProfileID+`"}`)
	assert.Equal(t, http.StatusConflict, r.status)
	assertRESTError(t, r, "Conflict", "Profile is currently being deleted")
	require.NoError(t, s.SetProfileDeleting(quilttest.DefaultProfileID, false))
	r = issue(t, s, `{"userId":"`+quilttest.DefaultProfileID+`"}`)
	assert.Equal(t, http.StatusCreated, r.status)
	assert.Error(t, s.SetProfileDeleting("p_nobody", true))
}

func TestAuthRevokeAndIntrospectSession(t *testing.T) {
	clk := &clock{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	s := quilttest.NewTestServer(t, quilttest.WithClock(clk.Now))
	r := issue(t, s, `{"userId":"`+quilttest.DefaultProfileID+`"}`)
	require.Equal(t, http.StatusCreated, r.status)
	issued := r.body
	tok := "Bearer " + decodeSession(t, r).Token

	r = doAuth(t, s, http.MethodPost, "/v1/introspect/session_token", tok, nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, string(issued), string(r.body), "the same UserSession")
	assertSameShape(t, fixture(t, "auth/user_session.json"), r.body)

	r = doAuth(t, s, http.MethodDelete, "/v1/users/session", tok, nil)
	assert.Equal(t, http.StatusNoContent, r.status)
	assert.Empty(t, r.body)
	for name, r := range map[string]rawResponse{
		"GraphQL":       gqlAs(t, s, tok, `{ profile { id } }`, nil, ""),
		"introspection": doAuth(t, s, http.MethodPost, "/v1/introspect/session_token", tok, nil),
		"second revoke": doAuth(t, s, http.MethodDelete, "/v1/users/session", tok, nil),
	} {
		assert.Equal(t, http.StatusUnauthorized, r.status, name)
	}

	// Tokens expire after 24 hours on the fake's clock, the start-up one
	// too.
	r = issue(t, s, `{"userId":"`+quilttest.DefaultProfileID+`"}`)
	require.Equal(t, http.StatusCreated, r.status)
	tok = "Bearer " + decodeSession(t, r).Token
	clk.Add(24*time.Hour - time.Second)
	assert.Equal(t, http.StatusOK, gqlAs(t, s, tok, `{ profile { id } }`, nil, "").status)
	clk.Add(time.Second)
	assert.Equal(t, http.StatusUnauthorized, gqlAs(t, s, tok, `{ profile { id } }`, nil, "").status)
	assert.Equal(t, http.StatusUnauthorized, doAuth(t, s, http.MethodPost, "/v1/introspect/session_token", tok, nil).status)
	assert.Equal(t, http.StatusUnauthorized, gqlAs(t, s, "Bearer "+s.SessionToken(), `{ profile { id } }`, nil, "").status)
}

func TestAuthIntrospectAPIKey(t *testing.T) {
	s := quilttest.NewTestServer(t, quilttest.WithAPIVersion("2025-04-01"))
	r := doAuth(t, s, http.MethodPost, "/v1/introspect/api_key", "Bearer "+s.APIKey(), nil)
	require.Equal(t, http.StatusOK, r.status)
	assertSameShape(t, fixture(t, "auth/api_key.json"), r.body)
	var info struct {
		ID, Name, APIVersion string
		Environment          struct{ ID, Name, Mode string }
	}
	require.NoError(t, json.Unmarshal(r.body, &info))
	assert.Regexp(t, `^key_[0-9A-Za-z]{22}$`, info.ID)
	assert.Equal(t, "2025-04-01", info.APIVersion, "the key's version (WithAPIVersion)")
	assert.Equal(t, "TEST", info.Environment.Mode)
	assert.Equal(t, "env_12quiltTestEnvironment", info.Environment.ID)
	assert.NotContains(t, string(r.body), s.APIKey())
}

// The API and the auth API are two hosts: neither serves the other's
// routes, and each route takes one method.
func TestAuthRoutesLiveOnTheAuthHost(t *testing.T) {
	s := quilttest.NewTestServer(t)
	assert.NotEqual(t, s.URL(), s.AuthURL())
	for _, path := range []string{"/v1/users/sessions", "/v1/users/session", "/v1/introspect/session_token", "/v1/introspect/api_key"} {
		r := do(t, s, http.MethodPost, path, "Bearer "+s.APIKey(), []byte(`{}`))
		assert.Equal(t, http.StatusNotFound, r.status, "API host: "+path)
	}
	r := doAuth(t, s, http.MethodPost, "/v1/graphql", basic(s, s.ProfileID()), []byte(`{"query":"{ profile { id } }"}`))
	assert.Equal(t, http.StatusNotFound, r.status)
	r = doAuth(t, s, http.MethodPost, "/v1/accounts/"+quilttest.CheckingAccountID+"/balances/refresh", "Bearer "+s.APIKey(), nil)
	assert.Equal(t, http.StatusNotFound, r.status)

	for path, allowed := range map[string]string{
		"/v1/users/sessions":           http.MethodPost,
		"/v1/users/session":            "GET, DELETE",
		"/v1/introspect/session_token": http.MethodPost,
		"/v1/introspect/api_key":       http.MethodPost,
	} {
		r := doAuth(t, s, http.MethodPut, path, "Bearer "+s.APIKey(), nil)
		assert.Equal(t, http.StatusMethodNotAllowed, r.status, path)
		assert.Equal(t, allowed, r.header.Get("Allow"), path)
		assertRESTError(t, r, "Method Not Allowed", "This endpoint takes "+allowed+".")
	}
}

// Faults reach the auth routes: a refused issue issues nothing; one that
// acts first issues (and counts) a session whose answer is lost.
func TestAuthFaults(t *testing.T) {
	s := quilttest.NewTestServer(t)
	body := `{"userId":"` + quilttest.DefaultProfileID + `"}`
	require.NoError(t, s.FailNext(quilttest.RouteSessionIssue, 1, quilttest.Status(503)))
	r := issue(t, s, body)
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Contains(t, string(r.body), `"errorId":"`)

	require.NoError(t, s.FailNext(quilttest.RouteSessionIssue, 1, quilttest.Status(502).ActingFirst()))
	r = issue(t, s, body)
	assert.Equal(t, http.StatusBadGateway, r.status)

	for range 9 { // ten counted: the acting fault's and these nine
		require.Equal(t, http.StatusCreated, issue(t, s, body).status)
	}
	assert.Equal(t, http.StatusTooManyRequests, issue(t, s, body).status, "the lost answer's session counted; the refused one did not")

	require.NoError(t, s.FailNext(quilttest.RouteAPIKeyIntrospect, 1, quilttest.DropConnection()))
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.AuthURL()+"/v1/introspect/api_key", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.APIKey())
	resp, err := s.Client().Do(req)
	if err == nil {
		resp.Body.Close()
	}
	assert.Error(t, err, "the connection was dropped")
	assert.Error(t, s.FailNext("sessions", 1, quilttest.Status(500)), "unknown route")
}

// The request log keeps an issue's body and how it authenticated, never a
// credential or an issued token.
func TestAuthRequestLog(t *testing.T) {
	s := quilttest.NewTestServer(t)
	r := issue(t, s, `{"userId":"`+quilttest.DefaultProfileID+`"}`)
	require.Equal(t, http.StatusCreated, r.status)
	tok := decodeSession(t, r).Token
	doAuth(t, s, http.MethodDelete, "/v1/users/session", "Bearer "+tok, nil)

	reqs := s.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, quilttest.RouteSessionIssue, reqs[0].Route)
	assert.Equal(t, quilttest.AuthAPIKey, reqs[0].Auth)
	assert.JSONEq(t, `{"userId":"`+quilttest.DefaultProfileID+`"}`, string(reqs[0].Body))
	assert.Equal(t, quilttest.RouteSessionRevoke, reqs[1].Route)
	assert.Equal(t, quilttest.AuthSessionToken, reqs[1].Auth)
	assert.Equal(t, quilttest.DefaultProfileID, reqs[1].ProfileID)
	assert.Equal(t, http.StatusNoContent, reqs[1].StatusCode)
	all, err := json.Marshal(reqs)
	require.NoError(t, err)
	assert.NotContains(t, string(all), tok)
	assert.NotContains(t, string(all), s.APIKey())
}
