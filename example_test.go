package quiltt_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// Build one client per process and share it: it is safe for concurrent use.
// With an API key, GraphQL reads go through ForProfile.
func ExampleNewClient() {
	client, err := quiltt.NewClient(
		quiltt.WithAPIKey("qltt_your_api_key_secret"),
		quiltt.WithAPIVersion("2026-04-01"),
		quiltt.WithMaxRetries(3),
		quiltt.WithRetryWait(500*time.Millisecond, 10*time.Second),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client)
	fmt.Println(client.ForProfile("p_12uGLpPexyTkZCcJJntSjb"))
	// Output:
	// quiltt.Client{https://api.quiltt.io, API key}
	// quiltt.Client{https://api.quiltt.io, API key, profile p_12uGLpPexyTkZCcJJntSjb}
}

// NewClient checks every option and reports every problem at once; the
// error never quotes a credential.
func ExampleNewClient_invalidOptions() {
	_, err := quiltt.NewClient(quiltt.WithAPIKey(""), quiltt.WithMaxRetries(-1))
	fmt.Println(err)
	// Output:
	// quiltt: WithAPIKey: empty secret
	// quiltt: WithMaxRetries: -1 is outside 0..100
	// quiltt: missing credentials: NewClient needs WithAPIKey or WithSessionToken
}

// Server to server: the API key with a Profile ID (Basic credentials).
func ExampleClient_ForProfile() {
	srv := quilttest.NewServer() // stands in for api.quiltt.io
	defer srv.Close()

	client, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL()), quiltt.WithAPIKey(srv.APIKey()))
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()
	profile := client.ForProfile(srv.ProfileID())
	accounts, err := profile.Accounts(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(accounts), "accounts")
	// Output:
	// 2 accounts
}

// A Profile-scoped session token (issued by Quiltt's auth host) reads that
// Profile's accounts with no API key on the machine.
func ExampleWithSessionToken() {
	srv := quilttest.NewServer()
	defer srv.Close()

	client, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL()), quiltt.WithSessionToken(srv.SessionToken()))
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()
	account, err := client.Account(context.Background(), quilttest.CheckingAccountID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(account.Name, account.Balance.Current)

	// A session token cannot trigger a refresh: that needs the API key.
	err = client.RefreshBalance(context.Background(), quilttest.CheckingAccountID)
	fmt.Println(errors.Is(err, quiltt.ErrMissingCredentials))
	// Output:
	// Premium Checking 3141.59
	// true
}

// Accounts returns every account with its latest balance; amounts are exact
// decimals and nil when Quiltt does not report them.
func ExampleClient_Accounts() {
	srv := quilttest.NewServer()
	defer srv.Close()
	client, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL()), quiltt.WithAPIKey(srv.APIKey()))
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()

	accounts, err := client.ForProfile(srv.ProfileID()).Accounts(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range accounts {
		b := a.Balance
		fmt.Printf("%s (%s): current %s, available %v\n", a.Name, a.Class(), b.Current, b.Available)
	}
	// Output:
	// Premium Checking (ASSET): current 3141.59, available <nil>
	// Premium Credit Card (LIABILITY): current -2134.34, available 12665.66
}

// A filter narrows the list; unset fields are not sent.
func ExampleClient_Accounts_filter() {
	srv := quilttest.NewServer()
	defer srv.Close()
	client, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL()), quiltt.WithAPIKey(srv.APIKey()))
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()

	credit, err := client.ForProfile(srv.ProfileID()).Accounts(context.Background(), &quiltt.AccountFilter{
		Kinds: []quiltt.AccountKind{quiltt.AccountKindCredit},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range credit {
		fmt.Println(a.Name)
	}
	// Output:
	// Premium Credit Card
}

// An unknown account ID matches ErrNotFound; every non-2xx answer is an
// *Error with the status, Quiltt's message and instruction.
func ExampleClient_Account_errors() {
	srv := quilttest.NewServer()
	defer srv.Close()
	client, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL()), quiltt.WithAPIKey(srv.APIKey()))
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()

	_, err = client.ForProfile(srv.ProfileID()).Account(context.Background(), "acct_unknown")
	fmt.Println(errors.Is(err, quiltt.ErrNotFound))

	wrongKey, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL()), quiltt.WithAPIKey("qltt_wrong"))
	if err != nil {
		log.Fatal(err)
	}
	defer wrongKey.CloseIdleConnections()
	_, err = wrongKey.ForProfile(srv.ProfileID()).Accounts(context.Background(), nil)
	var apiErr *quiltt.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, errors.Is(err, quiltt.ErrUnauthorized))
	}
	// Output:
	// true
	// 401 true
}
