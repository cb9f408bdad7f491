package quiltt

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	gql "github.com/quiltt-go/quiltt/internal/graphql"
	"github.com/stretchr/testify/require"
)

// fixtures holds testdata/graphql's JSON answers, for seeds.
func fixtures(tb testing.TB) map[string][]byte {
	paths, err := filepath.Glob(filepath.Join("testdata", "graphql", "*.json"))
	require.NoError(tb, err)
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(tb, err)
		out[filepath.Base(p)] = b
	}
	return out
}

var fuzzOps = []string{"Accounts", "Account", "AccountBalance"}

// FuzzDecodeAnswer feeds arbitrary answers to each operation's decoder:
// no panic; every failure is an *invalidAnswer or errors[]; an accepted
// answer is valid JSON, within the cap, and refused once a byte follows it.
func FuzzDecodeAnswer(f *testing.F) {
	for _, b := range fixtures(f) {
		for op := range fuzzOps {
			f.Add(uint8(op), b)
		}
	}
	for _, s := range []string{
		`{"data":{"accounts":[` + minAccount + `]}}`,
		`{"data":{"account":` + account(`,"balance":`+fullBalance) + `}}`,
		`{"data":{"account":{"id":"a","balance":` + fullBalance + `}}}`,
		`{"errors":[{"message":"m","path":["accounts",0,"balance","at"]}],"data":{"accounts":[` + account(`,"balance":{"id":"b","at":null,"source":"SYNC"}`) + `]}}`,
	} {
		for op := range fuzzOps {
			f.Add(uint8(op), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		name := fuzzOps[int(op)%len(fuzzOps)]
		data, err := decodeBytes(name, body)
		var inv *invalidAnswer
		var errs answerErrors
		switch {
		case err == nil, errors.As(err, &errs):
			if !json.Valid(body) {
				t.Fatalf("accepted invalid JSON %q", body)
			}
			if d, ok := data.(*gql.AccountsResponse); ok && len(d.Accounts) > MaxAccountsPerAnswer {
				t.Fatalf("%d accounts", len(d.Accounts))
			}
			if _, again := decodeOp(name, string(body)+"]"); !errors.As(again, &inv) {
				t.Fatalf("trailing byte accepted: %v", again)
			}
		case errors.As(err, &inv):
			if e := graphQLError(name, err, false, nil); !errors.Is(e, ErrInvalidResponse) {
				t.Fatalf("refusal does not wrap ErrInvalidResponse: %v", e)
			}
		default:
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
	})
}
