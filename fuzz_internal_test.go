package quiltt

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzErrorBody feeds arbitrary error answers to newError: it must never
// panic, always keep the status, and always have a message.
func FuzzErrorBody(f *testing.F) {
	f.Add(401, "application/json", []byte(`{"message":"Not Authenticated","instruction":"Are you sending a valid API Key?"}`))
	f.Add(500, "application/json", []byte(`{"message":"x","errorId":"d3bb4c7b-3f0a-41a9-975c-b3f1aaa4bca3"}`))
	f.Add(500, "", []byte(`{"error_id":"e","message":null}`))
	f.Add(422, "application/json; charset=utf-8", []byte(`{"field":["problem","other"],"x":"y"}`))
	f.Add(401, "application/graphql-response+json", []byte(`{"errors":[{"message":"m","path":["a",0],"extensions":{"code":7}}]}`))
	f.Add(502, "text/html", []byte("<html>bad gateway</html>"))
	f.Add(503, "application/json", []byte(`{"message":"Serv`))
	f.Add(400, "application/json", []byte(`[]`))
	f.Add(404, ";;;", []byte{0xff, 0xfe, '{'})
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		h := http.Header{}
		h.Set("Content-Type", contentType)
		e := newError(status, h, body, time.Now())
		if e.StatusCode != status {
			t.Fatalf("status %d became %d", status, e.StatusCode)
		}
		if e.Message == "" && http.StatusText(status) != "" {
			t.Fatalf("no message for status %d", status)
		}
		if msg := e.Error(); !strings.HasPrefix(msg, "quiltt: ") {
			t.Fatalf("error text %q", msg)
		}
		for sentinel, want := range map[error]bool{
			ErrBadRequest:     status == 400 || status == 422,
			ErrUnauthorized:   status == 401,
			ErrForbidden:      status == 403,
			ErrNotFound:       status == 404,
			ErrRateLimited:    status == 429,
			ErrServer:         status >= 500 && status <= 599,
			ErrOutcomeUnknown: false, // only the pipeline knows the outcome
		} {
			if got := e.Is(sentinel); got != want {
				t.Fatalf("status %d: Is(%v) = %v, want %v", status, sentinel, got, want)
			}
		}
	})
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
