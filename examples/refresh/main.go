// Command refresh refreshes the balance of one account in real time with
// RefreshAndWait and prints the balance before and after. On the fake, it
// also shows push, not poll: the wait ends on the balance.created webhook,
// through a quiltt.BalanceFeed (feed.go).
//
// Run it from the repository's root:
//
//	go run ./examples/refresh
//
// With QUILTT_API_KEY_SECRET and QUILTT_PROFILE_ID set it uses the real API
// (a refresh is billable there): QUILTT_ACCOUNT_ID names the account, else
// the Profile's first account is refreshed. Otherwise it says so on stderr
// and refreshes Premium Checking on quilttest, the SDK's in-process fake.
//
// QUILTT_BASE_URL and QUILTT_AUTH_URL point it at another API and auth host
// than Quiltt's, such as the standalone fake: run cmd/quilttest and export
// the four variables its banner prints (see the README).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/examples/internal/exampleenv"
	"github.com/quiltt-go/quiltt/quilttest"
)

// EnvAccountID names the environment variable that picks the account to
// refresh; the Profile's first account when it is unset.
const EnvAccountID = "QUILTT_ACCOUNT_ID"

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "refresh:", err)
		os.Exit(1)
	}
}

// run refreshes the account the environment selects and prints its balance
// before and after.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	// The fake completes a refresh 50 ms after accepting it; Quiltt takes
	// seconds, as long as the provider takes.
	env, err := exampleenv.Open(getenv, stderr, quilttest.WithRefreshDelay(50*time.Millisecond))
	if err != nil {
		return err
	}
	defer env.Close()

	// Bound the whole call: RefreshAndWait polls until a new balance
	// appears or the context ends.
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	account, err := pickAccount(ctx, env.Client, getenv(EnvAccountID))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Refreshing %s (%s)\n\n", account.Name, account.ID)

	// Polls come after 1 s, then 2 s, 4 s, … up to every 10 s (a nil
	// *RefreshWaitOptions). On the fake, the wait ends sooner: on the
	// balance.created webhook the fake delivers, through a balance feed
	// (feed.go), with no poll at all.
	client := env.Client
	var feed *pushed
	if env.Fake != nil {
		if feed, err = startFeed(env); err != nil {
			return err
		}
		defer feed.stop()
		client = feed.client
	}
	after, err := client.RefreshAndWait(ctx, account.ID, nil)
	if err != nil {
		return explain(err)
	}
	if err := exampleenv.WriteTable(stdout, [][]string{
		{"", "ID", "SOURCE", "AT", "CURRENT", "AVAILABLE"},
		row("before", account.Balance),
		row("after", after),
	}, 4, 5); err != nil {
		return err
	}
	if feed != nil && feed.wasPushed(ctx, after) {
		fmt.Fprintln(stdout, "\nThe new balance came in Quiltt's balance.created webhook, before the first poll.")
	}
	return nil
}

// pickAccount reads the account with the given ID, or the Profile's first
// account when id is "".
func pickAccount(ctx context.Context, client *quiltt.Client, id string) (*quiltt.Account, error) {
	if id != "" {
		return client.Account(ctx, id) // errors.Is(err, quiltt.ErrNotFound) for an unknown ID
	}
	accounts, err := client.Accounts(ctx, nil)
	if err != nil {
		return nil, err
	}
	if len(accounts) == 0 {
		return nil, errors.New("the profile has no account to refresh")
	}
	return &accounts[0], nil
}

// explain adds what to do next to a failed RefreshAndWait.
//
// A refresh is billable and Quiltt offers no idempotency key, so what
// matters is whether Quiltt acted on it. A *RefreshWaitError means it did
// (it answered 202) but no new balance could be read in time: the balance
// still comes, later, as a balance.created webhook. ErrOutcomeUnknown
// means the answer was lost (a 500, 502, 504, a timeout or a dropped
// connection after the request was sent): Quiltt may have started, and
// billed, the refresh. In neither case trigger another refresh blindly:
// read the balance first. Any other error means nothing was billed.
func explain(err error) error {
	var waitErr *quiltt.RefreshWaitError
	switch {
	case errors.As(err, &waitErr):
		return fmt.Errorf("the refresh was accepted but no new balance came in time; it should arrive later (also as a balance.created webhook), so do not refresh again: %w", err)
	case errors.Is(err, quiltt.ErrOutcomeUnknown):
		return fmt.Errorf("the refresh may have been started, and billed, though its answer was lost; read the balance before refreshing again: %w", err)
	}
	return err
}

// row is a line of the before/after table; a nil balance (the account had
// none) is all exampleenv.NoAmount.
func row(label string, b *quiltt.Balance) []string {
	if b == nil {
		return []string{label, exampleenv.NoAmount, exampleenv.NoAmount, exampleenv.NoAmount, exampleenv.NoAmount, exampleenv.NoAmount}
	}
	return []string{label, b.ID, string(b.Source), b.At.Format(time.RFC3339),
		exampleenv.Amount(b.Current), exampleenv.Amount(b.Available)}
}
