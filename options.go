package quiltt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/quiltt-go/quiltt/internal/nilness"
	"golang.org/x/time/rate"
)

// DefaultBaseURL is the Quiltt API host. GraphQL is served at
// {base}/v1/graphql and REST under {base}/v1/.
const DefaultBaseURL = "https://api.quiltt.io"

// DefaultAuthURL is Quiltt's auth host, which issues, revokes and
// introspects session tokens and introspects API keys.
const DefaultAuthURL = "https://auth.quiltt.io"

// Defaults of the options.
const (
	DefaultMaxRetries   = 3                      // retries after the first attempt
	DefaultRetryWaitMin = 500 * time.Millisecond // the first backoff is between this and twice this
	DefaultRetryWaitMax = 10 * time.Second       // longest backoff, before server floors
	DefaultTimeout      = 30 * time.Second       // per attempt, when WithHTTPClient is not given
)

// Quiltt's documented request budgets, the defaults of the client-side rate
// limiter: 25 requests/s with an API key, 100 requests/s with only a session
// token.
const (
	DefaultAPIKeyRate       rate.Limit = 25
	DefaultSessionTokenRate rate.Limit = 100
)

// Option configures a Client. Options are checked by NewClient, which
// reports every invalid one.
type Option func(*config) error

type config struct {
	apiKey       *secret
	sessionToken *secret
	baseURL      *url.URL
	authURL      *url.URL
	httpClient   *http.Client
	apiVersion   string
	maxRetries   int
	retryMin     time.Duration
	retryMax     time.Duration
	logger       *slog.Logger
	limit        rate.Limit // 0: the default for the credentials
	burst        int
	fresh        freshConfig // FreshBalance: WithRefreshLock, WithFreshBalancePolling
	limiter      Limiter     // WithLimiter's; replaces the rate limiter
	observer     Observer    // WithObserver's, or nil
}

// WithAPIKey sets the API key secret (from the Quiltt Dashboard). REST calls
// send it as a Bearer token; GraphQL reads send it with a profile ID as Basic
// credentials (see ForProfile). NewClient fails if the secret is empty or
// holds whitespace or control characters; the error never quotes it.
func WithAPIKey(secretKey string) Option {
	return func(c *config) error {
		if err := checkHeaderToken(secretKey); err != nil {
			return fmt.Errorf("quiltt: WithAPIKey: %w", err)
		}
		c.apiKey = seal(secretKey)
		return nil
	}
}

// WithSessionToken sets a Profile-scoped session token, sent as a Bearer
// token on GraphQL reads. It cannot authenticate REST calls such as
// RefreshBalance. NewClient fails if the token is empty or holds whitespace
// or control characters; the error never quotes it.
func WithSessionToken(token string) Option {
	return func(c *config) error {
		if err := checkHeaderToken(token); err != nil {
			return fmt.Errorf("quiltt: WithSessionToken: %w", err)
		}
		c.sessionToken = seal(token)
		return nil
	}
}

// WithBaseURL sets the API host, DefaultBaseURL by default. A path is kept
// as a prefix of every request path. NewClient fails if the URL does not
// parse, has no host, carries credentials, a query or a fragment, or is
// plain http to a host other than the loopback one (credentials never travel
// unencrypted over a network); the error says what is wrong, never quoting
// the URL.
func WithBaseURL(rawURL string) Option {
	return func(c *config) error {
		u, err := parseBaseURL(rawURL)
		if err != nil {
			return fmt.Errorf("quiltt: WithBaseURL: %w", err)
		}
		c.baseURL = u
		return nil
	}
}

// WithAuthURL sets Quiltt's auth host, DefaultAuthURL by default: the host
// of the session-token calls, which go through the same pipeline (retries,
// rate limiter, logging) as the API's. Credentials are attached only to
// requests for the host each call is meant for, so neither host ever
// receives the other's. NewClient fails on the URLs WithBaseURL refuses,
// for the same reasons.
func WithAuthURL(rawURL string) Option {
	return func(c *config) error {
		u, err := parseBaseURL(rawURL)
		if err != nil {
			return fmt.Errorf("quiltt: WithAuthURL: %w", err)
		}
		c.authURL = u
		return nil
	}
}

// WithHTTPClient sets the innermost HTTP client, where transports such as
// OpenTelemetry's plug in. Its Transport, Timeout, Jar and CheckRedirect
// are used; the client itself is never modified. Timeout bounds each
// attempt, from the moment it leaves the rate limiter until its answer's
// body is closed (each redirect hop gets its own): time spent queueing for
// the rate budget does not count, and an attempt past it fails with an
// error matching context.DeadlineExceeded. Credentials
// are only ever attached to requests for the origin (scheme, host and port)
// of the endpoint a call is meant for, so a redirect elsewhere does not
// carry them, and a call that is not safe to repeat (RefreshBalance,
// IssueSessionToken) never follows a redirect: its 3xx answer is returned
// as an *Error. See RefreshBalance for what the SDK guarantees of such a
// call over a transport of your own. NewClient fails if hc is nil.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("quiltt: WithHTTPClient: nil client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithAPIVersion sends Quiltt-Version: version on every request, overriding
// the version set on the API key. NewClient fails unless version is a date
// written YYYY-MM-DD, such as "2026-04-01"; it logs one warning (WithLogger)
// when the date is none of the versions Quiltt lists, 2024-01-01,
// 2025-04-01 and 2026-04-01, and sends it all the same.
func WithAPIVersion(version string) Option {
	return func(c *config) error {
		if !isDate(version) {
			// Never quote it: a secret pasted into the wrong option must
			// not reach a log.
			return fmt.Errorf("quiltt: WithAPIVersion: the version (%d bytes) is not a date written YYYY-MM-DD", len(version))
		}
		c.apiVersion = version
		return nil
	}
}

// WithMaxRetries sets how many times a failed request may be sent again,
// DefaultMaxRetries by default; 0 disables retries. A call that is not safe
// to repeat (RefreshBalance, IssueSessionToken) is retried only where Quiltt
// cannot have acted on it, whatever n is. NewClient fails if n is negative
// or above 100.
func WithMaxRetries(n int) Option {
	return func(c *config) error {
		if n < 0 || n > 100 {
			return fmt.Errorf("quiltt: WithMaxRetries: %d is outside 0..100", n) // a count, never a secret
		}
		c.maxRetries = n
		return nil
	}
}

// WithRetryWait sets the bounds of the exponential backoff between retries:
// retry n waits a random time between min·2ⁿ and min·2ⁿ⁺¹ (the first one
// between min and 2·min), never more than max. A server's Retry-After or
// Ratelimit-Reset raises a wait above these bounds, up to one minute.
// NewClient fails unless 0 < min <= max.
func WithRetryWait(min, max time.Duration) Option {
	return func(c *config) error {
		if min <= 0 || max < min {
			return fmt.Errorf("quiltt: WithRetryWait: need 0 < min <= max, got %v and %v", min, max)
		}
		c.retryMin, c.retryMax = min, max
		return nil
	}
}

// WithLogger sets where the client logs: one debug record per attempt (op,
// method, path, attempt, status or error, and why it is or is not retried),
// one info record per retry and per retry given up because its wait would
// pass the one-minute cap or the context's deadline (with the wait), the
// warnings WithAPIVersion and FreshBalance write, and, once at NewClient,
// an info record "quiltt: client pieces" of the limiter and refresh lock in
// use (each one's Go type as its kind, and the value of its Name() string
// method as its name when it has one: the redisstore pieces name their
// Redis key or prefix), so that a replica shows whether it shares the
// fleet's; never a header value, a body or a credential. The client is silent by default and when l is nil.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// WithRateLimit sets the client-side rate limiter that every attempt of every
// call of the client (and of its ForProfile clients) waits on: limit requests
// per second with bursts of burst, in this process. The default follows
// Quiltt's budgets: DefaultAPIKeyRate with an API key,
// DefaultSessionTokenRate with only a session token, burst 1. rate.Inf
// disables the limiter. NewClient fails if limit is not positive or burst is
// below 1, and if WithLimiter is given too: the two set the same thing.
func WithRateLimit(limit rate.Limit, burst int) Option {
	return func(c *config) error {
		if !(limit > 0) || burst < 1 {
			return fmt.Errorf("quiltt: WithRateLimit: need limit > 0 and burst >= 1, got %v and %d", float64(limit), burst)
		}
		c.limit, c.burst = limit, burst
		return nil
	}
}

// Limiter paces the client's requests: every attempt of every call (the
// first one and each retry, REST and GraphQL alike) waits on it before it is
// sent. *rate.Limiter (golang.org/x/time/rate) satisfies it; so does the
// fleet-wide limiter of package redisstore, which shares one budget across
// every replica that uses one API key.
//
// Wait blocks until the request may go, or returns an error: the context's
// error when ctx ends first, or the limiter's own (for a shared limiter, its
// store being unreachable, for instance). The client returns such an error
// wrapped, so errors.Is finds the limiter's cause, and it sends nothing.
type Limiter interface {
	Wait(ctx context.Context) error
}

// WithLimiter sets the Limiter that every attempt of every call of the
// client (and of its ForProfile clients) waits on, in place of the
// in-process rate limiter of WithRateLimit and its defaults: a fleet-wide
// limiter (package redisstore) shares one budget across every replica.
// A *rate.Limiter works too.
//
// An attempt the limiter refuses is not sent, and the call returns a
// *TransportError at once (it is not retried): errors.Is finds the
// limiter's error, and context.Canceled or context.DeadlineExceeded only
// when the call's context has really ended (a *rate.Limiter's refusal of a
// wait that would pass the deadline is one). NewClient fails if l is nil
// or holds a nil pointer (such as a nil *rate.Limiter), and if
// WithRateLimit is given too: give one or the other.
func WithLimiter(l Limiter) Option {
	return nonNilOption("WithLimiter", "Limiter", l, func(c *config) { c.limiter = l })
}

// nonNilOption is the Option of an interface-typed option, name, that
// sets what with set: NewClient fails for a nil v, or one holding a nil
// pointer, map, func, channel or slice (internal/nilness).
func nonNilOption[T any](name, what string, v T, set func(*config)) Option {
	return func(c *config) error {
		if nilness.Nil(v) {
			return fmt.Errorf("quiltt: %s: nil %s", name, what)
		}
		set(c)
		return nil
	}
}

// checkHeaderToken refuses a value that cannot travel in an Authorization
// header as is: empty, or holding whitespace or control characters. Its
// error never quotes the value.
func checkHeaderToken(s string) error {
	if s == "" {
		return errors.New("empty secret")
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return errors.New("secret holds whitespace or control characters")
		}
	}
	return nil
}

// parseBaseURL checks a base URL (WithBaseURL, WithAuthURL). Its errors say
// what is wrong and never quote the URL or a part of it: a key pasted into
// the wrong option, or into the port, must not reach a log.
func parseBaseURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var esc url.EscapeError
		var host url.InvalidHostError
		switch {
		case errors.As(err, &esc):
			return nil, fmt.Errorf("the URL (%d bytes) holds an invalid %%-escape", len(rawURL))
		case errors.As(err, &host):
			return nil, fmt.Errorf("the URL (%d bytes) holds an invalid character in its host", len(rawURL))
		}
		return nil, fmt.Errorf("the URL (%d bytes) does not parse (a bad port, a control character, no scheme?)", len(rawURL))
	}
	switch {
	case u.Scheme == "":
		return nil, errors.New("no scheme: write https://host")
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, errors.New("the scheme is not https")
	case u.Host == "":
		return nil, errors.New("no host")
	case u.User != nil:
		return nil, errors.New("credentials in the URL: use WithAPIKey or WithSessionToken")
	case u.RawQuery != "" || u.ForceQuery:
		return nil, errors.New("query in the URL")
	case u.Fragment != "":
		return nil, errors.New("fragment in the URL")
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return nil, errors.New("plain http to a host that is not the loopback one: credentials would travel unencrypted; use https")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
