package quiltt

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/quiltt-go/quiltt/internal/retry"
)

// CallInfo is what the SDK saw of the requests of one call: fill one by
// passing the call a context from WithCallInfo. Client.RateLimit gives the
// latest Ratelimit-* headers any call of the client saw; a CallInfo gives
// those of one call, with its attempts and request ID.
//
// A call that makes several requests (RefreshAndWait: a read, the refresh,
// then each poll; RefreshBalances: one refresh per account, concurrently)
// adds up its requests and attempts, and keeps the answer of its latest
// attempt, whichever request made it.
type CallInfo struct {
	// Requests is how many requests the call made, each counted once
	// however many times it was sent.
	Requests int
	// Attempts is how many times they were sent, retries included (an
	// attempt the rate limiter refused counts: it was tried).
	Attempts int
	// StatusCode is the HTTP status of the latest attempt's answer; 0 when
	// it got none (a connection refused or lost, a context that ended).
	StatusCode int
	// RequestID is the X-Request-Id header of the latest answer, when set,
	// with any credential the SDK sent replaced by "[redacted]", as in
	// Error.RequestID: a proxy may echo the Authorization header there.
	// That Quiltt sends X-Request-Id is an assumption: no Quiltt document
	// names the header.
	RequestID string
	// RateLimit holds the Ratelimit-* headers of the latest answer; its
	// zero value when that answer carried none.
	RateLimit RateLimit
}

// callInfoKey is the context key of a CallInfo.
type callInfoKey struct{}

// callInfoSink is where the pipeline writes a call's CallInfo: calls such
// as RefreshBalances run requests concurrently.
type callInfoSink struct {
	mu   sync.Mutex
	info *CallInfo
}

// WithCallInfo returns a context that makes the call it is given to fill
// info as it goes (see CallInfo), without changing the call's signature.
// Read info once the call has returned. Calls given the same returned
// context, even at once, add up into info as one call would. A nil info
// leaves ctx as it is; a nil ctx stays nil (the call then fails with
// ErrNilContext).
func WithCallInfo(ctx context.Context, info *CallInfo) context.Context {
	if ctx == nil || info == nil {
		return ctx
	}
	return context.WithValue(ctx, callInfoKey{}, &callInfoSink{info: info})
}

// callInfoFrom returns the sink of WithCallInfo, or nil. The pipeline reads
// it once per request, where a call starts.
func callInfoFrom(ctx context.Context) *callInfoSink {
	s, _ := ctx.Value(callInfoKey{}).(*callInfoSink)
	return s
}

// record adds one attempt (the first of a request when attempt is 1) and
// its answer, or its lack of one; r removes the credentials the request
// could have sent from what the answer echoes.
func (s *callInfoSink) record(attempt int, resp *http.Response, r redactor) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if attempt == 1 {
		s.info.Requests++
	}
	s.info.Attempts++
	s.info.StatusCode, s.info.RequestID, s.info.RateLimit = 0, "", RateLimit{}
	if resp != nil {
		s.info.StatusCode = resp.StatusCode
		s.info.RequestID = r.apply(resp.Header.Get("X-Request-Id"))
		s.info.RateLimit = parseRateLimit(resp.Header)
	}
}

// RateLimit is what Quiltt said of its rate budget in the Ratelimit-Limit,
// Ratelimit-Remaining and Ratelimit-Reset headers of an answer. Its zero
// value means the answer carried none of them. Quiltt documents
// Ratelimit-Reset as Unix seconds; a value below 1,000,000,000 is read as
// delta seconds (the IETF draft's form), an assumption.
type RateLimit struct {
	Limit     int       // requests allowed in the current window
	Remaining int       // requests left in the current window
	Reset     time.Time // when the window resets; zero when not reported
}

// parseRateLimit reads the Ratelimit-* headers. Missing or malformed values
// are left zero; it never fails.
func parseRateLimit(h http.Header) RateLimit {
	var rl RateLimit
	rl.Limit, rl.Remaining, rl.Reset = retry.ParseRateLimit(h)
	return rl
}
