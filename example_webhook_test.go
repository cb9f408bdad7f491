package quiltt_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
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

	// A refusal answers a reason for Quiltt's delivery log, and is logged
	// through slog.Default().
	w = httptest.NewRecorder()
	handler.ServeHTTP(w, exampleDelivery("whsec_forged"))
	fmt.Print(w.Code, " ", w.Body.String())
	// Output:
	// balance of acct_12wm3n4PaWHdcMgu6ZVDx5 is 110.00
	// 204
	// 401 signature does not match
}

func ExampleNewWebhookHandlerWithLogger() {
	// Your service's logger; here one that writes to stdout, without times.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	handler := quiltt.NewWebhookHandlerWithLogger("whsec_example", func(context.Context, quiltt.Event) error {
		return errors.New("ledger unavailable")
	}, logger)
	handler.MaxBodyBytes = 64 << 10 // the returned *WebhookHandler can be adjusted before serving

	w := httptest.NewRecorder()
	handler.ServeHTTP(w, exampleDelivery("whsec_example"))
	fmt.Print(w.Code, " ", w.Body.String())
	// Output:
	// level=INFO msg="quiltt: webhook handler pieces" claim_store.kind=*quiltt.MemoryClaimStore
	// level=ERROR msg="quiltt: webhook callback failed" event=evt_12wkam1rFDQg0m8OLObJM1 type=balance.created status=500 reason="callback failed; will be retried" error="ledger unavailable"
	// 500 callback failed; will be retried
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
		// Skip redelivered events. Across replicas, share one store
		// (package redisstore) instead.
		Claims:         quiltt.NewMemoryClaimStore(10000),
		ClaimLease:     time.Minute,    // longer than Handle ever takes
		ClaimRetention: 96 * time.Hour, // how long redeliveries are skipped
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

func ExampleMemoryClaimStore() {
	ctx := context.Background()
	store := quiltt.NewMemoryClaimStore(10000)

	first, _ := store.Claim(ctx, "evt_12wkam1rFDQg0m8OLObJM1", 2*time.Minute)
	fmt.Println("first delivery:", first.State)
	second, _ := store.Claim(ctx, "evt_12wkam1rFDQg0m8OLObJM1", 2*time.Minute)
	fmt.Println("concurrent delivery:", second.State) // answer 503: Quiltt delivers again

	// The first delivery's callback succeeded: the event is done.
	if err := store.Done(ctx, first, 72*time.Hour); err != nil {
		log.Fatal(err)
	}
	third, _ := store.Claim(ctx, "evt_12wkam1rFDQg0m8OLObJM1", 2*time.Minute)
	fmt.Println("redelivery:", third.State) // skip it
	// Output:
	// first delivery: acquired
	// concurrent delivery: busy
	// redelivery: done
}

func ExampleEvent_Balance() {
	payload, err := quiltt.ParseWebhook([]byte(exampleBody))
	if err != nil {
		log.Fatal(err)
	}
	b, err := payload.Events[0].Balance()
	if err != nil {
		log.Fatal(err) // ErrWebhookEventType on another type; ErrWebhookPayload on a bad record
	}
	fmt.Println(b.ID, b.AccountID, b.Source, b.At.Format(time.RFC3339))
	fmt.Println("current", b.Current, "available", b.Available, "limit", b.Limit) // nil: not reported
	// Output:
	// bal_12wm3nAz3ZSpYWxauhLqrf acct_12wm3n4PaWHdcMgu6ZVDx5 REFRESH 2024-06-07T08:27:37Z
	// current 110 available 100 limit <nil>
}

func ExampleEvent_Account() {
	e := quiltt.Event{ID: "evt_12wkam1rFDQg0m8OLObJA1", Type: quiltt.EventAccountVerified, Record: json.RawMessage(
		`{"id":"acct_12wm3n4PaWHdcMgu6ZVDx5","connectionId":"conn_12wm3n1qPRWq8ilgRqhKMx","at":"2026-01-02T05:40:02Z",` +
			`"state":"OPEN","metadata":{"ledgerId":"L-4471"},"createdAt":"2024-06-01T18:55:35Z","updatedAt":"2026-01-02T05:43:09Z"}`)}
	a, err := e.Account()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.ID, "via", a.ConnectionID, a.State, string(a.Metadata))
	// Output: acct_12wm3n4PaWHdcMgu6ZVDx5 via conn_12wm3n1qPRWq8ilgRqhKMx OPEN {"ledgerId":"L-4471"}
}

func ExampleEvent_Connection() {
	e := quiltt.Event{ID: "evt_12wkam1rFDQg0m8OLObJC1", Type: quiltt.EventConnectionSyncedErroredRepairable, Record: json.RawMessage(
		`{"id":"conn_12wm3n1qPRWq8ilgRqhKMx","at":"2026-01-02T05:40:02Z","provider":"PLAID","features":[],` +
			`"products":["ACCOUNT_BALANCES_AND_TRANSACTIONS"],"status":"ERROR_REPAIRABLE","metadata":null,` +
			`"createdAt":"2024-06-01T18:55:30Z","updatedAt":"2026-01-02T05:40:02Z"}`)}
	c, err := e.Connection()
	if err != nil {
		log.Fatal(err)
	}
	if c.Status == quiltt.ConnectionStatusErrorRepairable {
		fmt.Println(c.ID, "on", c.Provider, "needs the user to reconnect; products", c.Products)
	}
	// Output: conn_12wm3n1qPRWq8ilgRqhKMx on PLAID needs the user to reconnect; products [ACCOUNT_BALANCES_AND_TRANSACTIONS]
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
