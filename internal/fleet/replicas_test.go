package fleet_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/internal/redistest"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/quiltt-go/quiltt/redisstore"
)

// Quiltt's budget for one API key, which the fake enforces.
const (
	apiBudget       = 25 // requests per window
	apiBudgetWindow = time.Second
)

// fleetRate is what the fleet's shared limiter lets through: a little under
// the budget, as the README advises. Requests reach Quiltt later than the
// limiter let them go, by varying delays (here, the scheduling of a busy
// test process, which can hold a few of them for 200 ms and then send them
// together). The fake counts its budget as a rate
// (quilttest.WithRateLimitGCRA), and such a bunch uses up some of its
// tolerance for bursts: at exactly 25/s the fleet would never win it back,
// and the next delays would add up to 429s; at 24/s it wins it back at
// 1.7 ms a request. The wall time pays 4 %.
const fleetRate rate.Limit = 24

// budgetName labels the fleet's one budget in Redis (never the API key).
const budgetName = "fleet-api-key"

// env is what every phase of the simulation shares: one Redis, one fake
// Quiltt API.
type env struct {
	redis *redistest.Server
	api   *quilttest.Server
}

// newRedis returns a go-redis client on the fleet's Redis for one replica:
// its own connection pool, closed when the test ends. The options are
// go-redis's defaults (3 retries of a failed command, with backoff), as a
// service would run them.
func newRedis(t testing.TB, srv *redistest.Server) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Network: srv.Network(), Addr: srv.Addr()})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// newTransport returns a connection pool of its own for one replica,
// closed when the test ends.
func newTransport(t testing.TB, perHost int) *http.Transport {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = perHost
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// newAPIReplica returns one replica's client of the fake API, as its
// default profile: its own connection pool and go-redis client, and on
// that client the fleet's shared limiter and, withLock, a refresh lock
// (for FreshBalance), then extra.
func newAPIReplica(t testing.TB, e *env, withLock bool, extra ...quiltt.Option) *quiltt.Client {
	t.Helper()
	rdb := newRedis(t, e.redis)
	limiter, err := redisstore.NewLimiter(rdb, budgetName, fleetRate, 1)
	require.NoError(t, err)
	opts := []quiltt.Option{
		quiltt.WithBaseURL(e.api.URL()),
		quiltt.WithAPIKey(e.api.APIKey()),
		quiltt.WithHTTPClient(&http.Client{Transport: newTransport(t, 16), Timeout: quiltt.DefaultTimeout}),
		quiltt.WithLimiter(limiter),
	}
	if withLock {
		lock, err := redisstore.NewRefreshLock(rdb)
		require.NoError(t, err)
		opts = append(opts, quiltt.WithRefreshLock(lock))
	}
	c, err := quiltt.NewClient(append(opts, extra...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c.ForProfile(e.api.ProfileID())
}

// completer completes the fake's refreshes as Quiltt does, a moment after
// their 202: the fake holds every accepted refresh (ManualRefresh), its
// request hook signals each 202 of a refresh, and one goroutine calls
// CompleteRefreshes. No sleep: the signal is the refresh itself.
type completer struct {
	accepted chan struct{} // one pending signal at most; more coalesce
	stop     chan struct{}
	done     chan struct{}
}

func newCompleter() *completer {
	return &completer{accepted: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// hook is the fake's request hook.
func (c *completer) hook(r quilttest.Request) {
	if r.Route == quilttest.RouteRefresh && r.StatusCode == http.StatusAccepted {
		select {
		case c.accepted <- struct{}{}:
		default: // a signal is pending: its CompleteRefreshes sees this refresh too
		}
	}
}

// run completes refreshes until close; start it once the server exists.
func (c *completer) run(api *quilttest.Server) {
	defer close(c.done)
	for {
		select {
		case <-c.accepted:
			api.CompleteRefreshes()
		case <-c.stop:
			return
		}
	}
}

// close stops the goroutine and waits for it.
func (c *completer) close() {
	close(c.stop)
	<-c.done
}

// testContext bounds each phase, so that a broken guarantee fails the test
// instead of hanging it.
func testContext(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// atOnce runs fn(0) … fn(n-1), each on its own goroutine, released
// together, and returns once every one has returned.
func atOnce(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}
