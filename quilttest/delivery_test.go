package quilttest_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// fakeClock drives redeliveries: each wait the server starts is reported
// on asked, and ends when the test sends on fire.
type fakeClock struct {
	asked chan time.Duration
	fire  chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{asked: make(chan time.Duration, 64), fire: make(chan time.Time)}
}

func (c *fakeClock) option() quilttest.Option {
	return quilttest.WithRedeliveryClock(func(d time.Duration) <-chan time.Time {
		c.asked <- d
		return c.fire
	})
}

// next returns the wait the server asked for, failing if it asked none.
func (c *fakeClock) next(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-c.asked:
		return d
	case <-waitCtx(t).Done():
		require.FailNow(t, "no redelivery was scheduled")
		return 0
	}
}

// scripted is a receiver that answers its deliveries with statuses in turn
// (the last one for every later delivery).
func scripted(t *testing.T, statuses ...int) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		i := int(n.Add(1))
		w.WriteHeader(statuses[min(i, len(statuses))-1])
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func attempts(ds []quilttest.Delivery) []int {
	out := make([]int, len(ds))
	for i, d := range ds {
		out[i] = d.Attempt
	}
	return out
}

// A refused delivery is tried again after the schedule's wait, the same
// body re-signed, until the receiver takes it; each try is logged.
func TestRedeliveryRefused(t *testing.T) {
	clock := newFakeClock()
	receiver, got := scripted(t, http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusNoContent)
	var hooked atomic.Int32
	s := quilttest.NewTestServer(t, clock.option(), quilttest.WithRefreshDelay(quilttest.ManualRefresh),
		quilttest.WithWebhook(receiver.URL+"/hooks", "whsec_redeliver"),
		quilttest.WithDeliveryHook(func(quilttest.Delivery) { hooked.Add(1) }))
	c := sdkClient(t, s)

	refreshChecking(t, s, c)
	assert.Equal(t, time.Second, clock.next(t))
	clock.fire <- time.Now()
	require.NoError(t, s.WaitDeliveries(waitCtx(t), 2))
	assert.Equal(t, 2*time.Second, clock.next(t))
	clock.fire <- time.Now()
	require.NoError(t, s.WaitDeliveries(waitCtx(t), 3))

	ds := s.Deliveries()
	require.Len(t, ds, 3)
	assert.Equal(t, []int{1, 2, 3}, attempts(ds))
	assert.Equal(t, []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusNoContent},
		[]int{ds[0].StatusCode, ds[1].StatusCode, ds[2].StatusCode})
	for _, d := range ds {
		assert.Equal(t, ds[0].Body, d.Body, "the same event")
		assert.NoError(t, quiltt.VerifyWebhook(d.Body, d.Header, "whsec_redeliver"))
	}
	assert.EqualValues(t, 3, got.Load())
	assert.EqualValues(t, 3, hooked.Load(), "each try logged")
	s.Close()
	assert.Empty(t, clock.asked, "no wait after the receiver took it")
}

// A delivery missed (nothing listening yet) is redelivered once the app
// listens.
func TestRedeliveryMissed(t *testing.T) {
	clock := newFakeClock()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // the app has not started

	s := quilttest.NewTestServer(t, clock.option(), quilttest.WithRefreshDelay(quilttest.ManualRefresh))
	c := sdkClient(t, s)
	_, err = c.CreateWebhookSubscription(t.Context(), &quiltt.WebhookSubscriptionParams{
		TargetURL: "http://" + addr + "/hooks", EventTypes: []quiltt.EventType{quiltt.EventBalanceCreated},
	})
	require.NoError(t, err)
	events := make(chan quiltt.Event, 4)

	refreshChecking(t, s, c)
	ds := s.Deliveries()
	require.Len(t, ds, 1)
	assert.Error(t, ds[0].Err, "connection refused")
	assert.Zero(t, ds[0].StatusCode)

	// The app starts on its address (which another process's connection
	// could have taken meanwhile: rare, and then the test cannot go on).
	ln, err = net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		t.Skipf("the freed port %s was taken meanwhile", addr)
	}
	require.NoError(t, err)
	app := httptest.NewUnstartedServer(quiltt.NewWebhookHandler(s.WebhookSecret(), func(_ context.Context, e quiltt.Event) error {
		events <- e
		return nil
	}))
	_ = app.Listener.Close()
	app.Listener = ln
	app.Start()
	defer app.Close()

	assert.Equal(t, time.Second, clock.next(t))
	clock.fire <- time.Now()
	require.NoError(t, s.WaitDeliveries(waitCtx(t), 2))
	e := receive(t, events)
	assert.Equal(t, quiltt.EventBalanceCreated, e.Type)
	assert.Equal(t, []int{1, 2}, attempts(s.Deliveries()))
}

// Redelivery is bounded: len(waits)+1 tries, then it gives up.
func TestRedeliveryBounded(t *testing.T) {
	clock := newFakeClock()
	receiver, got := scripted(t, http.StatusGone)
	s := quilttest.NewTestServer(t, clock.option(), quilttest.WithRefreshDelay(quilttest.ManualRefresh),
		quilttest.WithRedelivery(5*time.Millisecond, time.Hour), quilttest.WithWebhook(receiver.URL, "whsec_x"))
	refreshChecking(t, s, sdkClient(t, s))
	for _, want := range []time.Duration{5 * time.Millisecond, time.Hour} {
		assert.Equal(t, want, clock.next(t))
		clock.fire <- time.Now()
	}
	require.NoError(t, s.WaitDeliveries(waitCtx(t), 3))
	s.Close() // waits for the redelivery goroutine, which has ended
	assert.Equal(t, []int{1, 2, 3}, attempts(s.Deliveries()))
	assert.EqualValues(t, 3, got.Load())
	assert.Empty(t, clock.asked)
}

// WithRedelivery() delivers once; an invalid wait is refused.
func TestRedeliveryOff(t *testing.T) {
	clock := newFakeClock()
	receiver, _ := scripted(t, http.StatusInternalServerError)
	s := quilttest.NewTestServer(t, clock.option(), quilttest.WithRefreshDelay(quilttest.ManualRefresh),
		quilttest.WithRedelivery(), quilttest.WithWebhook(receiver.URL, "whsec_x"))
	refreshChecking(t, s, sdkClient(t, s))
	s.Close()
	assert.Len(t, s.Deliveries(), 1)
	assert.Empty(t, clock.asked)
	assert.Panics(t, func() { quilttest.NewServer(quilttest.WithRedelivery(-time.Second)) })
}

// Close stops a redelivery waiting for its time (goleak, in TestMain,
// checks that its goroutine ended); a subscription deleted meanwhile gets
// no further try.
func TestRedeliveryStops(t *testing.T) {
	t.Run("close", func(t *testing.T) {
		clock := newFakeClock()
		receiver, _ := scripted(t, http.StatusInternalServerError)
		s := quilttest.NewServer(clock.option(), quilttest.WithRefreshDelay(quilttest.ManualRefresh), quilttest.WithWebhook(receiver.URL, "whsec_x"))
		refreshChecking(t, s, sdkClient(t, s))
		clock.next(t) // waiting
		s.Close()
		assert.Len(t, s.Deliveries(), 1)
	})
	t.Run("deleted", func(t *testing.T) {
		clock := newFakeClock()
		receiver, got := scripted(t, http.StatusInternalServerError)
		s := quilttest.NewTestServer(t, clock.option(), quilttest.WithRefreshDelay(quilttest.ManualRefresh), quilttest.WithWebhook(receiver.URL, "whsec_x"))
		c := sdkClient(t, s)
		refreshChecking(t, s, c)
		clock.next(t)
		require.NoError(t, s.SetWebhook("", ""))
		clock.fire <- time.Now()
		s.Close()
		assert.Len(t, s.Deliveries(), 1)
		assert.EqualValues(t, 1, got.Load())
	})
}
