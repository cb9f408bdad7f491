// Package quiltt is a typed client for the Quiltt Balances API: read the
// latest balance of every account of a Profile over GraphQL, trigger a
// real-time balance refresh over REST, and verify and decode balance.created
// webhooks.
//
// Amounts are exact decimals (github.com/shopspring/decimal), null amounts
// are nil, unknown enum values are kept, every non-2xx answer is an *Error,
// and no error, log record, panic or printed value ever contains a
// credential.
package quiltt

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
)

// Version is the SDK's version, sent in the User-Agent header.
const Version = "0.2.0"

// Client talks to the Quiltt API. Build one with NewClient and share it: it
// is immutable, safe for concurrent use, and starts no goroutine of its own.
// ForProfile derives clients that share its pipeline, rate limiter and
// connection pool.
//
// A Client never shows its credentials: not through String, Format or
// LogValue, and not to printers that walk its fields by reflection (fmt on
// an unexported field holding a Client, go-spew, testify's diffs), since
// they are sealed where no field reaches them. The zero Client is not
// usable: its calls fail with ErrMissingCredentials, without a request.
type Client struct {
	p *pipeline

	profileID  string
	profileSet bool    // ForProfile was called
	gqlAuth    *secret // Authorization value for GraphQL reads
	gqlErr     error   // why GraphQL reads cannot be authenticated, if so
}

// NewClient returns a client configured by opts. It needs WithAPIKey or
// WithSessionToken (or both). It fails, listing every problem, when an
// option is nil or invalid, when WithLimiter and WithRateLimit are both
// given, or when no credential is given (an error wrapping
// ErrMissingCredentials); the error never contains a credential, a URL or
// any other text given to an option, only numbers (such as
// WithMaxRetries' count).
func NewClient(opts ...Option) (*Client, error) {
	cfg := config{
		maxRetries: DefaultMaxRetries,
		retryMin:   DefaultRetryWaitMin,
		retryMax:   DefaultRetryWaitMax,
	}
	var errs []error
	for _, opt := range opts {
		if opt == nil {
			errs = append(errs, errors.New("quiltt: nil Option"))
			continue
		}
		if err := opt(&cfg); err != nil {
			errs = append(errs, err)
		}
	}
	if cfg.apiKey == nil && cfg.sessionToken == nil {
		errs = append(errs, errorf("%w: NewClient needs WithAPIKey or WithSessionToken", ErrMissingCredentials))
	}
	if cfg.limiter != nil && cfg.limit != 0 {
		errs = append(errs, errors.New("quiltt: WithLimiter and WithRateLimit both set the client's rate limiter: give one"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.baseURL == nil {
		cfg.baseURL, _ = url.Parse(DefaultBaseURL)
	}
	if cfg.authURL == nil {
		cfg.authURL, _ = url.Parse(DefaultAuthURL)
	}
	c := &Client{p: newPipeline(&cfg)}
	c.setGraphQLAuth()
	warnUnknownAPIVersion(c.p.logger, cfg.apiVersion)
	logClientPieces(c.p.logger, c.p.limiter, c.p.fresh.lock, c.p.fresh.feed)
	return c, nil
}

// ForProfile returns a client that reads GraphQL as the given Profile, with
// Basic credentials made of profileID and the API key. It shares c's
// pipeline, rate limiter and connection pool; c is unchanged. profileID is a
// Profile ID ("p_…") or UUID.
//
// ForProfile cannot fail; a client that cannot authenticate its reads (no
// API key, an empty profileID, or one holding ':', whitespace or control
// characters) returns an error wrapping ErrMissingCredentials from each
// GraphQL call, without sending a request.
func (c *Client) ForProfile(profileID string) *Client {
	nc := *c
	nc.profileID, nc.profileSet = profileID, true
	nc.setGraphQLAuth()
	return &nc
}

// setGraphQLAuth decides how GraphQL reads authenticate.
func (c *Client) setGraphQLAuth() {
	c.gqlAuth, c.gqlErr = nil, nil
	switch {
	case c.p == nil:
		c.gqlErr = errZeroClient
	case c.profileSet:
		switch {
		case c.p.apiKey == nil:
			c.gqlErr = errorf("%w: ForProfile needs a client built WithAPIKey", ErrMissingCredentials)
		case c.profileID == "" || strings.Contains(c.profileID, ":") || checkHeaderToken(c.profileID) != nil:
			c.gqlErr = errorf("%w: ForProfile: the profile ID is empty or malformed", ErrMissingCredentials)
		default:
			c.gqlAuth = seal("Basic " + base64.StdEncoding.EncodeToString([]byte(c.profileID+":"+c.p.apiKey.value())))
		}
	case c.p.sessionToken != nil:
		c.gqlAuth = bearer(c.p.sessionToken.value())
	default:
		c.gqlErr = errorf("%w: GraphQL reads need a session token (WithSessionToken) or a profile (ForProfile)", ErrMissingCredentials)
	}
}

// errZeroClient is why a Client not built by NewClient cannot call.
var errZeroClient = errorf("%w: the Client was not built by NewClient", ErrMissingCredentials)

// built returns why op cannot call at all, or nil: a Client not built by
// NewClient (its zero value) has no pipeline. Every public call checks it,
// directly or through graphQLReady and restReady, before it sends anything.
func (c *Client) built(op string) error {
	if c.p == nil {
		return errorf("%s: %w", op, errZeroClient)
	}
	return nil
}

// restReady returns why op cannot call a REST endpoint, or nil: REST needs
// the API key.
func (c *Client) restReady(op string) error {
	if err := c.built(op); err != nil {
		return err
	}
	switch {
	case c.p.restAuth == nil:
		return errorf("%s: %w: REST calls such as the balance refresh need an API key (WithAPIKey); a session token cannot authenticate them",
			op, ErrMissingCredentials)
	}
	return nil
}

// redactor lists every credential this client can send.
func (c *Client) redactor() redactor {
	if c.p == nil {
		return nil
	}
	return c.p.redactor(c.gqlAuth)
}

// ProfileID returns the Profile set by ForProfile, or "".
func (c *Client) ProfileID() string { return c.profileID }

// RateLimit returns the Ratelimit-* headers of the latest answer, among
// those that carried any, that a call of this client, or of a client
// ForProfile derived from it, received: an answer without them leaves the
// reading as it was. Its zero value means no answer carried them yet. For
// the answers of one call, see WithCallInfo.
func (c *Client) RateLimit() RateLimit {
	if c.p == nil {
		return RateLimit{}
	}
	if rl := c.p.rateLimit.Load(); rl != nil {
		return *rl
	}
	return RateLimit{}
}

// CloseIdleConnections closes the idle connections of the client's innermost
// HTTP client (the one given WithHTTPClient, or the SDK's own). Calls in
// flight are not affected.
func (c *Client) CloseIdleConnections() {
	if c.p != nil {
		c.p.inner.CloseIdleConnections()
	}
}

// String describes the client without its credentials: its API host and
// what it authenticates with.
func (c Client) String() string {
	if c.p == nil {
		return "quiltt.Client{not built by NewClient}"
	}
	auth := "session token"
	switch {
	case c.profileSet:
		auth = "API key, profile " + c.profileID
	case c.p.apiKey != nil && c.p.sessionToken != nil:
		auth = "API key and session token"
	case c.p.apiKey != nil:
		auth = "API key"
	}
	return fmt.Sprintf("quiltt.Client{%s, %s}", c.p.api, auth)
}

// Format prints the client as String does under every verb, so %+v and %#v
// cannot reach its credentials, whether given a *Client or a Client.
func (c Client) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// LogValue logs the client as String does.
func (c Client) LogValue() slog.Value { return slog.StringValue(c.String()) }

// knownAPIVersions are the versions of Quiltt's API that its version
// upgrade guide lists (quiltt.dev): 2024-01-01, the oldest supported;
// 2025-04-01; 2026-04-01, the version the SDK's schema slice follows.
var knownAPIVersions = []string{"2024-01-01", "2025-04-01", "2026-04-01"}

// warnUnknownAPIVersion logs one warning when version, set by
// WithAPIVersion, is none of knownAPIVersions: a typo, or a version newer
// than the SDK. The version is still sent; Quiltt decides what it serves.
func warnUnknownAPIVersion(log *slog.Logger, version string) {
	if version == "" || slices.Contains(knownAPIVersions, version) {
		return
	}
	log.LogAttrs(context.Background(), slog.LevelWarn, "quiltt: WithAPIVersion: not a known API version; sending it anyway",
		slog.String("version", version),
		slog.String("known", strings.Join(knownAPIVersions, ", ")),
	)
}
