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

// Before moving money, take a balance at most five minutes old: the first
// call finds the account's balance stale and refreshes it (once, however
// many calls ask at the same time); the second finds the new one fresh.
func ExampleClient_FreshBalance() {
	srv := quilttest.NewServer() // stands in for api.quiltt.io
	defer srv.Close()
	client, err := quiltt.NewClient(
		quiltt.WithBaseURL(srv.URL()), // in production, leave WithBaseURL out
		quiltt.WithAPIKey(srv.APIKey()),
		quiltt.WithFreshBalancePolling(10*time.Millisecond, 100*time.Millisecond), // the fake is fast
		// Across replicas: quiltt.WithRefreshLock(a lock on a shared store).
	)
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()
	profile := client.ForProfile(srv.ProfileID())

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for range 2 {
		b, err := profile.FreshBalance(ctx, quilttest.CheckingAccountID, 5*time.Minute)
		var waitErr *quiltt.RefreshWaitError
		switch {
		case errors.Is(err, quiltt.ErrOutcomeUnknown), errors.As(err, &waitErr):
			// The refresh may be billed: do not move money on the old
			// balance, and do not refresh again; retry FreshBalance later.
			fmt.Println("no fresh balance yet:", err)
		case err != nil:
			fmt.Println("failed:", err)
		default:
			fmt.Println(b.Source, b.Current)
		}
	}
	fmt.Println(srv.CompletedRefreshes(), "refresh")
	// Output:
	// REFRESH 3141.59
	// REFRESH 3141.59
	// 1 refresh
}
