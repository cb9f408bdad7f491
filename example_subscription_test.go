package quiltt_test

import (
	"context"
	"fmt"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// At start-up, every replica ensures the service's subscription: the first
// creates it, the others (and every later start) find it and send nothing
// but the list. Give the replicas the fleet's lock
// (quiltt.WithRefreshLock(redisstore.NewRefreshLock(…))) so that two
// starting at once do not each create one.
func ExampleClient_EnsureWebhookSubscription() {
	fake := quilttest.NewServer() // in production, leave WithBaseURL out
	defer fake.Close()
	client, err := quiltt.NewClient(quiltt.WithAPIKey(fake.APIKey()), quiltt.WithBaseURL(fake.URL()))
	if err != nil {
		panic(err)
	}
	defer client.CloseIdleConnections()

	params := &quiltt.WebhookSubscriptionParams{
		Name:       "payments",
		TargetURL:  "https://payments.example.com/hooks/quiltt",
		EventTypes: []quiltt.EventType{quiltt.EventBalanceCreated, "connection"}, // "connection": every connection.* event
	}
	for range 2 { // two starts
		sub, err := client.EnsureWebhookSubscription(context.Background(), params)
		if err != nil {
			fmt.Println("cannot subscribe:", err)
			return
		}
		fmt.Println(sub.Name, sub.EventTypes, sub.Includes(quiltt.EventConnectionDisconnected))
	}
	fmt.Println("subscriptions:", len(fake.Subscriptions()))
	// Output:
	// payments [balance.created connection] true
	// payments [balance.created connection] true
	// subscriptions: 1
}

// Ranging over WebhookSubscriptions fetches the pages as it goes; breaking
// out fetches no more.
func ExampleClient_WebhookSubscriptions() {
	fake := quilttest.NewServer()
	defer fake.Close()
	client, err := quiltt.NewClient(quiltt.WithAPIKey(fake.APIKey()), quiltt.WithBaseURL(fake.URL()))
	if err != nil {
		panic(err)
	}
	defer client.CloseIdleConnections()
	ctx := context.Background()
	for _, target := range []string{"https://a.example.com/hooks", "https://b.example.com/hooks"} {
		_, err := client.CreateWebhookSubscription(ctx, &quiltt.WebhookSubscriptionParams{
			TargetURL: target, EventTypes: []quiltt.EventType{"balance"},
		})
		if err != nil {
			panic(err)
		}
	}

	for sub, err := range client.WebhookSubscriptions(ctx) {
		if err != nil {
			fmt.Println("cannot list:", err)
			return
		}
		fmt.Println(sub.TargetURL, sub.EventTypes, sub.Disabled)
	}
	// Output:
	// https://a.example.com/hooks [balance] false
	// https://b.example.com/hooks [balance] false
}
