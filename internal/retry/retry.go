// Package retry is the SDK's retry policy: a pure function (Decide) from
// what an attempt returned to whether the call tries again, with a reason,
// and the waits between attempts (Wait, ServerWait). The root package's
// pipeline runs it from go-retryablehttp's CheckRetry and Backoff hooks.
package retry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/quiltt-go/quiltt/internal/transport"
)

// Kind tells the retry policy what sending a request again may cost.
type Kind int

const (
	// Read is safe to repeat: a GraphQL query, introspecting a session
	// token or the API key.
	Read Kind = iota
	// Trigger is not safe to repeat: billable (the balance refresh) or
	// counted against a quota (issuing a session token), with no
	// idempotency key. It is sent again only where Quiltt cannot have acted
	// on it, and written once per attempt (see transport.Guard).
	Trigger
	// Idempotent is a request that changes state but may be repeated
	// without harm: revoking a session token. The policy treats it as a
	// read.
	Idempotent
)

// String names the kind, for log records.
func (k Kind) String() string {
	switch k {
	case Read:
		return "read"
	case Trigger:
		return "trigger"
	case Idempotent:
		return "idempotent"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// MaxServerWait is the longest wait the SDK accepts from Retry-After or
// Ratelimit-Reset. A 429 or 503 that asks for more is returned at once,
// with Error.RetryAfter set, instead of sleeping.
const MaxServerWait = time.Minute

// Decision is the retry policy's verdict on one attempt.
type Decision struct {
	Retry bool // try again
	// Floor is the least wait the answer asks for before the next attempt
	// (Retry-After, Ratelimit-Reset); zero when it asks for none.
	Floor time.Duration
	// Reason says why, for the log.
	Reason string
	// OutcomeUnknown: the attempt may have been acted on by Quiltt, and it
	// was not safe to repeat.
	OutcomeUnknown bool
}

// Decide is the retry policy: what to do after an attempt of a request of
// the given kind that got the answer resp or failed with err (exactly one
// of them is set), at time now. It is a pure function; the retry loop
// (go-retryablehttp's CheckRetry) adds the two rules that need the call's
// context: no retry once it has ended, and none whose wait would pass its
// deadline. The count of attempts is the loop's (RetryMax).
//
// Reads and idempotent requests retry network errors, 429 and every 5xx
// but 501. A trigger retries only where Quiltt cannot have acted: a
// connection never made, 429 and 503; a 5xx other than 503, or a request
// that may have reached Quiltt and got no answer, makes its outcome unknown.
func Decide(kind Kind, resp *http.Response, err error, now time.Time) Decision {
	if err != nil {
		return decideError(kind, err)
	}
	return decideAnswer(kind, resp.StatusCode, resp.Header, now)
}

func decideAnswer(kind Kind, status int, h http.Header, now time.Time) Decision {
	if status >= 200 && status <= 299 {
		return Decision{Reason: "success"}
	}
	unknown := kind == Trigger && status >= 500 && status != http.StatusServiceUnavailable
	if !retryableStatus(kind, status) {
		if unknown {
			return Decision{Reason: "a server error after the request reached Quiltt: a " + kind.String() + " is not sent twice", OutcomeUnknown: true}
		}
		return Decision{Reason: "an answer that retrying does not change"}
	}
	floor := ServerWait(h, now)
	if floor > MaxServerWait {
		return Decision{Floor: floor, Reason: "the server asks for a wait over the cap", OutcomeUnknown: unknown}
	}
	return Decision{Retry: true, Floor: floor, Reason: "a retryable answer", OutcomeUnknown: unknown}
}

func decideError(kind Kind, err error) Decision {
	var le *transport.LimiterError
	if errors.As(err, &le) {
		return Decision{Reason: "the rate limiter refused: nothing was sent"}
	}
	var re *transport.ResendError
	if errors.As(err, &re) {
		return Decision{Reason: "the HTTP transport tried to send the request more times than allowed within one attempt", OutcomeUnknown: kind == Trigger}
	}
	unknown := kind == Trigger && !transport.WasNotSent(err)
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return Decision{Reason: "the context or the attempt's timeout ended", OutcomeUnknown: unknown}
	case !retryableTransportError(err):
		return Decision{Reason: "a transport error that retrying does not change", OutcomeUnknown: unknown}
	case unknown:
		return Decision{Reason: "the request may have reached Quiltt: a trigger is not sent twice", OutcomeUnknown: true}
	}
	return Decision{Retry: true, Reason: "a network error"}
}

// retryableStatus reports whether an answer may be retried. Reads retry 429
// and 5xx but 501; a trigger retries only 429 and 503, the answers that say
// Quiltt did not act.
func retryableStatus(kind Kind, status int) bool {
	switch {
	case status == http.StatusTooManyRequests, status == http.StatusServiceUnavailable:
		return true
	case kind != Trigger && status >= 500 && status <= 599 && status != http.StatusNotImplemented:
		return true
	}
	return false
}

// retryableTransportError reports whether an attempt that failed with err
// may be tried again, the outcome aside: network faults yes; a context that
// ended, a certificate the SDK cannot trust, or a redirect the policy
// refused no. Matched by type, never by text.
func retryableTransportError(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var redirect *transport.RedirectError
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &invalid):
		return false
	case errors.As(err, &redirect):
		return false
	}
	return true
}

// Wait is the wait before retry n (0 for the first), after an answer
// that asked for floor: a random duration between lower·2ⁿ and lower·2ⁿ⁺¹,
// both capped at upper, raised to floor. The randomness comes from seed and
// n alone, so the wait is a function of the call (its seed) and the retry:
// the wait the deadline rule checks is the wait the loop sleeps.
func Wait(lower, upper time.Duration, n int, floor time.Duration, seed uint64) time.Duration {
	lo, hi := lower, lower*2
	for i := 0; i < n && lo < upper; i++ {
		lo, hi = lo*2, hi*2
	}
	lo, hi = clampDur(lo, upper), clampDur(hi, upper)
	wait := lo
	if hi > lo {
		r := rand.New(rand.NewPCG(seed, uint64(n)))
		wait = lo + time.Duration(r.Int64N(int64(hi-lo+1)))
	}
	return max(wait, floor)
}

func clampDur(d, upper time.Duration) time.Duration {
	if d > upper || d <= 0 {
		return upper
	}
	return d
}

// PassesDeadline reports whether a wait started at now would end after the
// context's deadline: such a retry is not waited for.
func PassesDeadline(ctx context.Context, now time.Time, wait time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return ok && now.Add(wait).After(deadline)
}

// The Ratelimit-* and Retry-After headers, parsed: the floor they set under
// the next wait (ServerWait) and the budget the root package reports
// (ParseRateLimit).

// unixThreshold tells the two readings of Ratelimit-Reset apart: Quiltt
// documents Unix seconds, the IETF draft delta seconds. A value above it
// (2001-09-09) is a Unix time, anything smaller a delta.
const unixThreshold = 1_000_000_000

// ParseRateLimit reads the Ratelimit-* headers: the requests allowed in the
// current window, those left, and when the window resets. Missing or
// malformed values are left zero; it never fails.
func ParseRateLimit(h http.Header) (limit, remaining int, reset time.Time) {
	if v, ok := atoiSafe(h.Get("Ratelimit-Limit")); ok && v <= 1<<31 {
		limit = int(v)
	}
	if v, ok := atoiSafe(h.Get("Ratelimit-Remaining")); ok && v <= 1<<31 {
		remaining = int(v)
	}
	return limit, remaining, ParseReset(h.Get("Ratelimit-Reset"), time.Now())
}

// ParseReset reads Ratelimit-Reset as Unix seconds, or as delta seconds
// from now when the value is small. Malformed values give the zero time.
func ParseReset(v string, now time.Time) time.Time {
	n, ok := atoiSafe(v)
	if !ok || v == "" {
		return time.Time{}
	}
	if n >= unixThreshold {
		if n > 1<<40 { // beyond any plausible date: malformed
			return time.Time{}
		}
		return time.Unix(n, 0)
	}
	return now.Add(time.Duration(n) * time.Second)
}

// ParseRetryAfter reads Retry-After as delta seconds or an HTTP date.
// Malformed, negative or past values give zero.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, ok := atoiSafe(v); ok {
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// ServerWait is the wait an answer asks for: the larger of Retry-After and
// the time until Ratelimit-Reset (the latter unless Ratelimit-Remaining says
// budget is left). Zero when the answer asks for none.
func ServerWait(h http.Header, now time.Time) time.Duration {
	wait := ParseRetryAfter(h.Get("Retry-After"), now)
	rem, remOK := atoiSafe(h.Get("Ratelimit-Remaining"))
	if reset := ParseReset(h.Get("Ratelimit-Reset"), now); !reset.IsZero() && (!remOK || rem == 0) {
		if d := reset.Sub(now); d > wait {
			wait = d
		}
	}
	if wait > 24*time.Hour {
		wait = 24 * time.Hour
	}
	return wait
}

// atoiSafe parses a non-negative decimal integer, reporting whether it could.
func atoiSafe(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil && n >= 0
}
