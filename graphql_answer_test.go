package quiltt_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An account with the fields the schema marks non-null, and one of
// accounts_full.json's balances.
const (
	answerAccount = `{"id":"acct_1","name":"Checking","verified":true,"state":"OPEN","provider":"PLAID","taxonomy":["ASSET"],` +
		`"institution":{"id":"ins_1","name":"Bank"}`
	answerBalance = `{"id":"bal_1","at":"2024-06-09T07:40:20Z","source":"SYNC","available":null,"current":3141.59,"limit":null}`
)

// Incomplete answers are invalid, not empty: through Accounts and Account,
// each is an error wrapping ErrInvalidResponse, with nothing handed out
// and nothing retried.
func TestIncompleteAnswersAreInvalid(t *testing.T) {
	for name, tc := range map[string]struct {
		single bool // Account rather than Accounts
		body   string
	}{
		"no data, no errors":       {false, `{}`},
		"data without accounts":    {false, `{"data":{}}`},
		"data without account":     {true, `{"data":{}}`},
		"null account in the list": {false, `{"data":{"accounts":[` + answerAccount + `},null]}}`},
		"empty account":            {false, `{"data":{"accounts":[{}]}}`},
		"account without id":       {true, `{"data":{"account":` + strings.Replace(answerAccount, `"id":"acct_1",`, ``, 1) + `}}}`},
		"balance without at":       {false, `{"data":{"accounts":[` + answerAccount + `,"balance":{"id":"bal_1","source":"SYNC"}}]}}`},
		"balance with null at":     {true, `{"data":{"account":` + answerAccount + `,"balance":{"id":"bal_1","at":null,"source":"SYNC"}}}}`},
		"balance without id":       {true, `{"data":{"account":` + answerAccount + `,"balance":{"at":"2024-06-09T07:40:20Z","source":"SYNC"}}}}`},
		"trailing bytes":           {false, `{"data":{"accounts":[]}}garbage`},
		"two answers":              {true, `{"data":{"account":null}}{"data":{"account":null}}`},
		"null errors[] entry":      {false, `{"errors":[null]}`}, // a nil-pointer panic before
	} {
		t.Run(name, func(t *testing.T) {
			c, mux, _ := setup(t)
			gql := handleGraphQL(t, mux, replyBody(tc.body))
			var err error
			if tc.single {
				var a *quiltt.Account
				a, err = c.Account(context.Background(), "acct_1")
				assert.Nil(t, a, "nothing half-decoded is handed out")
			} else {
				var accounts []quiltt.Account
				accounts, err = c.Accounts(context.Background(), nil)
				assert.Nil(t, accounts, "nothing half-decoded is handed out")
			}
			require.ErrorIs(t, err, quiltt.ErrInvalidResponse)
			assert.NotErrorIs(t, err, quiltt.ErrNotFound, "an incomplete answer is not an unknown ID")
			assert.False(t, errors.As(err, new(*quiltt.QueryError)), "no errors[], no *QueryError")
			assert.False(t, errors.As(err, new(*quiltt.Error)), "a 200 is not an *Error")
			assert.Len(t, gql.seen(), 1, "an invalid answer is not retried")
		})
	}
}

// The nullable fields stay nil when null or absent: an answer holding only
// the non-null fields is complete.
func TestAnswerWithOnlyNonNullFields(t *testing.T) {
	client, mux, _ := setup(t)
	handleGraphQL(t, mux, replyBody(`{"data":{"accounts":[`+answerAccount+`}]}}`))
	accounts, err := client.Accounts(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, accounts, 1)
	a := accounts[0]
	assert.Equal(t, "acct_1", a.ID)
	assert.Nil(t, a.Balance)
	assert.Nil(t, a.Connection)
	assert.Empty(t, a.Kind)
	assert.Nil(t, a.Metadata)
}

// With errors[], a null where the schema forbids one is legitimate if an
// entry's path is at or below it; the nearest nullable position becomes
// null, and the rest of the data is handed out.
func TestGraphQLPartialDataNullPropagates(t *testing.T) {
	body := `{"data":{"accounts":[` +
		answerAccount + `,"balance":{"id":"bal_1","at":null,"source":"SYNC","available":null,"current":1,"limit":null}},` +
		answerAccount + `,"balance":` + answerBalance + `}]},` +
		`"errors":[{"message":"Balance provider timed out","path":["accounts",0,"balance","at"],"extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`
	client, mux, _ := setup(t)
	handleGraphQL(t, mux, replyBody(body))
	accounts, err := client.Accounts(context.Background(), nil)
	var qe *quiltt.QueryError
	require.ErrorAs(t, err, &qe)
	assert.True(t, qe.PartialData)
	assert.NotErrorIs(t, err, quiltt.ErrInvalidResponse)
	require.Len(t, accounts, 2)
	assert.Nil(t, accounts[0].Balance, "the balance whose at failed is nil, not a zero time")
	require.NotNil(t, accounts[1].Balance)
	assertAmount(t, "3141.59", accounts[1].Balance.Current, "the other balance")
}

// An answer refused by the checks that also carried errors[] keeps them:
// the error wraps ErrInvalidResponse and the *QueryError, without data.
func TestRefusedAnswerKeepsGraphQLErrors(t *testing.T) {
	body := `{"data":{"account":{"id":"acct_1","balance":null}},` +
		`"errors":[{"message":"provider timed out","path":["account","balance"],"extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`
	client, mux, _ := setup(t)
	handleGraphQL(t, mux, replyBody(body))
	a, err := client.Account(context.Background(), "acct_1")
	assert.Nil(t, a)
	assert.ErrorIs(t, err, quiltt.ErrInvalidResponse)
	assert.ErrorIs(t, err, quiltt.ErrServer, "the entries' codes match")
	var qe *quiltt.QueryError
	require.ErrorAs(t, err, &qe)
	assert.False(t, qe.PartialData)
	assert.Contains(t, err.Error(), "account.name is missing")
	assert.Contains(t, err.Error(), "provider timed out at account.balance")
}

// More than MaxAccountsPerAnswer accounts is refused; the cap itself is
// accepted.
func TestAccountsPerAnswerCap(t *testing.T) {
	list := func(n int) string {
		one := answerAccount + `}`
		return `{"data":{"accounts":[` + strings.TrimSuffix(strings.Repeat(one+",", n), ",") + `]}}`
	}
	client, mux, _ := setup(t)
	handleGraphQL(t, mux, replyBody(list(quiltt.MaxAccountsPerAnswer)))
	accounts, err := client.Accounts(context.Background(), nil)
	require.NoError(t, err)
	assert.Len(t, accounts, quiltt.MaxAccountsPerAnswer)

	client, mux, _ = setup(t)
	handleGraphQL(t, mux, replyBody(list(quiltt.MaxAccountsPerAnswer+1)))
	accounts, err = client.Accounts(context.Background(), nil)
	assert.Nil(t, accounts)
	require.ErrorIs(t, err, quiltt.ErrInvalidResponse)
	assert.Contains(t, err.Error(), "more than "+strconv.Itoa(quiltt.MaxAccountsPerAnswer)+" accounts")
}

// One rule for amounts on both paths, GraphQL and webhooks: JSON numbers
// only, read exactly.
func TestAmountsOneRuleOnBothPaths(t *testing.T) {
	type amountCase struct {
		name, json, want string // want "" for a refusal
	}
	cases := []amountCase{
		{name: "doc sample", json: "3141.59", want: "3141.59"},
		{name: "negative", json: "-2134.34", want: "-2134.34"},
		{name: "trailing zeros", json: "-15000.00", want: "-15000"},
		{name: "exponent", json: "1e2", want: "100"},
		{name: "exponent as Ruby writes it", json: "1.0e+20", want: "100000000000000000000"},
		{name: "negative exponent", json: "125E-2", want: "1.25"},
		{name: "negative zero", json: "-0", want: "0"},
		{name: "beyond float64", json: "123456789012345678901234567890.123456789", want: "123456789012345678901234567890.123456789"},
		{name: "float64 max", json: "1.7976931348623157e308", want: "17976931348623157" + strings.Repeat("0", 292)},
		{name: "quoted", json: `"12.34"`},
		{name: "quoted, unicode minus", json: `"−12.5"`},
		{name: "quoted exponent", json: `"1e2"`},
		{name: "boolean", json: `true`},
		{name: "object", json: `{"value":1}`},
		{name: "exponent out of range", json: "1e401"},
		{name: "too many digits", json: "1" + strings.Repeat("0", 64)},
	}
	graphQL := func(t *testing.T, amount string) (string, error) {
		client, mux, _ := setup(t)
		handleGraphQL(t, mux, replyBody(`{"data":{"account":`+answerAccount+
			`,"balance":{"id":"bal_1","at":"2024-06-09T07:40:20Z","source":"SYNC","available":null,"current":`+amount+`,"limit":null}}}}`))
		a, err := client.Account(context.Background(), "acct_1")
		if err != nil {
			assert.Nil(t, a)
			assert.ErrorIs(t, err, quiltt.ErrInvalidResponse)
			return "", err
		}
		require.NotNil(t, a.Balance)
		require.NotNil(t, a.Balance.Current)
		return a.Balance.Current.String(), nil
	}
	webhook := func(t *testing.T, amount string) (string, error) {
		e := quiltt.Event{ID: "evt_1", Type: quiltt.EventBalanceCreated, Record: json.RawMessage(
			`{"id":"bal_1","accountId":"acct_1","at":"2024-06-09T07:40:20Z","source":"REFRESH","available":null,"current":` + amount + `,"limit":null}`)}
		b, err := e.Balance()
		if err != nil {
			assert.Nil(t, b)
			assert.ErrorIs(t, err, quiltt.ErrWebhookPayload)
			return "", err
		}
		require.NotNil(t, b.Current)
		return b.Current.String(), nil
	}
	refused := 0
	for _, tc := range cases {
		for path, read := range map[string]func(*testing.T, string) (string, error){"GraphQL": graphQL, "webhook": webhook} {
			t.Run(tc.name+"/"+path, func(t *testing.T) {
				got, err := read(t, tc.json)
				if tc.want == "" {
					require.Error(t, err, "%s must be refused", tc.json)
					refused++
					return
				}
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
			})
		}
	}
	assert.Equal(t, 14, refused, "every refusal case ran")
}

// The recorded incomplete answers are refused; the recorded partial answer
// whose null is explained by errors[] is read, with the null propagated.
func TestAnswerFixtures(t *testing.T) {
	for name, single := range map[string]bool{
		"accounts_missing_id.json":     false,
		"accounts_quoted_amount.json":  false,
		"accounts_trailing_bytes.json": false,
		"account_null_at.json":         true,
	} {
		t.Run(name, func(t *testing.T) {
			c, mux, _ := setup(t)
			handleGraphQL(t, mux, replyFixture(t, name))
			var err error
			if single {
				var a *quiltt.Account
				a, err = c.Account(context.Background(), "acct_nobal")
				assert.Nil(t, a)
			} else {
				var accounts []quiltt.Account
				accounts, err = c.Accounts(context.Background(), nil)
				assert.Nil(t, accounts)
			}
			assert.ErrorIs(t, err, quiltt.ErrInvalidResponse)
		})
	}

	client, mux, _ := setup(t)
	handleGraphQL(t, mux, replyFixture(t, "errors_partial_null_at.json"))
	accounts, err := client.Accounts(context.Background(), nil)
	var qe *quiltt.QueryError
	require.ErrorAs(t, err, &qe)
	assert.True(t, qe.PartialData)
	assert.Equal(t, []string{"accounts", "0", "balance", "at"}, qe.Errors[0].Path)
	require.Len(t, accounts, 1)
	assert.Nil(t, accounts[0].Balance, "the balance whose at failed is nil")
	assert.Equal(t, "acct_12sf19AeKaWfukStXAL7nN", accounts[0].ID)
}

// A decoding error that quotes the answer is redacted before it is cut
// short: a credential that straddles the cut leaves no prefix behind.
func TestInvalidAnswerRedactsBeforeCutting(t *testing.T) {
	leaks := 0
	for pad := 100; pad < 180; pad++ {
		at := strings.Repeat("x", pad) + testAPIKey
		client, mux, _ := setup(t)
		handleGraphQL(t, mux, replyBody(`{"data":{"account":`+answerAccount+
			`,"balance":{"id":"bal_1","at":"`+at+`","source":"SYNC"}}}}`))
		_, err := client.Account(context.Background(), "acct_1")
		require.ErrorIs(t, err, quiltt.ErrInvalidResponse)
		for n := 6; n <= len(testAPIKey); n++ {
			if strings.Contains(err.Error(), testAPIKey[:n]) {
				leaks++
				t.Errorf("pad %d: %d characters of the key in %q", pad, n, err)
				break
			}
		}
	}
	assert.Zero(t, leaks)
}

func TestInvalidSuccessBodies(t *testing.T) {
	for name, body := range map[string][]byte{
		"truncated":            fixture(t, "truncated.json"),
		"html":                 fixture(t, "proxy_502.html"),
		"empty":                nil,
		"wrong amount type":    []byte(`{"data":{"accounts":[{"id":"a","name":"n","balance":{"id":"b","at":"2024-06-09T07:40:20Z","current":"lots"}}]}}`),
		"wrong list type":      []byte(`{"data":{"accounts":{"id":"a"}}}`),
		"bad timestamp":        []byte(`{"data":{"accounts":[{"id":"a","name":"n","balance":{"id":"b","at":"yesterday"}}]}}`),
		"errors not a list":    []byte(`{"errors":{"message":"x"}}`),
		"top-level array":      []byte(`[1,2,3]`),
		"number for a label":   []byte(`{"data":{"accounts":[{"id":7}]}}`),
		"data null, no errors": []byte(`{"data":null}`),
	} {
		t.Run(name, func(t *testing.T) {
			client, mux, _ := setup(t)
			handleGraphQL(t, mux, func(w http.ResponseWriter, _ *gqlRequest, _ int) {
				reply(w, http.StatusOK, "application/json", body)
			})
			accounts, err := client.Accounts(context.Background(), nil)
			assert.Nil(t, accounts, "nothing half-decoded is handed out")
			assert.ErrorIs(t, err, quiltt.ErrInvalidResponse)
			var e *quiltt.Error
			assert.False(t, errors.As(err, &e), "a 200 is not an *Error")
		})
	}
}
