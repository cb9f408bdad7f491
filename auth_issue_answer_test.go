package quiltt_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A 2xx answer that is not a complete, well-formed UserSession is refused,
// says that a session was issued, and quotes nothing of the body.
func TestIssueSessionTokenMalformedAnswer(t *testing.T) {
	good := authFixture(t, "user_session.json")
	variants := map[string][]byte{
		"not JSON":          []byte(`<html>created</html>`),
		"truncated":         good[:len(good)/2],
		"an array":          []byte(`[` + string(good) + `]`),
		"null":              []byte(`null`),
		"empty object":      []byte(`{}`),
		"empty body":        nil,
		"trailing data":     append(bytes.Clone(good), []byte(`{"more":1}`)...),
		"over the cap":      append([]byte(`{"pad":"`+strings.Repeat("x", 1<<20)+`",`), good[1:]...),
		"token with space":  withKey(t, good, "token", testSessionToken+" x"),
		"token a number":    withKey(t, good, "token", 42),
		"expiration string": withKey(t, good, "expiration", "1767418961"),
		"expiration zero":   withKey(t, good, "expiration", 0),
		"expiration neg":    withKey(t, good, "expiration", -1767418961),
		"expiration bool":   withKey(t, good, "expiration", true),
		"expiresAt a date":  withKey(t, good, "expiresAt", "2026-01-03"),
		"expiresAt number":  withKey(t, good, "expiresAt", 1767418961),
		"userId an object":  withKey(t, good, "userId", map[string]string{"id": "p_1"}),
	}
	// The four keys every example of Quiltt's carries; userUuid and
	// environmentId may be missing (TestIssueSessionTokenDocumentedAnswer).
	for _, key := range []string{"token", "userId", "expiration", "expiresAt"} {
		variants["no "+key] = withoutKey(t, good, key)
		variants[key+" null"] = withKey(t, good, key, nil)
		if key != "expiration" {
			variants[key+" empty"] = withKey(t, good, key, "")
		}
	}
	for name, body := range variants {
		t.Run(name, func(t *testing.T) {
			srv := newScriptedAuth(t, authAnswer{status: http.StatusCreated, body: body})
			s, err := srv.client(t).IssueSessionToken(t.Context(), &quiltt.SessionParams{UserID: testProfile})
			assert.Nil(t, s)
			require.ErrorIs(t, err, quiltt.ErrInvalidResponse)
			assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown)
			assert.Contains(t, err.Error(), "IssueSessionToken")
			assert.Contains(t, err.Error(), "201 Created: a session was issued")
			assert.NotContains(t, err.Error(), testSessionToken)
			assert.NotContains(t, err.Error(), "xxxx", "the body is never quoted")
			assert.Len(t, srv.seen(), 1, "a 2xx is never retried")
		})
	}

	// What the error says is missing.
	srv := newScriptedAuth(t, authAnswer{status: http.StatusCreated, body: withoutKey(t, withKey(t, good, "expiration", "soon"), "userId")})
	_, err := srv.client(t).IssueSessionToken(t.Context(), &quiltt.SessionParams{UserID: testProfile})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no userId")
	assert.Contains(t, err.Error(), "expiration is not a JSON number")
}

// Well-formed variants Quiltt's schema allows decode.
func TestIssueSessionTokenAnswerVariants(t *testing.T) {
	good := authFixture(t, "user_session.json")
	for name, tc := range map[string]struct {
		body       []byte
		expiration time.Time
	}{
		"fixture":             {good, time.Unix(1767418961, 0)},
		"fractional seconds":  {withKey(t, good, "expiration", 1767418961.5), time.Unix(1767418961, 5e8)},
		"exponent":            {withKey(t, good, "expiration", json.Number("1.767418961e9")), time.Unix(1767418961, 0)},
		"an unknown key kept": {withKey(t, good, "scopes", []string{"read"}), time.Unix(1767418961, 0)},
		"200 instead of 201":  {good, time.Unix(1767418961, 0)},
	} {
		t.Run(name, func(t *testing.T) {
			status := http.StatusCreated
			if strings.HasPrefix(name, "200") {
				status = http.StatusOK
			}
			srv := newScriptedAuth(t, authAnswer{status: status, body: tc.body})
			s, err := srv.client(t).IssueSessionToken(t.Context(), &quiltt.SessionParams{UserID: testProfile})
			require.NoError(t, err)
			assert.Equal(t, testSessionToken, s.Token())
			assert.Equal(t, testProfile, s.UserID)
			assert.Equal(t, "018a72f8-5434-7262-a029-a186fb0c5f33", s.UserUUID)
			assert.Equal(t, "env_12dCJfRbJ5qHvqLOUpmYO9", s.EnvironmentID)
			assert.True(t, tc.expiration.Equal(s.Expiration), "%v", s.Expiration)
			assert.True(t, time.Date(2026, 1, 3, 5, 42, 41, 0, time.UTC).Equal(s.ExpiresAt))
		})
	}
}

// withKey returns the JSON object body with key set to v.
func withKey(t *testing.T, body []byte, key string, v any) []byte {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&m))
	m[key] = v
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

// withoutKey returns the JSON object body without key.
func withoutKey(t *testing.T, body []byte, key string) []byte {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&m))
	require.Contains(t, m, key)
	delete(m, key)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}
