package quiltt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/quiltt-go/quiltt/internal/retry"
	"github.com/quiltt-go/quiltt/internal/transport"
)

// Quiltt's auth API, below the auth endpoint (WithAuthURL): REST OpenAPI
// 2026-04-01.
const (
	sessionsPath          = "/v1/users/sessions"           // POST, API key: issue
	sessionPath           = "/v1/users/session"            // DELETE, the session token: revoke
	introspectSessionPath = "/v1/introspect/session_token" // POST, the session token
	introspectAPIKeyPath  = "/v1/introspect/api_key"       // POST, API key
)

// maxAuthBody caps how much of a 2xx answer of the auth API is read: a
// UserSession is a few hundred bytes; an ApiKey carries the key's and the
// environment's metadata.
const maxAuthBody = 1 << 20

// ErrInvalidSessionToken is returned, before any request is sent, by
// RevokeSessionToken and IntrospectSessionToken for a token that cannot be
// one: empty, or holding whitespace or control characters. The error never
// quotes the token.
var ErrInvalidSessionToken = errors.New("quiltt: invalid session token")

// IssueSessionToken issues a session token for a Profile: POST
// {auth}/v1/users/sessions on Quiltt's auth host (WithAuthURL), with the
// API key as a Bearer token. p names an existing Profile ({UserID}) or
// describes a new one that Quiltt creates with the token: see
// SessionParams. It returns the Session that Quiltt answered (201), whose
// Token authenticates the Profile's GraphQL reads (WithSessionToken) and
// Quiltt's Connector, for 24 hours or until RevokeSessionToken.
//
// Issuing is not idempotent: each token counts against the Profile's
// limits, 10 active sessions an hour and 20 a day (past them Quiltt
// answers 429: quiltt.dev, issuing-session-tokens), and Quiltt has no
// idempotency key. So the request is retried only where Quiltt cannot have
// acted on it, as RefreshBalance is: the connection was never established,
// a 429 or a 503 answer (after the wait Retry-After or Ratelimit-Reset asks
// for, up to one minute). It never follows a redirect. Issue a token per
// sign-in and reuse it until it expires, rather than one per request.
//
// Failure modes:
//   - an error wrapping ErrMissingCredentials, without a request, when the
//     client has no API key;
//   - an error wrapping ErrInvalidSessionParams, without a request, for a
//     nil p, UserID together with UUID, and the other shapes SessionParams
//     lists;
//   - an *Error for a non-2xx answer: errors.Is(err, ErrUnauthorized) for
//     401 (the API key is not valid), ErrForbidden for 403 (the Environment
//     has reached its maximum number of Profiles: no new Profile can be
//     created), ErrConflict for 409 (the Profile is being deleted),
//     ErrBadRequest for 422 (the fields at fault in Error.Validation, such
//     as an email that is not one; an unknown userId too, an assumption:
//     no Quiltt document says how it is answered), ErrRateLimited for 429
//     (the Profile has reached its session limit: reuse a token it holds,
//     or wait; retried first only when the answer asks for a wait of at
//     most a minute), ErrServer (5xx);
//   - a *TransportError when no answer came (the context ended, a timeout,
//     a connection refused or lost);
//   - an error wrapping ErrInvalidResponse for a 2xx answer whose body is
//     not a UserSession with token, userId, expiration and expiresAt well
//     formed (userUuid and environmentId are taken when sent). Quiltt has
//     then issued a token, which counts against the Profile's limits, but
//     the SDK cannot hand it over.
//
// errors.Is(err, ErrOutcomeUnknown) holds when Quiltt may have issued a
// token whose answer was lost: a 5xx answer other than 503 (500, 502, 504,
// …), a timeout, or a connection lost after the request was written. A
// retry would count a second session; mind the limits before you issue
// again.
func (c *Client) IssueSessionToken(ctx context.Context, p *SessionParams) (*Session, error) {
	const op = "IssueSessionToken"
	if err := c.restReady(op); err != nil {
		return nil, err
	}
	body, err := p.body()
	if err != nil {
		return nil, errorf("%s: %w", op, err)
	}
	resp, err := c.p.do(ctx, &request{
		op:       op,
		kind:     retry.Trigger,
		endpoint: c.p.auth,
		method:   http.MethodPost,
		path:     sessionsPath,
		body:     body,
		auth:     c.p.restAuth,
	})
	if err != nil {
		return nil, err
	}
	status := resp.StatusCode
	s, err := readAuthAnswer(ctx, op, resp, c.p.redactor(c.p.restAuth), decodeSession)
	if err != nil {
		return nil, fmt.Errorf("%w (Quiltt answered %d %s: a session was issued, and counts against the Profile's limits, but its token could not be read)",
			err, status, http.StatusText(status))
	}
	return s, nil
}

// RevokeSessionToken revokes a session token, so that it no longer
// authenticates: DELETE {auth}/v1/users/session on Quiltt's auth host
// (WithAuthURL), with token as the Bearer credential. It returns nil when
// Quiltt revoked it (204, or any other 2xx). It needs no credential of the
// client's own: a client built WithSessionToken alone can revoke, and so
// can one built WithAPIKey.
//
// Revoking is safe to repeat, and is retried as reads are: network errors,
// 429 and 5xx but 501, with backoff, up to WithMaxRetries.
//
// Failure modes:
//   - an error wrapping ErrInvalidSessionToken, without a request, when
//     token is empty or holds whitespace or control characters;
//   - an *Error for a non-2xx answer: errors.Is(err, ErrUnauthorized) for
//     401, a token that is unknown, expired or already revoked (also by an
//     earlier attempt of this call whose answer was lost): either way it no
//     longer authenticates, so a caller that only needs it gone can treat
//     ErrUnauthorized as done; ErrRateLimited (429, after retries),
//     ErrServer (5xx, after retries);
//   - a *TransportError when no answer came (the context ended, a timeout,
//     a connection refused or lost, after retries).
//
// No error or log record holds the token: the SDK redacts it from
// whatever a server or a proxy echoes.
func (c *Client) RevokeSessionToken(ctx context.Context, token string) error {
	const op = "RevokeSessionToken"
	if err := c.built(op); err != nil {
		return err
	}
	if err := checkSessionToken(op, token); err != nil {
		return err
	}
	resp, err := c.p.do(ctx, &request{
		op:       op,
		kind:     retry.Idempotent,
		endpoint: c.p.auth,
		method:   http.MethodDelete,
		path:     sessionPath,
		auth:     bearer(token),
	})
	if err != nil {
		return err
	}
	// Quiltt documents no body (204).
	transport.DrainAndClose(resp.Body)
	return nil
}

// IntrospectSessionToken asks Quiltt about a session token: POST
// {auth}/v1/introspect/session_token on Quiltt's auth host (WithAuthURL),
// with token as the Bearer credential. It returns the token's Session
// (200): its Profile, environment and expiry. Like RevokeSessionToken it
// needs no credential of the client's own, and it is retried as reads are.
// It is the SDK's check of a token: Quiltt's other check, GET
// {auth}/v1/users/session, answers only 200 or 401, which this call
// answers too (nil, or ErrUnauthorized), with the session besides, so the
// SDK offers no call of its own for it.
//
// Failure modes:
//   - an error wrapping ErrInvalidSessionToken, without a request, when
//     token is empty or holds whitespace or control characters;
//   - an *Error for a non-2xx answer: errors.Is(err, ErrUnauthorized) for
//     401 (the token is unknown, expired or revoked), ErrRateLimited (429,
//     after retries), ErrServer (5xx, after retries);
//   - a *TransportError when no answer came (after retries);
//   - an error wrapping ErrInvalidResponse for a 2xx answer whose body is
//     not a UserSession with token, userId, expiration and expiresAt well
//     formed.
func (c *Client) IntrospectSessionToken(ctx context.Context, token string) (*Session, error) {
	const op = "IntrospectSessionToken"
	if err := c.built(op); err != nil {
		return nil, err
	}
	if err := checkSessionToken(op, token); err != nil {
		return nil, err
	}
	auth := bearer(token)
	resp, err := c.p.do(ctx, &request{
		op:       op,
		kind:     retry.Read,
		endpoint: c.p.auth,
		method:   http.MethodPost,
		path:     introspectSessionPath,
		auth:     auth,
	})
	if err != nil {
		return nil, err
	}
	return readAuthAnswer(ctx, op, resp, c.p.redactor(auth), decodeSession)
}

// IntrospectAPIKey asks Quiltt about the client's API key: POST
// {auth}/v1/introspect/api_key on Quiltt's auth host (WithAuthURL), with
// the API key as a Bearer token. It is the start-up check of a service: a
// nil error says the key works, and the APIKeyInfo says which environment
// it belongs to (Environment.Mode: TEST, SANDBOX or PRODUCTION; a service
// can refuse to start against the wrong one) and the API version it is set
// to (the version Quiltt serves unless WithAPIVersion sends another). It is
// retried as reads are.
//
// Failure modes:
//   - an error wrapping ErrMissingCredentials, without a request, when the
//     client has no API key;
//   - an *Error for a non-2xx answer: errors.Is(err, ErrUnauthorized) for
//     401 (the key is not valid: revoked, mistyped, or of another Quiltt
//     account), ErrRateLimited (429, after retries), ErrServer (5xx, after
//     retries);
//   - a *TransportError when no answer came (after retries);
//   - an error wrapping ErrInvalidResponse for a 2xx answer whose body is
//     not an ApiKey: not a JSON object, without id or environment.id, or
//     with a field of the wrong JSON type.
func (c *Client) IntrospectAPIKey(ctx context.Context) (*APIKeyInfo, error) {
	const op = "IntrospectAPIKey"
	if err := c.restReady(op); err != nil {
		return nil, err
	}
	resp, err := c.p.do(ctx, &request{
		op:       op,
		kind:     retry.Read,
		endpoint: c.p.auth,
		method:   http.MethodPost,
		path:     introspectAPIKeyPath,
		auth:     c.p.restAuth,
	})
	if err != nil {
		return nil, err
	}
	return readAuthAnswer(ctx, op, resp, c.p.redactor(c.p.restAuth), decodeAPIKeyInfo)
}

// checkSessionToken checks a token given as an argument, as WithSessionToken
// checks its own; the error never quotes it.
func checkSessionToken(op, token string) error {
	if err := checkHeaderToken(token); err != nil {
		return errorf("%s: %w: %w", op, ErrInvalidSessionToken, err)
	}
	return nil
}

// readAuthAnswer reads a 2xx answer of the auth API (at most maxAuthBody
// bytes), closes it and decodes it. A body that fails to read or decode
// gives an error wrapping ErrInvalidResponse (or the context's error when
// the context ended while reading); the error never quotes the body, and
// what it says of it goes through r all the same.
func readAuthAnswer[T any](ctx context.Context, op string, resp *http.Response, r redactor, decode func([]byte) (*T, error)) (*T, error) {
	body, err := io.ReadAll(transport.NewCappedBody(resp.Body, maxAuthBody))
	resp.Body.Close()
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, errorf("%s: reading the answer: %w", op, ctxErr)
		}
		return nil, errorf("%s: %w: reading the body: %s", op, ErrInvalidResponse, r.apply(err.Error()))
	}
	v, err := decode(body)
	if err != nil {
		return nil, errorf("%s: %w: %s", op, ErrInvalidResponse, r.apply(err.Error()))
	}
	return v, nil
}

// APIKeyInfo is what Quiltt says of an API key (its ApiKey object), the
// answer of IntrospectAPIKey. It holds no secret.
type APIKeyInfo struct {
	// ID is the key's ID; never "".
	ID string
	// Name is the name the key was given in the Quiltt Dashboard.
	Name string
	// APIVersion is the API version the key is set to, such as
	// "2026-04-01": the version Quiltt serves the key's requests unless
	// they send Quiltt-Version (WithAPIVersion).
	APIVersion string
	// Metadata is the key's custom metadata as raw JSON; nil when null or
	// absent.
	Metadata json.RawMessage
	// Environment is the environment the key belongs to; its ID is never
	// "". Environment.Mode tells a TEST or SANDBOX key from a PRODUCTION
	// one.
	Environment Environment
}

// apiKeyWire is Quiltt's ApiKey as sent (REST OpenAPI 2026-04-01).
type apiKeyWire struct {
	ID          *string         `json:"id"`
	Name        string          `json:"name"`
	APIVersion  string          `json:"apiVersion"`
	Metadata    json.RawMessage `json:"metadata"`
	Environment *struct {
		ID       *string         `json:"id"`
		Name     string          `json:"name"`
		Mode     EnvironmentMode `json:"mode"`
		Metadata json.RawMessage `json:"metadata"`
	} `json:"environment"`
}

// decodeAPIKeyInfo decodes an ApiKey body. id and environment.id are
// required; the other keys may be absent or null. Its error never quotes
// the body.
func decodeAPIKeyInfo(body []byte) (*APIKeyInfo, error) {
	var w apiKeyWire
	if err := decodeObject(body, &w); err != nil {
		return nil, err
	}
	var problems []string
	if w.ID == nil || *w.ID == "" {
		problems = append(problems, "no id")
	}
	if w.Environment == nil {
		problems = append(problems, "no environment")
	} else if w.Environment.ID == nil || *w.Environment.ID == "" {
		problems = append(problems, "no environment.id")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("ApiKey %s", strings.Join(problems, ", "))
	}
	return &APIKeyInfo{
		ID:         *w.ID,
		Name:       w.Name,
		APIVersion: w.APIVersion,
		Metadata:   nullToNil(w.Metadata),
		Environment: Environment{
			ID:       *w.Environment.ID,
			Name:     w.Environment.Name,
			Mode:     w.Environment.Mode,
			Metadata: nullToNil(w.Environment.Metadata),
		},
	}, nil
}
