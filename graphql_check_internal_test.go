package quiltt

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/Khan/genqlient/graphql"
	"github.com/quiltt-go/quiltt/internal/answer"
	gql "github.com/quiltt-go/quiltt/internal/graphql"
	"github.com/quiltt-go/quiltt/internal/jsonscan"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The SDK's operations, as the client reads them (graphql.go).
var answerShapes = func() map[string]*answer.Operation {
	schema, err := answerSchema()
	if err != nil {
		panic(err)
	}
	ops := map[string]*answer.Operation{}
	for name, query := range map[string]string{
		"Accounts":       gql.Accounts_Operation,
		"Account":        gql.Account_Operation,
		"AccountBalance": gql.AccountBalance_Operation,
	} {
		if ops[name], err = schema.Operation(query, name); err != nil {
			panic(err)
		}
	}
	return ops
}()

type (
	answerErrors  = answer.Errors
	invalidAnswer = answer.Invalid
)

// decodeAnswer does to raw what an answer to op meets in the client:
// answer.Check, then genqlient's decode (graphql.Client.MakeRequest: a
// json.Decoder over the answer into a graphql.Response), then the mapping
// of makeRequest.
func decodeAnswer(raw []byte, op *answer.Operation, data any) error {
	c, err := answer.Check(raw, op)
	if err != nil {
		return err
	}
	body := io.MultiReader(strings.NewReader(`{"data":`), bytes.NewReader(c.Data), strings.NewReader(`}`))
	if err := json.NewDecoder(body).Decode(&graphql.Response{Data: data}); err != nil {
		zero(data)
		return &answer.Invalid{Problem: "data: ", Cause: err, Errs: c.Errors}
	}
	if c.Errors != nil {
		return c.Errors
	}
	return nil
}

// answerLayout is what TestAnswerDepthAgreesWithDecoder and
// BenchmarkAnswerScan read of a checked answer.
type answerLayout struct{ accounts int }

func checkAnswer(raw []byte, op *answer.Operation) (answerLayout, error) {
	c, err := answer.Check(raw, op)
	if err != nil {
		return answerLayout{}, err
	}
	return answerLayout{accounts: c.Objects}, nil
}

func readAnswer(resp *http.Response) ([]byte, error) { return answer.Read(resp, maxResponseBody) }

// The fields the schema marks non-null in each selection, for building
// answers below.
const (
	fullBalance = `{"id":"bal_1","at":"2024-06-09T07:40:20Z","source":"SYNC","available":null,"current":3141.59,"limit":null}`
	minAccount  = `{"id":"acct_1","name":"n","verified":false,"state":"OPEN","provider":"MX","taxonomy":[],"institution":{"id":"i","name":"I"}}`
)

func account(extra string) string {
	return strings.TrimSuffix(minAccount, "}") + extra + "}"
}

// decodeOp runs decodeAnswer for an operation into a fresh response.
func decodeOp(op string, body string) (any, error) { return decodeBytes(op, []byte(body)) }

func decodeBytes(op string, body []byte) (any, error) {
	var data any
	switch op {
	case "Accounts":
		data = &gql.AccountsResponse{}
	case "Account":
		data = &gql.AccountResponse{}
	default:
		data = &gql.AccountBalanceResponse{}
	}
	return data, decodeAnswer(body, answerShapes[op], data)
}

func TestDecodeAnswerRefusesIncompleteAnswers(t *testing.T) {
	for name, tc := range map[string]struct{ op, body, says string }{
		"empty object":              {"Accounts", `{}`, "neither data nor GraphQL errors"},
		"extensions only":           {"Accounts", `{"extensions":{"cost":1}}`, "neither data nor GraphQL errors"},
		"empty errors, no data":     {"Accounts", `{"errors":[]}`, "neither data nor GraphQL errors"},
		"null data, no errors":      {"Accounts", `{"data":null}`, "data is null and errors[] is empty"},
		"null data, empty errors":   {"Account", `{"data":null,"errors":[]}`, "data is null"},
		"data without accounts":     {"Accounts", `{"data":{}}`, "accounts is missing"},
		"data with another field":   {"Accounts", `{"data":{"account":null}}`, "accounts is missing"},
		"data without account":      {"Account", `{"data":{}}`, "account is missing"},
		"balance data w/o account":  {"AccountBalance", `{"data":{"accounts":[]}}`, "account is missing"},
		"data not an object":        {"Accounts", `{"data":[]}`, "data: want an object"},
		"null account element":      {"Accounts", `{"data":{"accounts":[` + minAccount + `,null]}}`, "accounts.1 is null"},
		"account without id":        {"Accounts", `{"data":{"accounts":[{"name":"n","verified":false,"state":"OPEN","provider":"MX","taxonomy":[],"institution":{"id":"i","name":"I"}}]}}`, "accounts.0.id is missing"},
		"account with null id":      {"Accounts", `{"data":{"accounts":[` + strings.Replace(minAccount, `"acct_1"`, `null`, 1) + `]}}`, "accounts.0.id is null"},
		"empty account":             {"Accounts", `{"data":{"accounts":[{}]}}`, "accounts.0.id is missing"},
		"single account without id": {"Account", `{"data":{"account":{"name":"n"}}}`, "account.id is missing"},
		"polled account without id": {"AccountBalance", `{"data":{"account":{"balance":null}}}`, "account.id is missing"},
		"balance without at":        {"Accounts", `{"data":{"accounts":[` + account(`,"balance":{"id":"b","source":"SYNC"}`) + `]}}`, "accounts.0.balance.at is missing"},
		"balance with null at":      {"Account", `{"data":{"account":` + account(`,"balance":{"id":"b","at":null,"source":"SYNC"}`) + `}}`, "account.balance.at is null"},
		"balance without id":        {"AccountBalance", `{"data":{"account":{"id":"a","balance":{"at":"2024-06-09T07:40:20Z","source":"SYNC"}}}}`, "account.balance.id is missing"},
		"balance without source":    {"AccountBalance", `{"data":{"account":{"id":"a","balance":{"id":"b","at":"2024-06-09T07:40:20Z"}}}}`, "account.balance.source is missing"},
		"taxonomy member null":      {"Accounts", `{"data":{"accounts":[` + strings.Replace(minAccount, `"taxonomy":[]`, `"taxonomy":["ASSET",null]`, 1) + `]}}`, "accounts.0.taxonomy.1 is null"},
		"taxonomy null":             {"Accounts", `{"data":{"accounts":[` + strings.Replace(minAccount, `"taxonomy":[]`, `"taxonomy":null`, 1) + `]}}`, "accounts.0.taxonomy is null"},
		"institution missing":       {"Account", `{"data":{"account":` + strings.Replace(minAccount, `,"institution":{"id":"i","name":"I"}`, ``, 1) + `}}`, "account.institution is missing"},
		"connection without status": {"Account", `{"data":{"account":` + account(`,"connection":{"id":"c","provider":"MX"}`) + `}}`, "account.connection.status is missing"},
		"trailing garbage":          {"Accounts", `{"data":{"accounts":[]}} x`, "bytes after the JSON value"},
		"second value":              {"Accounts", `{"data":{"accounts":[]}}{"data":{"accounts":[]}}`, "bytes after the JSON value"},
		"trailing bracket":          {"Accounts", `{"data":{"accounts":[]}}]`, "bytes after the JSON value"},
		"trailing NUL":              {"Accounts", "{\"data\":{\"accounts\":[]}}\x00", "bytes after the JSON value"},
		"duplicate id":              {"Accounts", `{"data":{"accounts":[` + account(`,"id":"acct_2"`) + `]}}`, "accounts.0.id appears twice"},
		"case-folded duplicate":     {"Accounts", `{"data":{"accounts":[` + account(`,"ID":"acct_2"`) + `]}}`, "accounts.0.id appears twice"},
		"escaped duplicate":         {"Accounts", `{"data":{"accounts":[` + account(`,"\u0069d":"acct_2"`) + `]}}`, "accounts.0.id appears twice"},
		"duplicate balance":         {"Accounts", `{"data":{"accounts":[` + account(`,"balance":null,"balance":null`) + `]}}`, "accounts.0.balance appears twice"},
		"Kelvin-sign duplicate":     {"Accounts", `{"data":{"accounts":[` + account(`,"kind":null,"\u212aind":"LOAN"`) + `]}}`, "accounts.0.kind appears twice"},
		"duplicate data":            {"Accounts", `{"data":{"accounts":[]},"data":{"accounts":[]}}`, "data appears twice"},
		"quoted amount":             {"Accounts", `{"data":{"accounts":[` + account(`,"balance":{"id":"b","at":"2024-06-09T07:40:20Z","source":"SYNC","current":"12.34"}`) + `]}}`, "accounts.0.balance.current: want a JSON number"},
		"amount out of range":       {"Accounts", `{"data":{"accounts":[` + account(`,"balance":{"id":"b","at":"2024-06-09T07:40:20Z","source":"SYNC","current":1e401}`) + `]}}`, "amount out of range"},
		"number for a string":       {"Accounts", `{"data":{"accounts":[` + strings.Replace(minAccount, `"n"`, `7`, 1) + `]}}`, "accounts.0.name: want a string"},
		"string for a boolean":      {"Account", `{"data":{"account":` + strings.Replace(minAccount, `false`, `"false"`, 1) + `}}`, "account.verified: want true or false"},
		"error entry null":          {"Accounts", `{"errors":[null]}`, "errors[0] is not an object"},
		"error without message":     {"Accounts", `{"errors":[{"path":["accounts"]}]}`, "errors[0] has no message"},
		"error message not string":  {"Accounts", `{"errors":[{"message":7}]}`, "errors[0]: message is not a string"},
		"error path of objects":     {"Accounts", `{"errors":[{"message":"m","path":[{}]}]}`, "errors[0]: path holds something other"},
		"errors not a list":         {"Accounts", `{"errors":{"message":"x"}}`, "errors is not a list"},
		"not JSON":                  {"Accounts", `<html>502</html>`, "not a JSON object"},
		"top-level array":           {"Accounts", `[1,2,3]`, "not a JSON object"},
		"bad timestamp":             {"Accounts", `{"data":{"accounts":[` + account(`,"balance":{"id":"b","at":"yesterday","source":"SYNC"}`) + `]}}`, "data: "},
	} {
		t.Run(name, func(t *testing.T) {
			data, err := decodeOp(tc.op, tc.body)
			var inv *invalidAnswer
			require.ErrorAs(t, err, &inv)
			assert.Contains(t, inv.Error(), tc.says)
			assert.Empty(t, inv.Errs)
			assert.Zero(t, reflectElem(data), "nothing half-decoded is left behind")
			e := graphQLError(tc.op, err, false, nil)
			assert.ErrorIs(t, e, ErrInvalidResponse)
			assert.False(t, errors.As(e, new(*QueryError)), "no errors[], no *QueryError")
		})
	}
}

func reflectElem(data any) any {
	switch d := data.(type) {
	case *gql.AccountsResponse:
		return *d
	case *gql.AccountResponse:
		return *d
	case *gql.AccountBalanceResponse:
		return *d
	}
	return data
}

// The schema's nullable fields may be null or absent: both read as nil,
// and an answer with only the non-null fields is complete.
func TestDecodeAnswerNullableFieldsMayBeAbsent(t *testing.T) {
	data, err := decodeOp("Accounts", `{"data":{"accounts":[`+minAccount+`,`+account(`,"kind":null,"mask":null,"balance":null,"connection":null,"metadata":null`)+`]}}`)
	require.NoError(t, err)
	accounts := data.(*gql.AccountsResponse).Accounts
	require.Len(t, accounts, 2)
	for _, a := range accounts {
		assert.Nil(t, a.Kind)
		assert.Nil(t, a.Balance)
		assert.Nil(t, a.Connection)
		assert.Nil(t, a.Metadata)
	}

	data, err = decodeOp("Accounts", `{"data":{"accounts":null}}`)
	require.NoError(t, err, "accounts is nullable")
	assert.Nil(t, data.(*gql.AccountsResponse).Accounts)

	data, err = decodeOp("AccountBalance", `{"data":{"account":{"id":"a","balance":{"id":"b","at":"2024-06-09T07:40:20Z","source":"SYNC"}}}}`)
	require.NoError(t, err)
	b := data.(*gql.AccountBalanceResponse).Account.Balance
	require.NotNil(t, b)
	assert.Nil(t, b.Available, "absent amounts are nil")
	assert.Nil(t, b.Current)

	// Members the query did not select, and extensions, are skipped.
	_, err = decodeOp("Account", `{"extensions":{"cost":{"n":[1,2]}},"data":{"account":`+account(`,"__typename":"Account","extra":{"deep":[[[]]]}`)+`}}`)
	require.NoError(t, err)
}

// The partial-data rule: with errors[], a null where the schema forbids
// one is accepted if an entry's path is at or below it, and nulls the
// nearest position that may be null; any other is refused.
func TestDecodeAnswerPartialData(t *testing.T) {
	nullAt := strings.Replace(fullBalance, `"2024-06-09T07:40:20Z"`, `null`, 1)
	errAt := func(path string) string {
		return `"errors":[{"message":"provider timed out","path":` + path + `,"extensions":{"code":"INTERNAL_SERVER_ERROR"}}]`
	}

	t.Run("null at, error at it: the balance is nil", func(t *testing.T) {
		data, err := decodeOp("Accounts", `{"data":{"accounts":[`+account(`,"balance":`+nullAt)+`,`+account(`,"balance":`+fullBalance)+`]},`+errAt(`["accounts",0,"balance","at"]`)+`}`)
		var errs answerErrors
		require.ErrorAs(t, err, &errs)
		accounts := data.(*gql.AccountsResponse).Accounts
		require.Len(t, accounts, 2)
		assert.Nil(t, accounts[0].Balance, "propagated to the nullable balance")
		require.NotNil(t, accounts[1].Balance)
		assert.Equal(t, "3141.59", accounts[1].Balance.Current.Decimal().String())
	})
	t.Run("errors before data", func(t *testing.T) {
		data, err := decodeOp("Account", `{`+errAt(`["account","balance","at"]`)+`,"data":{"account":`+account(`,"balance":`+nullAt)+`}}`)
		require.ErrorAs(t, err, new(answerErrors))
		a := data.(*gql.AccountResponse).Account
		require.NotNil(t, a)
		assert.Nil(t, a.Balance)
	})
	t.Run("null account id: the whole list is null", func(t *testing.T) {
		data, err := decodeOp("Accounts", `{"data":{"accounts":[`+minAccount+`,`+strings.Replace(minAccount, `"acct_1"`, `null`, 1)+`]},`+errAt(`["accounts",1,"id"]`)+`}`)
		require.ErrorAs(t, err, new(answerErrors))
		assert.Nil(t, data.(*gql.AccountsResponse).Accounts, "elements are non-null: the null reaches the list")
	})
	t.Run("null element", func(t *testing.T) {
		data, err := decodeOp("Accounts", `{"data":{"accounts":[null]},`+errAt(`["accounts",0]`)+`}`)
		require.ErrorAs(t, err, new(answerErrors))
		assert.Nil(t, data.(*gql.AccountsResponse).Accounts)
	})
	t.Run("null institution name: the single account is null", func(t *testing.T) {
		data, err := decodeOp("Account", `{"data":{"account":`+strings.Replace(minAccount, `"I"`, `null`, 1)+`},`+errAt(`["account","institution","name"]`)+`}`)
		require.ErrorAs(t, err, new(answerErrors))
		assert.Nil(t, data.(*gql.AccountResponse).Account)
	})
	t.Run("null connection status: the connection is nil", func(t *testing.T) {
		data, err := decodeOp("Accounts", `{"data":{"accounts":[`+account(`,"connection":{"id":"c","provider":"MX","status":null}`)+`]},`+errAt(`["accounts",0,"connection","status"]`)+`}`)
		require.ErrorAs(t, err, new(answerErrors))
		accounts := data.(*gql.AccountsResponse).Accounts
		require.Len(t, accounts, 1)
		assert.Nil(t, accounts[0].Connection)
	})
	for name, path := range map[string]string{
		"error elsewhere":        `["accounts",1,"balance","at"]`,
		"error above the null":   `["accounts",0,"balance"]`,
		"error without a path":   `null`,
		"index written as text":  `["accounts","zero","balance","at"]`,
		"error on another field": `["accounts",0,"balance","id"]`,
	} {
		t.Run("refused: "+name, func(t *testing.T) {
			data, err := decodeOp("Accounts", `{"data":{"accounts":[`+account(`,"balance":`+nullAt)+`]},`+errAt(path)+`}`)
			var inv *invalidAnswer
			require.ErrorAs(t, err, &inv)
			assert.Contains(t, inv.Error(), "accounts.0.balance.at is null")
			require.Len(t, inv.Errs, 1, "the errors[] are kept for the caller")
			assert.Zero(t, reflectElem(data))

			e := graphQLError("Accounts", err, true, nil)
			assert.ErrorIs(t, e, ErrInvalidResponse)
			assert.ErrorIs(t, e, ErrServer, "the entries' codes still match")
			var qe *QueryError
			require.ErrorAs(t, e, &qe)
			assert.False(t, qe.PartialData, "nothing of a refused answer is handed out")
			assert.Contains(t, e.Error(), "provider timed out")
		})
	}
	t.Run("refused: missing field, errors[] or not", func(t *testing.T) {
		_, err := decodeOp("Account", `{"data":{"account":{"id":"acct_1","balance":null}},`+errAt(`["account","balance"]`)+`}`)
		var inv *invalidAnswer
		require.ErrorAs(t, err, &inv)
		assert.Contains(t, inv.Error(), "account.name is missing")
		assert.Len(t, inv.Errs, 1)
	})
	t.Run("errors without data", func(t *testing.T) {
		data, err := decodeOp("Accounts", `{`+errAt(`["accounts"]`)+`}`)
		require.ErrorAs(t, err, new(answerErrors))
		assert.Nil(t, data.(*gql.AccountsResponse).Accounts)
	})
}

func TestDecodeAnswerCapsAccounts(t *testing.T) {
	list := func(n int) string {
		return `{"data":{"accounts":[` + strings.TrimSuffix(strings.Repeat(minAccount+",", n), ",") + `]}}`
	}
	data, err := decodeOp("Accounts", list(MaxAccountsPerAnswer))
	require.NoError(t, err)
	assert.Len(t, data.(*gql.AccountsResponse).Accounts, MaxAccountsPerAnswer)

	_, err = decodeOp("Accounts", list(MaxAccountsPerAnswer+1))
	var inv *invalidAnswer
	require.ErrorAs(t, err, &inv)
	assert.Contains(t, inv.Error(), "more than 10000 accounts")

	many := `{"errors":[` + strings.TrimSuffix(strings.Repeat(`{"message":"m"},`, MaxAccountsPerAnswer+1), ",") + `]}`
	_, err = decodeOp("Accounts", many)
	require.ErrorAs(t, err, &inv)
	assert.Contains(t, inv.Error(), "errors[] holds more than 10000 entries")

	long := `{"errors":[{"message":"m","path":[` + strings.TrimSuffix(strings.Repeat(`0,`, 32+1), ",") + `]}]}`
	_, err = decodeOp("Accounts", long)
	require.ErrorAs(t, err, &inv)
	assert.Contains(t, inv.Error(), "path longer than 32")
}

// The cap is checked before anything is decoded: refusing a 15 MiB answer
// of {},{},… allocates a small fraction of the body (it decoded into 5.2
// million accounts, 6.5 GB, before).
func TestDecodeAnswerRefusesBeforeBuilding(t *testing.T) {
	body := []byte(`{"data":{"accounts":[{}` + strings.Repeat(`,{}`, 5<<20) + `]}}`)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := decodeBytes("Accounts", body)
	runtime.ReadMemStats(&after)
	require.ErrorAs(t, err, new(*invalidAnswer))
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<10), "bytes allocated")
}

// The checker and the decoder agree on nesting depth: data and errors[]
// are decoded on their own, and the checker counts depth from each, so
// that neither refuses what the other accepts.
func TestAnswerDepthAgreesWithDecoder(t *testing.T) {
	nest := func(k int) string { return strings.Repeat("[", k) + strings.Repeat("]", k) }
	for k := jsonscan.MaxDepth - 5; k <= jsonscan.MaxDepth; k++ {
		dataPart := `{"accounts":[` + account(`,"metadata":`+nest(k)) + `]}`
		var v gql.AccountsResponse // as genqlient's client decodes it: data inside the answer
		want := json.Unmarshal([]byte(`{"data":`+dataPart+`}`), &graphql.Response{Data: &v}) == nil
		_, checkErr := checkAnswer([]byte(`{"data":`+dataPart+`}`), answerShapes["Accounts"])
		assert.Equal(t, want, checkErr == nil, "metadata nested %d deep: decoder %v, checker %v", k, want, checkErr)

		errorsPart := `[{"message":"m","extensions":` + nest(k) + `}]`
		var errs []GraphQLError
		want = json.Unmarshal([]byte(errorsPart), &errs) == nil
		_, checkErr = checkAnswer([]byte(`{"errors":`+errorsPart+`}`), answerShapes["Accounts"])
		assert.Equal(t, want, checkErr == nil, "extensions nested %d deep: decoder %v, checker %v", k, want, checkErr)
	}
}

func TestReadAnswer(t *testing.T) {
	body := "0123456789"
	for name, tc := range map[string]struct {
		length int64
		r      io.Reader
		want   string
		err    error
	}{
		"exact length":      {10, strings.NewReader(body), body, nil},
		"no length":         {-1, strings.NewReader(body), body, nil},
		"longer than told":  {4, strings.NewReader(body), body, nil},
		"shorter than told": {20, io.MultiReader(strings.NewReader(body), iotest.ErrReader(io.ErrUnexpectedEOF)), "", io.ErrUnexpectedEOF},
		"read error":        {10, iotest.ErrReader(errors.New("reset")), "", nil},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := readAnswer(&http.Response{ContentLength: tc.length, Body: io.NopCloser(tc.r)})
			if tc.want == "" {
				require.Error(t, err)
				if tc.err != nil {
					assert.ErrorIs(t, err, tc.err)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
		})
	}
}
