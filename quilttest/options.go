package quilttest

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// ManualRefresh, given to WithRefreshDelay, leaves every accepted refresh
// pending until Server.CompleteRefreshes is called.
const ManualRefresh time.Duration = -1

// DefaultAPIVersion is the Quiltt-Version the fake answers with when a
// request sends none (the latest version the SDK's notes have seen).
const DefaultAPIVersion = "2026-04-01"

// Option configures a Server. NewServer reports every invalid option.
type Option func(*config) error

type config struct {
	apiKey        string
	seed          bool
	now           func() time.Time
	refreshDelay  time.Duration
	webhookURL    string
	webhookSecret string
	limit         int
	window        time.Duration
	enforce       bool
	gcra          bool // enforce as a rate (WithRateLimitGCRA), not in fixed windows
	apiVersion    string
	prefix        string
	apiListener   net.Listener // nil: a new loopback listener
	authListener  net.Listener
	logLimit      int // 0: no limit
	onRequest     func(Request)
	onDelivery    func(Delivery)
	delivery      deliveryConfig // delivery.go
}

func defaultConfig() config {
	return config{
		seed:       true,
		now:        time.Now,
		apiVersion: DefaultAPIVersion,
		window:     time.Second,
	}
}

// WithAPIKey sets the API key secret the fake accepts, instead of a random
// one ("qltt_test_" and 32 hex digits). It fails if the secret is empty or
// holds whitespace, control characters or ':'; the error does not quote it.
func WithAPIKey(secret string) Option {
	return func(c *config) error {
		if err := checkToken(secret); err != nil {
			return fmt.Errorf("quilttest: WithAPIKey: %w", err)
		}
		c.apiKey = secret
		return nil
	}
}

// WithoutSeed starts the server with the default profile but none of the
// balances page's accounts. It cannot fail.
func WithoutSeed() Option {
	return func(c *config) error { c.seed = false; return nil }
}

// WithClock sets the clock that dates new balances, webhook events and
// timestamps, and that drives the rate-limit windows. Delays
// (WithRefreshDelay) run on real timers whatever the clock. It fails if now
// is nil.
//
// Webhook deliveries are signed at the clock's time, so a receiver that
// checks Quiltt-Timestamp against the real clock (quiltt.VerifyWebhook,
// quiltt.NewWebhookHandler: 300 s either way) refuses them once the clock
// is further off; give the receiver a quiltt.WebhookVerifier whose Now is
// the same clock.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("quilttest: WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithRefreshDelay sets how long after its 202 an accepted refresh
// completes: 0 (the default) completes it at once, in the background, so
// the new balance may be visible before the 202 is read; ManualRefresh leaves it pending until
// Server.CompleteRefreshes. It fails for other negative durations.
func WithRefreshDelay(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 && d != ManualRefresh {
			return fmt.Errorf("quilttest: WithRefreshDelay: negative delay %v (use ManualRefresh)", d)
		}
		c.refreshDelay = d
		return nil
	}
}

// WithWebhook makes every completed refresh POST a signed balance.created
// delivery to rawURL (see Server.SetWebhook). It fails if rawURL is not an
// absolute http or https URL or the secret is empty.
func WithWebhook(rawURL, secret string) Option {
	return func(c *config) error {
		if err := checkWebhook(rawURL, secret); err != nil {
			return fmt.Errorf("quilttest: WithWebhook: %w", err)
		}
		c.webhookURL, c.webhookSecret = rawURL, secret
		return nil
	}
}

// WithRateLimit enforces a budget of limit requests per window and
// credential: past it, requests are answered 429 until the window ends. The
// Ratelimit-* headers report this budget. Without the option the fake
// reports Quiltt's budgets (25 per second, 100 with a session token) and
// never refuses. It fails unless limit >= 1 and window >= 1s (the headers
// count in seconds).
func WithRateLimit(limit int, window time.Duration) Option {
	return func(c *config) error {
		if limit < 1 || window < time.Second {
			return fmt.Errorf("quilttest: WithRateLimit: need limit >= 1 and window >= 1s, got %d and %v", limit, window)
		}
		c.limit, c.window, c.enforce, c.gcra = limit, window, true, false
		return nil
	}
}

// WithRateLimitGCRA enforces the budget of WithRateLimit, limit requests
// per window and credential, as a rate rather than in fixed windows: GCRA
// (the generic cell rate algorithm) admits up to limit requests at once,
// as a fixed window does at its start, and then one every window/limit;
// past that, requests are answered 429. Unlike a fixed window, it never
// refuses a request for the moment it arrives at, only for the rate: a
// client that keeps under the budget, one of whose requests comes late (and
// so into the next fixed window, beside that window's own), is not refused,
// and a client that goes over it is, whatever the phase of its requests.
// Ratelimit-Remaining reports how many requests could come at once, and
// Ratelimit-Reset when the whole burst could again. Quiltt documents its
// budget as a rate ("25 requests/s") and not its algorithm.
//
// The last of WithRateLimit and WithRateLimitGCRA given applies. It fails
// unless limit >= 1 and window >= 1s (the headers count in seconds).
func WithRateLimitGCRA(limit int, window time.Duration) Option {
	return func(c *config) error {
		if limit < 1 || window < time.Second {
			return fmt.Errorf("quilttest: WithRateLimitGCRA: need limit >= 1 and window >= 1s, got %d and %v", limit, window)
		}
		c.limit, c.window, c.enforce, c.gcra = limit, window, true, true
		return nil
	}
}

// WithAPIVersion sets the API key's version, DefaultAPIVersion by default:
// the Quiltt-Version a request that sends none is served at and answered
// with (a date before 2026-04-01 also reads Account.type and
// Account.origin), and the apiVersion of the key's introspection. The
// known versions are 2024-01-01, 2025-04-01 and 2026-04-01; any date is
// accepted. It fails unless version is a YYYY-MM-DD date.
func WithAPIVersion(version string) Option {
	return func(c *config) error {
		if !isVersion(version) {
			return fmt.Errorf("quilttest: WithAPIVersion: %q is not a YYYY-MM-DD date", version)
		}
		c.apiVersion = version
		return nil
	}
}

// WithPathPrefix mounts the API under a path prefix, such as "/quiltt", so
// that a client that drops its base URL's path fails. URL includes the
// prefix. It fails unless prefix starts with '/' and is a clean path.
func WithPathPrefix(prefix string) Option {
	return func(c *config) error {
		prefix = strings.TrimRight(prefix, "/")
		if prefix == "" {
			c.prefix = ""
			return nil
		}
		u, err := url.Parse(prefix)
		if err != nil || !strings.HasPrefix(prefix, "/") || u.Path != prefix || strings.Contains(prefix, "//") || strings.Contains(prefix, "/../") {
			return fmt.Errorf("quilttest: WithPathPrefix: %q is not a clean absolute path", prefix)
		}
		c.prefix = prefix
		return nil
	}
}

// WithListeners serves the API on api and the auth API on auth, instead of
// on two new loopback listeners: for a fake on a fixed address, as
// cmd/quilttest serves. URL and AuthURL are built from the listeners'
// addresses, an unspecified host (":8080") reached on 127.0.0.1. The
// server closes the listeners, also when NewServer fails. It fails if
// either is nil or both are the same.
func WithListeners(api, auth net.Listener) Option {
	return func(c *config) error {
		c.apiListener, c.authListener = api, auth // closed by NewServer if it fails
		if api == nil || auth == nil || api == auth {
			return errors.New("quilttest: WithListeners: need two distinct non-nil listeners")
		}
		return nil
	}
}

// WithLogLimit keeps only the n most recent requests (Requests) and webhook
// deliveries (Deliveries), for a server that runs for long, as
// cmd/quilttest does; by default both logs keep everything. It fails
// unless n >= 1.
func WithLogLimit(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("quilttest: WithLogLimit: need n >= 1, got %d", n)
		}
		c.logLimit = n
		return nil
	}
}

// WithRequestHook calls fn with every request the server answers (or
// drops), as Requests reports it, credentials redacted, right after it is
// logged: to print a running log, as cmd/quilttest does. fn runs on the
// goroutine that served the request, concurrently with other calls, and
// must not call the server's methods that wait (Close, Shutdown,
// WaitRefreshes). The Request is fn's own. It fails if fn is nil.
func WithRequestHook(fn func(Request)) Option {
	return func(c *config) error {
		if fn == nil {
			return errors.New("quilttest: WithRequestHook: nil func")
		}
		c.onRequest = fn
		return nil
	}
}

// WithDeliveryHook calls fn with every webhook delivery try the server
// makes, as Deliveries reports it, once the receiver answered (or failed
// to). A first try is reported before the refresh counts as completed, so
// a WaitRefreshes that returns has seen fn return; fn runs then on the
// goroutine that completed the refresh (the caller's, for
// CompleteRefreshes). Redeliveries (WithRedelivery) are reported from the
// server's own goroutines, concurrently with other calls. fn must not call
// Close, Shutdown, WaitRefreshes or WaitDeliveries. The Delivery is fn's own. It fails if fn is
// nil.
func WithDeliveryHook(fn func(Delivery)) Option {
	return func(c *config) error {
		if fn == nil {
			return errors.New("quilttest: WithDeliveryHook: nil func")
		}
		c.onDelivery = fn
		return nil
	}
}

func checkToken(s string) error {
	if s == "" {
		return errors.New("empty secret")
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == ':' {
			return errors.New("secret holds whitespace, control characters or ':'")
		}
	}
	return nil
}

func checkWebhook(rawURL, secret string) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("need an absolute http or https URL")
	}
	if secret == "" {
		return errors.New("empty secret")
	}
	return nil
}

func isVersion(v string) bool {
	_, err := time.Parse(time.DateOnly, v)
	return err == nil && len(v) == len(time.DateOnly)
}
