package redisstore_test

import (
	"context"
	"log"
	"net/http"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/redisstore"
	"github.com/redis/go-redis/v9"
)

// Every replica publishes the balance.created deliveries its webhook
// handler receives to the fleet's feed, and its FreshBalance and
// RefreshAndWait calls wait on the same feed: a delivery that lands on one
// replica ends the wait on all of them. (Compiled, not run: it needs a
// Redis server; the tests run it against a real one and a Redis Cluster.)
func ExampleNewBalanceFeed() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"}) // or redis.NewClusterClient
	defer rdb.Close()
	feed, err := redisstore.NewBalanceFeed(rdb) // each account's latest balance, kept DefaultBalanceTTL
	if err != nil {
		log.Fatal(err)
	}
	lock, err := redisstore.NewRefreshLock(rdb)
	if err != nil {
		log.Fatal(err)
	}

	client, err := quiltt.NewClient(quiltt.WithAPIKey("your-api-key"),
		quiltt.WithRefreshLock(lock), quiltt.WithBalanceFeed(feed))
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()

	handle := func(ctx context.Context, ev quiltt.Event) error { return nil } // your work with each event
	hooks := quiltt.NewWebhookHandlerWithLogger("your-webhook-secret", handle, nil)
	hooks.Feed = feed
	http.Handle("/webhooks/quiltt", hooks)
}
