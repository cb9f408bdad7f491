package retry

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

func TestParseResetBothReadings(t *testing.T) {
	now := time.Unix(1767332500, 0)
	assert.Equal(t, time.Unix(1767332561, 0), ParseReset("1767332561", now), "Unix seconds, as Quiltt documents")
	assert.Equal(t, now.Add(7*time.Second), ParseReset("7", now), "delta seconds, as the IETF draft has it")
	assert.True(t, ParseReset("", now).IsZero())
	assert.True(t, ParseReset("1e9", now).IsZero())
	assert.True(t, ParseReset("99999999999999", now).IsZero(), "beyond any plausible date")
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	assert.Equal(t, 3*time.Second, ParseRetryAfter("3", now))
	assert.Equal(t, 30*time.Second, ParseRetryAfter(now.Add(30*time.Second).Format(http.TimeFormat), now))
	assert.Zero(t, ParseRetryAfter(now.Add(-time.Hour).Format(http.TimeFormat), now), "a past date asks for no wait")
	assert.Zero(t, ParseRetryAfter("-5", now))
	assert.Zero(t, ParseRetryAfter("soon", now))
	assert.Equal(t, 24*time.Hour, ParseRetryAfter("99999999", now), "capped at a day")
}

func TestServerWait(t *testing.T) {
	now := time.Now()
	assert.Equal(t, 2*time.Second, ServerWait(hdr("Retry-After", "2"), now))
	assert.Equal(t, 9*time.Second, ServerWait(hdr("Retry-After", "2", "Ratelimit-Remaining", "0", "Ratelimit-Reset", "9"), now),
		"the larger of the two")
	assert.Equal(t, 2*time.Second, ServerWait(hdr("Retry-After", "2", "Ratelimit-Remaining", "5", "Ratelimit-Reset", "9"), now),
		"budget left: the reset is no floor")
	assert.Equal(t, 4*time.Second, ServerWait(hdr("Ratelimit-Reset", "4"), now), "a reset alone is a floor")
	assert.Zero(t, ServerWait(http.Header{}, now))
}
