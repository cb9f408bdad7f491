package quiltt

import (
	"context"
	"net/http"
	"time"
)

// Observer sees the work of a Client (WithObserver) and of a WebhookHandler
// (its Observer field), for telemetry: each operation, each attempt of its
// requests, each retry with its reason and wait, each wait on the rate
// limiter, and each webhook delivery with its answer and claims. Package
// github.com/quiltt-go/quiltt/otelquiltt turns them into OpenTelemetry spans
// and metrics; the root module does not depend on OpenTelemetry.
//
// An Observer never receives a credential, a request or answer body, or an
// amount: the Err fields hold the SDK's own errors, which carry none. Its
// methods are called on the goroutine of the call they observe, several
// calls at once: they must be safe for concurrent use, return quickly, and
// never block on the network. Without an observer the SDK pays a nil check
// at each of these points and nothing else.
//
// Failure modes: the SDK does not recover a panic of an Observer's method;
// it propagates to the caller as any panic of its goroutine would. A nil end
// function returned by a Start method is not called.
type Observer interface {
	// StartOperation is called when a public call of the Client begins
	// (Accounts, RefreshBalance, RefreshAndWait, IssueSessionToken, …;
	// "GraphQL" for a request made through GraphQL(); each page that
	// WebhookSubscriptions reads is one operation), before anything is
	// sent. The context it returns is the one the
	// operation's requests carry: a span started there is the parent of
	// each attempt, and of whatever the user's own transport records. The
	// function it returns is called once when the operation ends.
	StartOperation(ctx context.Context, op OperationInfo) (context.Context, func(OperationResult))
	// StartAttempt is called when one attempt of a request begins, before
	// it waits on the rate limiter. The context it returns is the
	// attempt's, down to the user's http.Client transport. The function it
	// returns is called once when the attempt's answer, or its failure, is
	// known (before the answer's body is read).
	StartAttempt(ctx context.Context, a AttemptInfo) (context.Context, func(AttemptResult))
	// Retry is called when the SDK has decided to send a request again,
	// before it waits. ctx is the operation's.
	Retry(ctx context.Context, r RetryInfo)
	// LimiterWait is called after each wait on the client's Limiter. ctx is
	// the attempt's.
	LimiterWait(ctx context.Context, w LimiterWaitInfo)
	// StartWebhook is called when a WebhookHandler receives a delivery.
	// The context it returns is the one its Handle callback gets. The
	// function it returns is called once, when the handler has answered.
	StartWebhook(ctx context.Context, d WebhookInfo) (context.Context, func(WebhookResult))
}

// OperationInfo names an operation an Observer sees begin.
type OperationInfo struct {
	// Name is the Client method: "Accounts", "RefreshBalance", ….
	Name string
}

// OperationResult is how an operation ended.
type OperationResult struct {
	// Err is the error the call returned, nil on success. For
	// RefreshBalances, whose per-account failures are results, it is the
	// call's own error only.
	Err error
	// OutcomeUnknown is set when a request of the operation may have been
	// acted on by Quiltt and was not safe to repeat (see
	// ErrOutcomeUnknown), even when the operation reports it as a result
	// rather than its error (RefreshBalances).
	OutcomeUnknown bool
	// Duration is the operation's time, from StartOperation.
	Duration time.Duration
}

// AttemptInfo describes one attempt of one request.
type AttemptInfo struct {
	// Operation is the operation's name, as OperationInfo.Name.
	Operation string
	// Method is the HTTP method.
	Method string
	// ServerAddress and ServerPort are the host and port the request
	// goes to (the API or the auth host); ServerPort is 0 when the URL
	// names none.
	ServerAddress string
	ServerPort    int
	// ResendCount is 0 for a request's first attempt, n for its n-th
	// retry.
	ResendCount int
	// Refresh is set for a balance refresh: a billable request.
	Refresh bool
	// Header starts empty: what an observer adds to it (a trace context,
	// for one) is sent with the attempt, beside the SDK's own headers,
	// which it cannot replace. The SDK adds nothing of its own to it.
	Header http.Header
}

// AttemptResult is how an attempt ended.
type AttemptResult struct {
	// StatusCode is the answer's HTTP status; 0 when there was none.
	StatusCode int
	// Err is the transport's error when there was no answer (a lost
	// connection, the limiter's refusal, a timeout); nil with an answer,
	// whatever its status.
	Err error
	// NotSent is set when the attempt provably never reached Quiltt (the
	// connection was never made, or the limiter refused it).
	NotSent bool
	// OutcomeUnknown is set when Quiltt may have acted on the attempt, and
	// it is not safe to send again.
	OutcomeUnknown bool
	// Duration is the attempt's time, its wait on the limiter included.
	Duration time.Duration
}

// RetryReason says why a request is sent again. Its values are few and
// fixed, so that they can label a metric.
type RetryReason string

// The reasons for a retry.
const (
	RetryRateLimited  RetryReason = "rate_limited"  // a 429
	RetryUnavailable  RetryReason = "unavailable"   // a 503
	RetryServerError  RetryReason = "server_error"  // another 5xx, for a request safe to repeat
	RetryNetworkError RetryReason = "network_error" // no answer
)

// RetryInfo is a decision to send a request again.
type RetryInfo struct {
	// Operation is the operation's name.
	Operation string
	// Reason says why.
	Reason RetryReason
	// StatusCode is the status of the answer that is retried; 0 when there
	// was none.
	StatusCode int
	// Attempt is the number of the attempt that is retried, from 1.
	Attempt int
	// Wait is how long the SDK waits before the next attempt (the floor
	// of a Retry-After included).
	Wait time.Duration
}

// LimiterWaitInfo is one wait on the client's Limiter.
type LimiterWaitInfo struct {
	// Operation is the operation's name.
	Operation string
	// Wait is how long Limiter.Wait took.
	Wait time.Duration
	// Err is the limiter's refusal, nil when the attempt went on.
	Err error
}

// WebhookInfo describes a delivery as it arrives: before its body is read,
// so it holds nothing of the body.
type WebhookInfo struct {
	// Method is the request's HTTP method.
	Method string
}

// WebhookResult is how a WebhookHandler answered a delivery.
type WebhookResult struct {
	// StatusCode is the handler's answer (see WebhookHandler).
	StatusCode int
	// Reason is the plain-text reason answered with a status other than
	// 204 (one of a fixed few, never the body or a secret); "" for 204.
	Reason string
	// Events is the number of events of a verified and decoded delivery;
	// 0 for a delivery refused before.
	Events int
	// EventTypes lists the type of each event, in order.
	EventTypes []EventType
	// Handled is how many events Handle returned nil for.
	Handled int
	// The claims made, by what ClaimStore.Claim answered (ClaimsFailed: it
	// failed or answered an invalid state). All zero without Claims.
	ClaimsAcquired, ClaimsDone, ClaimsBusy, ClaimsFailed int
	// Duration is the time from StartWebhook to the answer.
	Duration time.Duration
}

// WithObserver sets the Observer that sees every operation, attempt, retry,
// limiter wait of the client (see Observer). Clients ForProfile derives share
// it.
//
// Failure modes: NewClient fails for a nil Observer, including a nil
// pointer, map, func, channel or slice of a type that implements it.
func WithObserver(o Observer) Option {
	return nonNilOption("WithObserver", "Observer", o, func(c *config) { c.observer = o })
}
