package quilttest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/quiltt-go/quiltt/quilttest"
)

// FuzzGraphQL sends arbitrary bodies to the GraphQL route: the fake must
// answer every one with valid JSON and a 2xx or 4xx, never a 5xx.
func FuzzGraphQL(f *testing.F) {
	for _, seed := range []string{
		`{"query":"{ accounts { id name balance { current } } }"}`,
		`{"query":"query ($f: AccountFilter) { accounts(filter: $f) { id } }","variables":{"f":{"kind":["CREDIT"],"metadata":{"a":[1,{"b":null}]}}}}`,
		`{"query":"query ($id: ID!) { account(id: $id) { ...A } } fragment A on Account { id ...A }","variables":{"id":12}}`,
		`{"query":"{ a: account(id: 1) { id } }"}`,
		`{"query":"{ accounts(filter: {kind: [null]}) { id } }"}`,
		`{"query":"query ($x: [AccountKind!]) { accounts(filter: {kind: $x}) { id } }","variables":{"x":[{}]}}`,
		`{"query":"{ profile { id } }","operationName":7}`,
		`nonsense`,
	} {
		f.Add([]byte(seed))
	}
	s := quilttest.NewServer()
	f.Cleanup(s.Close)
	auth := basic(s, s.ProfileID())
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := http.NewRequest(http.MethodPost, s.URL()+"/v1/graphql", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", auth)
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode >= 500 {
			t.Fatalf("status %d for %q: %s", resp.StatusCode, body, b)
		}
		if !json.Valid(b) {
			t.Fatalf("invalid JSON for %q: %s", body, b)
		}
	})
}
