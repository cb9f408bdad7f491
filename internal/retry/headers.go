package retry

// The Ratelimit-* and Retry-After headers, parsed: the floor they set under
// the next wait (ServerWait) and the budget the root package reports
// (ParseRateLimit).

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

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
