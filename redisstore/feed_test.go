package redisstore_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/internal/redistest"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/quiltt-go/quiltt/redisstore"
)

const (
	feedAccount = "acct_feed"
	feedKey     = "quiltt:balance:{acct_feed}"
	feedChannel = "quiltt:balance-created:acct_feed"
)

func newFeed(t testing.TB, rdb redis.UniversalClient, opts ...redisstore.Option) *redisstore.BalanceFeed {
	t.Helper()
	f, err := redisstore.NewBalanceFeed(rdb, opts...)
	require.NoError(t, err)
	return f
}

// feedBalance is a balance of the feed's account dated at, with exact
// amounts and no limit.
func feedBalance(id string, at time.Time) *quiltt.Balance {
	cur, avail := decimal.RequireFromString("3141.59"), decimal.RequireFromString("3100.000001")
	return &quiltt.Balance{ID: id, AccountID: feedAccount, At: at, Source: quiltt.BalanceSourceRefresh, Current: &cur, Available: &avail}
}

// receiveBalance takes one balance from ch, failing the test after 20 s.
func receiveBalance(t testing.TB, ch <-chan *quiltt.Balance) *quiltt.Balance {
	t.Helper()
	select {
	case b, ok := <-ch:
		require.True(t, ok, "the subscription closed")
		return b
	case <-time.After(20 * time.Second):
		t.Fatal("no balance delivered")
		return nil
	}
}

// TestFeedPublishWakesSubscribersOnOtherReplicas: a balance published by
// one replica reaches the subscriptions of the others, amounts exact, and
// is every replica's Latest, kept for the TTL.
func TestFeedPublishWakesSubscribersOnOtherReplicas(t *testing.T) {
	srv := redistest.Start(t)
	clients := replicas(t, srv, 3)
	ctx := testCtx(t)
	subs := make([]<-chan *quiltt.Balance, 2)
	for i := range subs {
		ch, stop, err := newFeed(t, clients[1+i]).Subscribe(ctx, feedAccount)
		require.NoError(t, err)
		t.Cleanup(stop)
		subs[i] = ch
	}
	at := time.Date(2026, 12, 7, 1, 2, 3, 456789000, time.UTC)
	require.NoError(t, newFeed(t, clients[0]).Publish(ctx, feedBalance("bal_1", at)))

	for _, ch := range subs {
		b := receiveBalance(t, ch)
		assert.Equal(t, "bal_1", b.ID)
		assert.Equal(t, feedAccount, b.AccountID)
		assert.True(t, at.Equal(b.At))
		assert.Equal(t, quiltt.BalanceSourceRefresh, b.Source)
		assert.Equal(t, "3141.59", b.Current.String())
		assert.Equal(t, "3100.000001", b.Available.String())
		assert.Nil(t, b.Limit)
	}
	for _, c := range clients {
		b, err := newFeed(t, c).Latest(ctx, feedAccount)
		require.NoError(t, err)
		require.NotNil(t, b)
		assert.Equal(t, "bal_1", b.ID)
	}
	pttl, err := clients[0].PTTL(ctx, feedKey).Result()
	require.NoError(t, err)
	assert.Greater(t, pttl, 59*time.Minute)
	assert.LessOrEqual(t, pttl, redisstore.DefaultBalanceTTL)
}

// TestFeedKeepsTheNewestByAt: a delivery older than the kept balance, or
// the same again, changes nothing and wakes nobody; a newer one replaces
// it.
func TestFeedKeepsTheNewestByAt(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	counts := &counter{}
	rdb.AddHook(counts)
	f := newFeed(t, rdb)
	ctx := testCtx(t)
	ch, stop, err := newFeed(t, newClient(t, srv)).Subscribe(ctx, feedAccount)
	require.NoError(t, err)
	defer stop()

	now := time.Now().UTC()
	require.NoError(t, f.Publish(ctx, feedBalance("bal_new", now)))
	assert.Equal(t, "bal_new", receiveBalance(t, ch).ID)
	require.NoError(t, f.Publish(ctx, feedBalance("bal_old", now.Add(-time.Minute))))
	require.NoError(t, f.Publish(ctx, feedBalance("bal_new", now)))
	require.NoError(t, f.Publish(ctx, feedBalance("bal_newer", now.Add(time.Microsecond))))
	assert.Equal(t, "bal_newer", receiveBalance(t, ch).ID, "the older and the repeated deliveries woke nobody")
	b, err := f.Latest(ctx, feedAccount)
	require.NoError(t, err)
	assert.Equal(t, "bal_newer", b.ID)
	assert.Equal(t, 4, counts.count("evalsha"), "one script call per publish")
}

// TestFeedLatestNone: an account nobody published has no latest balance.
func TestFeedLatestNone(t *testing.T) {
	srv := redistest.Start(t)
	b, err := newFeed(t, newClient(t, srv)).Latest(testCtx(t), "acct_unknown")
	require.NoError(t, err)
	assert.Nil(t, b)
}

// TestFeedStopClosesTheSubscription: stop closes the channel and
// unsubscribes (goleak checks the goroutine ended); a second stop does
// nothing.
func TestFeedStopClosesTheSubscription(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	ctx := testCtx(t)
	ch, stop, err := newFeed(t, rdb).Subscribe(ctx, feedAccount)
	require.NoError(t, err)
	subscribers(t, rdb, feedChannel, 1)
	stop()
	stop()
	_, ok := <-ch
	assert.False(t, ok, "closed")
	subscribers(t, rdb, feedChannel, 0)
}

// TestFeedRedisDown: every method fails with a *Error naming the call
// while Redis is down, and works again once it is back.
func TestFeedRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	f := newFeed(t, newClient(t, srv))
	ctx := testCtx(t)
	require.NoError(t, srv.Stop())

	var se *redisstore.Error
	require.ErrorAs(t, f.Publish(ctx, feedBalance("bal_1", time.Now())), &se)
	assert.Equal(t, "feed publish", se.Op)
	assert.Equal(t, feedKey, se.Key)
	_, err := f.Latest(ctx, feedAccount)
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "feed latest", se.Op)
	ch, stop, err := f.Subscribe(ctx, feedAccount)
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "feed subscribe", se.Op)
	assert.Nil(t, ch)
	assert.Nil(t, stop)

	require.NoError(t, srv.Restart())
	assert.NoError(t, f.Publish(ctx, feedBalance("bal_1", time.Now())))
}

// TestFeedName: the feed's name, in the record of a client's pieces, is
// its prefix.
func TestFeedName(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	assert.Equal(t, redisstore.DefaultPrefix, newFeed(t, rdb).Name())
	assert.Equal(t, "shop", newFeed(t, rdb, redisstore.WithPrefix("shop")).Name())
}

// TestFeedRejects: invalid constructor arguments and balances fail
// without a request.
func TestFeedRejects(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	t.Cleanup(func() { _ = ring.Close() })
	for name, build := range map[string]func() (*redisstore.BalanceFeed, error){
		"nil client": func() (*redisstore.BalanceFeed, error) { return redisstore.NewBalanceFeed(nil) },
		"ring":       func() (*redisstore.BalanceFeed, error) { return redisstore.NewBalanceFeed(ring) },
		"short ttl": func() (*redisstore.BalanceFeed, error) {
			return redisstore.NewBalanceFeed(rdb, redisstore.WithBalanceTTL(time.Millisecond))
		},
		"negative ttl": func() (*redisstore.BalanceFeed, error) {
			return redisstore.NewBalanceFeed(rdb, redisstore.WithBalanceTTL(-time.Hour))
		},
		"fallback": func() (*redisstore.BalanceFeed, error) {
			return redisstore.NewBalanceFeed(rdb, redisstore.WithFallback(&countingLimiter{}))
		},
		"bad prefix": func() (*redisstore.BalanceFeed, error) {
			return redisstore.NewBalanceFeed(rdb, redisstore.WithPrefix("a{b}"))
		},
	} {
		f, err := build()
		assert.Error(t, err, name)
		assert.Nil(t, f, name)
	}
	f := newFeed(t, rdb)
	ctx := testCtx(t)
	for _, b := range []*quiltt.Balance{nil, {AccountID: feedAccount}, {ID: "bal_1"}} {
		assert.Error(t, f.Publish(ctx, b))
	}
	_, err := f.Latest(ctx, "")
	assert.Error(t, err)
	_, _, err = f.Subscribe(ctx, "")
	assert.Error(t, err)
}

// TestFeedRedisDownFallsBack: with the feed's Redis down, a delivery is
// still handled (204: the feed's failure is only logged), and FreshBalance
// falls back to polling and returns the refreshed balance.
func TestFeedRedisDownFallsBack(t *testing.T) {
	srv := redistest.Start(t)
	feed := newFeed(t, newClient(t, srv))
	require.NoError(t, srv.Stop())
	t.Cleanup(func() { _ = srv.Restart() }) // so that cleanup finds it running

	handled := 0
	h := quiltt.NewWebhookHandlerWithLogger("whsec_down", func(context.Context, quiltt.Event) error {
		handled++
		return nil
	}, slog.New(slog.DiscardHandler))
	h.Feed = feed
	hooks := httptest.NewServer(h)
	t.Cleanup(hooks.Close)
	api := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(time.Millisecond), quilttest.WithWebhook(hooks.URL, "whsec_down"))
	_, err := api.SetBalance(quilttest.CheckingAccountID, quiltt.Balance{At: time.Now().Add(-time.Hour), Source: quiltt.BalanceSourceSync})
	require.NoError(t, err)
	c, err := quiltt.NewClient(quiltt.WithBaseURL(api.URL()), quiltt.WithAPIKey(api.APIKey()),
		quiltt.WithBalanceFeed(feed), quiltt.WithFreshBalancePolling(time.Millisecond, 10*time.Millisecond),
		quiltt.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)

	ctx := testCtx(t)
	b, err := c.ForProfile(api.ProfileID()).FreshBalance(ctx, quilttest.CheckingAccountID, 5*time.Minute)
	require.NoError(t, err)
	assert.Equal(t, quiltt.BalanceSourceRefresh, b.Source)
	require.NoError(t, api.WaitRefreshes(ctx, 1))
	ds := api.Deliveries()
	require.Len(t, ds, 1)
	assert.Equal(t, http.StatusNoContent, ds[0].StatusCode)
	assert.Equal(t, 1, handled)
}

// TestFeedBalanceTTL: WithBalanceTTL sets the TTL of the kept balance, and
// no other constructor takes it.
func TestFeedBalanceTTL(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	ctx := testCtx(t)
	f := newFeed(t, rdb, redisstore.WithBalanceTTL(10*time.Minute))
	require.NoError(t, f.Publish(ctx, feedBalance("bal_ttl", time.Now())))
	pttl, err := rdb.PTTL(ctx, feedKey).Result()
	require.NoError(t, err)
	assert.Greater(t, pttl, 9*time.Minute)
	assert.LessOrEqual(t, pttl, 10*time.Minute)

	_, err = redisstore.NewRefreshLock(rdb, redisstore.WithBalanceTTL(time.Minute))
	assert.ErrorContains(t, err, "WithBalanceTTL applies to NewBalanceFeed only")
	_, err = redisstore.NewClaimStore(rdb, redisstore.WithBalanceTTL(time.Minute))
	assert.Error(t, err)
}
