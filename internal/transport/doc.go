// Package transport holds the per-attempt stages of the SDK's HTTP
// pipeline, each an http.RoundTripper that wraps the next, outermost first:
//
//	LimiterStage   every attempt waits on the client's Limiter; a refusal sends nothing
//	Timeout        the inner client's Timeout, per attempt, after that wait
//	Credential     Authorization for the request's own Endpoint origin only
//	Guard          sent or not sent; a trigger written once
//
// and what they decide with: Endpoint (an origin and its base path) and
// RedirectPolicy. The retry loop above them (the root package's pipeline,
// with internal/retry's decision) reads their errors: LimiterError and
// NotSentError say nothing was sent, ResendError that the transport tried to
// send a request more often than allowed.
package transport
