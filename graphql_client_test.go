package quiltt_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/Khan/genqlient/graphql"
	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A user's own operation, as genqlient would generate it: over the
// Profile and the connections behind the accounts, which the SDK's own
// operations do not select.
const connectionsQuery = `query MyConnections {
	profile { id name }
	connections { id status provider accounts { id name kind } }
}`

type myConnections struct {
	Profile struct {
		ID   string  `json:"id"`
		Name *string `json:"name"`
	} `json:"profile"`
	Connections []struct {
		ID       string `json:"id"`
		Status   string `json:"status"`
		Provider string `json:"provider"`
		Accounts []struct {
			ID   string  `json:"id"`
			Name string  `json:"name"`
			Kind *string `json:"kind"`
		} `json:"accounts"`
	} `json:"connections"`
}

func TestGraphQLRunsAUsersOperationThroughTheFake(t *testing.T) {
	fake := quilttest.NewTestServer(t)
	c, err := quiltt.NewClient(quiltt.WithBaseURL(fake.URL()), quiltt.WithAPIKey(fake.APIKey()), quiltt.WithHTTPClient(fake.Client()))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)

	var info quiltt.CallInfo
	var data myConnections
	err = c.ForProfile(fake.ProfileID()).GraphQL().MakeRequest(quiltt.WithCallInfo(t.Context(), &info),
		&graphql.Request{Query: connectionsQuery, OpName: "MyConnections"}, &graphql.Response{Data: &data})
	require.NoError(t, err)
	assert.Equal(t, fake.ProfileID(), data.Profile.ID)
	require.NotNil(t, data.Profile.Name)
	assert.Equal(t, "Quiltt Test", *data.Profile.Name)
	require.Len(t, data.Connections, 1)
	assert.Equal(t, quilttest.DefaultConnectionID, data.Connections[0].ID)
	assert.Equal(t, "SYNCED", data.Connections[0].Status)
	assert.Len(t, data.Connections[0].Accounts, 2)
	assert.Equal(t, 1, info.Requests, "CallInfo sees the call")
}

// A query is a read: retried after a 503, with the profile's Basic
// credential on every attempt.
func TestGraphQLRetriesAQueryWithTheProfilesCredential(t *testing.T) {
	c, mux, _ := setup(t)
	var auths []string
	route := handleGraphQL(t, mux, func(w http.ResponseWriter, r *gqlRequest, attempt int) {
		auths = append(auths, r.Header.Get("Authorization"))
		if attempt == 1 {
			reply(w, http.StatusServiceUnavailable, "application/json", []byte(`{"message":"down"}`))
			return
		}
		reply(w, http.StatusOK, "application/json", []byte(`{"data":{"profile":{"id":"p_1","name":null}}}`))
	})
	var data struct {
		Profile struct {
			ID   string  `json:"id"`
			Name *string `json:"name"`
		} `json:"profile"`
	}
	err := c.GraphQL().MakeRequest(t.Context(), &graphql.Request{Query: `query P { profile { id name } }`, OpName: "P"}, &graphql.Response{Data: &data})
	require.NoError(t, err)
	assert.Equal(t, "p_1", data.Profile.ID)
	assert.Nil(t, data.Profile.Name)
	require.Len(t, route.seen(), 2, "the 503 was retried")
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(testProfile+":"+testAPIKey))
	assert.Equal(t, []string{basic, basic}, auths)
}

// A mutation may change state at Quiltt: a 500 is not resent, and its
// outcome is unknown. The SDK's schema slice has no mutations: the
// document is sent as written.
func TestGraphQLSendsAMutationOnceOnA500(t *testing.T) {
	c, mux, _ := setup(t)
	var sent atomic.Int32
	mux.HandleFunc("/v1/graphql", func(w http.ResponseWriter, r *http.Request) {
		sent.Add(1)
		reply(w, http.StatusInternalServerError, "application/json", []byte(`{"message":"boom","errorId":"e_1"}`))
	})
	err := c.GraphQL().MakeRequest(t.Context(),
		&graphql.Request{Query: `mutation Touch($id: ID!) { touch(id: $id) { id } }`, OpName: "Touch", Variables: map[string]any{"id": "acct_1"}},
		&graphql.Response{Data: &map[string]any{}})
	require.Error(t, err)
	assert.Equal(t, int32(1), sent.Load(), "a mutation answered 500 is sent once")
	assert.ErrorIs(t, err, quiltt.ErrOutcomeUnknown)
	assert.ErrorIs(t, err, quiltt.ErrServer)
	var e *quiltt.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusInternalServerError, e.StatusCode)
	assert.NotContains(t, err.Error(), testAPIKey)
}

// A mutation answered 503 was not acted on: it is resent.
func TestGraphQLResendsAMutationOnA503(t *testing.T) {
	c, mux, _ := setup(t)
	var sent atomic.Int32
	mux.HandleFunc("/v1/graphql", func(w http.ResponseWriter, r *http.Request) {
		if sent.Add(1) == 1 {
			reply(w, http.StatusServiceUnavailable, "application/json", []byte(`{"message":"down"}`))
			return
		}
		reply(w, http.StatusOK, "application/json", []byte(`{"data":{"touch":{"id":"acct_1"}}}`))
	})
	var data struct {
		Touch struct{ ID string } `json:"touch"`
	}
	err := c.GraphQL().MakeRequest(t.Context(), &graphql.Request{Query: `mutation { touch { id } }`}, &graphql.Response{Data: &data})
	require.NoError(t, err)
	assert.Equal(t, int32(2), sent.Load())
	assert.Equal(t, "acct_1", data.Touch.ID)
}

// errors[] is a *QueryError, with the partial data decoded; a null the
// schema forbids is propagated to the nearest nullable field when an
// entry explains it, as for the SDK's own reads.
func TestGraphQLErrorsAreQueryErrorsWithPartialData(t *testing.T) {
	c, mux, _ := setup(t)
	handleGraphQL(t, mux, replyBody(`{"data":{"profile":{"id":"p_1","name":"N"},"connections":[{"id":null,"status":"SYNCED"}]},`+
		`"errors":[{"message":"connection failed","path":["connections",0,"id"],"extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`))
	var data struct {
		Profile     struct{ ID, Name string } `json:"profile"`
		Connections []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"connections"`
	}
	err := c.GraphQL().MakeRequest(t.Context(), &graphql.Request{Query: `query Q { profile { id name } connections { id status } }`, OpName: "Q"},
		&graphql.Response{Data: &data})
	var qe *quiltt.QueryError
	require.ErrorAs(t, err, &qe)
	assert.True(t, qe.PartialData)
	assert.Equal(t, "Q", qe.Op)
	require.Len(t, qe.Errors, 1)
	assert.Equal(t, []string{"connections", "0", "id"}, qe.Errors[0].Path)
	assert.ErrorIs(t, err, quiltt.ErrServer)
	assert.Equal(t, "p_1", data.Profile.ID)
	assert.Nil(t, data.Connections, "[Connection!]: a null id nulls the list")
}

// The answer check holds users' operations to the schema where it covers
// them, and leaves what it does not know alone.
func TestGraphQLChecksAnswersWhereTheSchemaCoversThem(t *testing.T) {
	for name, tc := range map[string]struct {
		query, body string
		refused     string
	}{
		"missing non-null field": {`query Q { profile { id name } }`, `{"data":{"profile":{"name":"N"}}}`, "profile.id is missing"},
		"null element":           {`query Q { connections { id } }`, `{"data":{"connections":[null]}}`, "connections.0 is null"},
		"repeated key":           {`query Q { profile { id } }`, `{"data":{"profile":{"id":"a","id":"b"}}}`, "appears twice"},
		"trailing bytes":         {`query Q { profile { id } }`, `{"data":{"profile":{"id":"a"}}} x`, "invalid JSON"},
		"no data":                {`query Q { profile { id } }`, `{}`, "neither data nor GraphQL errors"},
		"aliased field":          {`query Q { me: profile { key: id } }`, `{"data":{"me":{}}}`, "me.key is missing"},
		"fragment":               {`query Q { profile { ...P } } fragment P on Profile { id }`, `{"data":{"profile":{}}}`, "profile.id is missing"},
		"unknown field accepted": {`query Q { profile { id shoeSize } }`, `{"data":{"profile":{"id":"a","shoeSize":{"eu":44}}}}`, ""},
		"unknown root accepted":  {`query Q { future { anything } }`, `{"data":{}}`, ""},
	} {
		t.Run(name, func(t *testing.T) {
			c, mux, _ := setup(t)
			mux.HandleFunc("/v1/graphql", func(w http.ResponseWriter, r *http.Request) {
				reply(w, http.StatusOK, "application/json", []byte(tc.body))
			})
			var data map[string]any
			err := c.GraphQL().MakeRequest(t.Context(), &graphql.Request{Query: tc.query, OpName: "Q"}, &graphql.Response{Data: &data})
			if tc.refused == "" {
				require.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, quiltt.ErrInvalidResponse)
			assert.ErrorContains(t, err, tc.refused)
			assert.Nil(t, data, "nothing of a refused answer is decoded")
		})
	}
}

// The client's limiter paces every attempt; a refusal sends nothing.
func TestGraphQLRefusingLimiterSendsNothing(t *testing.T) {
	cause := errors.New("fleet budget store unreachable")
	_, mux, srv := setup(t)
	c, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey), quiltt.WithBaseURL(srv.baseURL()), quiltt.WithLimiter(refusingLimiter{cause}))
	require.NoError(t, err)
	c = c.ForProfile(testProfile)
	var sent atomic.Int32
	mux.HandleFunc("/v1/graphql", func(w http.ResponseWriter, r *http.Request) { sent.Add(1) })
	err = c.GraphQL().MakeRequest(t.Context(), &graphql.Request{Query: `query P { profile { id } }`, OpName: "P"}, &graphql.Response{Data: &map[string]any{}})
	require.Error(t, err)
	assert.ErrorIs(t, err, cause)
	assert.Zero(t, sent.Load(), "nothing was sent")
}

type refusingLimiter struct{ err error }

func (l refusingLimiter) Wait(context.Context) error { return l.err }

// A subscription cannot be sent over HTTP: refused before anything is
// sent, as is a document that does not parse.
func TestGraphQLRefusesUnsendableOperationsUnsent(t *testing.T) {
	for name, q := range map[string]string{
		"subscription":          `subscription S { balanceCreated { id } }`,
		"subscription, comment": "# watch\n  subscription S { balanceCreated { id } }",
		"not GraphQL":           `query {`,
		"unknown operation":     `query Other { profile { id } }`,
	} {
		t.Run(name, func(t *testing.T) {
			c, mux, _ := setup(t)
			var sent atomic.Int32
			mux.HandleFunc("/v1/graphql", func(w http.ResponseWriter, r *http.Request) { sent.Add(1) })
			err := c.GraphQL().MakeRequest(t.Context(), &graphql.Request{Query: q, OpName: "S"}, &graphql.Response{Data: &map[string]any{}})
			assert.ErrorIs(t, err, quiltt.ErrUnsupportedOperation)
			assert.Zero(t, sent.Load())
		})
	}
}

// The credential goes to the API's origin only: a redirect elsewhere
// carries none.
func TestGraphQLCredentialStaysOnTheAPIOrigin(t *testing.T) {
	_, elsewhere, other := setup(t)
	var leaked atomic.Value
	elsewhere.HandleFunc("/v1/graphql", func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("Authorization"))
		reply(w, http.StatusOK, "application/json", []byte(`{"data":{"profile":{"id":"p"}}}`))
	})
	c, mux, _ := setup(t)
	mux.HandleFunc("/v1/graphql", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.baseURL()+"/v1/graphql", http.StatusTemporaryRedirect)
	})
	err := c.GraphQL().MakeRequest(t.Context(), &graphql.Request{Query: `query P { profile { id } }`, OpName: "P"}, &graphql.Response{Data: &map[string]any{}})
	require.NoError(t, err)
	assert.Equal(t, "", leaked.Load(), "no credential to another origin")
}

// Errors and logs of GraphQL never hold a credential, and a nil context or
// a client without GraphQL credentials sends nothing.
func TestGraphQLFailsCleanlyBeforeSending(t *testing.T) {
	c, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey), quiltt.WithBaseURL(refusedBaseURL(t)))
	require.NoError(t, err)
	req := &graphql.Request{Query: `query P { profile { id } }`, OpName: "P"}
	err = c.GraphQL().MakeRequest(t.Context(), req, &graphql.Response{})
	assert.ErrorIs(t, err, quiltt.ErrMissingCredentials, "no profile, no session token")

	var nilCtx context.Context
	err = c.ForProfile(testProfile).GraphQL().MakeRequest(nilCtx, req, &graphql.Response{})
	assert.ErrorIs(t, err, quiltt.ErrNilContext)
	assert.NotContains(t, err.Error(), testAPIKey)
}
