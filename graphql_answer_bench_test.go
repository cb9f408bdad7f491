package quiltt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/Khan/genqlient/graphql"
	gql "github.com/quiltt-go/quiltt/internal/graphql"
)

// benchAnswer is an Accounts answer of n accounts shaped like
// testdata/graphql/accounts_full.json's first one.
func benchAnswer(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"data":{"accounts":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"acct_%03d","name":"Checking %d","kind":"DEPOSITORY","mask":"%04d","currencyCode":"USD",`+
			`"verified":true,"state":"OPEN","provider":"PLAID","taxonomy":["ASSET","DEPOSITORY","SPENDING"],`+
			`"transactedFirstOn":"2023-01-15","transactedLastOn":"2024-06-08","metadata":null,`+
			`"institution":{"id":"ins_12bYZ","name":"First Platypus Bank"},`+
			`"connection":{"id":"conn_12aXq","provider":"PLAID","status":"SYNCED"},`+
			`"balance":{"id":"bal_%03d","at":"2024-06-09T07:40:20Z","source":"SYNC","available":%d.%02d,"current":3141.59,"limit":null}}`,
			i, i, i, i, 1000+i, i%100)
	}
	b.WriteString(`]}}`)
	return []byte(b.String())
}

// BenchmarkAnswerDecode reads a 100-account answer as the SDK does: check,
// then decode into the generated types. Without HTTP, so that the cost of
// the check shows apart from the network.
func BenchmarkAnswerDecode(b *testing.B) {
	body := benchAnswer(100)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var data gql.AccountsResponse
		if err := decodeAnswer(body, answerShapes["Accounts"], &data); err != nil || len(data.Accounts) != 100 {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnswerDecodeBaseline decodes the same answer by hand, as
// genqlient's own client did: encoding/json straight into the generated
// types, no check.
func BenchmarkAnswerDecodeBaseline(b *testing.B) {
	body := benchAnswer(100)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var data gql.AccountsResponse
		resp := graphql.Response{Data: &data}
		if err := json.NewDecoder(bytes.NewReader(body)).Decode(&resp); err != nil || len(data.Accounts) != 100 {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnswerScan compares two ways of checking an answer before
// decoding it: the byte-level checker the SDK uses (every rule), and the
// least a streaming walk with encoding/json's Decoder.Token costs (it only
// counts the accounts).
func BenchmarkAnswerScan(b *testing.B) {
	body := benchAnswer(100)
	b.Run("bytes", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			l, err := checkAnswer(body, answerShapes["Accounts"])
			if err != nil || l.accounts != 100 {
				b.Fatal(err)
			}
		}
	})
	b.Run("tokens", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if n, err := countByTokens(body); err != nil || n != 100 {
				b.Fatal(n, err)
			}
		}
	})
}

// countByTokens counts the elements of data.accounts with Decoder.Token:
// the floor of what a token-based check would cost.
func countByTokens(body []byte) (int, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	depth, n := 0, 0
	var inAccounts bool
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		switch tok := tok.(type) {
		case json.Delim:
			if tok == '{' || tok == '[' {
				depth++
				if inAccounts && depth == 4 {
					n++
				}
			} else {
				depth--
			}
		case string:
			if depth == 2 && tok == "accounts" {
				inAccounts = true
			}
		}
	}
}
