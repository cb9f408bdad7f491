package quiltt_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// Quiltt's own examples of the 201 (OpenAPI "Existing Profile",
// quiltt.dev's issuing-session-tokens) carry only token, expiration,
// expiresAt and userId: the Session is handed over, the two other fields
// empty. Introspection reads the same shape.
func TestIssueSessionTokenDocumentedAnswer(t *testing.T) {
	body := authFixture(t, "user_session_documented.json")
	srv := newScriptedAuth(t, authAnswer{status: http.StatusCreated, body: body}, authAnswer{status: http.StatusOK, body: body})
	c := srv.client(t)
	s, err := c.IssueSessionToken(t.Context(), &quiltt.SessionParams{UserID: testProfile})
	require.NoError(t, err)
	assert.Equal(t, "p_12uGLpPexyTkZCcJJntSjb", s.UserID)
	assert.Empty(t, s.UserUUID)
	assert.Empty(t, s.EnvironmentID)
	assert.Equal(t, "eyJTESTTOKEN.c2Vzc2lvbg.sig8d3f", s.Token())
	assert.True(t, s.Expiration.Equal(time.Unix(1767418961, 0)))
	assert.True(t, s.ExpiresAt.Equal(s.Expiration))

	s, err = c.IntrospectSessionToken(t.Context(), testSessionToken)
	require.NoError(t, err)
	assert.Equal(t, "p_12uGLpPexyTkZCcJJntSjb", s.UserID)
}

// userId may come with the fields of a ProfileUpdateRequest (the OpenAPI's
// request body oneOf[0]): the SDK sends them beside it, and the fake sets
// them on the Profile. Addresses carry ISO 3166-1 alpha-3 country codes.
func TestIssueSessionTokenUpdatesAnExistingProfile(t *testing.T) {
	srv := newAuthFake(t)
	c := newAuthClient(t, srv)
	s, err := c.IssueSessionToken(t.Context(), &quiltt.SessionParams{
		UserID:   quilttest.DefaultProfileID,
		Email:    "ada@lovelace.example",
		Name:     "Ada Lovelace",
		Address:  &quiltt.ProfileAddress{City: "Denver", CountryCode: "USA"},
		Metadata: []byte(`{"tier":"gold"}`),
	})
	require.NoError(t, err)
	assert.Equal(t, quilttest.DefaultProfileID, s.UserID)
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.JSONEq(t, `{"userId":"`+quilttest.DefaultProfileID+`","email":"ada@lovelace.example","name":"Ada Lovelace",`+
		`"address":{"city":"Denver","countryCode":"USA"},"metadata":{"tier":"gold"}}`, string(reqs[0].Body))

	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL()+"/v1/graphql",
		strings.NewReader(`{"query":"{ profile { id name email metadata } }"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	g, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.JSONEq(t, `{"data":{"profile":{"id":"`+quilttest.DefaultProfileID+`","name":"Ada Lovelace","email":"ada@lovelace.example","metadata":{"tier":"gold"}}}}`, string(g))

	// An alpha-2 code is not one Quiltt's enum lists.
	_, err = c.IssueSessionToken(t.Context(), &quiltt.SessionParams{Address: &quiltt.ProfileAddress{CountryCode: "US"}})
	var e *quiltt.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusUnprocessableEntity, e.StatusCode)
	assert.Contains(t, e.Validation, "address.countryCode")
}
