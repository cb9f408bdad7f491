package quiltt

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Ratelimit-* and Retry-After headers, parsed. What the waits they ask
// for mean to a call is the retry policy's business (retry_policy.go).

// RateLimit is what Quiltt said of its rate budget in the Ratelimit-Limit,
// Ratelimit-Remaining and Ratelimit-Reset headers of an answer. Its zero
// value means the answer carried none of them.
type RateLimit struct {
	Limit     int       // requests allowed in the current window
	Remaining int       // requests left in the current window
	Reset     time.Time // when the window resets; zero when not reported
}

// unixThreshold tells the two readings of Ratelimit-Reset apart: Quiltt
// documents Unix seconds, the IETF draft delta seconds. A value above it
// (2001-09-09) is a Unix time, anything smaller a delta.
const unixThreshold = 1_000_000_000

// parseRateLimit reads the Ratelimit-* headers. Missing or malformed values
// are left zero; it never fails.
func parseRateLimit(h http.Header) RateLimit {
	var rl RateLimit
	if v, ok := atoiSafe(h.Get("Ratelimit-Limit")); ok && v <= 1<<31 {
		rl.Limit = int(v)
	}
	if v, ok := atoiSafe(h.Get("Ratelimit-Remaining")); ok && v <= 1<<31 {
		rl.Remaining = int(v)
	}
	rl.Reset = parseReset(h.Get("Ratelimit-Reset"), time.Now())
	return rl
}

// parseReset reads Ratelimit-Reset as Unix seconds, or as delta seconds
// from now when the value is small. Malformed values give the zero time.
func parseReset(v string, now time.Time) time.Time {
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

// parseRetryAfter reads Retry-After as delta seconds or an HTTP date.
// Malformed, negative or past values give zero.
func parseRetryAfter(v string, now time.Time) time.Duration {
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

// serverWait is the wait an answer asks for: the larger of Retry-After and
// the time until Ratelimit-Reset (the latter unless Ratelimit-Remaining says
// budget is left). Zero when the answer asks for none.
func serverWait(h http.Header, now time.Time) time.Duration {
	wait := parseRetryAfter(h.Get("Retry-After"), now)
	rem, remOK := atoiSafe(h.Get("Ratelimit-Remaining"))
	if reset := parseReset(h.Get("Ratelimit-Reset"), now); !reset.IsZero() && (!remOK || rem == 0) {
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
