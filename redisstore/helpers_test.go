package redisstore_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// newClient returns a go-redis client on srv, standing for one replica: its
// own connection pool. It fails at once while the server is down (no
// command or dial retries), and is closed when the test ends.
func newClient(t testing.TB, srv *redistest.Server) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Network:       srv.Network(),
		Addr:          srv.Addr(),
		MaxRetries:    -1,
		DialerRetries: 1,
		DialTimeout:   2 * time.Second,
		PoolSize:      8,
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// replicas returns n clients on srv.
func replicas(t testing.TB, srv *redistest.Server, n int) []*redis.Client {
	t.Helper()
	out := make([]*redis.Client, n)
	for i := range out {
		out[i] = newClient(t, srv)
	}
	return out
}

// counter is a go-redis hook that counts the commands a client sends, by
// name, and can run a func before or after a command.
type counter struct {
	mu     sync.Mutex
	counts map[string]int
	before func(cmd redis.Cmder)
	after  func(cmd redis.Cmder)
}

func (c *counter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (c *counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.mu.Lock()
		if c.counts == nil {
			c.counts = map[string]int{}
		}
		c.counts[strings.ToLower(cmd.Name())]++
		before, after := c.before, c.after
		c.mu.Unlock()
		if before != nil {
			before(cmd)
		}
		err := next(ctx, cmd)
		if after != nil {
			after(cmd)
		}
		return err
	}
}

// count is how many commands named one of names were sent.
func (c *counter) count(names ...string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, name := range names {
		n += c.counts[name]
	}
	return n
}

// scripts is how many script calls were sent (EVALSHA, and EVAL after a
// NOSCRIPT).
func (c *counter) scripts() int { return c.count("evalsha", "eval") }

// eventually polls cond every few milliseconds until it holds, failing the
// test after 20 s: for states that Redis reaches on its own clock (a TTL
// running out), where there is no channel to wait on.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// onGo runs fn(i) in n goroutines released at once, and waits for all.
func onGo(n int, fn func(i int)) {
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

// countingLimiter is a fallback that counts its calls.
type countingLimiter struct{ calls atomic.Int32 }

func (l *countingLimiter) Wait(ctx context.Context) error {
	l.calls.Add(1)
	return ctx.Err()
}

// testCtx is a context that ends with the test, bounded so that a hang
// fails instead of blocking the run.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
