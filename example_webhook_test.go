package quiltt_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/shopspring/decimal"
)

// exampleBody is the balances doc page's sample event.
const exampleBody = `{"id":"evt_12wkam1rFDQg0m8OLObJM1","at":"2026-01-02T05:42:41Z","type":"balance.created",` +
	`"profile":{"id":"p_12uGLpPexyTkZCcJJntSjb","uuid":"018a72f8-5434-7262-a029-a186fb0c5f33","metadata":null},` +
	`"record":{"id":"bal_12wm3nAz3ZSpYWxauhLqrf","accountId":"acct_12wm3n4PaWHdcMgu6ZVDx5",` +
	`"at":"2024-06-07T08:27:37Z","source":"REFRESH","available":100.0,"current":110.0,"limit":null},"metadata":{}}`

// exampleDelivery builds the request Quiltt would send, signed now with
// secret by quilttest.SignWebhook, as a test of your own handler can (in
// real code the request comes from Quiltt).
func exampleDelivery(secret string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/hooks/quiltt", strings.NewReader(exampleBody))
	for key, values := range quilttest.SignWebhook([]byte(exampleBody), secret, time.Now()) {
		req.Header[key] = values
	}
	return req
}

func ExampleVerifyWebhook() {
	secret := "whsec_example" // the subscription's secret, from the Dashboard
	req := exampleDelivery(secret)
	body := []byte(exampleBody) // the raw bytes read from req.Body

	err := quiltt.VerifyWebhook(body, req.Header, secret)
	fmt.Println("genuine:", err == nil)

	err = quiltt.VerifyWebhook([]byte(strings.Replace(exampleBody, "110.0", "910.0", 1)), req.Header, secret)
	fmt.Println("tampered:", errors.Is(err, quiltt.ErrWebhookSignature))
	// Output:
	// genuine: true
	// tampered: true
}

func ExampleWebhookVerifier() {
	// While a secret is rotated, accept both the old and the new one.
	v, err := quiltt.NewWebhookVerifier("whsec_old", "whsec_new")
	if err != nil {
		log.Fatal(err)
	}
	req := exampleDelivery("whsec_new")
	fmt.Println(v.Verify([]byte(exampleBody), req.Header))
	// Output: <nil>
}

func ExampleParseWebhook() {
	payload, err := quiltt.ParseWebhook([]byte(exampleBody))
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range payload.Events {
		fmt.Println(e.ID, e.Type)
		if e.Type != quiltt.EventBalanceCreated {
			continue
		}
		b, err := e.Balance()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(b.AccountID, b.Source, "available", b.Available.StringFixed(2), "current", b.Current.StringFixed(2), "limit", b.Limit)
	}
	// Output:
	// evt_12wkam1rFDQg0m8OLObJM1 balance.created
	// acct_12wm3n4PaWHdcMgu6ZVDx5 REFRESH available 100.00 current 110.00 limit <nil>
}

func ExampleNewWebhookHandler() {
	handler := quiltt.NewWebhookHandler("whsec_example", func(ctx context.Context, e quiltt.Event) error {
		if e.Type != quiltt.EventBalanceCreated {
			return nil // not interested
		}
		b, err := e.Balance()
		if err != nil {
			return err // 500: Quiltt delivers again
		}
		fmt.Println("balance of", b.AccountID, "is", b.Current.StringFixed(2))
		return nil // 2xx once every event succeeded
	})
	// In a real service: http.Handle("/hooks/quiltt", handler)

	w := httptest.NewRecorder()
	handler.ServeHTTP(w, exampleDelivery("whsec_example"))
	fmt.Println(w.Code)

	w = httptest.NewRecorder()
	handler.ServeHTTP(w, exampleDelivery("whsec_forged"))
	fmt.Println(w.Code)
	// Output:
	// balance of acct_12wm3n4PaWHdcMgu6ZVDx5 is 110.00
	// 204
	// 401
}

func ExampleWebhookHandler() {
	v, err := quiltt.NewWebhookVerifier("whsec_example")
	if err != nil {
		log.Fatal(err)
	}
	calls := 0
	handler := &quiltt.WebhookHandler{
		Verifier:     v,
		Handle:       func(context.Context, quiltt.Event) error { calls++; return nil },
		MaxBodyBytes: 64 << 10,
		Seen:         quiltt.NewMemorySeenEvents(10000), // skip redelivered events
	}
	for range 2 { // the same delivery twice, as Quiltt may send it
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, exampleDelivery("whsec_example"))
		fmt.Println(w.Code)
	}
	fmt.Println("calls:", calls)
	// Output:
	// 204
	// 204
	// calls: 1
}

func ExampleBalance_AmountOwed() {
	card := decimal.RequireFromString("-2134.34") // Quiltt: negative = owed on a liability
	b := quiltt.Balance{Current: &card}
	fmt.Println(b.AmountOwed().StringFixed(2))
	// Output: 2134.34
}

func ExampleBalance_AvailableFunds() {
	current := decimal.RequireFromString("3141.59")
	b := quiltt.Balance{Current: &current} // available not reported
	fmt.Println(b.AvailableFunds())
	// Output: 3141.59
}

func ExampleBalance_ToLiabilityPositive() {
	available, current, limit := decimal.RequireFromString("12665.66"), decimal.RequireFromString("-2134.34"), decimal.RequireFromString("-15000.00")
	card := quiltt.Balance{Available: &available, Current: &current, Limit: &limit}

	// Compare with Plaid or MX data, where a card's balance owed is positive.
	plaidLike, err := card.ToLiabilityPositive(quiltt.AccountKindCredit.Class())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("current", plaidLike.Current, "available", plaidLike.Available, "limit as reported", plaidLike.Limit.StringFixed(2))

	back, _ := plaidLike.FromLiabilityPositive(quiltt.ClassLiability)
	fmt.Println("back", back.Current)

	_, err = card.ToLiabilityPositive(quiltt.ClassUnknown)
	fmt.Println(errors.Is(err, quiltt.ErrUnknownClass))
	// Output:
	// current 2134.34 available 12665.66 limit as reported -15000.00
	// back -2134.34
	// true
}

func ExampleAccountClassifier() {
	// A fake GraphQL API standing in for Quiltt's.
	lookups := 0
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lookups++
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data":{"account":{"id":"acct_12wm3n4PaWHdcMgu6ZVDx5","name":"Card","kind":"CREDIT","taxonomy":["LIABILITY","CREDIT"],"verified":false,"state":"OPEN","provider":"MOCK","institution":{"id":"i","name":"Bank"},"balance":null}}}`)
	}))
	defer api.Close()

	client, err := quiltt.NewClient(quiltt.WithAPIKey("qltt_example"), quiltt.WithBaseURL(api.URL), quiltt.WithHTTPClient(api.Client()))
	if err != nil {
		log.Fatal(err)
	}
	defer api.CloseClientConnections()
	classifier := quiltt.NewAccountClassifier(client) // share one across deliveries

	payload, _ := quiltt.ParseWebhook([]byte(exampleBody))
	for range 2 {
		// The lookup is made as the event's Profile, once per account.
		b, class, err := classifier.ClassifyBalance(context.Background(), payload.Events[0])
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(b.AccountID, class, "owes", b.AmountOwed())
	}
	fmt.Println("lookups:", lookups)
	// Output:
	// acct_12wm3n4PaWHdcMgu6ZVDx5 LIABILITY owes 0
	// acct_12wm3n4PaWHdcMgu6ZVDx5 LIABILITY owes 0
	// lookups: 1
}
