package quilttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/shopspring/decimal"
)

// A quiltt.Client pointed at the fake reads the seeded accounts of
// Quiltt's balances doc page.
func ExampleNewServer() {
	srv := quilttest.NewServer()
	defer srv.Close()

	client, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL()), quiltt.WithAPIKey(srv.APIKey()))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()
	accounts, err := client.ForProfile(srv.ProfileID()).Accounts(context.Background(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range accounts {
		fmt.Println(a.Name, a.Class(), a.Balance.Current)
	}
	// Output:
	// Premium Checking ASSET 3141.59
	// Premium Credit Card LIABILITY -2134.34
}

// SignWebhook signs a delivery so that a webhook handler can be tested
// without Quiltt.
func ExampleSignWebhook() {
	const secret = "whsec_example"
	body := []byte(`{"id":"evt_1","type":"balance.created"}`)
	at := time.Unix(1767332561, 0)

	req := httptest.NewRequest(http.MethodPost, "/webhooks/quiltt", bytes.NewReader(body))
	for k, v := range quilttest.SignWebhook(body, secret, at) {
		req.Header[k] = v
	}
	fmt.Println(req.Header.Get(quiltt.HeaderTimestamp))
	fmt.Println(req.Header.Get(quiltt.HeaderSignature) != "")
	// Output:
	// 1767332561
	// true
}

// In a test, NewTestServer fails the test on a bad option and closes the
// server when the test ends. A test of a payout service might read:
func ExampleNewTestServer() {
	testPayout := func(t *testing.T) {
		srv := quilttest.NewTestServer(t) // seeded with the balances doc page's two accounts
		client, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL()), quiltt.WithAPIKey(srv.APIKey()))
		if err != nil {
			t.Fatal(err)
		}
		defer client.CloseIdleConnections()
		acct, err := client.ForProfile(srv.ProfileID()).Account(t.Context(), quilttest.CheckingAccountID)
		if err != nil {
			t.Fatal(err)
		}
		if got := acct.Balance.Current.String(); got != "3141.59" {
			t.Errorf("current = %s, want 3141.59", got)
		}
	}
	_ = testPayout // func TestPayout(t *testing.T) in a _test.go file
}

// FailNext makes the fake answer the next requests of a route with an
// error: here one 503 to a refresh, which the SDK retries (Quiltt cannot
// have acted on a 503), so the call succeeds on its second attempt.
func ExampleServer_FailNext() {
	srv := quilttest.NewServer()
	defer srv.Close()
	if err := srv.FailNext(quilttest.RouteRefresh, 1, quilttest.Status(http.StatusServiceUnavailable)); err != nil {
		fmt.Println(err)
		return
	}
	client, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL()), quiltt.WithAPIKey(srv.APIKey()),
		quiltt.WithRetryWait(time.Millisecond, 10*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()
	err = client.RefreshBalance(context.Background(), quilttest.CheckingAccountID)
	fmt.Println("refresh:", err)
	for _, r := range srv.Requests() {
		fmt.Println(r.Route, r.StatusCode, r.Fault)
	}
	// Output:
	// refresh: <nil>
	// refresh 503 true
	// refresh 202 false
}

// BalanceCreatedBody builds a balance.created delivery for a webhook
// handler's test. Whatever is left out is filled in as Quiltt would send
// it: here the balance's ID, account, time and source.
func ExampleBalanceCreatedBody() {
	current := decimal.RequireFromString("3141.59")
	at := time.Date(2026, 1, 2, 5, 42, 41, 0, time.UTC)
	body := quilttest.BalanceCreatedBody(quilttest.Profile{}, quiltt.Balance{Current: &current}, at)

	payload, err := quiltt.ParseWebhook(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := payload.Events[0].Balance()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.HasPrefix(b.ID, "bal_"), b.AccountID, b.At.Format(time.RFC3339), b.Source, b.Current)
	// Output:
	// true acct_12sf19AeKaWfukStXAL7nN 2026-01-02T05:42:41Z REFRESH 3141.59
}

// The auth API lives at AuthURL, as auth.quiltt.io is another host than
// api.quiltt.io: a backend issues a Profile's session token there with the
// API key, and the token then reads that Profile's accounts.
func ExampleServer_AuthURL() {
	srv := quilttest.NewServer()
	defer srv.Close()

	req, err := http.NewRequest(http.MethodPost, srv.AuthURL()+"/v1/users/sessions",
		strings.NewReader(`{"userId":"`+srv.ProfileID()+`"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	req.Header.Set("Authorization", "Bearer "+srv.APIKey())
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	var session struct {
		Token  string `json:"token"`
		UserID string `json:"userId"`
	}
	err = json.NewDecoder(resp.Body).Decode(&session)
	resp.Body.Close()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, session.UserID)

	client, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL()), quiltt.WithSessionToken(session.Token))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()
	accounts, err := client.Accounts(context.Background(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(accounts), "accounts")
	// Output:
	// 201 p_12uGLpPexyTkZCcJJntSjb
	// 2 accounts
}
