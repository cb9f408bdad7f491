package fleet_test

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/internal/redistest"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/quiltt-go/quiltt/redisstore"
)

// The restart phase: replicas, and the refreshes of each of its two waves,
// each refresh its own goroutine, so that a wave reserves its slots at once.
const (
	restartReplicas = 4
	restartWave1    = 20 // per replica
	restartWave2    = 15 // per replica
	restartKillAt   = 10 // requests of wave 1 at the fake before Redis is killed
)

// restartFigures is what the restart phase measured.
type restartFigures struct {
	requests   int // refresh requests at the fake
	accepted   int // of which answered 202
	answers429 int
	maxPerSec  int   // the most requests the fake saw in any one second
	failed     int   // calls that failed: only while Redis was down, unsent
	otherErr   error // a failure of another kind
}

// TestFleetLimiterAfterEmptyRedisRestart: 4 replicas share one
// redisstore.Limiter budget (24/s) on one redis-server, against a fake that
// enforces 25/s with a burst of 25. Wave 1 reserves 80 slots, about 3.3 s
// of budget; once 10 of its requests reached the fake, Redis is killed
// without saving and restarted empty, and wave 2 reserves 60 more. The
// limiters hand Redis the latest reservation each was given, so wave 2
// queues behind wave 1 instead of over it: no answer 429, and no second
// in which the fake saw more than the budget's rate and burst allow.
func TestFleetLimiterAfterEmptyRedisRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("fleet: the restart phase takes about 6 s; run without -short")
	}
	var sent atomic.Int32
	killAt := make(chan struct{})
	var once sync.Once
	e := &env{
		redis: redistest.Start(t),
		api: quilttest.NewTestServer(t,
			quilttest.WithRateLimitGCRA(apiBudget, apiBudgetWindow),
			quilttest.WithRequestHook(func(r quilttest.Request) {
				if r.Route == quilttest.RouteRefresh && sent.Add(1) == restartKillAt {
					once.Do(func() { close(killAt) })
				}
			}),
		),
	}
	ids := addRefreshAccounts(t, e.api)
	require.GreaterOrEqual(t, len(ids), restartReplicas*(restartWave1+restartWave2))
	replicas := make([]*quiltt.Client, restartReplicas)
	for i := range replicas {
		replicas[i] = newAPIReplica(t, e, false)
	}
	ctx := testContext(t, 60*time.Second)

	var mu sync.Mutex
	var f restartFigures
	refresh := func(c *quiltt.Client, id string) {
		err := c.RefreshBalance(ctx, id)
		if err == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		f.failed++
		var store *redisstore.Error
		if !errors.As(err, &store) && f.otherErr == nil {
			f.otherErr = fmt.Errorf("%s: %w", id, err)
		}
	}
	wave := func(first, per int) *sync.WaitGroup {
		var wg sync.WaitGroup
		for r, c := range replicas {
			for i := range per {
				id := ids[first+r*per+i]
				wg.Go(func() { refresh(c, id) })
			}
		}
		return &wg
	}

	w1 := wave(0, restartWave1)
	select {
	case <-killAt:
	case <-ctx.Done():
		t.Fatal("wave 1 never reached the fake")
	}
	require.NoError(t, e.redis.Kill())
	require.NoError(t, e.redis.Restart())
	w2 := wave(restartReplicas*restartWave1, restartWave2)
	w1.Wait()
	w2.Wait()

	var at []time.Time
	for _, r := range e.api.Requests() {
		if r.StatusCode == http.StatusTooManyRequests {
			f.answers429++
		}
		if r.Route == quilttest.RouteRefresh {
			at = append(at, r.Time)
			if r.StatusCode == http.StatusAccepted {
				f.accepted++
			}
		}
	}
	f.requests = len(at)
	f.maxPerSec = maxInWindow(at, time.Second)
	if testing.Verbose() {
		b := map[int]int{}
		for _, x := range at {
			b[int(x.Sub(at[0])/(250*time.Millisecond))]++
		}
		t.Logf("per 250 ms: %v", b)
	}
	fmt.Printf("fleet restart: replicas=%d requests=%d answers429=%d max-per-second=%d failed=%d\n",
		restartReplicas, f.requests, f.answers429, f.maxPerSec, f.failed)

	assert.Zero(t, f.answers429, "answers 429 after Redis came back empty")
	assert.LessOrEqual(t, f.maxPerSec, apiBudget+apiBudget, "requests in one second: the rate and the burst at most")
	assert.NoError(t, f.otherErr, "failures other than Redis being down")
	assert.Equal(t, restartReplicas*(restartWave1+restartWave2), f.accepted+f.failed, "every call was accepted or failed unsent")
	assert.Greater(t, f.accepted, restartReplicas*restartWave2, "wave 2 was sent")
}

// maxInWindow is the most of the times at that fall in one window of
// length d.
func maxInWindow(at []time.Time, d time.Duration) int {
	sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
	most, lo := 0, 0
	for hi := range at {
		for at[hi].Sub(at[lo]) >= d {
			lo++
		}
		most = max(most, hi-lo+1)
	}
	return most
}
