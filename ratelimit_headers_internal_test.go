package quiltt

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestParseRateLimit(t *testing.T) {
	assert.Equal(t, RateLimit{Limit: 25, Remaining: 3, Reset: time.Unix(1767332561, 0)},
		parseRateLimit(hdr("Ratelimit-Limit", "25", "Ratelimit-Remaining", "3", "Ratelimit-Reset", "1767332561")))
	assert.Equal(t, RateLimit{}, parseRateLimit(http.Header{}))
	assert.Equal(t, RateLimit{}, parseRateLimit(hdr("Ratelimit-Limit", "-1", "Ratelimit-Remaining", "x", "Ratelimit-Reset", "soon")))
	assert.Equal(t, RateLimit{}, parseRateLimit(hdr("Ratelimit-Limit", "99999999999999999999")), "overflow is ignored")
}

func TestParseResetBothReadings(t *testing.T) {
	now := time.Unix(1767332500, 0)
	assert.Equal(t, time.Unix(1767332561, 0), parseReset("1767332561", now), "Unix seconds, as Quiltt documents")
	assert.Equal(t, now.Add(7*time.Second), parseReset("7", now), "delta seconds, as the IETF draft has it")
	assert.True(t, parseReset("", now).IsZero())
	assert.True(t, parseReset("1e9", now).IsZero())
	assert.True(t, parseReset("99999999999999", now).IsZero(), "beyond any plausible date")
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	assert.Equal(t, 3*time.Second, parseRetryAfter("3", now))
	assert.Equal(t, 30*time.Second, parseRetryAfter(now.Add(30*time.Second).Format(http.TimeFormat), now))
	assert.Zero(t, parseRetryAfter(now.Add(-time.Hour).Format(http.TimeFormat), now), "a past date asks for no wait")
	assert.Zero(t, parseRetryAfter("-5", now))
	assert.Zero(t, parseRetryAfter("soon", now))
	assert.Equal(t, 24*time.Hour, parseRetryAfter("99999999", now), "capped at a day")
}

func TestServerWait(t *testing.T) {
	now := time.Now()
	assert.Equal(t, 2*time.Second, serverWait(hdr("Retry-After", "2"), now))
	assert.Equal(t, 9*time.Second, serverWait(hdr("Retry-After", "2", "Ratelimit-Remaining", "0", "Ratelimit-Reset", "9"), now),
		"the larger of the two")
	assert.Equal(t, 2*time.Second, serverWait(hdr("Retry-After", "2", "Ratelimit-Remaining", "5", "Ratelimit-Reset", "9"), now),
		"budget left: the reset is no floor")
	assert.Equal(t, 4*time.Second, serverWait(hdr("Ratelimit-Reset", "4"), now), "a reset alone is a floor")
	assert.Zero(t, serverWait(http.Header{}, now))
}

// FuzzRateLimitHeaders feeds arbitrary Ratelimit-* and Retry-After values to
// the parsers: no panic, no negative budget, no wait outside [0, 24h].
func FuzzRateLimitHeaders(f *testing.F) {
	f.Add("25", "0", "1767332561", "")
	f.Add("100", "99", "7", "3")
	f.Add("-1", "x", "", "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add("99999999999999999999", "1e3", "99999999999999", "-5")
	f.Add("", "", " 12 ", "  ")
	f.Fuzz(func(t *testing.T, limit, remaining, reset, retryAfter string) {
		h := http.Header{}
		h.Set("Ratelimit-Limit", limit)
		h.Set("Ratelimit-Remaining", remaining)
		h.Set("Ratelimit-Reset", reset)
		h.Set("Retry-After", retryAfter)
		rl := parseRateLimit(h)
		if rl.Limit < 0 || rl.Remaining < 0 {
			t.Fatalf("negative budget %+v", rl)
		}
		if w := serverWait(h, time.Now()); w < 0 || w > 24*time.Hour {
			t.Fatalf("wait %v outside [0, 24h]", w)
		}
	})
}
