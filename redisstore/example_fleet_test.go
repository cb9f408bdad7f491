package redisstore_test

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/redisstore"
)

// One replica of a fleet, wired to the Redis every replica shares: the
// fleet's one rate budget (with a local fallback while Redis is down), one
// billable refresh per account for FreshBalance, and one successful
// callback per webhook event. Every replica runs the same code. It needs a
// Redis server, so it is compiled but not run.
func Example() {
	const replicas = 4
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"}) // or a Sentinel or Cluster client
	defer rdb.Close()

	// "prod-api-key" labels the budget; it is never the API key itself.
	// 24/s: a little under Quiltt's 25/s, to absorb late requests. While
	// Redis is down, each replica paces itself at its share of the budget.
	limiter, err := redisstore.NewLimiter(rdb, "prod-api-key", 24, 1,
		redisstore.WithFallback(rate.NewLimiter(24.0/replicas, 1)))
	if err != nil {
		log.Fatal(err)
	}
	lock, err := redisstore.NewRefreshLock(rdb)
	if err != nil {
		log.Fatal(err)
	}
	claims, err := redisstore.NewClaimStore(rdb)
	if err != nil {
		log.Fatal(err)
	}

	client, err := quiltt.NewClient(
		quiltt.WithAPIKey(os.Getenv("QUILTT_API_KEY_SECRET")),
		quiltt.WithLimiter(limiter),
		quiltt.WithRefreshLock(lock),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()
	profile := client.ForProfile(os.Getenv("QUILTT_PROFILE_ID"))

	hooks := quiltt.NewWebhookHandlerWithLogger(os.Getenv("QUILTT_WEBHOOK_SECRET"),
		func(ctx context.Context, e quiltt.Event) error {
			return nil // record the event; an error has Quiltt deliver it again
		}, nil)
	hooks.Claims = claims // Redis down: 503, and Quiltt delivers again
	http.Handle("/webhooks/quiltt", hooks)

	// Before moving money: one refresh for the whole fleet, if the
	// balance is over five minutes old.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := profile.FreshBalance(ctx, "acct_12wm3n4PaWHdcMgu6ZVDx5", 5*time.Minute)
	switch {
	case errors.Is(err, quiltt.ErrRefreshLock):
		log.Printf("Redis is down: nothing was billed; try again later: %v", err)
	case err != nil:
		log.Printf("no fresh balance: %v", err)
	default:
		log.Printf("available: %v", b.Available)
	}
}
