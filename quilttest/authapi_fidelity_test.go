package quilttest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt/quilttest"
)

// GET /v1/users/session checks a session token (quiltt.dev,
// managing-session-tokens): 200 while it is valid, 401 once revoked.
func TestAuthCheckSession(t *testing.T) {
	s := quilttest.NewTestServer(t)
	r := issue(t, s, `{"userId":"`+quilttest.DefaultProfileID+`"}`)
	require.Equal(t, http.StatusCreated, r.status)
	tok := "Bearer " + decodeSession(t, r).Token
	r = doAuth(t, s, http.MethodGet, "/v1/users/session", tok, nil)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Empty(t, r.body)
	require.Equal(t, http.StatusNoContent, doAuth(t, s, http.MethodDelete, "/v1/users/session", tok, nil).status)
	r = doAuth(t, s, http.MethodGet, "/v1/users/session", tok, nil)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.JSONEq(t, string(fixture(t, "auth/401_session.json")), string(r.body))
	last := s.Requests()[len(s.Requests())-1]
	assert.Equal(t, quilttest.RouteSessionCheck, last.Route)
}

// userId with ProfileUpdateRequest fields (the OpenAPI's oneOf[0]) issues
// a session and updates the Profile; a refused request updates nothing.
func TestAuthIssueSessionUpdatesProfile(t *testing.T) {
	s := quilttest.NewTestServer(t)
	require.NoError(t, s.SetProfileDeleting(quilttest.DefaultProfileID, true))
	r := issue(t, s, `{"userId":"`+quilttest.DefaultProfileID+`","name":"Refused"}`)
	require.Equal(t, http.StatusConflict, r.status)
	require.NoError(t, s.SetProfileDeleting(quilttest.DefaultProfileID, false))

	r = issue(t, s, `{"userId":"`+quilttest.DefaultProfileID+`","email":"ada@lovelace.example","name":"Ada","metadata":{"tier":"gold"},`+
		`"address":{"countryCode":"USA"}}`)
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	g := gqlAs(t, s, "Bearer "+decodeSession(t, r).Token, `{ profile { id name email metadata } }`, nil, "")
	require.Equal(t, http.StatusOK, g.status)
	assert.JSONEq(t, `{"data":{"profile":{"id":"`+quilttest.DefaultProfileID+`","name":"Ada","email":"ada@lovelace.example","metadata":{"tier":"gold"}}}}`, string(g.body))
}

// The Environment's Profile limit (SetProfileLimit) refuses a new Profile
// 403 with Quiltt's instruction; existing Profiles still get sessions.
func TestAuthProfileLimit(t *testing.T) {
	s := quilttest.NewTestServer(t)
	s.SetProfileLimit(2)
	require.Equal(t, http.StatusCreated, issue(t, s, `{}`).status, "the second Profile")
	r := issue(t, s, `{}`)
	require.Equal(t, http.StatusForbidden, r.status)
	assertRESTError(t, r, "Forbidden", "You have reached the maximum number of Profiles for this Environment.")
	assert.Equal(t, http.StatusCreated, issue(t, s, `{"userId":"`+quilttest.DefaultProfileID+`"}`).status)
	s.SetProfileLimit(0)
	assert.Equal(t, http.StatusCreated, issue(t, s, `{}`).status)
}
