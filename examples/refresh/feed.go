package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/examples/internal/exampleenv"
)

// feedSecret signs the fake's deliveries to the example's webhook
// receiver.
const feedSecret = "whsec_examples_refresh"

// pushed is a client that waits on a balance feed, and the receiver of
// Quiltt's balance.created webhooks that publishes to it.
type pushed struct {
	client *quiltt.Client
	feed   *quiltt.MemoryBalanceFeed
	srv    *http.Server
	served chan struct{} // closed once srv.Serve returned
}

// startFeed wires push, not poll, on the fake: a webhook receiver on a
// loopback port (a quiltt.WebhookHandler whose Feed is a
// MemoryBalanceFeed), the fake delivering its balance.created webhooks to
// it, and a client WithBalanceFeed on the same feed. A service does the
// same with its own webhook endpoint, registered with Quiltt, and
// redisstore.NewBalanceFeed when it runs several replicas.
func startFeed(env *exampleenv.Env) (*pushed, error) {
	feed := quiltt.NewMemoryBalanceFeed(0)
	hooks := quiltt.NewWebhookHandlerWithLogger(feedSecret, func(context.Context, quiltt.Event) error {
		return nil // the service's own work with each event goes here
	}, slog.New(slog.DiscardHandler))
	hooks.Feed = feed // every verified balance.created is published to the feed
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &pushed{feed: feed, srv: &http.Server{Handler: hooks, ReadHeaderTimeout: 5 * time.Second}, served: make(chan struct{})}
	go func() {
		defer close(p.served)
		_ = p.srv.Serve(l) // returns http.ErrServerClosed once stopped
	}()
	if err := env.Fake.SetWebhook("http://"+l.Addr().String()+"/quiltt", feedSecret); err != nil {
		p.stop()
		return nil, err
	}
	client, err := quiltt.NewClient(quiltt.WithBaseURL(env.Fake.URL()), quiltt.WithAPIKey(env.Fake.APIKey()),
		quiltt.WithBalanceFeed(feed))
	if err != nil {
		p.stop()
		return nil, err
	}
	p.client = client.ForProfile(env.Fake.ProfileID())
	return p, nil
}

// stop closes the receiver and waits for it.
func (p *pushed) stop() {
	if p.client != nil {
		p.client.CloseIdleConnections()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		_ = p.srv.Close()
	}
	<-p.served
}

// wasPushed reports whether b is the balance the feed got from a
// webhook: the wait ended on the delivery, not on a poll.
func (p *pushed) wasPushed(ctx context.Context, b *quiltt.Balance) bool {
	got, err := p.feed.Latest(ctx, b.AccountID)
	return err == nil && got != nil && got.ID == b.ID
}
