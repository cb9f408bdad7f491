package quiltt_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRevokeSessionToken(t *testing.T) {
	srv := newAuthFake(t)
	tok, err := srv.IssueSessionToken(quilttest.DefaultProfileID)
	require.NoError(t, err)
	// A client with a session token of its own, and no API key: it revokes
	// the token it is given, not its own.
	c := newTokenAuthClient(t, srv, srv.SessionToken())

	require.NoError(t, c.RevokeSessionToken(t.Context(), tok))
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, quilttest.RouteSessionRevoke, reqs[0].Route)
	assert.Equal(t, http.MethodDelete, reqs[0].Method)
	assert.Equal(t, authPrefix+"/v1/users/session", reqs[0].Path)
	assert.Equal(t, quilttest.AuthSessionToken, reqs[0].Auth)
	assert.Equal(t, http.StatusNoContent, reqs[0].StatusCode)
	assert.Empty(t, reqs[0].Header.Get("Content-Type"), "no body")

	// The revoked token no longer reads; the client's own still does.
	revoked := newTokenAuthClient(t, srv, tok)
	_, err = revoked.Accounts(t.Context(), nil)
	assert.ErrorIs(t, err, quiltt.ErrUnauthorized)
	_, err = c.Accounts(t.Context(), nil)
	require.NoError(t, err)

	// Revoking it again: 401, not retried.
	srv.ResetRequests()
	err = c.RevokeSessionToken(t.Context(), tok)
	var e *quiltt.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusUnauthorized, e.StatusCode)
	assert.ErrorIs(t, err, quiltt.ErrUnauthorized)
	assert.Equal(t, "RevokeSessionToken", e.Op)
	assert.Equal(t, http.MethodDelete, e.Method)
	assert.Equal(t, srv.AuthURL()+"/v1/users/session", e.URL)
	assert.Equal(t, 1, e.Attempts)
	assert.Len(t, srv.Requests(), 1)

	// A client with only an API key revokes too.
	tok2, err := srv.IssueSessionToken(quilttest.DefaultProfileID)
	require.NoError(t, err)
	require.NoError(t, newAuthClient(t, srv).RevokeSessionToken(t.Context(), tok2))
}

// Revoking is safe to repeat: retried as a read.
func TestRevokeSessionTokenRetries(t *testing.T) {
	noContent := authAnswer{status: http.StatusNoContent}
	status := func(code int) authAnswer { return authAnswer{status: code, body: []byte(`{"message":"m"}`)} }
	for name, tc := range map[string]struct {
		answers  []authAnswer
		attempts int
		ok       bool
	}{
		"500 then 204: retried":      {[]authAnswer{status(500), noContent}, 2, true},
		"503, 502 then 204":          {[]authAnswer{status(503), status(502), noContent}, 3, true},
		"429 then 204":               {[]authAnswer{status(429), noContent}, 2, true},
		"500 four times: 4 attempts": {[]authAnswer{status(500)}, 4, false},
		"401: not retried":           {[]authAnswer{status(401), noContent}, 1, false},
		"200 with a body":            {[]authAnswer{{status: 200, body: []byte(`{"ok":true}`)}}, 1, true},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newScriptedAuth(t, tc.answers...)
			err := srv.client(t).RevokeSessionToken(t.Context(), testSessionToken)
			seen := srv.seen()
			assert.Len(t, seen, tc.attempts, "DELETEs")
			for _, a := range seen {
				assert.Equal(t, http.MethodDelete, a.Method)
				assert.Equal(t, authPrefix+"/v1/users/session", a.Path)
				assert.Equal(t, "Bearer "+testSessionToken, a.Auth, "the token given, not the API key")
			}
			if tc.ok {
				assert.NoError(t, err)
				return
			}
			var e *quiltt.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.attempts, e.Attempts)
			assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown, "a revocation is safe to repeat")
		})
	}
}

// The answer of a revocation is lost after Quiltt revoked: the retry gets
// 401, which the doc tells callers to read as "gone".
func TestRevokeSessionTokenLostAnswer(t *testing.T) {
	srv := newAuthFake(t)
	tok, err := srv.IssueSessionToken(quilttest.DefaultProfileID)
	require.NoError(t, err)
	require.NoError(t, srv.FailNext(quilttest.RouteSessionRevoke, 1, quilttest.Status(500).ActingFirst()))
	err = newAuthClient(t, srv).RevokeSessionToken(t.Context(), tok)
	assert.ErrorIs(t, err, quiltt.ErrUnauthorized)
	assert.Equal(t, []quilttest.Route{quilttest.RouteSessionRevoke, quilttest.RouteSessionRevoke}, routes(srv))
	_, err = newTokenAuthClient(t, srv, tok).Accounts(t.Context(), nil)
	assert.ErrorIs(t, err, quiltt.ErrUnauthorized, "the token is gone")
}

func TestIntrospectSessionToken(t *testing.T) {
	srv := newAuthFake(t)
	c := newAuthClient(t, srv)
	issued, err := c.IssueSessionToken(t.Context(), &quiltt.SessionParams{UserID: quilttest.DefaultProfileID})
	require.NoError(t, err)

	srv.ResetRequests()
	s, err := c.IntrospectSessionToken(t.Context(), issued.Token())
	require.NoError(t, err)
	assert.Equal(t, issued.Token(), s.Token())
	assert.Equal(t, issued.UserID, s.UserID)
	assert.Equal(t, issued.UserUUID, s.UserUUID)
	assert.Equal(t, issued.EnvironmentID, s.EnvironmentID)
	assert.True(t, issued.Expiration.Equal(s.Expiration))
	assert.True(t, issued.ExpiresAt.Equal(s.ExpiresAt))
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, quilttest.RouteSessionIntrospect, reqs[0].Route)
	assert.Equal(t, http.MethodPost, reqs[0].Method)
	assert.Equal(t, authPrefix+"/v1/introspect/session_token", reqs[0].Path)
	assert.Equal(t, quilttest.AuthSessionToken, reqs[0].Auth)

	// Revoked, or never issued: 401, not retried.
	require.NoError(t, c.RevokeSessionToken(t.Context(), issued.Token()))
	for _, tok := range []string{issued.Token(), "eyJhbGciOiJIUzI1NiJ9.unknown.token"} {
		srv.ResetRequests()
		_, err = c.IntrospectSessionToken(t.Context(), tok)
		var e *quiltt.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, http.StatusUnauthorized, e.StatusCode)
		assert.ErrorIs(t, err, quiltt.ErrUnauthorized)
		assert.Equal(t, "IntrospectSessionToken", e.Op)
		assert.Len(t, srv.Requests(), 1)
	}
}

func TestIntrospectSessionTokenAnswers(t *testing.T) {
	good := authFixture(t, "user_session.json")
	for name, tc := range map[string]struct {
		answers  []authAnswer
		attempts int
		invalid  bool
	}{
		"200":                    {[]authAnswer{{200, good}}, 1, false},
		"500 then 200: retried":  {[]authAnswer{{500, nil}, {200, good}}, 2, false},
		"503 then 200: retried":  {[]authAnswer{{503, nil}, {200, good}}, 2, false},
		"200 without expiresAt":  {[]authAnswer{{200, withoutKey(t, good, "expiresAt")}}, 1, true},
		"200 with a null token":  {[]authAnswer{{200, withKey(t, good, "token", nil)}}, 1, true},
		"200 not a JSON object":  {[]authAnswer{{200, []byte(`"` + testSessionToken + `"`)}}, 1, true},
		"200 expiration string":  {[]authAnswer{{200, withKey(t, good, "expiration", "x")}}, 1, true},
		"200 userUuid as number": {[]authAnswer{{200, withKey(t, good, "userUuid", 7)}}, 1, true},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newScriptedAuth(t, tc.answers...)
			s, err := srv.client(t).IntrospectSessionToken(t.Context(), testSessionToken)
			seen := srv.seen()
			assert.Len(t, seen, tc.attempts)
			for _, a := range seen {
				assert.Equal(t, http.MethodPost, a.Method)
				assert.Equal(t, authPrefix+"/v1/introspect/session_token", a.Path)
				assert.Equal(t, "Bearer "+testSessionToken, a.Auth)
				assert.Empty(t, a.Body)
			}
			if !tc.invalid {
				require.NoError(t, err)
				assert.Equal(t, testProfile, s.UserID)
				return
			}
			require.ErrorIs(t, err, quiltt.ErrInvalidResponse)
			assert.Contains(t, err.Error(), "IntrospectSessionToken")
			assert.NotContains(t, err.Error(), "a session was issued", "only issuing issues")
			assert.NotContains(t, err.Error(), testSessionToken)
		})
	}
}

// Tokens given as arguments are checked as WithSessionToken checks its own,
// before anything is sent, and never quoted.
func TestSessionTokenArgumentsAreChecked(t *testing.T) {
	srv := newScriptedAuth(t, authAnswer{status: http.StatusNoContent})
	c := srv.client(t)
	for name, tok := range map[string]string{
		"empty":     "",
		"space":     "eyJsecret token",
		"newline":   "eyJsecret\n",
		"tab":       "\teyJsecret",
		"NUL":       "eyJsecret\x00",
		"DEL":       "eyJsecret\x7f",
		"only a sp": " ",
	} {
		t.Run(name, func(t *testing.T) {
			err := c.RevokeSessionToken(t.Context(), tok)
			require.ErrorIs(t, err, quiltt.ErrInvalidSessionToken)
			assert.Contains(t, err.Error(), "RevokeSessionToken")
			_, err2 := c.IntrospectSessionToken(t.Context(), tok)
			require.ErrorIs(t, err2, quiltt.ErrInvalidSessionToken)
			assert.Contains(t, err2.Error(), "IntrospectSessionToken")
			for _, e := range []error{err, err2} {
				assert.NotContains(t, e.Error(), "eyJsecret")
			}
		})
	}
	assert.Empty(t, srv.seen(), "nothing was sent")
}

func TestIntrospectAPIKey(t *testing.T) {
	srv := newAuthFake(t)
	c := newAuthClient(t, srv)
	info, err := c.IntrospectAPIKey(t.Context())
	require.NoError(t, err)
	assert.NotEmpty(t, info.ID)
	assert.Equal(t, "quilttest", info.Name)
	assert.Equal(t, quilttest.DefaultAPIVersion, info.APIVersion)
	assert.Nil(t, info.Metadata, "null")
	assert.Equal(t, quiltt.Environment{ID: "env_12quiltTestEnvironment", Name: "quilttest", Mode: quiltt.EnvironmentModeTest}, info.Environment)
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, quilttest.RouteAPIKeyIntrospect, reqs[0].Route)
	assert.Equal(t, http.MethodPost, reqs[0].Method)
	assert.Equal(t, authPrefix+"/v1/introspect/api_key", reqs[0].Path)
	assert.Equal(t, quilttest.AuthAPIKey, reqs[0].Auth)

	// A key set to another version says so.
	old := newAuthFake(t, quilttest.WithAPIVersion("2025-04-01"))
	info, err = newAuthClient(t, old).IntrospectAPIKey(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "2025-04-01", info.APIVersion)

	// A key the fake does not know: 401.
	_, err = newAuthClient(t, srv, quiltt.WithAPIKey("qltt_not_the_key")).IntrospectAPIKey(t.Context())
	var e *quiltt.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusUnauthorized, e.StatusCode)
	assert.ErrorIs(t, err, quiltt.ErrUnauthorized)
	assert.Equal(t, "IntrospectAPIKey", e.Op)
	assert.Equal(t, srv.AuthURL()+"/v1/introspect/api_key", e.URL)
}

func TestIntrospectAPIKeyAnswers(t *testing.T) {
	good := authFixture(t, "api_key.json")
	env := func(v any) []byte { return withKey(t, good, "environment", v) }
	for name, tc := range map[string]struct {
		answers  []authAnswer
		attempts int
		invalid  bool
	}{
		"fixture":                   {[]authAnswer{{200, good}}, 1, false},
		"502 then 200: retried":     {[]authAnswer{{502, nil}, {200, good}}, 2, false},
		"no id":                     {[]authAnswer{{200, withoutKey(t, good, "id")}}, 1, true},
		"empty id":                  {[]authAnswer{{200, withKey(t, good, "id", "")}}, 1, true},
		"no environment":            {[]authAnswer{{200, withoutKey(t, good, "environment")}}, 1, true},
		"environment null":          {[]authAnswer{{200, env(nil)}}, 1, true},
		"environment without id":    {[]authAnswer{{200, env(map[string]any{"name": "Production", "mode": "PRODUCTION"})}}, 1, true},
		"environment a string":      {[]authAnswer{{200, env("env_1")}}, 1, true},
		"mode a number":             {[]authAnswer{{200, env(map[string]any{"id": "env_1", "mode": 3})}}, 1, true},
		"apiVersion a number":       {[]authAnswer{{200, withKey(t, good, "apiVersion", 20260401)}}, 1, true},
		"not JSON":                  {[]authAnswer{{200, []byte(`ok`)}}, 1, true},
		"an unknown mode is kept":   {[]authAnswer{{200, env(map[string]any{"id": "env_1", "mode": "STAGING"})}}, 1, false},
		"name and version optional": {[]authAnswer{{200, []byte(`{"id":"key_1","environment":{"id":"env_1"}}`)}}, 1, false},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newScriptedAuth(t, tc.answers...)
			info, err := srv.client(t).IntrospectAPIKey(t.Context())
			seen := srv.seen()
			assert.Len(t, seen, tc.attempts)
			for _, a := range seen {
				assert.Equal(t, http.MethodPost, a.Method)
				assert.Equal(t, authPrefix+"/v1/introspect/api_key", a.Path)
				assert.Equal(t, "Bearer "+testAPIKey, a.Auth)
			}
			if tc.invalid {
				require.ErrorIs(t, err, quiltt.ErrInvalidResponse)
				assert.Contains(t, err.Error(), "IntrospectAPIKey")
				return
			}
			require.NoError(t, err)
			switch name {
			case "fixture", "502 then 200: retried":
				assert.Equal(t, &quiltt.APIKeyInfo{
					ID:          "key_12dCJfRbJ5qHvqLOUpmYO9",
					Name:        "Production backend",
					APIVersion:  "2026-04-01",
					Metadata:    json.RawMessage(`{"team":"payments"}`),
					Environment: quiltt.Environment{ID: "env_12dCJfRbJ5qHvqLOUpmYO9", Name: "Production", Mode: quiltt.EnvironmentModeProduction},
				}, info)
			case "an unknown mode is kept":
				assert.Equal(t, quiltt.EnvironmentMode("STAGING"), info.Environment.Mode)
			default:
				assert.Equal(t, "key_1", info.ID)
				assert.Equal(t, "env_1", info.Environment.ID)
				assert.Empty(t, info.APIVersion)
			}
		})
	}
}

// newTokenAuthClient builds a client for the fake with only a session token.
func newTokenAuthClient(t *testing.T, srv *quilttest.Server, token string) *quiltt.Client {
	t.Helper()
	c, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL()), quiltt.WithAuthURL(srv.AuthURL()), quiltt.WithSessionToken(token))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}
