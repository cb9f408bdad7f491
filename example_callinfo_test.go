package quiltt_test

import (
	"context"
	"fmt"
	"log"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// The reading of one call: its attempts, its latest status and rate-limit
// headers, beside the client-wide Client.RateLimit.
func ExampleWithCallInfo() {
	srv := quilttest.NewServer() // stands in for api.quiltt.io
	defer srv.Close()
	client, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL()), quiltt.WithAPIKey(srv.APIKey()))
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()

	var info quiltt.CallInfo
	ctx := quiltt.WithCallInfo(context.Background(), &info)
	if _, err := client.ForProfile(srv.ProfileID()).Accounts(ctx, nil); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d request, %d attempt, status %d\n", info.Requests, info.Attempts, info.StatusCode)
	fmt.Printf("budget: %d of %d left\n", info.RateLimit.Remaining, info.RateLimit.Limit)
	// Output:
	// 1 request, 1 attempt, status 200
	// budget: 24 of 25 left
}
