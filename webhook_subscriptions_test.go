package quiltt_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// hookParams is a subscription of the service at hooks.example.com.
func hookParams(types ...quiltt.EventType) *quiltt.WebhookSubscriptionParams {
	return &quiltt.WebhookSubscriptionParams{Name: "payments", TargetURL: "https://hooks.example.com/quiltt", EventTypes: types}
}

// Ensuring twice creates once, then sends nothing but the list; a change
// of event types (or name) updates the one subscription in place.
func TestEnsureWebhookSubscription(t *testing.T) {
	srv := newAuthFake(t)
	c := newAuthClient(t, srv)
	ctx := t.Context()

	first, err := c.EnsureWebhookSubscription(ctx, hookParams(quiltt.EventBalanceCreated))
	require.NoError(t, err)
	assert.Equal(t, []quilttest.Route{quilttest.RouteSubscriptionList, quilttest.RouteSubscriptionCreate}, routes(srv))

	again, err := c.EnsureWebhookSubscription(ctx, hookParams(quiltt.EventBalanceCreated, quiltt.EventBalanceCreated))
	require.NoError(t, err)
	assert.Equal(t, first.ID, again.ID)
	assert.Equal(t, []quilttest.Route{quilttest.RouteSubscriptionList, quilttest.RouteSubscriptionCreate, quilttest.RouteSubscriptionList}, routes(srv),
		"found and equal: nothing sent but the list")

	changed, err := c.EnsureWebhookSubscription(ctx, hookParams("connection", quiltt.EventBalanceCreated))
	require.NoError(t, err)
	assert.Equal(t, first.ID, changed.ID, "updated in place")
	assert.ElementsMatch(t, []quiltt.EventType{"connection", quiltt.EventBalanceCreated}, changed.EventTypes)
	reqs := srv.Requests()
	require.Len(t, reqs, 5)
	assert.Equal(t, quilttest.RouteSubscriptionList, reqs[3].Route)
	assert.Equal(t, quilttest.RouteSubscriptionUpdate, reqs[4].Route)
	assert.JSONEq(t, `{"eventTypes":["connection","balance.created"]}`, string(reqs[4].Body), "only what differs")

	renamed, err := c.EnsureWebhookSubscription(ctx, &quiltt.WebhookSubscriptionParams{Name: "payments v2", TargetURL: first.TargetURL, EventTypes: changed.EventTypes})
	require.NoError(t, err)
	assert.Equal(t, "payments v2", renamed.Name)

	subs := srv.Subscriptions()
	require.Len(t, subs, 1, "one subscription for the URL")
	assert.Equal(t, first.ID, subs[0].ID)
	assert.Equal(t, "payments v2", subs[0].Name)
}

// Every replica ensuring at once, on a shared lock, leaves one
// subscription: one create, whatever the interleaving.
func TestEnsureWebhookSubscriptionConcurrent(t *testing.T) {
	srv := newAuthFake(t)
	lock := new(quiltt.MemoryRefreshLock) // the fleet's store, for two "replicas"
	replicas := []*quiltt.Client{
		newAuthClient(t, srv, quiltt.WithRefreshLock(lock)),
		newAuthClient(t, srv, quiltt.WithRefreshLock(lock)),
	}
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Go(func() {
			s, err := replicas[i%2].EnsureWebhookSubscription(t.Context(), hookParams(quiltt.EventBalanceCreated))
			if assert.NoError(t, err) {
				ids[i] = s.ID
			}
		})
	}
	wg.Wait()
	require.Len(t, srv.Subscriptions(), 1)
	for _, id := range ids {
		assert.Equal(t, srv.Subscriptions()[0].ID, id)
	}
	n := 0
	for _, r := range routes(srv) {
		if r == quilttest.RouteSubscriptionCreate {
			n++
		}
	}
	assert.Equal(t, 1, n, "one create")
}

// A create of unknown outcome keeps the URL's lock until its ttl, so that
// no other call creates a second before Quiltt has settled.
func TestEnsureWebhookSubscriptionOutcomeUnknown(t *testing.T) {
	srv := newAuthFake(t)
	lock := new(quiltt.MemoryRefreshLock)
	c := newAuthClient(t, srv, quiltt.WithRefreshLock(lock))
	require.NoError(t, srv.FailNext(quilttest.RouteSubscriptionCreate, 1, quilttest.Status(http.StatusInternalServerError)))

	_, err := c.EnsureWebhookSubscription(t.Context(), hookParams(quiltt.EventBalanceCreated))
	require.ErrorIs(t, err, quiltt.ErrOutcomeUnknown)
	before := len(srv.Requests())

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err = c.EnsureWebhookSubscription(ctx, hookParams(quiltt.EventBalanceCreated))
	assert.ErrorIs(t, err, context.DeadlineExceeded, "waits for the lock")
	assert.Len(t, srv.Requests(), before, "nothing sent while the lock is kept")
}

// A lock that fails fails the call, and nothing is sent.
func TestEnsureWebhookSubscriptionLockFails(t *testing.T) {
	srv := newAuthFake(t)
	c := newAuthClient(t, srv, quiltt.WithRefreshLock(&failingLock{acquireErr: errStoreDown}))
	_, err := c.EnsureWebhookSubscription(t.Context(), hookParams(quiltt.EventBalanceCreated))
	assert.ErrorIs(t, err, quiltt.ErrRefreshLock)
	assert.ErrorIs(t, err, errStoreDown)
	assert.Empty(t, srv.Requests())
}

// A release that fails is logged; the call's result stands.
func TestEnsureWebhookSubscriptionReleaseFails(t *testing.T) {
	srv := newAuthFake(t)
	var log logBuffer
	c := newAuthClient(t, srv, quiltt.WithLogger(log.logger()), quiltt.WithRefreshLock(&failingLock{releaseErr: errStoreDown}))
	s, err := c.EnsureWebhookSubscription(t.Context(), hookParams(quiltt.EventBalanceCreated))
	require.NoError(t, err)
	assert.NotEmpty(t, s.ID)
	assert.Contains(t, log.String(), "EnsureWebhookSubscription: releasing the lock failed")
}

// Subscriptions already duplicated for the URL: the first listed is
// ensured, the others left alone and logged by ID.
func TestEnsureWebhookSubscriptionDuplicates(t *testing.T) {
	srv := newAuthFake(t)
	var log logBuffer
	c := newAuthClient(t, srv, quiltt.WithLogger(log.logger()))
	var made []string
	for range 2 {
		s, err := c.CreateWebhookSubscription(t.Context(), hookParams(quiltt.EventBalanceCreated))
		require.NoError(t, err)
		made = append(made, s.ID)
	}
	s, err := c.EnsureWebhookSubscription(t.Context(), hookParams(quiltt.EventBalanceCreated))
	require.NoError(t, err)
	assert.Equal(t, made[0], s.ID)
	assert.Len(t, srv.Subscriptions(), 2, "left alone")
	assert.Contains(t, log.String(), made[1])
	assert.NotContains(t, log.String(), "hooks.example.com", "the URL is not logged")
}
