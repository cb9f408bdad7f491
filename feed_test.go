package quiltt_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// slowPolls are polls so far apart that a call that returns within the
// test's deadline was woken by the feed, not by a poll.
const slowPolls = 20 * time.Second

const feedSecret = "whsec_feed"

// feedEnv is a fake Quiltt that delivers balance.created to a
// WebhookHandler publishing to feed, whose callback counts the events.
type feedEnv struct {
	api      *quilttest.Server
	feed     *quiltt.MemoryBalanceFeed
	handler  *quiltt.WebhookHandler
	callback atomic.Int32
}

// newFeedEnv starts the handler, then the fake delivering to it; the
// fake completes each refresh 1 ms after accepting it (opts may change
// that). The checking account's balance is made stale.
func newFeedEnv(t *testing.T, handle func(context.Context, quiltt.Event) error, opts ...quilttest.Option) *feedEnv {
	t.Helper()
	e := &feedEnv{feed: quiltt.NewMemoryBalanceFeed(8)}
	e.handler = quiltt.NewWebhookHandlerWithLogger(feedSecret, func(ctx context.Context, ev quiltt.Event) error {
		e.callback.Add(1)
		if handle != nil {
			return handle(ctx, ev)
		}
		return nil
	}, slog.New(slog.DiscardHandler))
	e.handler.Feed = e.feed
	hooks := httptest.NewServer(e.handler)
	t.Cleanup(hooks.Close)
	e.api = freshServer(t, append([]quilttest.Option{
		quilttest.WithRefreshDelay(time.Millisecond),
		quilttest.WithWebhook(hooks.URL, feedSecret),
	}, opts...)...)
	_, err := e.api.SetBalance(quilttest.CheckingAccountID, quiltt.Balance{At: staleAt, Source: quiltt.BalanceSourceSync})
	require.NoError(t, err)
	return e
}

// reads counts the GraphQL reads the fake received.
func reads(s *quilttest.Server) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Route == quilttest.RouteGraphQL {
			n++
		}
	}
	return n
}

// deliveredBalance is the balance of the fake's last delivery, as the
// handler decoded it.
func deliveredBalance(t *testing.T, s *quilttest.Server) *quiltt.Balance {
	t.Helper()
	require.NoError(t, s.WaitRefreshes(t.Context(), 1)) // the delivery is logged once its answer came
	ds := s.Deliveries()
	require.NotEmpty(t, ds)
	p, err := quiltt.ParseWebhook(ds[len(ds)-1].Body)
	require.NoError(t, err)
	b, err := p.Events[0].Balance()
	require.NoError(t, err)
	return b
}

// A delivery wakes FreshBalance: though polls are 20 s apart, it returns
// the delivered REFRESH balance, after one read (the lock holder's, which
// found it stale); then 20 warm calls are served by the feed with no read
// at all.
func TestFreshBalanceWokenByDelivery(t *testing.T) {
	e := newFeedEnv(t, nil)
	c := freshClient(t, e.api, quiltt.WithBalanceFeed(e.feed), quiltt.WithFreshBalancePolling(slowPolls, slowPolls))

	b, err := c.FreshBalance(deadline(t), quilttest.CheckingAccountID, 5*time.Minute)
	require.NoError(t, err)
	delivered := deliveredBalance(t, e.api)
	assert.Equal(t, delivered.ID, b.ID)
	assert.Equal(t, quiltt.BalanceSourceRefresh, b.Source)
	assert.Equal(t, quilttest.CheckingAccountID, b.AccountID)
	assert.LessOrEqual(t, reads(e.api), 1, "GraphQL reads")
	assert.Equal(t, 1, refreshes(e.api))

	e.api.ResetRequests()
	for range 20 {
		w, err := c.FreshBalance(deadline(t), quilttest.CheckingAccountID, 5*time.Minute)
		require.NoError(t, err)
		assert.Equal(t, delivered.ID, w.ID)
	}
	assert.Zero(t, reads(e.api), "GraphQL reads of warm calls")
	assert.Zero(t, refreshes(e.api))
}

// Without deliveries (no webhook reaches the handler), polling still gets
// the refreshed balance.
func TestFreshBalanceFeedPollsWithoutDeliveries(t *testing.T) {
	feed := quiltt.NewMemoryBalanceFeed(0)
	s := freshServer(t, quilttest.WithRefreshDelay(time.Millisecond))
	_, err := s.SetBalance(quilttest.CheckingAccountID, quiltt.Balance{At: staleAt, Source: quiltt.BalanceSourceSync})
	require.NoError(t, err)
	c := freshClient(t, s, quiltt.WithBalanceFeed(feed))

	b, err := c.FreshBalance(deadline(t), quilttest.CheckingAccountID, 5*time.Minute)
	require.NoError(t, err)
	assert.Equal(t, quiltt.BalanceSourceRefresh, b.Source)
	assert.Empty(t, s.Deliveries())
	assert.Equal(t, 1, refreshes(s))
	latest, err := feed.Latest(t.Context(), quilttest.CheckingAccountID)
	require.NoError(t, err)
	assert.Nil(t, latest, "a read balance is never published")
}

// RefreshAndWait subscribes before it triggers and returns the delivered
// balance, though its polls are 20 s apart, after its one read (the
// balance before).
func TestRefreshAndWaitWokenByDelivery(t *testing.T) {
	e := newFeedEnv(t, nil)
	c := freshClient(t, e.api, quiltt.WithBalanceFeed(e.feed))

	b, err := c.RefreshAndWait(deadline(t), quilttest.CheckingAccountID,
		&quiltt.RefreshWaitOptions{MinInterval: slowPolls, MaxInterval: slowPolls})
	require.NoError(t, err)
	assert.Equal(t, deliveredBalance(t, e.api).ID, b.ID)
	assert.Equal(t, 1, reads(e.api))
}

// Calls that wait for another caller's refresh (here, clients that share
// a lock but not a process flight) return the delivered balance too, from
// the feed, without polling.
func TestFreshBalanceFeedWakesWaiters(t *testing.T) {
	accepted := make(chan struct{}, 1)
	e := newFeedEnv(t, nil, quilttest.WithRefreshDelay(quilttest.ManualRefresh), quilttest.WithRequestHook(func(r quilttest.Request) {
		if r.Route == quilttest.RouteRefresh && r.StatusCode == http.StatusAccepted {
			accepted <- struct{}{}
		}
	}))
	lock := new(quiltt.MemoryRefreshLock)
	p := newProgress()
	clients := make([]*quiltt.Client, 4)
	for i := range clients {
		clients[i] = freshClient(t, e.api, quiltt.WithBalanceFeed(e.feed), quiltt.WithRefreshLock(lock),
			quiltt.WithFreshBalancePolling(slowPolls, slowPolls), p.option())
	}
	ctx := deadline(t)
	out := make(chan []result, 1)
	go func() { out <- fanOut(ctx, clients, 4, quilttest.CheckingAccountID, 5*time.Minute) }()
	require.NoError(t, p.waitWaiting(ctx, 3))
	select {
	case <-accepted:
	case <-ctx.Done():
		t.Fatal("no refresh was accepted")
	}
	e.api.CompleteRefreshes()
	rs := <-out
	delivered := deliveredBalance(t, e.api)
	for _, r := range rs {
		require.NoError(t, r.err)
		assert.Equal(t, delivered.ID, r.b.ID)
	}
	assert.Equal(t, 1, reads(e.api), "only the holder reads")
	assert.Equal(t, 1, refreshes(e.api))
}

// The handler publishes a verified balance whether or not the callback
// succeeds, and never an unverified one; a failing feed never fails the
// delivery.
func TestWebhookHandlerPublishes(t *testing.T) {
	feed := quiltt.NewMemoryBalanceFeed(0)
	h := quiltt.NewWebhookHandlerWithLogger(feedSecret, func(context.Context, quiltt.Event) error {
		return errors.New("callback down")
	}, slog.New(slog.DiscardHandler))
	h.Feed = feed
	b := quiltt.Balance{ID: "bal_feed_1", AccountID: "acct_feed", At: time.Now().UTC().Truncate(time.Second)}
	body := quilttest.BalanceCreatedBody(quilttest.Profile{}, b, time.Now())

	forged := httptest.NewRecorder()
	h.ServeHTTP(forged, signedRequest(body, "whsec_other"))
	assert.Equal(t, http.StatusUnauthorized, forged.Code)
	got, err := feed.Latest(t.Context(), "acct_feed")
	require.NoError(t, err)
	assert.Nil(t, got, "an unverified balance was published")

	failed := httptest.NewRecorder()
	h.ServeHTTP(failed, signedRequest(body, feedSecret))
	assert.Equal(t, http.StatusInternalServerError, failed.Code)
	got, err = feed.Latest(t.Context(), "acct_feed")
	require.NoError(t, err)
	require.NotNil(t, got)
	assert.Equal(t, "bal_feed_1", got.ID)

	broken := &failingFeed{err: errors.New("feed store down")}
	ok := quiltt.NewWebhookHandlerWithLogger(feedSecret, func(context.Context, quiltt.Event) error { return nil }, slog.New(slog.DiscardHandler))
	ok.Feed = broken
	rec := httptest.NewRecorder()
	ok.ServeHTTP(rec, signedRequest(body, feedSecret))
	assert.Equal(t, http.StatusNoContent, rec.Code)
	assert.Equal(t, int32(1), broken.publishes.Load(), "the failing feed was driven")
}

// A feed that fails leaves FreshBalance as it is without one: it reads,
// refreshes and polls.
func TestFreshBalanceFailingFeedPolls(t *testing.T) {
	broken := &failingFeed{err: errors.New("feed store down")}
	s := freshServer(t, quilttest.WithRefreshDelay(time.Millisecond))
	_, err := s.SetBalance(quilttest.CheckingAccountID, quiltt.Balance{At: staleAt, Source: quiltt.BalanceSourceSync})
	require.NoError(t, err)
	c := freshClient(t, s, quiltt.WithBalanceFeed(broken))

	b, err := c.FreshBalance(deadline(t), quilttest.CheckingAccountID, 5*time.Minute)
	require.NoError(t, err)
	assert.Equal(t, quiltt.BalanceSourceRefresh, b.Source)
	assert.Positive(t, broken.latests.Load(), "Latest was driven")
	assert.Positive(t, broken.subscribes.Load(), "Subscribe was driven")
}

func TestWithBalanceFeedNil(t *testing.T) {
	for _, f := range []quiltt.BalanceFeed{nil, (*quiltt.MemoryBalanceFeed)(nil)} {
		_, err := quiltt.NewClient(quiltt.WithBalanceFeed(f))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "WithBalanceFeed")
	}
}

// A handler whose Feed holds a nil pointer handles the delivery as one
// without a feed, without a panic.
func TestWebhookHandlerNilPointerFeed(t *testing.T) {
	h := quiltt.NewWebhookHandlerWithLogger(feedSecret, func(context.Context, quiltt.Event) error { return nil }, slog.New(slog.DiscardHandler))
	h.Feed = (*quiltt.MemoryBalanceFeed)(nil)
	body := quilttest.BalanceCreatedBody(quilttest.Profile{}, quiltt.Balance{}, time.Now())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, signedRequest(body, feedSecret))
	assert.Equal(t, http.StatusNoContent, rec.Code)
}

// signedRequest is a delivery of body signed with secret now.
func signedRequest(body []byte, secret string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/hooks", bytes.NewReader(body))
	r.Header = quilttest.SignWebhook(body, secret, time.Now())
	return r
}

// failingFeed is a BalanceFeed whose store always fails.
type failingFeed struct {
	err                            error
	publishes, latests, subscribes atomic.Int32
}

func (f *failingFeed) Publish(context.Context, *quiltt.Balance) error {
	f.publishes.Add(1)
	return f.err
}

func (f *failingFeed) Latest(context.Context, string) (*quiltt.Balance, error) {
	f.latests.Add(1)
	return nil, f.err
}

func (f *failingFeed) Subscribe(context.Context, string) (<-chan *quiltt.Balance, func(), error) {
	f.subscribes.Add(1)
	return nil, nil, f.err
}

// A client and a handler with a feed name it in the record of their
// pieces.
func TestFeedInPiecesRecords(t *testing.T) {
	feed := quiltt.NewMemoryBalanceFeed(0)
	logger, out := jsonLogger()
	c, err := quiltt.NewClient(quiltt.WithAPIKey("qltt_feed_pieces_0123456789"), quiltt.WithLogger(logger), quiltt.WithBalanceFeed(feed))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	assert.Equal(t, []string{`{"level":"INFO","msg":"quiltt: client pieces","limiter":{"kind":"*rate.Limiter","name":"25/s burst 1"},"refresh_lock":{"kind":"*quiltt.MemoryRefreshLock"},"balance_feed":{"kind":"*quiltt.MemoryBalanceFeed"}}`},
		piecesRecords(t, out.String(), "quiltt: client pieces"))

	hlogger, hout := jsonLogger()
	h := quiltt.NewWebhookHandlerWithLogger(feedSecret, func(context.Context, quiltt.Event) error { return nil }, hlogger)
	h.Feed = feed
	body := quilttest.BalanceCreatedBody(quilttest.Profile{}, quiltt.Balance{}, time.Now())
	h.ServeHTTP(httptest.NewRecorder(), signedRequest(body, feedSecret))
	assert.Equal(t, []string{`{"level":"INFO","msg":"quiltt: webhook handler pieces","claim_store":{"kind":"*quiltt.MemoryClaimStore"},"balance_feed":{"kind":"*quiltt.MemoryBalanceFeed"}}`},
		piecesRecords(t, hout.String(), "quiltt: webhook handler pieces"))
}
