package quiltt_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The balances doc page's sample answers a smaller query than the SDK's:
// its balances lack source and its accounts lack verified, state and the
// other fields the schema marks non-null. The SDK refuses it as incomplete
// rather than read the missing fields as zero values. accounts_full.json
// holds the same accounts and balances with every selected field.
func TestAccountsDocSample(t *testing.T) {
	client, mux, _ := setup(t)
	handleGraphQL(t, mux, replyFixture(t, "accounts_doc_sample.json"))
	accounts, err := client.Accounts(context.Background(), nil)
	assert.Nil(t, accounts)
	require.ErrorIs(t, err, quiltt.ErrInvalidResponse)
	assert.Contains(t, err.Error(), "accounts.0.balance.source is missing")

	client, mux, _ = setup(t)
	gql := handleGraphQL(t, mux, replyFixture(t, "accounts_full.json"))
	accounts, err = client.Accounts(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, accounts, 2)

	checking, card := accounts[0], accounts[1]
	assert.Equal(t, "acct_12sf19AeKaWfukStXAL7nN", checking.ID)
	assert.Equal(t, "Premium Checking", checking.Name)
	require.NotNil(t, checking.Balance)
	assert.Equal(t, "bal_12v6sGb87FS28QIGWVgnnm", checking.Balance.ID)
	assert.Equal(t, checking.ID, checking.Balance.AccountID, "AccountID filled from the parent account")
	assert.Equal(t, time.Date(2024, 6, 9, 7, 40, 20, 0, time.UTC), checking.Balance.At.UTC())
	assertAmount(t, "null", checking.Balance.Available, "checking available")
	assertAmount(t, "3141.59", checking.Balance.Current, "checking current")
	assertAmount(t, "null", checking.Balance.Limit, "checking limit")

	require.NotNil(t, card.Balance)
	assert.Equal(t, card.ID, card.Balance.AccountID)
	assertAmount(t, "12665.66", card.Balance.Available, "card available")
	assertAmount(t, "-2134.34", card.Balance.Current, "card current")
	require.NotNil(t, card.Balance.Limit)
	assert.True(t, dec(t, "-15000").Equal(*card.Balance.Limit), "limit stays as reported, sign included")

	reqs := gql.seen()
	require.Len(t, reqs, 1)
	assert.Equal(t, "Accounts", reqs[0].OpName)
	assert.NotContains(t, reqs[0].Query, "balances", "the field is balance, singular")
	assert.Empty(t, reqs[0].Variables["filter"], "nil filter sends no filter")
}

func TestAccountsEveryField(t *testing.T) {
	client, mux, _ := setup(t)
	handleGraphQL(t, mux, replyFixture(t, "accounts_full.json"))
	accounts, err := client.Accounts(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, accounts, 2)

	a := accounts[0]
	assert.Equal(t, quiltt.AccountKindDepository, a.Kind)
	assert.Equal(t, "4321", a.Mask)
	assert.Equal(t, "USD", a.CurrencyCode)
	assert.True(t, a.Verified)
	assert.Equal(t, quiltt.AccountStateOpen, a.State)
	assert.Equal(t, quiltt.ProviderPlaid, a.Provider)
	assert.Equal(t, []string{"ASSET", "DEPOSITORY", "SPENDING"}, a.Taxonomy)
	assert.Equal(t, "2023-01-15", a.TransactedFirstOn)
	assert.Equal(t, "2024-06-08", a.TransactedLastOn)
	assert.JSONEq(t, `{"ledger":"ops-1"}`, string(a.Metadata))
	assert.Equal(t, quiltt.Institution{ID: "ins_12bYZ", Name: "First Platypus Bank"}, a.Institution)
	assert.Equal(t, &quiltt.Connection{ID: "conn_12aXq", Provider: quiltt.ProviderPlaid, Status: quiltt.ConnectionStatusSynced}, a.Connection)
	assert.Equal(t, quiltt.BalanceSourceSync, a.Balance.Source)
	assert.Equal(t, quiltt.ClassAsset, a.Class())

	card := accounts[1]
	assert.Equal(t, quiltt.ClassLiability, card.Class())
	assert.Equal(t, quiltt.BalanceSourceRefresh, card.Balance.Source)
	assert.Nil(t, card.Metadata, "null metadata is nil")
	assert.Empty(t, card.TransactedFirstOn)
}

func TestAccountsNullsAreNilNotZero(t *testing.T) {
	client, mux, _ := setup(t)
	handleGraphQL(t, mux, replyFixture(t, "accounts_nulls.json"))
	accounts, err := client.Accounts(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, accounts, 2)

	nulls := accounts[0]
	assert.Equal(t, quiltt.AccountKind(""), nulls.Kind, "null kind is empty")
	assert.Equal(t, quiltt.ClassUnknown, nulls.Class(), "empty taxonomy and null kind: unknown")
	assert.Nil(t, nulls.Connection)
	assert.Empty(t, nulls.Mask)
	require.NotNil(t, nulls.Balance)
	assertAmount(t, "null", nulls.Balance.Available, "null available")
	assertAmount(t, "null", nulls.Balance.Current, "null current")
	assertAmount(t, "null", nulls.Balance.Limit, "null limit")

	zero := accounts[1]
	require.NotNil(t, zero.Balance)
	assertAmount(t, "0", zero.Balance.Available, "zero available")
	require.NotNil(t, zero.Balance.Current)
	assert.True(t, zero.Balance.Current.IsZero(), "0.00 is zero, not nil")
}

func TestAccountsKeepUnknownEnumValues(t *testing.T) {
	client, mux, _ := setup(t)
	handleGraphQL(t, mux, replyFixture(t, "accounts_unknown_enums.json"))
	accounts, err := client.Accounts(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, accounts, 1)
	a := accounts[0]
	assert.Equal(t, quiltt.AccountKind("CRYPTO"), a.Kind)
	assert.Equal(t, quiltt.AccountState("FROZEN"), a.State)
	assert.Equal(t, quiltt.Provider("COINBASE"), a.Provider)
	assert.Equal(t, quiltt.ConnectionStatus("PAUSED"), a.Connection.Status)
	assert.Equal(t, quiltt.BalanceSource("MANUAL"), a.Balance.Source)
	assert.Equal(t, "BTC", a.CurrencyCode)
	assertAmount(t, "0.00012345", a.Balance.Current, "eight decimal places survive")
	assert.Equal(t, quiltt.ClassAsset, a.Class(), "taxonomy[0] decides even for an unknown kind")
	assert.Equal(t, quiltt.ClassUnknown, a.Kind.Class())
}

func TestAccountWithoutBalance(t *testing.T) {
	client, mux, _ := setup(t)
	gql := handleGraphQL(t, mux, replyFixture(t, "account_no_balance.json"))
	a, err := client.Account(context.Background(), "acct_nobal")
	require.NoError(t, err)
	assert.Nil(t, a.Balance, "no balance is nil, not a zero balance")
	assert.Equal(t, quiltt.ClassLiability, a.Class())
	reqs := gql.seen()
	require.Len(t, reqs, 1)
	assert.Equal(t, "acct_nobal", reqs[0].Variables["id"])
}

func TestAccountUnknownIDIsNotFound(t *testing.T) {
	client, mux, _ := setup(t)
	gql := handleGraphQL(t, mux, replyFixture(t, "account_null.json"))
	a, err := client.Account(context.Background(), "acct_missing")
	assert.Nil(t, a)
	require.Error(t, err)
	assert.ErrorIs(t, err, quiltt.ErrNotFound)
	assert.Contains(t, err.Error(), "acct_missing")

	_, err = client.Account(context.Background(), "")
	assert.ErrorIs(t, err, quiltt.ErrNotFound)
	assert.Len(t, gql.seen(), 1, "an empty ID sends no request")
}

func TestAccountsFilterVariables(t *testing.T) {
	c, mux, _ := setup(t)
	gql := handleGraphQL(t, mux, replyFixture(t, "accounts_full.json"))
	no := false
	day := time.Date(2024, 1, 2, 23, 0, 0, 0, time.UTC)
	_, err := c.Accounts(context.Background(), &quiltt.AccountFilter{
		Kinds:                     []quiltt.AccountKind{quiltt.AccountKindDepository, quiltt.AccountKindCredit},
		ExcludeKinds:              []quiltt.AccountKind{quiltt.AccountKindLoan},
		Verified:                  &no,
		ConnectionStatuses:        []quiltt.ConnectionStatus{quiltt.ConnectionStatusSynced},
		ExcludeConnectionStatuses: []quiltt.ConnectionStatus{quiltt.ConnectionStatusDisconnected},
		Metadata:                  json.RawMessage(`{"team":"ops"}`),
		TransactedLastOn:          quiltt.DateRange{OnOrAfter: &day},
		Search:                    "premium",
		Sort:                      quiltt.AccountSortLastTransactedOnDesc,
	})
	require.NoError(t, err)
	_, err = c.Accounts(context.Background(), &quiltt.AccountFilter{})
	require.NoError(t, err)

	reqs := gql.seen()
	require.Len(t, reqs, 2)
	vars, err := json.Marshal(reqs[0].Variables)
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"filter": {
			"kind": ["DEPOSITORY", "CREDIT"],
			"kind_not": ["LOAN"],
			"verified": false,
			"connection_status": ["SYNCED"],
			"connection_status_not": ["DISCONNECTED"],
			"metadata": {"team": "ops"},
			"transactedLastOn_gte": "2024-01-02"
		},
		"search": {"term": "premium"},
		"sort": "LAST_TRANSACTED_ON_DESC"
	}`, string(vars), "verified false is sent; unset fields are omitted, never null")
	vars, err = json.Marshal(reqs[1].Variables)
	require.NoError(t, err)
	assert.JSONEq(t, `{"filter": {}}`, string(vars), "an empty filter filters nothing")
}

func TestAccountsEmptyList(t *testing.T) {
	client, mux, _ := setup(t)
	handleGraphQL(t, mux, func(w http.ResponseWriter, _ *gqlRequest, _ int) {
		reply(w, http.StatusOK, "application/json", []byte(`{"data":{"accounts":[]}}`))
	})
	accounts, err := client.Accounts(context.Background(), nil)
	require.NoError(t, err)
	assert.NotNil(t, accounts)
	assert.Empty(t, accounts)
}
