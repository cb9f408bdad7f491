package quiltt_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/quiltt-go/quiltt"
)

// fakeQuiltt stands in for api.quiltt.io in the examples: the refresh
// endpoint accepts acct_1 and acct_2 and knows no other account; the
// GraphQL AccountBalance query shows acct_1's balance from the refresh once
// one was accepted.
func fakeQuiltt() *httptest.Server {
	var refreshed atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/accounts/{id}/balances/refresh", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("id") {
		case "acct_1", "acct_2":
			refreshed.Store(true)
			w.WriteHeader(http.StatusAccepted)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"message":"Not Found","instruction":"Does the URL contain the ID of a connected Account?"}`)
		}
	})
	mux.HandleFunc("POST /v1/graphql", func(w http.ResponseWriter, _ *http.Request) {
		balance := `{"id":"bal_1","at":"2024-06-09T07:40:20Z","source":"SYNC","available":null,"current":3141.59,"limit":null}`
		if refreshed.Load() {
			balance = `{"id":"bal_2","at":"2026-01-02T05:42:41Z","source":"REFRESH","available":100.0,"current":110.0,"limit":null}`
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"data":{"account":{"id":"acct_1","balance":%s}}}`, balance)
	})
	return httptest.NewServer(mux)
}

func ExampleClient_RefreshBalance() {
	srv := fakeQuiltt() // in production, leave WithBaseURL out
	defer srv.Close()
	client, err := quiltt.NewClient(quiltt.WithAPIKey("qltt_example_secret"), quiltt.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	defer client.CloseIdleConnections()

	err = client.RefreshBalance(context.Background(), "acct_1")
	switch {
	case err == nil:
		fmt.Println("refresh accepted; the balance arrives as a balance.created webhook")
	case errors.Is(err, quiltt.ErrOutcomeUnknown):
		fmt.Println("the refresh may have been billed: check the balance before refreshing again")
	default:
		fmt.Println("refresh failed:", err)
	}

	err = client.RefreshBalance(context.Background(), "acct_404")
	var qe *quiltt.Error
	if errors.As(err, &qe) {
		fmt.Println(qe.StatusCode, qe.Message, errors.Is(err, quiltt.ErrNotFound))
	}
	// Output:
	// refresh accepted; the balance arrives as a balance.created webhook
	// 404 Not Found true
}

func ExampleClient_RefreshAndWait() {
	srv := fakeQuiltt()
	defer srv.Close()
	client, err := quiltt.NewClient(quiltt.WithAPIKey("qltt_example_secret"), quiltt.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	defer client.CloseIdleConnections()
	// RefreshAndWait reads the balance back over GraphQL, as a Profile.
	profile := client.ForProfile("p_12uGLpPexyTkZCcJJntSjb")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := profile.RefreshAndWait(ctx, "acct_1", &quiltt.RefreshWaitOptions{MinInterval: 10 * time.Millisecond})
	var waitErr *quiltt.RefreshWaitError
	switch {
	case errors.As(err, &waitErr):
		// The refresh was accepted (and billed), but no new balance came in
		// time: do not trigger another one; waitErr.Last is the latest seen.
		fmt.Println("still waiting:", err)
	case err != nil:
		fmt.Println("refresh failed:", err)
	default:
		fmt.Println(b.ID, b.Source, b.Current, b.Available)
	}
	// Output:
	// bal_2 REFRESH 110 100
}

func ExampleClient_RefreshBalances() {
	srv := fakeQuiltt()
	defer srv.Close()
	client, err := quiltt.NewClient(quiltt.WithAPIKey("qltt_example_secret"), quiltt.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	defer client.CloseIdleConnections()

	ids := []string{"acct_1", "acct_2", "acct_1", "acct_404"} // acct_1 is refreshed once
	results, err := client.RefreshBalances(context.Background(), ids, nil)
	for _, r := range results {
		switch {
		case r.Err == nil:
			fmt.Println(r.AccountID, "accepted")
		case errors.Is(r.Err, quiltt.ErrOutcomeUnknown):
			fmt.Println(r.AccountID, "outcome unknown: do not retry blindly")
		default:
			fmt.Println(r.AccountID, "failed:", errors.Is(r.Err, quiltt.ErrNotFound))
		}
	}
	var summary *quiltt.RefreshBalancesError
	if errors.As(err, &summary) {
		fmt.Printf("%d of %d failed\n", summary.Failed, summary.Total)
	}
	// Output:
	// acct_1 accepted
	// acct_2 accepted
	// acct_404 failed: true
	// 1 of 3 failed
}

// Progress reports each result as it lands, one call at a time, so a long
// job can show how far it has come.
func ExampleClient_RefreshBalances_progress() {
	srv := fakeQuiltt()
	defer srv.Close()
	client, err := quiltt.NewClient(quiltt.WithAPIKey("qltt_example_secret"), quiltt.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	defer client.CloseIdleConnections()

	ids := []string{"acct_1", "acct_2", "acct_404"}
	_, err = client.RefreshBalances(context.Background(), ids, &quiltt.RefreshBalancesOptions{
		Concurrency: 1, // one at a time, so that this example prints in a fixed order
		Progress: func(p quiltt.RefreshProgress) {
			status := "accepted"
			if p.Result.Err != nil {
				status = "failed"
			}
			fmt.Printf("[%d/%d] %s %s\n", p.Done, p.Total, p.Result.AccountID, status)
		},
	})
	fmt.Println("all accepted:", err == nil)
	// Output:
	// [1/3] acct_1 accepted
	// [2/3] acct_2 accepted
	// [3/3] acct_404 failed
	// all accepted: false
}
