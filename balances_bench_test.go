package quiltt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/shopspring/decimal"
	"golang.org/x/time/rate"
)

// hundredAccounts is an accounts answer of 100 accounts, each shaped like
// testdata/graphql/accounts_full.json's first one, with every field the SDK
// selects.
func hundredAccounts() []byte {
	var b strings.Builder
	b.WriteString(`{"data":{"accounts":[`)
	for i := range 100 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"acct_%03d","name":"Checking %d","kind":"DEPOSITORY","mask":"%04d","currencyCode":"USD",`+
			`"verified":true,"state":"OPEN","provider":"PLAID","taxonomy":["ASSET","DEPOSITORY","SPENDING"],`+
			`"transactedFirstOn":"2023-01-15","transactedLastOn":"2024-06-08","metadata":null,`+
			`"institution":{"id":"ins_12bYZ","name":"First Platypus Bank"},`+
			`"connection":{"id":"conn_12aXq","provider":"PLAID","status":"SYNCED"},`+
			`"balance":{"id":"bal_%03d","at":"2024-06-09T07:40:20Z","source":"SYNC","available":%d.%02d,"current":3141.59,"limit":null}}`,
			i, i, i, i, 1000+i, i)
	}
	b.WriteString(`]}}`)
	return []byte(b.String())
}

func benchServer(b *testing.B) *httptest.Server {
	body := hundredAccounts()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkAccounts reads 100 accounts through the SDK: pipeline, retry
// policy, genqlient decoding, mapping onto the public types.
func BenchmarkAccounts(b *testing.B) {
	srv := benchServer(b)
	c, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL), quiltt.WithAPIKey(testAPIKey), quiltt.WithRateLimit(rate.Inf, 1))
	if err != nil {
		b.Fatal(err)
	}
	p := c.ForProfile(testProfile)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		accounts, err := p.Accounts(ctx, nil)
		if err != nil || len(accounts) != 100 || accounts[99].Balance.Current == nil {
			b.Fatal(err, len(accounts))
		}
	}
}

// The baseline's equivalent structs, with decimal amounts.
type baselineBalance struct {
	ID        string           `json:"id"`
	At        time.Time        `json:"at"`
	Source    string           `json:"source"`
	Available *decimal.Decimal `json:"available"`
	Current   *decimal.Decimal `json:"current"`
	Limit     *decimal.Decimal `json:"limit"`
	AccountID string           `json:"-"`
}

type baselineAccount struct {
	ID                string          `json:"id"`
	Name              string          `json:"name"`
	Kind              *string         `json:"kind"`
	Mask              *string         `json:"mask"`
	CurrencyCode      *string         `json:"currencyCode"`
	Verified          bool            `json:"verified"`
	State             string          `json:"state"`
	Provider          string          `json:"provider"`
	Taxonomy          []string        `json:"taxonomy"`
	TransactedFirstOn *string         `json:"transactedFirstOn"`
	TransactedLastOn  *string         `json:"transactedLastOn"`
	Metadata          json.RawMessage `json:"metadata"`
	Institution       struct{ ID, Name string }
	Connection        *struct{ ID, Provider, Status string }
	Balance           *baselineBalance `json:"balance"`
}

// BenchmarkAccountsBaseline does the same work by hand: the same request
// with plain net/http, the same JSON decoded with encoding/json into
// equivalent structs with decimal amounts.
func BenchmarkAccountsBaseline(b *testing.B) {
	srv := benchServer(b)
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	b.Cleanup(hc.CloseIdleConnections)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		body, err := json.Marshal(map[string]any{
			"query": "query Accounts { accounts { id name } }", "operationName": "Accounts", "variables": map[string]any{},
		})
		if err != nil {
			b.Fatal(err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/v1/graphql", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Basic cDpr")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var out struct {
			Data struct {
				Accounts []baselineAccount `json:"accounts"`
			} `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || len(out.Data.Accounts) != 100 {
			b.Fatal(err)
		}
		for i := range out.Data.Accounts {
			if a := &out.Data.Accounts[i]; a.Balance != nil {
				a.Balance.AccountID = a.ID
			}
		}
	}
}
