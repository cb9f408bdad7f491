package quilttest_test

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// doAuth sends a raw request to the server's auth API and reads the
// answer.
func doAuth(t *testing.T, s *quilttest.Server, method, path, auth string, body []byte) rawResponse {
	t.Helper()
	return sendTo(t, s, method, s.AuthURL()+path, auth, body)
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return b
}

// assertSameShape checks that got has exactly the keys of want, at every
// depth, each with the same JSON type (string, number, bool, null, object,
// array).
func assertSameShape(t *testing.T, want, got []byte) {
	t.Helper()
	var w, g any
	require.NoError(t, json.Unmarshal(want, &w))
	require.NoError(t, json.Unmarshal(got, &g), string(got))
	var walk func(path string, w, g any)
	walk = func(path string, w, g any) {
		switch w := w.(type) {
		case map[string]any:
			gm, ok := g.(map[string]any)
			if !assert.True(t, ok, "%s: want an object, got %T", path, g) {
				return
			}
			assert.ElementsMatch(t, keys(w), keys(gm), "%s: keys", path)
			for k, wv := range w {
				if gv, ok := gm[k]; ok {
					walk(path+"."+k, wv, gv)
				}
			}
		default:
			assert.IsType(t, w, g, "%s: JSON type", path)
		}
	}
	walk("$", w, g)
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// session is a decoded UserSession.
type session struct {
	Token         string
	UserID        string
	UserUUID      string
	EnvironmentID string
	Expiration    int64
	ExpiresAt     time.Time
}

func decodeSession(t *testing.T, r rawResponse) session {
	t.Helper()
	var ss session
	require.NoError(t, json.Unmarshal(r.body, &ss), string(r.body))
	return ss
}

func issue(t *testing.T, s *quilttest.Server, body string) rawResponse {
	t.Helper()
	return doAuth(t, s, http.MethodPost, "/v1/users/sessions", "Bearer "+s.APIKey(), []byte(body))
}

func TestAuthIssueSessionForExistingProfile(t *testing.T) {
	clk := &clock{now: time.Date(2026, 1, 2, 5, 42, 41, 0, time.UTC)}
	s := quilttest.NewTestServer(t, quilttest.WithClock(clk.Now), quilttest.WithPathPrefix("/quiltt"))

	for name, userID := range map[string]string{"ID": quilttest.DefaultProfileID, "UUID": quilttest.DefaultProfileUUID} {
		t.Run(name, func(t *testing.T) {
			r := issue(t, s, `{"userId":"`+userID+`"}`)
			require.Equal(t, http.StatusCreated, r.status, string(r.body))
			assert.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
			assertSameShape(t, fixture(t, "auth/user_session.json"), r.body)
			ss := decodeSession(t, r)
			assert.Equal(t, quilttest.DefaultProfileID, ss.UserID)
			assert.Equal(t, quilttest.DefaultProfileUUID, ss.UserUUID)
			assert.Equal(t, "env_12quiltTestEnvironment", ss.EnvironmentID)
			assert.Equal(t, clk.Now().Add(24*time.Hour).Unix(), ss.Expiration, "24 hours on the fake's clock")
			assert.True(t, ss.ExpiresAt.Equal(time.Unix(ss.Expiration, 0)), "expiresAt is expiration")
			assert.Regexp(t, `"expiration":\d+,`, string(r.body), "a number, not a string")

			// The token reads as the profile.
			g := gqlAs(t, s, "Bearer "+ss.Token, `{ profile { id } }`, nil, "")
			require.Equal(t, http.StatusOK, g.status)
			assert.JSONEq(t, `{"data":{"profile":{"id":"`+quilttest.DefaultProfileID+`"}}}`, string(g.body))
		})
	}
}

func TestAuthIssueSessionCreatesProfile(t *testing.T) {
	s := quilttest.NewTestServer(t)
	r := issue(t, s, string(fixture(t, "auth/issue_new_profile.json")))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	ss := decodeSession(t, r)
	assert.Regexp(t, `^p_[0-9A-Za-z]{22}$`, ss.UserID)
	assert.Equal(t, "0190b3c1-7d4e-7a21-9c3f-5e2d8a6b4f10", ss.UserUUID)

	g := gqlAs(t, s, "Bearer "+ss.Token, `{ profile { id uuid name email metadata } accounts { id } }`, nil, "")
	require.Equal(t, http.StatusOK, g.status)
	assert.JSONEq(t, `{"data":{"profile":{"id":"`+ss.UserID+`","uuid":"0190b3c1-7d4e-7a21-9c3f-5e2d8a6b4f10",`+
		`"name":"Ada","email":"ada@example.com","metadata":{"customer":"c_42"}},"accounts":[]}}`, string(g.body))

	// The same UUID again is taken; an empty body creates a Profile with
	// a UUID of its own.
	r = issue(t, s, `{"uuid":"0190b3c1-7d4e-7a21-9c3f-5e2d8a6b4f10"}`)
	assert.Equal(t, http.StatusUnprocessableEntity, r.status)
	assert.JSONEq(t, `{"uuid":["has already been taken"]}`, string(r.body))
	r = issue(t, s, `{}`)
	require.Equal(t, http.StatusCreated, r.status)
	other := decodeSession(t, r)
	assert.NotEqual(t, ss.UserID, other.UserID)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, other.UserUUID)
}

func TestAuthIssueSessionValidation(t *testing.T) {
	s := quilttest.NewTestServer(t)
	cases := map[string]struct {
		body   string
		fields []string
	}{
		"not JSON":               {`userId=p_1`, []string{"base"}},
		"array":                  {`[{"userId":"p_1"}]`, []string{"base"}},
		"null":                   {`null`, []string{"base"}},
		"trailing value":         {`{} {}`, []string{"base"}},
		"empty body":             {``, []string{"base"}},
		"userId not a string":    {`{"userId":42}`, []string{"userId"}},
		"userId blank":           {`{"userId":""}`, []string{"userId"}},
		"userId unknown":         {`{"userId":"p_nobody"}`, []string{"userId"}},
		"userId and uuid":        {`{"userId":"p_12uGLpPexyTkZCcJJntSjb","uuid":"0190b3c1-7d4e-7a21-9c3f-5e2d8a6b4f10"}`, []string{"uuid"}},
		"userId and bad email":   {`{"userId":"p_12uGLpPexyTkZCcJJntSjb","email":"ada at example"}`, []string{"email"}},
		"bad uuid":               {`{"uuid":"not-a-uuid"}`, []string{"uuid"}},
		"bad email":              {`{"email":"ada at example"}`, []string{"email"}},
		"bad phone":              {`{"phone":"415-555-0123"}`, []string{"phone"}},
		"name not a string":      {`{"name":["Ada"]}`, []string{"name"}},
		"names not an object":    {`{"names":"Ada Lovelace"}`, []string{"names"}},
		"names.first number":     {`{"names":{"first":1}}`, []string{"names.first"}},
		"bad date of birth":      {`{"dateOfBirth":"10/12/1990"}`, []string{"dateOfBirth"}},
		"future date of birth":   {`{"dateOfBirth":"2999-01-01"}`, []string{"dateOfBirth"}},
		"alpha-2 country code":   {`{"address":{"countryCode":"US"}}`, []string{"address.countryCode"}},
		"unlisted country code":  {`{"address":{"countryCode":"CAN"}}`, []string{"address.countryCode"}},
		"address not an object":  {`{"address":[]}`, []string{"address"}},
		"metadata not an object": {`{"metadata":"x"}`, []string{"metadata"}},
		"several":                {`{"email":"x","dateOfBirth":"x"}`, []string{"email", "dateOfBirth"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := issue(t, s, tc.body)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
			var errs map[string][]string
			require.NoError(t, json.Unmarshal(r.body, &errs), "a ValidationErrors body: %s", r.body)
			assert.ElementsMatch(t, tc.fields, slicesKeys(errs))
			for f, msgs := range errs {
				assert.NotEmpty(t, msgs, f)
			}
		})
	}
	// The fixture's example of the shape is what the fake answers for it.
	r := issue(t, s, `{"email":"not an address","dateOfBirth":"1990-13-45"}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	assert.JSONEq(t, string(fixture(t, "auth/422.json")), string(r.body))

	// Nothing was issued or created by a refused request.
	for _, req := range s.Requests() {
		assert.Equal(t, http.StatusUnprocessableEntity, req.StatusCode)
	}
	r = gqlAs(t, s, basic(s, "p_nobody"), `{ profile { id } }`, nil, "")
	assert.Equal(t, http.StatusUnauthorized, r.status)
}

func slicesKeys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
