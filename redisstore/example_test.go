package redisstore_test

import (
	"context"
	"log"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/redisstore"
	"github.com/redis/go-redis/v9"
)

// These examples need a Redis server, so they are compiled but not run
// (they have no Output comment); the tests run the same calls against a
// real redis-server.

// Every replica builds the same limiter, and hands it to the client with
// quiltt.WithLimiter; the fleet then shares one budget, paced at 24
// requests a second, a little under Quiltt's 25. Here the limiter paces a
// loop of its own.
func ExampleNewLimiter() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	defer rdb.Close()

	// "prod-api-key" is a label for the budget, never the API key itself.
	limiter, err := redisstore.NewLimiter(rdb, "prod-api-key", 24, 1)
	if err != nil {
		log.Fatal(err)
	}
	var _ quiltt.Limiter = limiter // what quiltt.WithLimiter takes

	ctx := context.Background()
	for range 3 {
		if err := limiter.Wait(ctx); err != nil {
			log.Printf("not sent: %v", err) // Redis down: send nothing
			return
		}
		// send one request to Quiltt
	}
}

// The webhook handler claims each event before its callback runs; this is
// the same protocol, spelled out.
func ExampleNewClaimStore() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	defer rdb.Close()
	claims, err := redisstore.NewClaimStore(rdb)
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	process := func(eventID string) error { return nil }

	c, err := claims.Claim(ctx, "evt_12wkam1rFDQg0m8OLObJM1", 5*time.Minute)
	switch {
	case err != nil:
		log.Printf("answer 503: Quiltt will deliver again: %v", err)
	case c.State == quiltt.ClaimDone:
		log.Print("answer 204: processed already")
	case c.State == quiltt.ClaimBusy:
		log.Print("answer 503: another replica is processing it")
	default: // quiltt.ClaimAcquired
		if err := process(c.EventID); err != nil {
			_ = claims.Release(ctx, c) // the redelivery may try again
			log.Print("answer 500")
			return
		}
		if err := claims.Done(ctx, c, 7*24*time.Hour); err != nil {
			log.Printf("answer 500: %v", err)
			return
		}
		log.Print("answer 204")
	}
}

// FreshBalance takes the lock (passed with quiltt.WithRefreshLock) before a
// billable refresh; callers that find it taken wait for the holder instead
// of refreshing again.
func ExampleNewRefreshLock() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	defer rdb.Close()
	lock, err := redisstore.NewRefreshLock(rdb)
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	release, acquired, err := lock.Acquire(ctx, "acct_12wm3n4PaWHdcMgu6ZVDx5", time.Minute)
	if err != nil {
		log.Fatal(err)
	}
	if !acquired {
		// Another replica is refreshing: wait for it, then read the balance.
		if err := lock.Wait(ctx, "acct_12wm3n4PaWHdcMgu6ZVDx5"); err != nil {
			log.Fatal(err)
		}
		return
	}
	defer release(ctx)
	// refresh the account, wait for the new balance
}
