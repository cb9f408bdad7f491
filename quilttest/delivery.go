package quilttest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DefaultRedelivery is the fake's redelivery schedule: the waits before
// the second, third, … try of a delivery its receiver refused (a non-2xx
// answer) or missed (no answer: connection refused, timeout), 1 s doubling
// to 32 s: seven tries over about a minute, enough for an app that starts
// after the fake to receive what was sent before it listened. Quiltt
// documents that it retries deliveries that get no 2xx, but not how often
// or how far apart (UNCONFIRMED in the SDK's reference): this schedule is
// the fake's own.
var DefaultRedelivery = []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second}

// deliveryConfig is what the options set for deliveries.
type deliveryConfig struct {
	envSecret  string          // WithWebhookSecret, or a random one
	redelivery []time.Duration // WithRedelivery; nil: DefaultRedelivery
	noRedeliv  bool            // WithRedelivery() with no waits
	// after returns a channel that receives once d has passed: the clock
	// redeliveries wait on. nil: a real timer. Tests of this package set it.
	after func(d time.Duration) <-chan time.Time
}

// deliveryState is what the server keeps of deliveries; guarded by
// Server.mu.
type deliveryState struct {
	made int // every try made, whatever WithLogLimit keeps
}

// WithWebhookSecret sets the environment's signing secret, with which
// deliveries to the subscriptions made through the API are signed (see
// Server.WebhookSecret), instead of a random "whsec_…" one. It fails if
// the secret is empty or holds whitespace or control characters; the
// error does not quote it.
func WithWebhookSecret(secret string) Option {
	return func(c *config) error {
		if secret == "" || strings.ContainsFunc(secret, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return errors.New("quilttest: WithWebhookSecret: empty, or holds whitespace or control characters")
		}
		c.delivery.envSecret = secret
		return nil
	}
}

// WithRedelivery sets the waits before each further try of a delivery its
// receiver refused (non-2xx) or missed (no answer): len(waits)+1 tries in
// all, each logged (Deliveries, WithDeliveryHook). With no waits a
// delivery is tried once. The default is DefaultRedelivery. Redelivery
// stops at the first 2xx, when the subscription is deleted or disabled,
// and when the server closes. It fails for a negative wait.
func WithRedelivery(waits ...time.Duration) Option {
	return func(c *config) error {
		for _, w := range waits {
			if w < 0 {
				return fmt.Errorf("quilttest: WithRedelivery: negative wait %v", w)
			}
		}
		c.delivery.redelivery = slices.Clone(waits)
		c.delivery.noRedeliv = len(waits) == 0
		return nil
	}
}

func (c *deliveryConfig) schedule() []time.Duration {
	switch {
	case c.noRedeliv:
		return nil
	case c.redelivery == nil:
		return DefaultRedelivery
	}
	return c.redelivery
}

// target is where one subscription's deliveries go, read under Server.mu.
type target struct {
	id, url, secret string
}

// targetLocked returns where sub delivers; s.mu must be held.
func (s *Server) targetLocked(sub *subscription) target {
	secret := sub.secret
	if secret == "" {
		secret = s.cfg.delivery.envSecret
	}
	return target{id: sub.ID, url: sub.TargetURL, secret: secret}
}

// publish delivers an event of type eventType, whose envelope is body, to
// every enabled subscription that includes it: the first try of each in
// the calling goroutine (so that a refresh completes after it), further
// tries in the background as the redelivery schedule says.
func (s *Server) publish(eventType string, body []byte) {
	s.mu.RLock()
	var targets []target
	for _, sub := range s.subs.list {
		if !sub.Disabled && sub.includes(eventType) {
			targets = append(targets, s.targetLocked(sub))
		}
	}
	s.mu.RUnlock()
	for _, t := range targets {
		if d := s.try(t, body, 1); !delivered(d) {
			s.startRedelivery(t.id, body)
		}
	}
}

// delivered reports whether the receiver took the delivery (any 2xx).
func delivered(d Delivery) bool { return d.Err == nil && d.StatusCode >= 200 && d.StatusCode <= 299 }

// try makes one try of a delivery and logs it (Deliveries, the delivery
// hook).
func (s *Server) try(t target, body []byte, attempt int) Delivery {
	d := s.deliver(t.url, t.secret, body)
	d.SubscriptionID, d.Attempt = t.id, attempt
	if s.cfg.onDelivery != nil {
		c := d
		c.Header, c.Body = c.Header.Clone(), slices.Clone(c.Body)
		s.cfg.onDelivery(c)
	}
	s.mu.Lock()
	s.deliveries = appendCapped(s.deliveries, d, s.cfg.logLimit)
	s.dl.made++
	s.changedLocked()
	s.mu.Unlock()
	return d
}

// startRedelivery retries a delivery in the background, unless the
// schedule has no further try or the server is closing.
func (s *Server) startRedelivery(subID string, body []byte) {
	waits := s.cfg.delivery.schedule()
	if len(waits) == 0 {
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		for i, w := range waits {
			if !s.wait(w) {
				return
			}
			s.mu.RLock()
			_, sub := s.subs.find(subID)
			var t target
			if sub != nil && !sub.Disabled {
				t = s.targetLocked(sub)
			}
			s.mu.RUnlock()
			if sub == nil || t.url == "" {
				return // deleted or disabled since
			}
			if delivered(s.try(t, body, i+2)) {
				return
			}
		}
	}()
}

// wait reports whether d passed before the server closed.
func (s *Server) wait(d time.Duration) bool {
	var ch <-chan time.Time
	if s.cfg.delivery.after != nil {
		ch = s.cfg.delivery.after(d)
	} else {
		tm := time.NewTimer(d)
		defer tm.Stop()
		ch = tm.C
	}
	select {
	case <-ch:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// WaitDeliveries blocks until at least n delivery tries have been made
// since the server started (redeliveries included), so that a test can
// wait for a redelivery without sleeping. It returns ctx's error (wrapped)
// when ctx ends first, and ErrClosed when the server closes first.
func (s *Server) WaitDeliveries(ctx context.Context, n int) error {
	return s.waitUntil(ctx, func() bool { return s.dl.made >= n }, "WaitDeliveries", n)
}

// waitUntil blocks until done (called with s.mu read-locked) holds, ctx
// ends (an error naming the wait and n) or the server closes (ErrClosed).
func (s *Server) waitUntil(ctx context.Context, done func() bool, wait string, n int) error {
	for {
		s.mu.RLock()
		ok, closed, ch := done(), s.closed, s.changed
		s.mu.RUnlock()
		switch {
		case ok:
			return nil
		case closed:
			return ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("quilttest: %s(%d): %w", wait, n, ctx.Err())
		}
	}
}
