package quiltt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/quiltt-go/quiltt/internal/retry"
	"github.com/quiltt-go/quiltt/internal/transport"
)

// Quiltt's webhook subscriptions, below the API endpoint (WithBaseURL):
// REST OpenAPI 2026-04-01, /v1/webhooks/subscriptions.
const subscriptionsPath = "/v1/webhooks/subscriptions"

// subscriptionPageLimit is the page size the SDK asks for when it lists
// subscriptions (the limit query parameter). Quiltt's documents give no
// maximum; an environment holds a handful of subscriptions.
const subscriptionPageLimit = 100

// ErrInvalidSubscriptionParams is returned, before any request is sent, for
// WebhookSubscriptionParams that Quiltt would refuse or that would
// subscribe to nothing: see CreateWebhookSubscription. The error names the
// field at fault, never its value.
var ErrInvalidSubscriptionParams = errors.New("quiltt: invalid webhook subscription parameters")

// ErrInvalidSubscriptionID is returned, before any request is sent, for a
// subscription ID that cannot name one (empty, "." or "..", longer than
// 256 bytes, not UTF-8, or holding a slash, whitespace or control
// characters). The error never quotes the ID.
var ErrInvalidSubscriptionID = errors.New("quiltt: invalid webhook subscription ID")

// WebhookSubscription is one of the environment's webhook subscriptions,
// as Quiltt's OpenAPI (2026-04-01) describes it: Quiltt POSTs every event
// of one of EventTypes to TargetURL, signed with the environment's secret
// (VerifyWebhook), unless Disabled.
type WebhookSubscription struct {
	ID        string
	Name      string
	TargetURL string
	// EventTypes are the types subscribed to: leaf types such as
	// EventBalanceCreated, and parent scopes such as "balance" or
	// "connection.synced" (every event below them). Types the SDK does not
	// know are kept as Quiltt sent them.
	EventTypes []EventType
	Disabled   bool
	CreatedAt  time.Time // zero when Quiltt sent none
	UpdatedAt  time.Time // zero when Quiltt sent none
}

// Includes reports whether the subscription covers events of type t: one
// of its EventTypes is t, or a parent scope of t ("balance" covers
// "balance.created").
func (s *WebhookSubscription) Includes(t EventType) bool {
	if s == nil {
		return false
	}
	for _, st := range s.EventTypes {
		if st == t || strings.HasPrefix(string(t), string(st)+".") {
			return true
		}
	}
	return false
}

// WebhookSubscriptionParams describes a subscription to create
// (CreateWebhookSubscription, EnsureWebhookSubscription) or the fields to
// change (UpdateWebhookSubscription: those left empty are not sent).
//
// TargetURL must be an absolute https URL with a host; plain http is
// accepted for a loopback host only (localhost, 127.0.0.0/8, ::1), for
// tests against quilttest. EventTypes must each be a leaf type the SDK
// knows (EventType.Known) or a parent scope of one ("balance",
// "connection", "connection.synced", …): a type the SDK does not know is
// refused rather than sent, since a typo would subscribe to nothing.
type WebhookSubscriptionParams struct {
	Name       string
	TargetURL  string
	EventTypes []EventType
}

// subscriptionBody is the request body of a create or an update: Quiltt's
// {"name","targetUrl","eventTypes"} (quiltt.dev, webhooks setup), with the
// fields not given left out.
type subscriptionBody struct {
	Name       string      `json:"name,omitempty"`
	TargetURL  string      `json:"targetUrl,omitempty"`
	EventTypes []EventType `json:"eventTypes,omitempty"`
}

// check validates p for a create (full) or an update (only the fields
// given, at least one). The errors name the field, never its value.
func (p *WebhookSubscriptionParams) check(full bool) error {
	if p == nil {
		return fmt.Errorf("%w: nil", ErrInvalidSubscriptionParams)
	}
	if full || p.TargetURL != "" {
		if err := checkTargetURL(p.TargetURL); err != nil {
			return err
		}
	}
	if full || p.EventTypes != nil {
		if err := checkEventTypes(p.EventTypes); err != nil {
			return err
		}
	}
	if p.Name != "" && !validText(p.Name) {
		return fmt.Errorf("%w: Name holds control characters or is not UTF-8", ErrInvalidSubscriptionParams)
	}
	if !full && p.Name == "" && p.TargetURL == "" && p.EventTypes == nil {
		return fmt.Errorf("%w: no field to update", ErrInvalidSubscriptionParams)
	}
	return nil
}

func (p *WebhookSubscriptionParams) body() []byte {
	b, _ := json.Marshal(subscriptionBody{Name: p.Name, TargetURL: p.TargetURL, EventTypes: p.EventTypes}) // strings only: cannot fail
	return b
}

// checkTargetURL accepts an absolute https URL, or an http one on a
// loopback host.
func checkTargetURL(raw string) error {
	if raw == "" {
		return fmt.Errorf("%w: empty TargetURL", ErrInvalidSubscriptionParams)
	}
	if !validText(raw) || strings.ContainsAny(raw, " \t") {
		return fmt.Errorf("%w: TargetURL holds whitespace or control characters", ErrInvalidSubscriptionParams)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" || u.Hostname() == "" {
		return fmt.Errorf("%w: TargetURL is not an absolute URL with a host", ErrInvalidSubscriptionParams)
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
		return nil
	}
	return fmt.Errorf("%w: TargetURL is not an https URL (plain http only for a loopback host)", ErrInvalidSubscriptionParams)
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkEventTypes wants at least one type, each known or a parent scope of
// a known type.
func checkEventTypes(types []EventType) error {
	if len(types) == 0 {
		return fmt.Errorf("%w: no EventTypes", ErrInvalidSubscriptionParams)
	}
	for i, t := range types {
		if !t.Subscribable() {
			return fmt.Errorf("%w: EventTypes[%d] is not an event type or scope Quiltt documents", ErrInvalidSubscriptionParams, i)
		}
	}
	return nil
}

// Subscribable reports whether a webhook subscription may name t: t is a
// leaf type the SDK knows (Known), or a parent scope of one ("balance",
// "connection", "connection.synced", …), which covers every event below
// it.
func (t EventType) Subscribable() bool {
	if t.Known() {
		return true
	}
	if t == "" || strings.HasSuffix(string(t), ".") {
		return false
	}
	for _, k := range knownEventTypes {
		if strings.HasPrefix(string(k), string(t)+".") {
			return true
		}
	}
	return false
}

// knownEventTypes lists the leaf types EventType.Known accepts.
var knownEventTypes = []EventType{
	EventConnectionCreated, EventConnectionSyncedSuccessful, EventConnectionSyncedSuccessfulInitial,
	EventConnectionSyncedSuccessfulHistorical, EventConnectionSyncedErroredRepairable,
	EventConnectionSyncedErroredInstitution, EventConnectionSyncedErroredProvider,
	EventConnectionSyncedErroredService, EventConnectionDisconnected,
	EventAccountCreated, EventAccountOwnersVerified, EventAccountReconnected, EventAccountVerified,
	EventBalanceCreated, EventStatementReady,
	EventProfileCreated, EventProfileReady, EventProfileDeleted,
}

func validText(s string) bool {
	for _, r := range s {
		if r == '\uFFFD' || r < ' ' || (r >= 0x7f && r <= 0x9f) {
			return false
		}
	}
	return true
}

// subscriptionPath checks id and returns the path of that subscription.
func subscriptionPath(id string) (string, error) {
	if err := checkID(id, ErrInvalidSubscriptionID); err != nil {
		return "", err
	}
	return subscriptionsPath + "/" + url.PathEscape(id), nil
}

// CreateWebhookSubscription creates a webhook subscription: POST
// {base}/v1/webhooks/subscriptions with {"name","targetUrl","eventTypes"}
// and the API key as a Bearer token. It returns the subscription Quiltt
// answered (201). To keep one subscription per URL across deployments,
// call EnsureWebhookSubscription instead.
//
// Creating is not idempotent (a second create makes a second
// subscription, and Quiltt has no idempotency key), so the request is
// retried only where Quiltt cannot have acted on it, as RefreshBalance is:
// the connection was never established, a 429 or a 503 answer.
//
// Failure modes:
//   - an error wrapping ErrMissingCredentials, without a request, when the
//     client has no API key;
//   - an error wrapping ErrInvalidSubscriptionParams, without a request,
//     for a nil p, a TargetURL that is not an absolute https URL (http only
//     on a loopback host), no EventTypes, or one the SDK does not know;
//   - an *Error for a non-2xx answer: errors.Is(err, ErrBadRequest) for
//     422, with the fields at fault in Error.Validation (Quiltt's
//     {"targetUrl":["Target URL is not a valid HTTPS URL"]}),
//     ErrUnauthorized (401), ErrRateLimited (429, after retries),
//     ErrServer (5xx);
//   - a *TransportError when no answer came;
//   - an error wrapping ErrInvalidResponse for a 2xx answer that is not a
//     subscription: Quiltt has then created it; list to find it.
//
// errors.Is(err, ErrOutcomeUnknown) holds when Quiltt may have created it
// and the answer was lost: a 5xx answer other than 503, a timeout, a
// connection lost after the request was written. List the subscriptions
// (or call EnsureWebhookSubscription) before creating again.
func (c *Client) CreateWebhookSubscription(ctx context.Context, p *WebhookSubscriptionParams) (*WebhookSubscription, error) {
	const op = "CreateWebhookSubscription"
	if err := c.restReady(op); err != nil {
		return nil, err
	}
	if err := p.check(true); err != nil {
		return nil, errorf("%s: %w", op, err)
	}
	return c.subscriptionCall(ctx, op, retry.Trigger, http.MethodPost, subscriptionsPath, p.body())
}

// WebhookSubscription returns the subscription with this ID: GET
// {base}/v1/webhooks/subscriptions/{id}, retried as reads are.
//
// Failure modes:
//   - an error wrapping ErrMissingCredentials, without a request, when the
//     client has no API key;
//   - an error wrapping ErrInvalidSubscriptionID, without a request;
//   - an *Error for a non-2xx answer: errors.Is(err, ErrNotFound) for 404
//     (no such subscription), ErrUnauthorized (401), ErrRateLimited and
//     ErrServer (after retries);
//   - a *TransportError when no answer came (after retries);
//   - an error wrapping ErrInvalidResponse for a 2xx answer that is not a
//     subscription.
func (c *Client) WebhookSubscription(ctx context.Context, id string) (*WebhookSubscription, error) {
	const op = "WebhookSubscription"
	if err := c.restReady(op); err != nil {
		return nil, err
	}
	path, err := subscriptionPath(id)
	if err != nil {
		return nil, errorf("%s: %w", op, err)
	}
	return c.subscriptionCall(ctx, op, retry.Read, http.MethodGet, path, nil)
}

// UpdateWebhookSubscription changes a subscription in place: PATCH
// {base}/v1/webhooks/subscriptions/{id} with the fields of p that are set
// (a Name or TargetURL left empty and nil EventTypes are not sent, and
// keep their value). It returns the subscription as Quiltt answered.
// Setting the same fields twice gives the same subscription, so it is
// retried as reads are.
//
// Failure modes:
//   - an error wrapping ErrMissingCredentials, without a request, when the
//     client has no API key;
//   - an error wrapping ErrInvalidSubscriptionID or
//     ErrInvalidSubscriptionParams, without a request: a nil p, no field
//     set, or a field set to a value CreateWebhookSubscription refuses;
//   - an *Error for a non-2xx answer: errors.Is(err, ErrNotFound) for 404,
//     ErrBadRequest for 422 (Error.Validation), ErrUnauthorized (401),
//     ErrRateLimited and ErrServer (after retries);
//   - a *TransportError when no answer came (after retries);
//   - an error wrapping ErrInvalidResponse for a 2xx answer that is not a
//     subscription: the update was made.
func (c *Client) UpdateWebhookSubscription(ctx context.Context, id string, p *WebhookSubscriptionParams) (*WebhookSubscription, error) {
	const op = "UpdateWebhookSubscription"
	if err := c.restReady(op); err != nil {
		return nil, err
	}
	path, err := subscriptionPath(id)
	if err != nil {
		return nil, errorf("%s: %w", op, err)
	}
	if err := p.check(false); err != nil {
		return nil, errorf("%s: %w", op, err)
	}
	return c.subscriptionCall(ctx, op, retry.Idempotent, http.MethodPatch, path, p.body())
}

// DeleteWebhookSubscription deletes a subscription: DELETE
// {base}/v1/webhooks/subscriptions/{id}. It returns nil when Quiltt
// deleted it (204, or any other 2xx). Deleting is safe to repeat, and is
// retried as reads are.
//
// Failure modes:
//   - an error wrapping ErrMissingCredentials or ErrInvalidSubscriptionID,
//     without a request;
//   - an *Error for a non-2xx answer: errors.Is(err, ErrNotFound) for 404,
//     no such subscription (also when an earlier attempt of this call
//     deleted it and its answer was lost: a caller that only needs it gone
//     can treat ErrNotFound as done), ErrUnauthorized (401),
//     ErrRateLimited and ErrServer (after retries);
//   - a *TransportError when no answer came (after retries).
func (c *Client) DeleteWebhookSubscription(ctx context.Context, id string) error {
	const op = "DeleteWebhookSubscription"
	if err := c.restReady(op); err != nil {
		return err
	}
	path, err := subscriptionPath(id)
	if err != nil {
		return errorf("%s: %w", op, err)
	}
	resp, err := c.p.do(ctx, &request{op: op, kind: retry.Idempotent, endpoint: c.p.api, method: http.MethodDelete, path: path, auth: c.p.restAuth})
	if err != nil {
		return err
	}
	transport.DrainAndClose(resp.Body) // Quiltt documents no body (204)
	return nil
}

// subscriptionCall sends one request whose 2xx answer is a subscription.
func (c *Client) subscriptionCall(ctx context.Context, op string, kind retry.Kind, method, path string, body []byte) (*WebhookSubscription, error) {
	resp, err := c.p.do(ctx, &request{op: op, kind: kind, endpoint: c.p.api, method: method, path: path, body: body, auth: c.p.restAuth})
	if err != nil {
		return nil, err
	}
	return readAuthAnswer(ctx, op, resp, c.p.redactor(c.p.restAuth), decodeSubscription)
}
