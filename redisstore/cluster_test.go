package redisstore_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/internal/redistest"
	"github.com/quiltt-go/quiltt/quilttest"
)

// clusterEnv is a three-master Redis Cluster, one go-redis ClusterClient
// per replica, and a plain client on each node to ask it what it alone
// holds (keys, subscriptions).
type clusterEnv struct {
	cluster *redistest.Cluster
	nodes   map[string]*redis.Client // by address
}

// replica is one replica's ClusterClient: its own pools, closed when the
// test ends.
func (e *clusterEnv) replica(t testing.TB) *redis.ClusterClient {
	t.Helper()
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: e.cluster.Addrs(), DialTimeout: 2 * time.Second})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// nodeOf is the address of the master serving name's hash slot.
func (e *clusterEnv) nodeOf(t testing.TB, rdb *redis.ClusterClient, name string) string {
	t.Helper()
	ctx := testCtx(t)
	slot, err := rdb.ClusterKeySlot(ctx, name).Result()
	require.NoError(t, err)
	shards, err := rdb.ClusterShards(ctx).Result()
	require.NoError(t, err)
	for _, sh := range shards {
		for _, r := range sh.Slots {
			if r.Start <= slot && slot <= r.End {
				for _, n := range sh.Nodes {
					if n.Role == "master" {
						return net.JoinHostPort(n.IP, strconv.FormatInt(n.Port, 10))
					}
				}
			}
		}
	}
	t.Fatalf("no node serves slot %d", slot)
	return ""
}

// subscribersOn is how many subscriptions to channel the node at addr
// holds (PUBSUB NUMSUB is local to a node).
func (e *clusterEnv) subscribersOn(addr, channel string) int64 {
	return e.nodes[addr].PubSubNumSub(context.Background(), channel).Val()[channel]
}

// TestCluster runs the limiter, the claim store, the refresh lock and the
// balance feed against a real three-master Redis Cluster through
// redis.NewClusterClient, one client per replica. A script that touched
// keys of two slots would fail here with CROSSSLOT.
func TestCluster(t *testing.T) {
	e := &clusterEnv{cluster: redistest.StartCluster(t), nodes: map[string]*redis.Client{}}
	for _, addr := range e.cluster.Addrs() {
		c := redis.NewClient(&redis.Options{Addr: addr})
		t.Cleanup(func() { _ = c.Close() })
		e.nodes[addr] = c
	}

	t.Run("limiter", func(t *testing.T) {
		var lims []interface{ Wait(context.Context) error }
		for range 4 {
			lims = append(lims, newLimiter(t, e.replica(t), "cluster-fleet", slow, 1))
		}
		require.NoError(t, lims[0].Wait(shortCtx(t)))
		for i, l := range lims[1:] {
			assert.ErrorIs(t, l.Wait(shortCtx(t)), context.DeadlineExceeded, "replica %d must find the shared slot spent", i+1)
		}
	})

	t.Run("claims", func(t *testing.T) {
		ctx := testCtx(t)
		stores := make([]interface {
			Claim(context.Context, string, time.Duration) (quiltt.Claim, error)
		}, 5)
		for i := range stores {
			stores[i] = newClaimStore(t, e.replica(t))
		}
		for ev := range 6 { // event IDs spread over the slots of all three nodes
			id := fmt.Sprintf("evt_cluster_%d", ev)
			var acquired atomic.Int32
			var mu sync.Mutex
			var held quiltt.Claim
			onGo(20, func(i int) {
				c, err := stores[i%len(stores)].Claim(ctx, id, time.Minute)
				assert.NoError(t, err)
				if c.State == quiltt.ClaimAcquired {
					acquired.Add(1)
					mu.Lock()
					held = c
					mu.Unlock()
				}
			})
			require.Equal(t, int32(1), acquired.Load(), id)
			s := newClaimStore(t, e.replica(t))
			require.NoError(t, s.Done(ctx, held, time.Hour))
			c, err := stores[0].Claim(ctx, id, time.Minute)
			require.NoError(t, err)
			assert.Equal(t, quiltt.ClaimDone, c.State, id)
		}
	})

	t.Run("refresh lock", func(t *testing.T) {
		ctx := testCtx(t)
		holder := newRefreshLock(t, e.replica(t))
		release := mustAcquire(t, ctx, holder, "acct_cluster", 10*time.Minute)
		_, ok, err := newRefreshLock(t, e.replica(t)).Acquire(ctx, "acct_cluster", time.Minute)
		require.NoError(t, err)
		require.False(t, ok, "held by another replica")
		const n = 6
		errs := make(chan error, n)
		for range n {
			l := newRefreshLock(t, e.replica(t))
			go func() { errs <- l.Wait(ctx, "acct_cluster") }()
		}
		ch := "quiltt:refresh-released:{acct_cluster}"
		eventually(t, "the waiters to subscribe", func() bool {
			var total int64
			for addr := range e.nodes {
				total += e.subscribersOn(addr, ch)
			}
			return total == n
		})
		select {
		case err := <-errs:
			t.Fatalf("a Wait returned before the release: %v", err)
		default:
		}
		require.NoError(t, release(ctx))
		for range n {
			assert.NoError(t, <-errs)
		}
	})

	t.Run("feed wakes a subscription on another node", func(t *testing.T) {
		ctx := testCtx(t)
		publisher, waiter, reader := e.replica(t), e.replica(t), e.replica(t)
		// An account whose balance key (where the publish script runs)
		// and channel (where the waiter subscribes) sit on two nodes.
		var account, keyNode, channelNode string
		for i := 0; account == ""; i++ {
			require.Less(t, i, 100, "no account whose key and channel sit on two nodes")
			id := fmt.Sprintf("acct_cluster_%d", i)
			k, c := e.nodeOf(t, publisher, "quiltt:balance:{"+id+"}"), e.nodeOf(t, publisher, "quiltt:balance-created:"+id)
			if k != c {
				account, keyNode, channelNode = id, k, c
			}
		}
		channel := "quiltt:balance-created:" + account
		balances, stop, err := newFeed(t, waiter).Subscribe(ctx, account)
		require.NoError(t, err)
		defer stop()
		assert.Equal(t, int64(1), e.subscribersOn(channelNode, channel), "the subscription sits on the channel's node")
		assert.Zero(t, e.subscribersOn(keyNode, channel), "not on the node the publish runs on")

		at := time.Now().UTC()
		b := feedBalance("bal_cluster", at)
		b.AccountID = account
		require.NoError(t, newFeed(t, publisher).Publish(ctx, b))
		assert.Equal(t, int64(1), e.nodes[keyNode].Exists(ctx, "quiltt:balance:{"+account+"}").Val(), "the balance is kept on the key's node")
		got := receiveBalance(t, balances)
		assert.Equal(t, "bal_cluster", got.ID)
		assert.Equal(t, "3141.59", got.Current.String())

		latest, err := newFeed(t, reader).Latest(ctx, account)
		require.NoError(t, err)
		require.NotNil(t, latest)
		assert.Equal(t, "bal_cluster", latest.ID)
	})
}

// TestClusterFreshBalanceLoop: on the Cluster, the delivery lands in
// replica A's webhook handler, and the FreshBalance calls of replicas B
// and C, whose polls are a minute apart (the one that takes the lock
// refreshes; the other waits on it, or finds the delivered balance in the
// feed), both return the delivered balance, after one refresh.
func TestClusterFreshBalanceLoop(t *testing.T) {
	e := &clusterEnv{cluster: redistest.StartCluster(t)}
	const secret = "whsec_cluster_loop"
	feedA := newFeed(t, e.replica(t))
	hooks := quiltt.NewWebhookHandlerWithLogger(secret, func(context.Context, quiltt.Event) error { return nil }, slog.New(slog.DiscardHandler))
	hooks.Feed = feedA
	hooks.Claims = newClaimStore(t, e.replica(t))
	receiver := httptest.NewServer(hooks)
	t.Cleanup(receiver.Close)
	api := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(10*time.Millisecond), quilttest.WithWebhook(receiver.URL, secret))
	_, err := api.SetBalance(quilttest.CheckingAccountID, quiltt.Balance{At: time.Now().Add(-time.Hour), Source: quiltt.BalanceSourceSync})
	require.NoError(t, err)

	ctx := testCtx(t)
	results := make(chan *quiltt.Balance, 2)
	errs := make(chan error, 2)
	for range 2 { // replicas B and C
		rdb := e.replica(t)
		c, err := quiltt.NewClient(quiltt.WithBaseURL(api.URL()), quiltt.WithAPIKey(api.APIKey()),
			quiltt.WithRefreshLock(newRefreshLock(t, rdb)), quiltt.WithBalanceFeed(newFeed(t, rdb)),
			quiltt.WithFreshBalancePolling(time.Minute, time.Minute), quiltt.WithLogger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err)
		t.Cleanup(c.CloseIdleConnections)
		go func() {
			b, err := c.ForProfile(api.ProfileID()).FreshBalance(ctx, quilttest.CheckingAccountID, 5*time.Minute)
			results <- b
			errs <- err
		}()
	}
	var got []string
	for range 2 {
		require.NoError(t, <-errs)
		got = append(got, (<-results).ID)
	}
	require.NoError(t, api.WaitRefreshes(ctx, 1))
	ds := api.Deliveries()
	require.NotEmpty(t, ds)
	p, err := quiltt.ParseWebhook(ds[0].Body)
	require.NoError(t, err)
	delivered, err := p.Events[0].Balance()
	require.NoError(t, err)
	assert.Equal(t, []string{delivered.ID, delivered.ID}, got)
	assert.Equal(t, 1, api.CompletedRefreshes(), "one refresh")
}
