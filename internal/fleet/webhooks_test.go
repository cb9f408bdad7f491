package fleet_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/quiltt-go/quiltt/redisstore"
)

// The webhook phase: 4 handler replicas, 500 events, each delivered 4
// times (once to every replica, all at once), 10 % of first callbacks
// failing, Redis down for 2 s once a quarter of the deliveries were
// acknowledged.
const (
	hookReplicas      = 4
	hookEvents        = 500
	hookCopies        = 4 // deliveries of each event
	hookFailingShare  = 10
	hookSenders       = 16 // events in delivery at once
	hookOutage        = 2 * time.Second
	hookOutageAfter   = hookEvents * hookCopies / 4 // acknowledged deliveries before Redis stops
	hookLease         = 5 * time.Second             // ClaimLease: longer than the outage
	hookSecret        = "whsec_fleet_simulation"
	hookSeed1         = 2026
	hookSeed2         = 10
	deliverMaxTries   = 400
	deliverBackoffMin = 5 * time.Millisecond
	deliverBackoffMax = 100 * time.Millisecond
)

// hookFigures is what the webhook phase measured.
type hookFigures struct {
	deliveries  int // deliveries acknowledged with a 2xx (of hookEvents × hookCopies)
	events      int
	handledOnce int // events whose callback succeeded exactly once
	double      int // events whose callback succeeded more than once
	lost        int // events whose callback never succeeded

	attempts      int         // POSTs, redeliveries included
	injected      int         // first callbacks made to fail
	storeFailures int         // ClaimStore calls that failed (Redis down)
	answers       map[int]int // deliverer's view: status → count, 0 for no answer
}

// hookEvent is one event of the phase and what happened to it.
type hookEvent struct {
	id        string
	body      []byte
	failFirst bool
	calls     atomic.Int32 // callback invocations
	successes atomic.Int32 // callback invocations that returned nil
}

// countingClaims is a replica's redisstore.ClaimStore, counting the calls
// that failed: the proof that the outage reached the handlers.
type countingClaims struct {
	quiltt.ClaimStore
	failures *atomic.Int32
}

func (c countingClaims) Claim(ctx context.Context, id string, lease time.Duration) (quiltt.Claim, error) {
	cl, err := c.ClaimStore.Claim(ctx, id, lease)
	if err != nil {
		c.failures.Add(1)
	}
	return cl, err
}

func (c countingClaims) Done(ctx context.Context, cl quiltt.Claim, retain time.Duration) error {
	err := c.ClaimStore.Done(ctx, cl, retain)
	if err != nil {
		c.failures.Add(1)
	}
	return err
}

func (c countingClaims) Release(ctx context.Context, cl quiltt.Claim) error {
	err := c.ClaimStore.Release(ctx, cl)
	if err != nil {
		c.failures.Add(1)
	}
	return err
}

// newHookEvents builds the phase's events, one balance.created each, and
// picks the tenth whose first callback fails, with a fixed seed.
func newHookEvents(t testing.TB, accounts []string) ([]*hookEvent, map[string]*hookEvent) {
	t.Helper()
	events := make([]*hookEvent, hookEvents)
	byID := make(map[string]*hookEvent, hookEvents)
	for i := range events {
		body := quilttest.BalanceCreatedBody(quilttest.Profile{}, quiltt.Balance{AccountID: accounts[i%len(accounts)]}, time.Now())
		p, err := quiltt.ParseWebhook(body)
		require.NoError(t, err)
		require.Len(t, p.Events, 1)
		ev := &hookEvent{id: p.Events[0].ID, body: body}
		require.NotContains(t, byID, ev.id, "event IDs are distinct")
		events[i], byID[ev.id] = ev, ev
	}
	rng := rand.New(rand.NewPCG(hookSeed1, hookSeed2))
	for _, i := range rng.Perm(hookEvents)[:hookEvents*hookFailingShare/100] {
		events[i].failFirst = true
	}
	return events, byID
}

// errInjected is the error of a first callback made to fail.
var errInjected = errors.New("fleet: injected callback failure")

// runWebhooks is the webhook phase. Every event is delivered to every
// replica at once (redeliveries concurrent and across replicas); a
// deliverer POSTs each delivery again until it gets a 2xx, as Quiltt
// does; once a quarter of the deliveries were acknowledged, Redis stops,
// and a timer restarts it 2 s later.
func runWebhooks(t *testing.T, e *env, accounts []string) hookFigures {
	events, byID := newHookEvents(t, accounts)
	var injected, storeFailures atomic.Int32
	handle := func(_ context.Context, ev quiltt.Event) error {
		he := byID[ev.ID]
		if he == nil {
			return errors.New("fleet: unknown event " + ev.ID)
		}
		if he.calls.Add(1) == 1 && he.failFirst {
			injected.Add(1)
			return errInjected
		}
		if _, err := ev.Balance(); err != nil {
			return err
		}
		he.successes.Add(1)
		return nil
	}
	verifier, err := quiltt.NewWebhookVerifier(hookSecret)
	require.NoError(t, err)
	urls := make([]string, hookReplicas)
	for i := range urls {
		claims, err := redisstore.NewClaimStore(newRedis(t, e.redis))
		require.NoError(t, err)
		srv := httptest.NewServer(&quiltt.WebhookHandler{
			Verifier:   verifier,
			Handle:     handle,
			Claims:     countingClaims{ClaimStore: claims, failures: &storeFailures},
			ClaimLease: hookLease,
			Logger:     slog.New(slog.DiscardHandler),
		})
		t.Cleanup(srv.Close)
		urls[i] = srv.URL
	}

	d := &deliverer{
		hc:      &http.Client{Transport: newTransport(t, hookSenders*hookCopies), Timeout: 30 * time.Second},
		answers: map[int]int{},
		outage:  make(chan struct{}),
	}
	restored := make(chan error, 1)
	go func() {
		<-d.outage
		if err := e.redis.Stop(); err != nil {
			restored <- err
			return
		}
		// The one timed pause of the simulation: the outage itself.
		<-time.NewTimer(hookOutage).C
		restored <- e.redis.Restart()
	}()

	ctx := testContext(t, 90*time.Second)
	next := make(chan *hookEvent)
	var senders sync.WaitGroup
	for range hookSenders {
		senders.Go(func() {
			for ev := range next {
				d.deliverAll(ctx, ev, urls)
			}
		})
	}
	for _, ev := range events {
		next <- ev
	}
	close(next)
	senders.Wait()

	f := hookFigures{
		deliveries: int(d.acked.Load()), events: len(events), attempts: int(d.attempts.Load()),
		injected: int(injected.Load()), answers: d.answers,
	}
	// The outage started once a quarter of the deliveries were
	// acknowledged; should they all have been acknowledged first, it
	// starts now, so that the server is whole for its cleanup.
	d.startOutage()
	require.NoError(t, <-restored, "Redis stops and restarts")
	f.storeFailures = int(storeFailures.Load())
	for _, ev := range events {
		switch n := ev.successes.Load(); {
		case n == 1:
			f.handledOnce++
		case n > 1:
			f.double++
		default:
			f.lost++
		}
	}
	return f
}

// deliverer sends deliveries as Quiltt does: each is signed when it is
// sent and POSTed again, after a short backoff, until a 2xx answers it.
type deliverer struct {
	hc       *http.Client
	acked    atomic.Int32
	attempts atomic.Int32
	outage   chan struct{} // closed once hookOutageAfter deliveries were acknowledged
	once     sync.Once

	mu      sync.Mutex
	answers map[int]int // status → count; 0 for no answer
}

func (d *deliverer) startOutage() { d.once.Do(func() { close(d.outage) }) }

// deliverAll delivers ev to every replica at once, and returns when every
// delivery was acknowledged or given up.
func (d *deliverer) deliverAll(ctx context.Context, ev *hookEvent, urls []string) {
	atOnce(hookCopies, func(k int) {
		if d.deliver(ctx, urls[k%len(urls)], ev.body) {
			if d.acked.Add(1) == hookOutageAfter {
				d.startOutage()
			}
		}
	})
}

// deliver POSTs body to url until a 2xx answers, at most deliverMaxTries
// times, pausing deliverBackoffMin, doubling up to deliverBackoffMax, after
// each other answer. It reports whether the delivery was acknowledged.
func (d *deliverer) deliver(ctx context.Context, url string, body []byte) bool {
	pause := deliverBackoffMin
	for range deliverMaxTries {
		d.attempts.Add(1)
		status := d.post(ctx, url, body)
		d.mu.Lock()
		d.answers[status]++
		d.mu.Unlock()
		if status >= 200 && status <= 299 {
			return true
		}
		timer := time.NewTimer(pause)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return false
		}
		pause = min(2*pause, deliverBackoffMax)
	}
	return false
}

// post makes one signed delivery and returns the status, 0 for none.
func (d *deliverer) post(ctx context.Context, url string, body []byte) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header = quilttest.SignWebhook(body, hookSecret, time.Now())
	resp, err := d.hc.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}
