package quiltt

import (
	"net/http"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt/internal/retry"
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
		if w := retry.ServerWait(h, time.Now()); w < 0 || w > 24*time.Hour {
			t.Fatalf("wait %v outside [0, 24h]", w)
		}
	})
}
