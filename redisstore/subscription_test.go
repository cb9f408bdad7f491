package redisstore_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/internal/redistest"
	"github.com/quiltt-go/quiltt/quilttest"
)

// TestEnsureWebhookSubscriptionAcrossReplicas: five replicas, each with its
// own client and its own connection to the shared Redis, ensure the
// service's subscription at once, twice each: the fleet's RefreshLock
// makes them take turns, so Quiltt gets one create and keeps one
// subscription.
func TestEnsureWebhookSubscriptionAcrossReplicas(t *testing.T) {
	srv := redistest.Start(t)
	fake := quilttest.NewTestServer(t)
	locks := refreshLocks(t, srv, 5)
	clients := make([]*quiltt.Client, len(locks))
	for i, l := range locks {
		c, err := quiltt.NewClient(quiltt.WithAPIKey(fake.APIKey()), quiltt.WithBaseURL(fake.URL()),
			quiltt.WithRefreshLock(l), quiltt.WithRateLimit(rate.Inf, 1), quiltt.WithRetryWait(time.Millisecond, 2*time.Millisecond))
		require.NoError(t, err)
		t.Cleanup(c.CloseIdleConnections)
		clients[i] = c
	}
	params := &quiltt.WebhookSubscriptionParams{
		Name: "payments", TargetURL: "https://payments.example.com/hooks", EventTypes: []quiltt.EventType{quiltt.EventBalanceCreated},
	}
	ctx := testCtx(t)
	ids := make([]string, 10)
	onGo(len(ids), func(i int) {
		s, err := clients[i%len(clients)].EnsureWebhookSubscription(ctx, params)
		if assert.NoError(t, err) {
			ids[i] = s.ID
		}
	})
	subs := fake.Subscriptions()
	require.Len(t, subs, 1, "one subscription for the fleet")
	creates := 0
	for _, r := range fake.Requests() {
		if r.Route == quilttest.RouteSubscriptionCreate {
			creates++
		}
	}
	assert.Equal(t, 1, creates)
	for _, id := range ids {
		assert.Equal(t, subs[0].ID, id)
	}
}
