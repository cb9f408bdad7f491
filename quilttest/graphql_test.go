package quilttest_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The default seed answers the balances doc page's sample query with the
// page's own sample response, amounts written exactly.
func TestGraphQLDocPageSample(t *testing.T) {
	s := quilttest.NewTestServer(t)
	query, err := os.ReadFile("testdata/balances-doc-query.graphql")
	require.NoError(t, err)
	want, err := os.ReadFile("testdata/balances-doc-response.json")
	require.NoError(t, err)

	r := gql(t, s, string(query), nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, string(want), string(r.body))
	assert.Contains(t, string(r.body), `"current":3141.59`)
	assert.Contains(t, string(r.body), `"limit":-15000`)
	assert.Contains(t, string(r.body), `"available":null`)
}

func TestGraphQLArbitrarySelections(t *testing.T) {
	s := quilttest.NewTestServer(t)
	cases := []struct {
		name, query string
		vars        map[string]any
		want        string
	}{
		{
			name:  "aliases and typename, in selection order",
			query: `{ a: account(id: "acct_12vAFU1c4t514E40Nb9NTW") { __typename nm: name id balance { lim: limit current } } }`,
			want:  `{"data":{"a":{"__typename":"Account","nm":"Premium Credit Card","id":"acct_12vAFU1c4t514E40Nb9NTW","balance":{"lim":-15000,"current":-2134.34}}}}`,
		},
		{
			name: "named and inline fragments merge with fields",
			query: `query Q { accounts { ...A ... on Account { kind } balance { id } } }
				fragment A on Account { id balance { ...B } }
				fragment B on Balance { source at }`,
			want: `{"data":{"accounts":[
				{"id":"acct_12sf19AeKaWfukStXAL7nN","balance":{"source":"SYNC","at":"2024-06-09T07:40:20Z","id":"bal_12v6sGb87FS28QIGWVgnnm"},"kind":"DEPOSITORY"},
				{"id":"acct_12vAFU1c4t514E40Nb9NTW","balance":{"source":"SYNC","at":"2024-06-01T18:55:35Z","id":"bal_12vbv96FYbSi0EP4H7hgVt"},"kind":"CREDIT"}]}}`,
		},
		{
			name:  "the same field twice under two aliases",
			query: `{ x: account(id: "acct_12sf19AeKaWfukStXAL7nN") { name } y: account(id: "nope") { name } }`,
			want:  `{"data":{"x":{"name":"Premium Checking"},"y":null}}`,
		},
		{
			name: "every Account, Institution and Connection field",
			query: `{ account(id: "acct_12sf19AeKaWfukStXAL7nN") { id name kind mask currencyCode verified state provider
				taxonomy transactedFirstOn transactedLastOn metadata institution { __typename id name }
				connection { __typename id provider status accounts { id } } } }`,
			want: `{"data":{"account":{"id":"acct_12sf19AeKaWfukStXAL7nN","name":"Premium Checking","kind":"DEPOSITORY","mask":"4321",
				"currencyCode":"USD","verified":true,"state":"OPEN","provider":"MOCK",
				"taxonomy":["ASSET","DEPOSITORY","SPENDING"],"transactedFirstOn":"2023-01-03","transactedLastOn":"2024-06-08","metadata":null,
				"institution":{"__typename":"Institution","id":"inst_12sf0ZtPfzD5Xa6sQzWgCn","name":"Quiltt Mock Bank"},
				"connection":{"__typename":"Connection","id":"conn_12sf0ZyZT2qPeXHVZr5pvx","provider":"MOCK","status":"SYNCED",
				"accounts":[{"id":"acct_12sf19AeKaWfukStXAL7nN"},{"id":"acct_12vAFU1c4t514E40Nb9NTW"}]}}}}`,
		},
		{
			name:  "variables, @skip and @include",
			query: `query ($id: ID!, $withBalance: Boolean = false, $noName: Boolean!) { account(id: $id) { id name @skip(if: $noName) balance @include(if: $withBalance) { id } } }`,
			vars:  map[string]any{"id": "acct_12sf19AeKaWfukStXAL7nN", "noName": true},
			want:  `{"data":{"account":{"id":"acct_12sf19AeKaWfukStXAL7nN"}}}`,
		},
		{
			name:  "profile, connections and the root typename",
			query: `{ __typename profile { id uuid email metadata } connections { id } connection(id: "conn_12sf0ZyZT2qPeXHVZr5pvx") { status } none: connection(id: "x") { id } }`,
			want: `{"data":{"__typename":"Query","profile":{"id":"p_12uGLpPexyTkZCcJJntSjb","uuid":"018a72f8-5434-7262-a029-a186fb0c5f33","email":"quilttest@example.com","metadata":null},
				"connections":[{"id":"conn_12sf0ZyZT2qPeXHVZr5pvx"}],"connection":{"status":"SYNCED"},"none":null}}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := gql(t, s, tc.query, tc.vars)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.JSONEq(t, tc.want, string(r.body))
		})
	}
}

// JSONEq ignores member order; the fake must keep the selection's.
func TestGraphQLKeepsSelectionOrder(t *testing.T) {
	s := quilttest.NewTestServer(t)
	r := gql(t, s, `{ account(id: "acct_12vAFU1c4t514E40Nb9NTW") { name id balance { limit available current at } } }`, nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, `{"data":{"account":{"name":"Premium Credit Card","id":"acct_12vAFU1c4t514E40Nb9NTW",`+
		`"balance":{"limit":-15000,"available":12665.66,"current":-2134.34,"at":"2024-06-01T18:55:35Z"}}}}`, string(r.body))
}

func TestGraphQLInvalidQueries(t *testing.T) {
	s := quilttest.NewTestServer(t)
	cases := []struct {
		name, query, opName string
		vars                map[string]any
		code                string
		msg                 string
	}{
		{name: "balances is not a field", query: `{ accounts { balances { id } } }`, code: "GRAPHQL_VALIDATION_FAILED", msg: "balances"},
		{name: "unknown argument", query: `{ accounts(first: 2) { id } }`, code: "GRAPHQL_VALIDATION_FAILED", msg: "first"},
		{name: "missing required argument", query: `{ account { id } }`, code: "GRAPHQL_VALIDATION_FAILED", msg: "id"},
		{name: "object without selection", query: `{ accounts }`, code: "GRAPHQL_VALIDATION_FAILED", msg: "accounts"},
		{name: "bad enum in filter", query: `{ accounts(filter: {kind: [CHECKING]}) { id } }`, code: "GRAPHQL_VALIDATION_FAILED", msg: "CHECKING"},
		{name: "fragment on wrong type", query: `{ accounts { ...F } } fragment F on Balance { id }`, code: "GRAPHQL_VALIDATION_FAILED", msg: "F"},
		{name: "mutation", query: `mutation { accounts { id } }`, code: "GRAPHQL_VALIDATION_FAILED", msg: "mutation"},
		{name: "syntax error", query: `{ accounts { id `, code: "GRAPHQL_PARSE_FAILED", msg: "Expected"},
		{name: "empty query", query: ``, code: "GRAPHQL_PARSE_FAILED", msg: "No query"},
		{name: "missing variable", query: `query ($id: ID!) { account(id: $id) { id } }`, code: "BAD_USER_INPUT", msg: "id"},
		{name: "variable of the wrong type", query: `query ($v: Boolean) { accounts(filter: {verified: $v}) { id } }`, vars: map[string]any{"v": "yes"}, code: "BAD_USER_INPUT", msg: "v"},
		{name: "two operations, no name", query: `query A { profile { id } } query B { profile { id } }`, code: "BAD_USER_INPUT", msg: "operation name"},
		{name: "unknown operation name", query: `query A { profile { id } }`, opName: "B", code: "BAD_USER_INPUT", msg: "B"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := gqlAs(t, s, basic(s, s.ProfileID()), tc.query, tc.vars, tc.opName)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			_, hasData, errs := decodeErrors(t, r.body)
			assert.False(t, hasData, "no data for a request that cannot run")
			require.NotEmpty(t, errs)
			assert.Equal(t, tc.code, errs[0].Extensions["code"])
			assert.Contains(t, errs[0].Message, tc.msg)
		})
	}
}

func TestGraphQLMalformedBodies(t *testing.T) {
	s := quilttest.NewTestServer(t)
	auth := basic(s, s.ProfileID())
	for name, body := range map[string]string{
		"not JSON":        `query { profile { id } }`,
		"array":           `[{"query":"{ profile { id } }"}]`,
		"query not text":  `{"query":42}`,
		"variables array": `{"query":"{ profile { id } }","variables":[1]}`,
		"trailing value":  `{"query":"{ profile { id } }"} {}`,
	} {
		t.Run(name, func(t *testing.T) {
			r := do(t, s, http.MethodPost, "/v1/graphql", auth, []byte(body))
			assert.Equal(t, http.StatusBadRequest, r.status)
			_, _, errs := decodeErrors(t, r.body)
			require.NotEmpty(t, errs)
			assert.Equal(t, "BAD_REQUEST", errs[0].Extensions["code"])
		})
	}
	t.Run("too large", func(t *testing.T) {
		big := make([]byte, 2<<20)
		for i := range big {
			big[i] = ' '
		}
		r := do(t, s, http.MethodPost, "/v1/graphql", auth, big)
		assert.Equal(t, http.StatusRequestEntityTooLarge, r.status)
	})
}

func TestGraphQLIntrospectionIsAFieldError(t *testing.T) {
	s := quilttest.NewTestServer(t)
	r := gql(t, s, `{ profile { id } __type(name: "Account") { name } }`, nil)
	require.Equal(t, http.StatusOK, r.status)
	data, _, errs := decodeErrors(t, r.body)
	assert.JSONEq(t, `{"profile":{"id":"p_12uGLpPexyTkZCcJJntSjb"},"__type":null}`, string(data))
	require.Len(t, errs, 1)
	assert.Equal(t, []any{"__type"}, errs[0].Path)

	// __schema is non-null: its error nulls the whole data, as the
	// specification's null propagation has it.
	r = gql(t, s, `{ profile { id } __schema { queryType { name } } }`, nil)
	data, hasData, errs := decodeErrors(t, r.body)
	assert.True(t, hasData)
	assert.Equal(t, "null", string(data))
	require.Len(t, errs, 1)
	assert.Equal(t, []any{"__schema"}, errs[0].Path)
}

func TestGraphQLFilters(t *testing.T) {
	s := quilttest.NewTestServer(t)
	require.NoError(t, s.AddAccount(s.ProfileID(), quiltt.Account{
		ID: "acct_loan", Name: "Car Loan", Kind: quiltt.AccountKindLoan, Verified: true,
		Connection: &quiltt.Connection{ID: "conn_old", Provider: quiltt.ProviderPlaid, Status: quiltt.ConnectionStatusDisconnected},
		Metadata:   []byte(`{"team":"ops","n":1}`), TransactedLastOn: "2024-07-01",
	}))
	require.NoError(t, s.AddAccount(s.ProfileID(), quiltt.Account{ID: "acct_nokind", Name: "Mystery"}))

	ids := func(t *testing.T, args string, vars map[string]any) []string {
		t.Helper()
		var defs []string
		if strings.Contains(args, "$f") {
			defs = append(defs, "$f: AccountFilter")
		}
		if strings.Contains(args, "$sort") {
			defs = append(defs, "$sort: AccountSort")
		}
		q := `{ accounts` + args + ` { id } }`
		if defs != nil {
			q = `query (` + strings.Join(defs, ", ") + `) ` + q
		}
		r := gql(t, s, q, vars)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		data, _, errs := decodeErrors(t, r.body)
		require.Empty(t, errs, string(r.body))
		var out struct{ Accounts []struct{ ID string } }
		require.NoError(t, jsonUnmarshal(data, &out))
		got := []string{}
		for _, a := range out.Accounts {
			got = append(got, a.ID)
		}
		return got
	}
	const checking, card = quilttest.CheckingAccountID, quilttest.CreditCardAccountID
	cases := []struct {
		name, args string
		vars       map[string]any
		want       []string
	}{
		{"no filter", ``, nil, []string{checking, card, "acct_loan", "acct_nokind"}},
		{"kind literal", `(filter: {kind: [CREDIT, LOAN]})`, nil, []string{card, "acct_loan"}},
		{"kind single value", `(filter: {kind: DEPOSITORY})`, nil, []string{checking}},
		{"kind variable", `(filter: $f)`, map[string]any{"f": map[string]any{"kind": []string{"CREDIT"}}}, []string{card}},
		{"kind_not keeps null kinds", `(filter: {kind_not: [CREDIT, DEPOSITORY]})`, nil, []string{"acct_loan", "acct_nokind"}},
		{"empty kind matches nothing", `(filter: {kind: []})`, nil, []string{}},
		{"verified true", `(filter: {verified: true})`, nil, []string{checking, "acct_loan"}},
		{"verified false via variable", `(filter: $f)`, map[string]any{"f": map[string]any{"verified": false}}, []string{card, "acct_nokind"}},
		{"connection status", `(filter: {connection_status: [DISCONNECTED]})`, nil, []string{"acct_loan"}},
		{"connection status not", `(filter: {connection_status_not: [DISCONNECTED]})`, nil, []string{checking, card, "acct_nokind"}},
		{"combined", `(filter: {kind_not: [LOAN], verified: true, connection_status: [SYNCED]})`, nil, []string{checking}},
		{"metadata", `(filter: {metadata: {team: "ops"}})`, nil, []string{"acct_loan"}},
		{"transactedLastOn_gte", `(filter: {transactedLastOn_gte: "2024-06-01"})`, nil, []string{checking, "acct_loan"}},
		{"search", `(search: {term: "premium"})`, nil, []string{checking, card}},
		{"sort desc, nulls last", `(sort: $sort)`, map[string]any{"sort": "LAST_TRANSACTED_ON_DESC"}, []string{"acct_loan", checking, card, "acct_nokind"}},
		{"null filter", `(filter: null)`, nil, []string{checking, card, "acct_loan", "acct_nokind"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, ids(t, tc.args, tc.vars))
		})
	}
}

// Accounts of another profile are invisible: account(id:) answers null.
func TestGraphQLProfilesAreIsolated(t *testing.T) {
	s := quilttest.NewTestServer(t)
	require.NoError(t, s.AddProfile(quilttest.Profile{ID: "p_other", UUID: "0190aaaa-0000-7000-8000-000000000001"}))
	require.NoError(t, s.AddAccount("p_other", quiltt.Account{ID: "acct_other", Name: "Other Savings", Kind: quiltt.AccountKindDepository}))

	r := gqlAs(t, s, basic(s, "0190aaaa-0000-7000-8000-000000000001"), `{ accounts { id balance { id } } mine: account(id: "acct_12sf19AeKaWfukStXAL7nN") { id } }`, nil, "")
	require.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"data":{"accounts":[{"id":"acct_other","balance":null}],"mine":null}}`, string(r.body))

	r = gql(t, s, `{ account(id: "acct_other") { id } }`, nil)
	assert.JSONEq(t, `{"data":{"account":null}}`, string(r.body))
}

// Unknown enum values seeded into the fake reach the client unchanged.
func TestGraphQLUnknownEnumValues(t *testing.T) {
	s := quilttest.NewTestServer(t, quilttest.WithoutSeed())
	require.NoError(t, s.AddAccount(s.ProfileID(), quiltt.Account{ID: "acct_x", Name: "X", Kind: "CRYPTO", State: "FROZEN"}))
	_, err := s.SetBalance("acct_x", quiltt.Balance{Source: "MANUAL", Current: decPtr("0.10")})
	require.NoError(t, err)
	r := gql(t, s, `{ accounts { kind state balance { source current } } }`, nil)
	assert.JSONEq(t, `{"data":{"accounts":[{"kind":"CRYPTO","state":"FROZEN","balance":{"source":"MANUAL","current":0.1}}]}}`, string(r.body))
}
