package quilttest_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"strings"
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
