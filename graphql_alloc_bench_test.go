package quiltt_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/quiltt-go/quiltt"
	"golang.org/x/time/rate"
)

// allocBudget is how much memory a read may allocate per byte of answer.
const allocBudget = 50

// hostileAnswers are the worst answers for memory that fit under the caps
// (16 MiB of body, MaxAccountsPerAnswer accounts, as many errors[]
// entries): each puts as much as it can into what the decode builds per
// byte of body.
func hostileAnswers() map[string][]byte {
	const fill = 15 << 20 // bytes of body to aim for
	account := func(extra string) string { return answerAccount + extra + `}` }
	per := fill/quiltt.MaxAccountsPerAnswer - len(answerAccount) - 16 // bytes of padding per account
	list := func(n int, one string) []byte {
		var b strings.Builder
		b.Grow(n*(len(one)+1) + 32)
		b.WriteString(`{"data":{"accounts":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(one)
		}
		b.WriteString(`]}}`)
		return []byte(b.String())
	}
	repeat := func(unit string, total int) string {
		return strings.TrimSuffix(strings.Repeat(unit, total/len(unit)), ",")
	}
	tax := func(member string) []byte {
		return list(quiltt.MaxAccountsPerAnswer, strings.Replace(answerAccount+`}`, `"taxonomy":["ASSET"]`, `"taxonomy":[`+repeat(member+",", per)+`]`, 1))
	}
	// {data{accounts[{metadata: 4 levels, then as deep as encoding/json goes.
	nested := strings.Repeat("[", 10000-4) + strings.Repeat("]", 10000-4)
	errorsList := func(entry string) []byte {
		return []byte(`{"data":null,"errors":[` + strings.TrimSuffix(strings.Repeat(entry+",", quiltt.MaxAccountsPerAnswer), ",") + `]}`)
	}
	path := `["accounts",` + repeat("0,", 2*31) + `]`
	return map[string][]byte{
		// MaxAccountsPerAnswer accounts of the non-null fields only.
		"minimal accounts": list(quiltt.MaxAccountsPerAnswer, answerAccount+`}`),
		// Every field, three amounts each, a timezone offset on at (a
		// *time.Location per balance).
		"full accounts": list(quiltt.MaxAccountsPerAnswer, account(`,"kind":"CREDIT","mask":"1","currencyCode":"USD",`+
			`"transactedFirstOn":"2023-01-15","transactedLastOn":"2024-06-08","metadata":{"a":1},`+
			`"connection":{"id":"c","provider":"MX","status":"SYNCED"},`+
			`"balance":{"id":"b","at":"2024-06-09T07:40:20+01:00","source":"SYNC","available":1,"current":-2.5,"limit":1e2}`)),
		// Taxonomy arrays of "" and of one-letter members: a string
		// header per three or four bytes, twice (generated and public).
		"taxonomy of empty strings": tax(`""`),
		"taxonomy of one letter":    tax(`"A"`),
		// One account whose taxonomy fills the body: the list regrows.
		"one huge taxonomy": list(1, strings.Replace(answerAccount+`}`, `"taxonomy":["ASSET"]`, `"taxonomy":[`+repeat(`"",`, fill)+`]`, 1)),
		// Metadata nested as deep as encoding/json allows.
		"deeply nested metadata": list(fill/(len(nested)+len(answerAccount)+16), account(`,"metadata":`+nested)),
		// Nulls and unselected members everywhere.
		"many nulls": list(quiltt.MaxAccountsPerAnswer, account(`,"kind":null,"mask":null,"balance":null,"connection":null,"metadata":null,`+
			repeat(`"x":null,`, per-80))),
		// Unselected members with escaped keys, which must be unescaped to
		// tell whether they name a selected field.
		"escaped unknown keys": list(quiltt.MaxAccountsPerAnswer, account(","+repeat(`"\u0078":0,`, per-80))),
		// Escaped strings: names of \u0041.
		"escaped names": list(quiltt.MaxAccountsPerAnswer, strings.Replace(answerAccount+`}`, `"Checking"`, `"`+strings.Repeat(`\u0041`, per/6)+`"`, 1)),
		// MaxAccountsPerAnswer errors[] entries with the longest paths.
		"errors with long paths": errorsList(`{"message":"m","path":` + path + `,"extensions":{"code":"X","errorId":"e","instruction":"i","documentationUrl":"d"}}`),
		// 15 MiB of {}: refused before anything is built.
		"refused empty accounts": []byte(`{"data":{"accounts":[{}` + repeat(`,{}`, fill) + `]}}`),
	}
}

// BenchmarkAnswerAlloc reads each hostile answer through Accounts and
// reports the bytes allocated (by the whole read: HTTP, check, decode,
// public types) per byte of answer. It fails past allocBudget.
func BenchmarkAnswerAlloc(b *testing.B) {
	for name, body := range hostileAnswers() {
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			if len(body) > 16<<20 {
				b.Fatalf("%d bytes: over the body cap", len(body))
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				_, _ = w.Write(body)
			}))
			defer srv.Close()
			c, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL), quiltt.WithAPIKey(testAPIKey), quiltt.WithRateLimit(rate.Inf, 1))
			if err != nil {
				b.Fatal(err)
			}
			defer c.CloseIdleConnections()
			p := c.ForProfile(testProfile)
			refused := strings.HasPrefix(name, "refused ")
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			n := 0
			for b.Loop() {
				_, err := p.Accounts(context.Background(), nil)
				if refused != errors.Is(err, quiltt.ErrInvalidResponse) {
					b.Fatalf("refused %v, got %v", refused, err)
				}
				if !refused && err != nil && !errors.As(err, new(*quiltt.QueryError)) {
					b.Fatal(err)
				}
				n++
			}
			runtime.ReadMemStats(&after)
			ratio := float64(after.TotalAlloc-before.TotalAlloc) / float64(n) / float64(len(body))
			b.ReportMetric(ratio, "B-alloc/B-body")
			b.ReportMetric(float64(len(body)), "B-body")
			if ratio > allocBudget {
				b.Errorf("%.1f bytes allocated per byte of answer, over %d", ratio, allocBudget)
			}
		})
	}
}
