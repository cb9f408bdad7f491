package quiltt

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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
