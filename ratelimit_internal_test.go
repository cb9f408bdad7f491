package quiltt

import (
	"math/rand/v2"
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

func TestBackoffStaysWithinBoundsAndGrows(t *testing.T) {
	lower, upper := 10*time.Millisecond, 300*time.Millisecond
	for n := range 12 {
		lo := lower << n
		for range 200 {
			w := retryWait(lower, upper, n, 0, rand.Uint64())
			assert.GreaterOrEqual(t, w, lower)
			assert.LessOrEqual(t, w, upper)
			if lo < upper {
				assert.GreaterOrEqual(t, w, lo, "retry %d", n)
				assert.LessOrEqual(t, w, min(2*lo, upper), "retry %d", n)
			}
		}
	}
	assert.Equal(t, time.Second, retryWait(time.Second, time.Second, 5, 0, 1))
	assert.Equal(t, time.Hour, retryWait(time.Hour, time.Hour, 80, 0, 1), "no overflow")
}

func TestNewErrorShapes(t *testing.T) {
	now := time.Now()
	e := newError(422, hdr("Content-Type", "application/json"), []byte(`{"filter":["is invalid"],"sort":"bad"}`), now)
	assert.Equal(t, map[string][]string{"filter": {"is invalid"}, "sort": {"bad"}}, e.Validation)
	assert.Equal(t, "Unprocessable Entity", e.Message)
	assert.Contains(t, e.Error(), "filter: is invalid; sort: bad")

	e = newError(500, hdr("Content-Type", "text/html"), []byte(`{"message":"hidden"}`), now)
	assert.Equal(t, "Internal Server Error", e.Message, "an HTML answer is not read as JSON")

	e = newError(500, http.Header{}, []byte(` {"message":"no content type","errorId":"e1"}`), now)
	assert.Equal(t, "no content type", e.Message)
	assert.Equal(t, "e1", e.ErrorID)

	e = newError(429, hdr("X-Request-Id", "req_1", "Retry-After", "3"), nil, now)
	assert.Equal(t, "req_1", e.RequestID)
	assert.Equal(t, 3*time.Second, e.RetryAfter)
	assert.Equal(t, "Too Many Requests", e.Message)
}
