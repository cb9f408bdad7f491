package quilttest_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
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
