package quilttest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gqlVersion posts a GraphQL query as the default profile with a
// Quiltt-Version header ("" for none).
func gqlVersion(t *testing.T, s *quilttest.Server, version, query string) rawResponse {
	t.Helper()
	body, err := json.Marshal(map[string]string{"query": query})
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+"/v1/graphql", strings.NewReader(string(body)))
	require.NoError(t, err)
	req.Header.Set("Authorization", basic(s, s.ProfileID()))
	if version != "" {
		req.Header.Set("Quiltt-Version", version)
	}
	return send(t, s, req)
}

func send(t *testing.T, s *quilttest.Server, req *http.Request) rawResponse {
	t.Helper()
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return rawResponse{status: resp.StatusCode, header: resp.Header, body: b}
}

// API version 2026-04-01 removed Account.type, Account.origin,
// Connection.features, AccountFilter.type and the search argument of
// Connection.accounts: the fake refuses them as a validation error from
// that version on. Earlier versions read the two the April 2025 schema
// snapshot has.
func TestRemovedMembersOf20260401(t *testing.T) {
	var fx struct {
		Removed []struct {
			Member, Field, Query string
			InPre2026Slice       bool
		}
	}
	require.NoError(t, json.Unmarshal(fixture(t, "versions/removed_2026-04-01.json"), &fx))
	require.Len(t, fx.Removed, 5)

	s := quilttest.NewTestServer(t)
	legacy := quilttest.NewTestServer(t, quilttest.WithAPIVersion("2025-04-01")) // the key's version
	for _, m := range fx.Removed {
		t.Run(m.Member, func(t *testing.T) {
			for _, v := range []string{"", "2026-04-01", "2026-09-01"} {
				r := gqlVersion(t, s, v, m.Query)
				require.Equal(t, http.StatusOK, r.status)
				_, hasData, errs := decodeErrors(t, r.body)
				assert.False(t, hasData, "version %q", v)
				require.NotEmpty(t, errs, "version %q: %s", v, r.body)
				assert.Equal(t, "GRAPHQL_VALIDATION_FAILED", errs[0].Extensions["code"])
				assert.Contains(t, errs[0].Message, `"`+m.Field+`"`)
			}
			for name, r := range map[string]rawResponse{
				"2024-01-01":     gqlVersion(t, s, "2024-01-01", m.Query),
				"2025-04-01":     gqlVersion(t, s, "2025-04-01", m.Query),
				"key 2025-04-01": gqlVersion(t, legacy, "", m.Query),
			} {
				data, _, errs := decodeErrors(t, r.body)
				if m.InPre2026Slice {
					assert.Empty(t, errs, "%s: %s", name, r.body)
					assert.Contains(t, string(data), `"`+m.Field+`":`, name)
				} else {
					assert.NotEmpty(t, errs, "%s: never in the slice, refused under every version", name)
				}
			}
		})
	}
	r := gqlVersion(t, s, "2024-01-01", `{ accounts { type origin } }`)
	assert.JSONEq(t, `{"data":{"accounts":[{"type":"CHECKING","origin":"MOCK"},{"type":"CREDIT","origin":"MOCK"}]}}`, string(r.body))
	// The new schema's member is served to every version.
	for _, v := range []string{"2024-01-01", "2026-04-01"} {
		r := gqlVersion(t, s, v, `{ accounts(filter: {connection_status: [UPGRADING]}) { id } }`)
		assert.JSONEq(t, `{"data":{"accounts":[]}}`, string(r.body), v)
	}
}

// Every answer, on both hosts and whatever its status, echoes the
// request's Quiltt-Version, or the key's version when it sends none.
func TestQuilttVersionOnEveryResponse(t *testing.T) {
	s := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh))
	tok, err := s.IssueSessionToken(s.ProfileID())
	require.NoError(t, err)
	type call struct {
		name, base, method, path, auth, body string
		status                               int
	}
	calls := []call{
		{"graphql", s.URL(), "POST", "/v1/graphql", basic(s, s.ProfileID()), `{"query":"{ profile { id } }"}`, 200},
		{"graphql 401", s.URL(), "POST", "/v1/graphql", "", `{"query":"{ profile { id } }"}`, 401},
		{"graphql 400", s.URL(), "POST", "/v1/graphql", basic(s, s.ProfileID()), `[]`, 400},
		{"refresh", s.URL(), "POST", "/v1/accounts/" + quilttest.CheckingAccountID + "/balances/refresh", "Bearer " + s.APIKey(), "", 202},
		{"refresh 404", s.URL(), "POST", "/v1/accounts/acct_nope/balances/refresh", "Bearer " + s.APIKey(), "", 404},
		{"no route", s.URL(), "GET", "/v2/nothing", "", "", 404},
		{"405", s.URL(), "GET", "/v1/graphql", "", "", 405},
		{"issue", s.AuthURL(), "POST", "/v1/users/sessions", "Bearer " + s.APIKey(), `{"userId":"` + quilttest.DefaultProfileID + `"}`, 201},
		{"issue 422", s.AuthURL(), "POST", "/v1/users/sessions", "Bearer " + s.APIKey(), `[]`, 422},
		{"introspect session", s.AuthURL(), "POST", "/v1/introspect/session_token", "Bearer " + tok, "", 200},
		{"introspect key", s.AuthURL(), "POST", "/v1/introspect/api_key", "Bearer " + s.APIKey(), "", 200},
		{"revoke", s.AuthURL(), "DELETE", "/v1/users/session", "Bearer " + tok, "", 204},
		{"revoke 401", s.AuthURL(), "DELETE", "/v1/users/session", "Bearer " + tok, "", 401},
		{"auth no route", s.AuthURL(), "POST", "/v1/graphql", "", "", 404},
	}
	for _, version := range []string{"2024-01-01", "2025-04-01", "2026-04-01", ""} {
		for _, c := range calls {
			if c.name == "revoke" || c.name == "revoke 401" || c.name == "introspect session" {
				if version != "2024-01-01" { // one token, revoked once
					continue
				}
			}
			req, err := http.NewRequestWithContext(t.Context(), c.method, c.base+c.path, strings.NewReader(c.body))
			require.NoError(t, err)
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			if version != "" {
				req.Header.Set("Quiltt-Version", version)
			}
			r := send(t, s, req)
			assert.Equal(t, c.status, r.status, "%s %s", version, c.name)
			want := version
			if want == "" {
				want = quilttest.DefaultAPIVersion
			}
			assert.Equal(t, want, r.header.Get("Quiltt-Version"), "%s %s", version, c.name)
		}
	}
	// Injected faults echo it too.
	require.NoError(t, s.FailNext(quilttest.RouteSessionIssue, 1, quilttest.Status(500)))
	req, err := http.NewRequestWithContext(t.Context(), "POST", s.AuthURL()+"/v1/users/sessions", strings.NewReader(`{}`))
	require.NoError(t, err)
	req.Header.Set("Quiltt-Version", "2025-04-01")
	r := send(t, s, req)
	assert.Equal(t, 500, r.status)
	assert.Equal(t, "2025-04-01", r.header.Get("Quiltt-Version"))
}

// Quiltt answers 403 to a refresh when the account's connection is
// disconnected or in an error state; other statuses, UPGRADING included,
// are refreshed.
func TestRefreshByConnectionStatus(t *testing.T) {
	s := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh))
	path := "/v1/accounts/" + quilttest.CheckingAccountID + "/balances/refresh"
	cases := map[quiltt.ConnectionStatus]int{
		quiltt.ConnectionStatusDisconnected:     http.StatusForbidden,
		quiltt.ConnectionStatusDisconnecting:    http.StatusForbidden,
		quiltt.ConnectionStatusErrorRepairable:  http.StatusForbidden,
		quiltt.ConnectionStatusErrorService:     http.StatusForbidden,
		quiltt.ConnectionStatusErrorProvider:    http.StatusForbidden,
		quiltt.ConnectionStatusErrorInstitution: http.StatusForbidden,
		quiltt.ConnectionStatusSynced:           http.StatusAccepted,
		quiltt.ConnectionStatusSyncing:          http.StatusAccepted,
		quiltt.ConnectionStatusInitializing:     http.StatusAccepted,
		quiltt.ConnectionStatusUpgrading:        http.StatusAccepted,
		"PAUSED":                                http.StatusAccepted, // a status the SDK has never seen
	}
	accepted := 0
	for status, want := range cases {
		t.Run(string(status), func(t *testing.T) {
			require.NoError(t, s.SetConnectionStatus(quilttest.DefaultConnectionID, status))
			r := do(t, s, http.MethodPost, path, "Bearer "+s.APIKey(), nil)
			assert.Equal(t, want, r.status)
			if want == http.StatusForbidden {
				assertRESTError(t, r, "Forbidden", "Account does not belong to an active Connection.")
			} else {
				accepted++
			}
		})
	}
	assert.Equal(t, accepted, s.PendingRefreshes(), "only accepted refreshes are pending")

	// UPGRADING is a status the filters take.
	require.NoError(t, s.SetConnectionStatus(quilttest.DefaultConnectionID, quiltt.ConnectionStatusUpgrading))
	r := gql(t, s, `{ accounts(filter: {connection_status: [UPGRADING]}) { id } }`, nil)
	assert.JSONEq(t, `{"data":{"accounts":[{"id":"`+quilttest.CheckingAccountID+`"},{"id":"`+quilttest.CreditCardAccountID+`"}]}}`, string(r.body))
}
