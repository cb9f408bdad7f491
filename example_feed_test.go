package quiltt_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// Push, not poll: the webhook handler publishes each verified
// balance.created to a feed, and FreshBalance on a client with the same
// feed returns the delivered balance as soon as it is published, though
// its polls are a minute apart; the next call is served by the feed
// without any read.
func ExampleWithBalanceFeed() {
	feed := quiltt.NewMemoryBalanceFeed(0) // one process; redisstore.NewBalanceFeed for a fleet
	const secret = "whsec_example"
	hooks := quiltt.NewWebhookHandler(secret, func(context.Context, quiltt.Event) error { return nil })
	hooks.(*quiltt.WebhookHandler).Feed = feed
	receiver := httptest.NewServer(hooks) // your service's webhook endpoint
	defer receiver.Close()

	srv := quilttest.NewServer(quilttest.WithWebhook(receiver.URL, secret)) // stands in for api.quiltt.io
	defer srv.Close()
	client, err := quiltt.NewClient(
		quiltt.WithBaseURL(srv.URL()), // in production, leave WithBaseURL out
		quiltt.WithAPIKey(srv.APIKey()),
		quiltt.WithBalanceFeed(feed),
		quiltt.WithFreshBalancePolling(time.Minute, time.Minute), // the fallback, should no delivery come
	)
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()
	profile := client.ForProfile(srv.ProfileID())
	if _, err := srv.SetBalance(quilttest.CheckingAccountID, quiltt.Balance{At: time.Now().Add(-time.Hour)}); err != nil {
		log.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for range 2 {
		b, err := profile.FreshBalance(ctx, quilttest.CheckingAccountID, 5*time.Minute)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(b.Source)
	}
	if err := srv.WaitRefreshes(ctx, 1); err != nil {
		log.Fatal(err)
	}
	reads := 0
	for _, r := range srv.Requests() {
		if r.Route == quilttest.RouteGraphQL {
			reads++
		}
	}
	fmt.Println(srv.CompletedRefreshes(), "refresh,", reads, "read")
	// Output:
	// REFRESH
	// REFRESH
	// 1 refresh, 1 read
}
