package quiltt_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newProfileParams is the SessionParams of testdata/auth/issue_new_profile.json.
func newProfileParams() *quiltt.SessionParams {
	return &quiltt.SessionParams{
		UUID:        "0190b3c1-7d4e-7a21-9c3f-5e2d8a6b4f10",
		Email:       "ada@example.com",
		Phone:       "+14155550123",
		Name:        "Ada",
		Names:       &quiltt.ProfileNames{First: "Ada", Last: "Lovelace"},
		DateOfBirth: "1990-12-10",
		Address: &quiltt.ProfileAddress{
			Line1: "1 Analytical Way", Line2: "Suite 2", City: "Denver", State: "CO", PostalCode: "80202", CountryCode: "USA",
		},
		Metadata: json.RawMessage(`{"customer": "c_42"}`),
	}
}

func TestIssueSessionTokenExistingProfile(t *testing.T) {
	srv := newAuthFake(t)
	c := newAuthClient(t, srv)
	for _, userID := range []string{quilttest.DefaultProfileID, quilttest.DefaultProfileUUID} {
		t.Run(userID, func(t *testing.T) {
			srv.ResetRequests()
			s, err := c.IssueSessionToken(t.Context(), &quiltt.SessionParams{UserID: userID})
			require.NoError(t, err)
			assert.Equal(t, quilttest.DefaultProfileID, s.UserID)
			assert.Equal(t, quilttest.DefaultProfileUUID, s.UserUUID)
			assert.Equal(t, "env_12quiltTestEnvironment", s.EnvironmentID)
			end := authTestNow.Add(24 * time.Hour)
			assert.True(t, end.Equal(s.Expiration), "expiration: %v", s.Expiration)
			assert.True(t, end.Equal(s.ExpiresAt), "expiresAt: %v", s.ExpiresAt)
			assert.True(t, strings.HasPrefix(s.Token(), "eyJ"), "a JWT-shaped token")

			reqs := srv.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, quilttest.RouteSessionIssue, reqs[0].Route)
			assert.Equal(t, http.MethodPost, reqs[0].Method)
			assert.Equal(t, authPrefix+"/v1/users/sessions", reqs[0].Path)
			assert.Equal(t, quilttest.AuthAPIKey, reqs[0].Auth)
			assert.Equal(t, "application/json", reqs[0].Header.Get("Content-Type"))
			assert.JSONEq(t, `{"userId":"`+userID+`"}`, string(reqs[0].Body))
			if userID == quilttest.DefaultProfileID {
				assert.JSONEq(t, string(authFixture(t, "issue_existing_profile.json")), string(reqs[0].Body))
			}

			// The token reads the Profile's accounts.
			reader, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL()), quiltt.WithSessionToken(s.Token()))
			require.NoError(t, err)
			defer reader.CloseIdleConnections()
			accounts, err := reader.Accounts(t.Context(), nil)
			require.NoError(t, err)
			assert.Len(t, accounts, 2)
		})
	}
}

func TestIssueSessionTokenNewProfile(t *testing.T) {
	srv := newAuthFake(t)
	c := newAuthClient(t, srv)
	s, err := c.IssueSessionToken(t.Context(), newProfileParams())
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(s.UserID, "p_"), s.UserID)
	assert.NotEqual(t, quilttest.DefaultProfileID, s.UserID, "a new Profile")
	assert.Equal(t, "0190b3c1-7d4e-7a21-9c3f-5e2d8a6b4f10", s.UserUUID)

	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.JSONEq(t, string(authFixture(t, "issue_new_profile.json")), string(reqs[0].Body),
		"every field of ProfileCreateRequest, as the OpenAPI names it")

	// No field at all: a new, empty Profile.
	srv.ResetRequests()
	s2, err := c.IssueSessionToken(t.Context(), &quiltt.SessionParams{})
	require.NoError(t, err)
	assert.NotEqual(t, s.UserID, s2.UserID)
	reqs = srv.Requests()
	require.Len(t, reqs, 1)
	assert.JSONEq(t, `{}`, string(reqs[0].Body))
}

// Params that cannot make a valid request are refused before anything is
// sent, without quoting any value.
func TestIssueSessionTokenRefusesParams(t *testing.T) {
	srv := newScriptedAuth(t, authAnswer{status: http.StatusCreated, body: authFixture(t, "user_session.json")})
	c := srv.client(t)
	for name, tc := range map[string]struct {
		p    *quiltt.SessionParams
		says []string
	}{
		"nil":                {nil, []string{"nil", "&SessionParams{}"}},
		"userId and uuid":    {&quiltt.SessionParams{UserID: "p_1", UUID: "0190b3c1-7d4e-7a21-9c3f-5e2d8a6b4f10"}, []string{"cannot be combined with UUID"}},
		"userId and all":     {withUserID(newProfileParams()), []string{"cannot be combined with UUID"}},
		"uuid":               {&quiltt.SessionParams{UUID: "0190b3c1-7d4e-7a21-9c3f-5e2d8a6b4f1"}, []string{"UUID is not a UUID"}},
		"uuid not hex":       {&quiltt.SessionParams{UUID: "0190b3c1-7d4e-7a21-9c3f-5e2d8a6b4f1x"}, []string{"UUID is not a UUID"}},
		"date of birth":      {&quiltt.SessionParams{DateOfBirth: "10/12/1990"}, []string{"DateOfBirth is not a YYYY-MM-DD date"}},
		"date of birth day":  {&quiltt.SessionParams{DateOfBirth: "1990-02-30"}, []string{"DateOfBirth"}},
		"metadata array":     {&quiltt.SessionParams{Metadata: json.RawMessage(`["x"]`)}, []string{"Metadata is not a JSON object"}},
		"metadata null":      {&quiltt.SessionParams{Metadata: json.RawMessage(`null`)}, []string{"Metadata is not a JSON object"}},
		"metadata invalid":   {&quiltt.SessionParams{Metadata: json.RawMessage(`{"a":`)}, []string{"Metadata is not a JSON object"}},
		"not UTF-8":          {&quiltt.SessionParams{Name: "Ada\xff"}, []string{"Name is not UTF-8"}},
		"address not UTF-8":  {&quiltt.SessionParams{Address: &quiltt.ProfileAddress{City: "\xc3"}}, []string{"Address.City is not UTF-8"}},
		"several at once":    {&quiltt.SessionParams{UUID: "x", DateOfBirth: "y"}, []string{"UUID is not a UUID", "DateOfBirth"}},
		"userId not UTF-8":   {&quiltt.SessionParams{UserID: "p_\xff"}, []string{"UserID is not UTF-8"}},
		"names last not UTF": {&quiltt.SessionParams{Names: &quiltt.ProfileNames{Last: "\xff"}}, []string{"Names.Last is not UTF-8"}},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := c.IssueSessionToken(t.Context(), tc.p)
			assert.Nil(t, s)
			require.ErrorIs(t, err, quiltt.ErrInvalidSessionParams)
			assert.Contains(t, err.Error(), "IssueSessionToken")
			for _, say := range tc.says {
				assert.Contains(t, err.Error(), say)
			}
			assert.NotContains(t, err.Error(), "secret-mail", "no value is quoted")
		})
	}
	assert.Empty(t, srv.seen(), "nothing was sent")
}

func withUserID(p *quiltt.SessionParams) *quiltt.SessionParams {
	p.UserID = "p_1"
	return p
}

// Every documented error answer of the fake's issue route: 401, 403 (the
// Environment's Profile limit), 409 (a Profile being deleted), 422, and
// 429 past the Profile's session limit.
func TestIssueSessionTokenErrorAnswers(t *testing.T) {
	srv := newAuthFake(t)
	c := newAuthClient(t, srv)
	issueURL := srv.AuthURL() + "/v1/users/sessions"
	existing := &quiltt.SessionParams{UserID: quilttest.DefaultProfileID}

	t.Run("401", func(t *testing.T) {
		bad := newAuthClient(t, srv, quiltt.WithAPIKey("qltt_not_the_key"))
		_, err := bad.IssueSessionToken(t.Context(), existing)
		var e *quiltt.Error
		require.ErrorAs(t, err, &e)
		var want struct{ Message, Instruction string }
		require.NoError(t, json.Unmarshal(authFixture(t, "401.json"), &want))
		assert.Equal(t, http.StatusUnauthorized, e.StatusCode)
		assert.Equal(t, want.Message, e.Message)
		assert.Equal(t, want.Instruction, e.Instruction)
		assert.Equal(t, "IssueSessionToken", e.Op)
		assert.Equal(t, http.MethodPost, e.Method)
		assert.Equal(t, issueURL, e.URL)
		assert.Equal(t, 1, e.Attempts)
		assert.ErrorIs(t, err, quiltt.ErrUnauthorized)
		assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown)
	})

	t.Run("429 session limit", func(t *testing.T) {
		p := &quiltt.SessionParams{UserID: quilttest.DefaultProfileUUID}
		for i := range 10 {
			_, err := c.IssueSessionToken(t.Context(), p)
			require.NoError(t, err, "session %d of the hour", i+1)
		}
		srv.ResetRequests()
		_, err := c.IssueSessionToken(t.Context(), p)
		var e *quiltt.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, http.StatusTooManyRequests, e.StatusCode, "past the Profile's session limit: 429 (quiltt.dev)")
		assert.ErrorIs(t, err, quiltt.ErrRateLimited)
		assert.NotErrorIs(t, err, quiltt.ErrForbidden)
		assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown)
		assert.Contains(t, e.Instruction, "limit of sessions")
		assert.Greater(t, e.RetryAfter, time.Minute, "the wait for the next session")
		assert.Len(t, srv.Requests(), 1, "a wait over a minute is not slept on")
	})

	t.Run("403 profile limit", func(t *testing.T) {
		fresh := newAuthFake(t)
		fc := newAuthClient(t, fresh)
		fresh.SetProfileLimit(1) // the default Profile fills it
		_, err := fc.IssueSessionToken(t.Context(), &quiltt.SessionParams{Email: "ada@example.com"})
		var e *quiltt.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, http.StatusForbidden, e.StatusCode)
		assert.ErrorIs(t, err, quiltt.ErrForbidden)
		assert.Equal(t, "Forbidden", e.Message)
		assert.Contains(t, e.Instruction, "maximum number of Profiles for this Environment")
		_, err = fc.IssueSessionToken(t.Context(), existing)
		assert.NoError(t, err, "an existing Profile still gets sessions")
	})

	t.Run("409 profile being deleted", func(t *testing.T) {
		fresh := newAuthFake(t)
		fc := newAuthClient(t, fresh)
		require.NoError(t, fresh.SetProfileDeleting(quilttest.DefaultProfileID, true))
		_, err := fc.IssueSessionToken(t.Context(), existing)
		var e *quiltt.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, http.StatusConflict, e.StatusCode)
		assert.ErrorIs(t, err, quiltt.ErrConflict)
		assert.NotErrorIs(t, err, quiltt.ErrForbidden)
		assert.NotErrorIs(t, err, quiltt.ErrBadRequest)
		assert.Contains(t, err.Error(), "409 Conflict")
		assert.Len(t, fresh.Requests(), 1, "a 409 is not retried")
	})

	t.Run("422 field errors", func(t *testing.T) {
		_, err := c.IssueSessionToken(t.Context(), &quiltt.SessionParams{Email: "not an email", DateOfBirth: "2990-01-01"})
		var e *quiltt.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, http.StatusUnprocessableEntity, e.StatusCode)
		assert.ErrorIs(t, err, quiltt.ErrBadRequest)
		assert.Equal(t, map[string][]string{
			"email":       {"is not an email address"},
			"dateOfBirth": {"is in the future"},
		}, e.Validation)

		_, err = c.IssueSessionToken(t.Context(), &quiltt.SessionParams{UserID: "p_nobody"})
		require.ErrorAs(t, err, &e)
		assert.Equal(t, []string{"does not match a Profile"}, e.Validation["userId"])
	})
}

// The 422 fixture decodes into Error.Validation, field by field.
func TestIssueSessionToken422Fixture(t *testing.T) {
	srv := newScriptedAuth(t, authAnswer{status: http.StatusUnprocessableEntity, body: authFixture(t, "422.json")})
	_, err := srv.client(t).IssueSessionToken(t.Context(), &quiltt.SessionParams{Email: "x"})
	var e *quiltt.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, map[string][]string{
		"email":       {"is not an email address"},
		"dateOfBirth": {"is not a date (YYYY-MM-DD)"},
	}, e.Validation)
	assert.Contains(t, err.Error(), "dateOfBirth: is not a date (YYYY-MM-DD); email: is not an email address")
	assert.Len(t, srv.seen(), 1)
}

func TestIssueSessionTokenNeedsAPIKey(t *testing.T) {
	srv := newScriptedAuth(t, authAnswer{status: http.StatusCreated, body: authFixture(t, "user_session.json")})
	c, err := quiltt.NewClient(quiltt.WithAuthURL(srv.URL), quiltt.WithSessionToken(testSessionToken))
	require.NoError(t, err)
	_, err = c.IssueSessionToken(t.Context(), &quiltt.SessionParams{UserID: testProfile})
	assert.ErrorIs(t, err, quiltt.ErrMissingCredentials)
	_, err = c.IntrospectAPIKey(t.Context())
	assert.ErrorIs(t, err, quiltt.ErrMissingCredentials)
	assert.Empty(t, srv.seen())
}
