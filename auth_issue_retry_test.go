package quiltt_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issuing is retried only where Quiltt cannot have acted on it.
func TestIssueSessionTokenRetries(t *testing.T) {
	created := authAnswer{status: http.StatusCreated, body: authFixture(t, "user_session.json")}
	status := func(code int) authAnswer {
		return authAnswer{status: code, body: []byte(`{"message":"` + http.StatusText(code) + `","instruction":"ours"}`)}
	}
	for name, tc := range map[string]struct {
		answers  []authAnswer
		attempts int
		ok       bool
		unknown  bool
	}{
		"503 then 201: retried":      {[]authAnswer{status(503), created}, 2, true, false},
		"429 then 201: retried":      {[]authAnswer{status(429), created}, 2, true, false},
		"503 four times: 4 attempts": {[]authAnswer{status(503)}, 4, false, false},
		"500: not retried, unknown":  {[]authAnswer{status(500), created}, 1, false, true},
		"502: not retried, unknown":  {[]authAnswer{status(502), created}, 1, false, true},
		"504: not retried, unknown":  {[]authAnswer{status(504), created}, 1, false, true},
		"401: not retried":           {[]authAnswer{status(401), created}, 1, false, false},
		"403: not retried":           {[]authAnswer{status(403), created}, 1, false, false},
		"409: not retried":           {[]authAnswer{status(409), created}, 1, false, false},
		"422: not retried":           {[]authAnswer{status(422), created}, 1, false, false},
		"201 answered at once":       {[]authAnswer{created}, 1, true, false},
		"501: not retried, unknown":  {[]authAnswer{status(501), created}, 1, false, true},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newScriptedAuth(t, tc.answers...)
			s, err := srv.client(t).IssueSessionToken(t.Context(), &quiltt.SessionParams{UserID: testProfile})
			seen := srv.seen()
			assert.Len(t, seen, tc.attempts, "POSTs")
			for _, a := range seen {
				assert.Equal(t, http.MethodPost, a.Method)
				assert.Equal(t, authPrefix+"/v1/users/sessions", a.Path)
				assert.Equal(t, "Bearer "+testAPIKey, a.Auth)
				assert.JSONEq(t, `{"userId":"`+testProfile+`"}`, string(a.Body), "the same body on every attempt")
			}
			if tc.ok {
				require.NoError(t, err)
				assert.Equal(t, testSessionToken, s.Token())
				return
			}
			var e *quiltt.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.attempts, e.Attempts)
			assert.Equal(t, tc.unknown, errors.Is(err, quiltt.ErrOutcomeUnknown))
		})
	}
}

// A lost answer after Quiltt issued the token: the call says the outcome is
// unknown, sends nothing more, and the session did count.
func TestIssueSessionTokenLostAnswerCounts(t *testing.T) {
	srv := newAuthFake(t)
	c := newAuthClient(t, srv)
	p := &quiltt.SessionParams{UserID: quilttest.DefaultProfileID}

	require.NoError(t, srv.FailNext(quilttest.RouteSessionIssue, 1, quilttest.Status(500).ActingFirst()))
	_, err := c.IssueSessionToken(t.Context(), p)
	require.ErrorIs(t, err, quiltt.ErrOutcomeUnknown)
	assert.ErrorIs(t, err, quiltt.ErrServer)
	assert.Contains(t, err.Error(), "outcome unknown")

	require.NoError(t, srv.FailNext(quilttest.RouteSessionIssue, 1, quilttest.DropConnection().ActingFirst()))
	_, err = c.IssueSessionToken(t.Context(), p)
	var te *quiltt.TransportError
	require.ErrorAs(t, err, &te)
	assert.ErrorIs(t, err, quiltt.ErrOutcomeUnknown)
	assert.Equal(t, 1, te.Attempts)
	assert.Equal(t, []quilttest.Route{quilttest.RouteSessionIssue, quilttest.RouteSessionIssue}, routes(srv), "one POST each")

	// Both sessions were issued: 8 more fill the hour's 10.
	for i := range 8 {
		_, err := c.IssueSessionToken(t.Context(), p)
		require.NoError(t, err, "session %d", i+3)
	}
	_, err = c.IssueSessionToken(t.Context(), p)
	assert.ErrorIs(t, err, quiltt.ErrRateLimited, "the 11th of the hour")
}

// A connection that is never made is retried: Quiltt cannot have acted.
func TestIssueSessionTokenRetriesConnectionRefused(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	c, err := quiltt.NewClient(quiltt.WithAuthURL(closed.URL), quiltt.WithAPIKey(testAPIKey),
		quiltt.WithRetryWait(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	_, err = c.IssueSessionToken(t.Context(), &quiltt.SessionParams{UserID: testProfile})
	var te *quiltt.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 4, te.Attempts, "the first attempt and 3 retries")
	assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown)
}
