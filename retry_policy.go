package quiltt

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// opKind tells the retry policy what sending a request again may cost.
type opKind int

const (
	// opRead is safe to repeat: a GraphQL query, introspecting a session
	// token or the API key.
	opRead opKind = iota
	// opTrigger is not safe to repeat: billable (the balance refresh) or
	// counted against a quota (issuing a session token), with no
	// idempotency key. It is sent again only where Quiltt cannot have acted
	// on it, and written once per attempt (see attemptGuard).
	opTrigger
	// opIdempotent is a request that changes state but may be repeated
	// without harm: revoking a session token. The policy treats it as a
	// read.
	opIdempotent
)

func (k opKind) String() string {
	switch k {
	case opRead:
		return "read"
	case opTrigger:
		return "trigger"
	case opIdempotent:
		return "idempotent"
	}
	return "opKind(" + strconv.Itoa(int(k)) + ")"
}

// maxServerWait is the longest wait the SDK accepts from Retry-After or
// Ratelimit-Reset. A 429 or 503 that asks for more is returned at once,
// with Error.RetryAfter set, instead of sleeping.
const maxServerWait = time.Minute

// decision is the retry policy's verdict on one attempt.
type decision struct {
	retry bool
	// floor is the least wait the answer asks for before the next attempt
	// (Retry-After, Ratelimit-Reset); zero when it asks for none.
	floor time.Duration
	// reason says why, for the log.
	reason string
	// outcomeUnknown: the attempt may have been acted on by Quiltt, and it
	// was not safe to repeat.
	outcomeUnknown bool
}

// decide is the retry policy: what to do after an attempt of a request of
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
func decide(kind opKind, resp *http.Response, err error, now time.Time) decision {
	if err != nil {
		return decideError(kind, err)
	}
	return decideAnswer(kind, resp.StatusCode, resp.Header, now)
}

func decideAnswer(kind opKind, status int, h http.Header, now time.Time) decision {
	if status >= 200 && status <= 299 {
		return decision{reason: "success"}
	}
	unknown := kind == opTrigger && status >= 500 && status != http.StatusServiceUnavailable
	if !retryableStatus(kind, status) {
		if unknown {
			return decision{reason: "a server error after the request reached Quiltt: a " + kind.String() + " is not sent twice", outcomeUnknown: true}
		}
		return decision{reason: "an answer that retrying does not change"}
	}
	floor := serverWait(h, now)
	if floor > maxServerWait {
		return decision{floor: floor, reason: "the server asks for a wait over the cap", outcomeUnknown: unknown}
	}
	return decision{retry: true, floor: floor, reason: "a retryable answer", outcomeUnknown: unknown}
}

func decideError(kind opKind, err error) decision {
	var le *limiterError
	if errors.As(err, &le) {
		return decision{reason: "the rate limiter refused: nothing was sent"}
	}
	var re *resendError
	if errors.As(err, &re) {
		return decision{reason: "the HTTP transport tried to send the request more times than allowed within one attempt", outcomeUnknown: kind == opTrigger}
	}
	unknown := kind == opTrigger && !wasNotSent(err)
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return decision{reason: "the context or the attempt's timeout ended", outcomeUnknown: unknown}
	case !retryableTransportError(err):
		return decision{reason: "a transport error that retrying does not change", outcomeUnknown: unknown}
	case unknown:
		return decision{reason: "the request may have reached Quiltt: a trigger is not sent twice", outcomeUnknown: true}
	}
	return decision{retry: true, reason: "a network error"}
}

// retryableStatus reports whether an answer may be retried. Reads retry 429
// and 5xx but 501; a trigger retries only 429 and 503, the answers that say
// Quiltt did not act.
func retryableStatus(kind opKind, status int) bool {
	switch {
	case status == http.StatusTooManyRequests, status == http.StatusServiceUnavailable:
		return true
	case kind != opTrigger && status >= 500 && status <= 599 && status != http.StatusNotImplemented:
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
	var redirect *redirectError
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &invalid):
		return false
	case errors.As(err, &redirect):
		return false
	}
	return true
}

// retryWait is the wait before retry n (0 for the first), after an answer
// that asked for floor: a random duration between lower·2ⁿ and lower·2ⁿ⁺¹,
// both capped at upper, raised to floor. The randomness comes from seed and
// n alone, so the wait is a function of the call (its seed) and the retry:
// the wait the deadline rule checks is the wait the loop sleeps.
func retryWait(lower, upper time.Duration, n int, floor time.Duration, seed uint64) time.Duration {
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

// passesDeadline reports whether a wait started at now would end after the
// context's deadline: such a retry is not waited for.
func passesDeadline(ctx context.Context, now time.Time, wait time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return ok && now.Add(wait).After(deadline)
}
