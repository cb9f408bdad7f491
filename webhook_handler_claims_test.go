package quiltt_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// claimingHandler is testHandler with a MemoryClaimStore at a fake clock.
func claimingHandler(t *testing.T, rec *eventRecorder) (*quiltt.WebhookHandler, *logSink, *fakeClock) {
	t.Helper()
	h, sink := testHandler(t, rec)
	clk := &fakeClock{t: testNow}
	store := quiltt.NewMemoryClaimStore(0)
	store.Now = clk.Now
	h.Claims = store
	return h, sink, clk
}

// 50 deliveries of one event at once, in one process: the callback runs
// exactly once. While it runs, every other delivery is answered 503 with
// Retry-After; once it is done, a redelivery is answered 204 without it.
func TestWebhookHandlerConcurrentDeliveriesRunOnce(t *testing.T) {
	body := readFixture(t, "balance_created_event.json")
	header := signedHeader(testSecret, testNow.Unix(), body)
	var calls int
	var mu sync.Mutex
	started, gate := make(chan struct{}), make(chan struct{})
	h, sink, _ := claimingHandler(t, &eventRecorder{})
	h.ClaimLease = 90 * time.Second
	h.Handle = func(ctx context.Context, e quiltt.Event) error {
		mu.Lock()
		calls++
		mu.Unlock()
		close(started) // a second call would panic here
		<-gate
		return nil
	}

	const deliveries = 50
	answers := make(chan *httptest.ResponseRecorder, deliveries)
	var wg sync.WaitGroup
	for range deliveries {
		wg.Go(func() { answers <- deliver(h, http.MethodPost, body, header) })
	}
	<-started
	// The holder waits at the gate: every other delivery is answered now.
	for range deliveries - 1 {
		w := <-answers
		assertAnswer(t, w, http.StatusServiceUnavailable, "event is being processed by another delivery")
		assert.Equal(t, "90", w.Header().Get("Retry-After"))
	}
	close(gate)
	wg.Wait()
	assert.Equal(t, http.StatusNoContent, (<-answers).Code)
	assert.Equal(t, 1, calls)

	w := deliver(h, http.MethodPost, body, header)
	assert.Equal(t, http.StatusNoContent, w.Code, "redelivered after it was processed")
	assert.Empty(t, w.Header().Get("Retry-After"))
	assert.Equal(t, 1, calls)

	busy := 0
	for _, r := range sink.all() {
		if r.Message == "quiltt: webhook event claimed by another delivery" {
			busy++
			assert.Equal(t, slog.LevelInfo, r.Level)
			assert.Equal(t, "evt_12wkam1rFDQg0m8OLObJM1", r.Attrs["event"])
			assert.Equal(t, "503", r.Attrs["status"])
		}
	}
	assert.Equal(t, deliveries-1, busy)
}

// A failing callback releases its claim: the redelivery runs the failed
// event and those after it, and skips those already processed.
func TestWebhookHandlerFailureReleasesClaim(t *testing.T) {
	env := readFixture(t, "envelope_several_events.json")
	header := signedHeader(testSecret, testNow.Unix(), env)
	rec := &eventRecorder{fail: map[string]bool{"evt_12wkam1rFDQg0m8OLObJM3": true}}
	h, _, _ := claimingHandler(t, rec)

	assert.Equal(t, http.StatusInternalServerError, deliver(h, http.MethodPost, env, header).Code)
	assert.Equal(t, []string{"evt_12wkam1rFDQg0m8OLObJM1", "evt_12wkam1rFDQg0m8OLObJM2"}, rec.ids)
	assert.Equal(t, 3, rec.calls)

	// Quiltt delivers again at once (no lease to wait for): the failed event
	// runs, the two processed ones are skipped.
	rec.fail = nil
	assert.Equal(t, http.StatusNoContent, deliver(h, http.MethodPost, env, header).Code)
	assert.Equal(t, []string{"evt_12wkam1rFDQg0m8OLObJM1", "evt_12wkam1rFDQg0m8OLObJM2",
		"evt_12wkam1rFDQg0m8OLObJM3", "evt_12wkam1rFDQg0m8OLObJM4", "evt_12wkam1rFDQg0m8OLObJM5"}, rec.ids)
	assert.Equal(t, 6, rec.calls)

	// And once more: nothing left to do, still 2xx.
	assert.Equal(t, http.StatusNoContent, deliver(h, http.MethodPost, env, header).Code)
	assert.Equal(t, 6, rec.calls)
}

// Processed events are remembered for ClaimRetention, then forgotten.
func TestWebhookHandlerRetention(t *testing.T) {
	body := readFixture(t, "balance_created_event.json")
	rec := &eventRecorder{}
	h, _, clk := claimingHandler(t, rec)
	h.ClaimRetention = time.Hour
	h.Verifier.Now = clk.Now
	for _, step := range []struct {
		advance time.Duration
		calls   int
	}{{0, 1}, {59 * time.Minute, 1}, {time.Minute, 2}} {
		clk.Advance(step.advance)
		assert.Equal(t, http.StatusNoContent, deliver(h, http.MethodPost, body, signedHeader(testSecret, clk.Now().Unix(), body)).Code)
		assert.Equal(t, step.calls, rec.calls, "after %v", step.advance)
	}
}

// The callback's context ends with its lease; the claim is settled even
// when Quiltt hung up (the request's context ended) and when the callback
// panics.
func TestWebhookHandlerSettlesClaims(t *testing.T) {
	body := readFixture(t, "balance_created_event.json")
	header := signedHeader(testSecret, testNow.Unix(), body)

	t.Run("deadline is the lease", func(t *testing.T) {
		h, _, _ := claimingHandler(t, &eventRecorder{})
		h.ClaimLease = 45 * time.Second
		var deadline time.Time
		var ok bool
		h.Handle = func(ctx context.Context, _ quiltt.Event) error {
			deadline, ok = ctx.Deadline()
			return nil
		}
		before := time.Now()
		require.Equal(t, http.StatusNoContent, deliver(h, http.MethodPost, body, header).Code)
		require.True(t, ok, "the callback's context has a deadline")
		assert.WithinRange(t, deadline, before.Add(45*time.Second), time.Now().Add(45*time.Second))
	})

	t.Run("Quiltt hung up", func(t *testing.T) {
		rec := &eventRecorder{}
		h, sink := testHandler(t, rec)
		h.Claims = &failingClaims{} // refuses an ended context, as a remote store does
		ctx, cancel := context.WithCancel(context.Background())
		h.Handle = func(context.Context, quiltt.Event) error {
			cancel() // the request's context ends as the callback succeeds
			rec.calls++
			return nil
		}
		deliverCtx(ctx, h, http.MethodPost, body, header)
		assert.Equal(t, http.StatusNoContent, deliver(h, http.MethodPost, body, header).Code)
		assert.Equal(t, 1, rec.calls, "marked done despite the ended context")
		r := sink.only(t)
		assert.Equal(t, logRecord{Level: slog.LevelDebug, Message: "quiltt: webhook event already processed; skipped",
			Attrs: map[string]string{"event": "evt_12wkam1rFDQg0m8OLObJM1", "type": "balance.created"}}, r, "the redelivery was skipped")
	})

	t.Run("callback panics", func(t *testing.T) {
		rec := &eventRecorder{}
		h, _, _ := claimingHandler(t, rec)
		h.Handle = func(context.Context, quiltt.Event) error { panic("callback bug") }
		assert.PanicsWithValue(t, "callback bug", func() { deliver(h, http.MethodPost, body, header) })
		h.Handle = rec.handle
		assert.Equal(t, http.StatusNoContent, deliver(h, http.MethodPost, body, header).Code, "the claim was released")
		assert.Equal(t, 1, rec.calls)
	})
}

// failingClaims is a ClaimStore whose calls fail as configured, and, as a
// store across the network would, when their context has ended; it counts
// Done and Release.
type failingClaims struct {
	quiltt.MemoryClaimStore
	claimErr, doneErr, releaseErr error
	state                         quiltt.ClaimState // answered by Claim when set
	mu                            sync.Mutex
	dones, releases               int
}

func (f *failingClaims) Claim(ctx context.Context, id string, lease time.Duration) (quiltt.Claim, error) {
	if f.claimErr != nil {
		return quiltt.Claim{}, f.claimErr
	}
	if f.state != 0 {
		return quiltt.Claim{EventID: id, State: f.state}, nil
	}
	return f.MemoryClaimStore.Claim(ctx, id, lease)
}

func (f *failingClaims) Done(ctx context.Context, c quiltt.Claim, retain time.Duration) error {
	f.mu.Lock()
	f.dones++
	f.mu.Unlock()
	if f.doneErr != nil {
		return f.doneErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return f.MemoryClaimStore.Done(ctx, c, retain)
}

func (f *failingClaims) Release(ctx context.Context, c quiltt.Claim) error {
	f.mu.Lock()
	f.releases++
	f.mu.Unlock()
	if f.releaseErr != nil {
		return f.releaseErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return f.MemoryClaimStore.Release(ctx, c)
}

// A store that fails: no event is lost (a retryable 503, the callback not
// called) and none processed twice (a processed event answers 2xx even
// when it could not be marked done).
func TestWebhookHandlerClaimStoreFailures(t *testing.T) {
	body := readFixture(t, "balance_created_event.json")
	header := signedHeader(testSecret, testNow.Unix(), body)
	storeDown := errors.New("store unreachable")

	t.Run("Claim fails", func(t *testing.T) {
		rec := &eventRecorder{}
		h, sink := testHandler(t, rec)
		h.Claims = &failingClaims{claimErr: storeDown}
		w := deliver(h, http.MethodPost, body, header)
		assertAnswer(t, w, http.StatusServiceUnavailable, "event store unavailable; will be retried")
		assert.Empty(t, w.Header().Get("Retry-After"))
		assert.Zero(t, rec.calls, "callback not called")
		r := sink.only(t)
		assert.Equal(t, slog.LevelError, r.Level)
		assert.Equal(t, "quiltt: webhook claim store failed", r.Message)
		assert.Equal(t, "quiltt: claiming the event: store unreachable", r.Attrs["error"])
		assert.Equal(t, "evt_12wkam1rFDQg0m8OLObJM1", r.Attrs["event"])
	})

	t.Run("Claim answers no known state", func(t *testing.T) {
		rec := &eventRecorder{}
		h, sink := testHandler(t, rec)
		h.Claims = &failingClaims{state: quiltt.ClaimState(7)}
		assertAnswer(t, deliver(h, http.MethodPost, body, header), http.StatusServiceUnavailable, "event store unavailable; will be retried")
		assert.Zero(t, rec.calls)
		assert.Equal(t, "quiltt: webhook claim store failed", sink.only(t).Message)
	})

	t.Run("Done fails", func(t *testing.T) {
		rec := &eventRecorder{}
		h, sink := testHandler(t, rec)
		store := &failingClaims{doneErr: storeDown}
		h.Claims = store
		assert.Equal(t, http.StatusNoContent, deliver(h, http.MethodPost, body, header).Code, "processed: not redelivered")
		assert.Equal(t, 1, rec.calls)
		assert.Equal(t, 1, store.dones)
		assert.Zero(t, store.releases, "a processed event is not released")
		r := sink.only(t)
		assert.Equal(t, slog.LevelError, r.Level)
		assert.Equal(t, "quiltt: webhook event processed but not marked done", r.Message)
		assert.Equal(t, "store unreachable", r.Attrs["error"])
		// Its lease still holds off a concurrent redelivery.
		w := deliver(h, http.MethodPost, body, header)
		assert.Equal(t, http.StatusServiceUnavailable, w.Code)
		assert.Equal(t, 1, rec.calls)
	})

	t.Run("Release fails", func(t *testing.T) {
		rec := &eventRecorder{fail: map[string]bool{"evt_12wkam1rFDQg0m8OLObJM1": true}}
		h, sink := testHandler(t, rec)
		store := &failingClaims{releaseErr: storeDown}
		h.Claims = store
		assertAnswer(t, deliver(h, http.MethodPost, body, header), http.StatusInternalServerError, "callback failed; will be retried")
		assert.Equal(t, 1, store.releases)
		var messages []string
		for _, r := range sink.all() {
			messages = append(messages, r.Message)
		}
		assert.ElementsMatch(t, []string{"quiltt: webhook callback failed", "quiltt: webhook claim not released; the event waits for its lease to end"}, messages)
	})
}
