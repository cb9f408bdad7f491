package quiltt_test

import (
	"context"
	"testing"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGraphQLErrorsOnly(t *testing.T) {
	client, mux, _ := setup(t)
	gql := handleGraphQL(t, mux, replyFixture(t, "errors_only.json"))
	accounts, err := client.Accounts(context.Background(), nil)
	assert.Nil(t, accounts)
	var qe *quiltt.QueryError
	require.ErrorAs(t, err, &qe)
	assert.False(t, qe.PartialData)
	require.Len(t, qe.Errors, 1)
	assert.Equal(t, quiltt.GraphQLError{
		Message:          "Not Authenticated",
		Code:             "UNAUTHENTICATED",
		ErrorID:          "7e1c1a9e-54b5-4f6b-9df1-0c3f2d3b6a10",
		Instruction:      "Are you sending a valid Session Token?",
		DocumentationURL: "https://www.quiltt.dev/api-reference/auth",
	}, qe.Errors[0])
	assert.ErrorIs(t, err, quiltt.ErrUnauthorized)
	assert.NotErrorIs(t, err, quiltt.ErrNotFound)
	assert.Contains(t, err.Error(), "Accounts")
	assert.Len(t, gql.seen(), 1, "a GraphQL error answer is not retried")
}

// A response with both data and errors[] returns the data it holds and a
// *QueryError with PartialData set.
func TestGraphQLPartialData(t *testing.T) {
	client, mux, _ := setup(t)
	handleGraphQL(t, mux, replyFixture(t, "errors_partial.json"))
	accounts, err := client.Accounts(context.Background(), nil)
	var qe *quiltt.QueryError
	require.ErrorAs(t, err, &qe)
	assert.True(t, qe.PartialData)
	assert.Equal(t, []string{"accounts", "0", "balance"}, qe.Errors[0].Path)
	assert.ErrorIs(t, err, quiltt.ErrServer)
	assert.Contains(t, err.Error(), "accounts.0.balance")
	require.Len(t, accounts, 1, "the partial list is returned with the error")
	assert.Nil(t, accounts[0].Balance, "the failed balance is nil")
}
