package quiltt

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// opKind tells the retry policy what a repeated request may cost.
type opKind int

const (
	// opRead is safe to repeat: a GraphQL query.
	opRead opKind = iota
	// opTrigger is billable and has no idempotency key: it is repeated only
	// where Quiltt cannot have acted on it.
	opTrigger
)

// maxResponseBody caps how much of a 2xx body the SDK reads.
const maxResponseBody = 16 << 20

// request is one call through the pipeline, before retries.
type request struct {
	op     string // the SDK operation, for errors and logs
	kind   opKind
	method string
	path   string // below the base URL, starting with "/"
	body   []byte // resent as is on every attempt; nil for none
	auth   secret // the Authorization header value
}

// do sends r through the retry loop. A 2xx answer is returned with its body
// open, for the caller to read (through readBody) and close. Anything else
// is an *Error (a non-2xx answer) or a *TransportError (no answer).
func (p *pipeline) do(ctx context.Context, r *request) (*http.Response, error) {
	url := p.baseString + r.path
	var body any
	if r.body != nil {
		body = r.body
	}
	ctx = context.WithValue(ctx, callKey{}, r)
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, url, body)
	if err != nil {
		return nil, fmt.Errorf("quiltt: %s: building request: %w", r.op, err)
	}
	req.Header.Set("User-Agent", p.userAgent)
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if p.apiVersion != "" {
		req.Header.Set("Quiltt-Version", p.apiVersion)
	}

	st := &retryState{p: p, r: r, path: req.URL.Path}
	rc := &retryablehttp.Client{
		HTTPClient:   p.httpc,
		RetryMax:     p.maxRetries,
		RetryWaitMin: p.retryMin,
		RetryWaitMax: p.retryMax,
		CheckRetry:   st.check,
		Backoff:      st.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	resp, err := rc.Do(req)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		te := &TransportError{Op: r.op, Method: r.method, URL: url, Attempts: st.attempts, Err: err, outcomeUnknown: st.unknown}
		if st.last != nil {
			te.Last = st.finish(st.last, url)
		}
		return nil, te
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		resp.Body.Close()
		e := st.finish(st.last, url)
		e.outcomeUnknown = st.unknown // of this, the last answer; an earlier one was retried
		return nil, e
	}
	return resp, nil
}

// retryState is the retry policy of one call, for go-retryablehttp's hooks.
type retryState struct {
	p        *pipeline
	r        *request
	path     string
	attempts int
	last     *Error        // the latest non-2xx answer
	unknown  bool          // the latest attempt may have been acted on by Quiltt
	wait     time.Duration // the wait check decided on, for backoff
}

// finish completes an *Error with what the call knows.
func (s *retryState) finish(e *Error, url string) *Error {
	e.Op, e.Method, e.URL, e.Attempts = s.r.op, s.r.method, url, s.attempts
	return e
}

// check is the CheckRetry hook: it decides whether to try again and how long
// to wait first, and logs why.
func (s *retryState) check(ctx context.Context, resp *http.Response, err error) (bool, error) {
	s.attempts++
	now := time.Now()
	log := s.p.logger
	var floor time.Duration
	status := 0
	if err != nil {
		notSent := wasNotSent(err)
		s.unknown = s.r.kind == opTrigger && !notSent
		log.LogAttrs(ctx, slog.LevelDebug, "quiltt: attempt failed", s.attrs(0, slog.String("error", err.Error()))...)
		if ctx.Err() != nil || s.unknown || !retryableTransportError(err) {
			return false, nil
		}
	} else {
		status = resp.StatusCode
		s.p.recordRateLimit(resp.Header)
		log.LogAttrs(ctx, slog.LevelDebug, "quiltt: answer", s.attrs(status)...)
		if status >= 200 && status <= 299 {
			s.unknown = false
			return false, nil
		}
		s.last = newError(status, resp.Header, readErrorBody(resp), now)
		s.last.redact(newRedactor(s.p.apiKey, s.p.sessionToken, s.r.auth))
		s.unknown = s.r.kind == opTrigger && status >= 500 && status != http.StatusServiceUnavailable
		if !retryableStatus(s.r.kind, status) || ctx.Err() != nil {
			return false, nil
		}
		floor = s.last.RetryAfter
		if floor > maxServerWait {
			log.LogAttrs(ctx, slog.LevelInfo, "quiltt: not retrying: server asks for a wait over the cap",
				s.attrs(status, slog.Duration("wait", floor), slog.Duration("cap", maxServerWait))...)
			return false, nil
		}
	}
	if s.attempts > s.p.maxRetries {
		return false, nil
	}
	wait := max(backoff(s.p.retryMin, s.p.retryMax, s.attempts-1), floor)
	if deadline, ok := ctx.Deadline(); ok && now.Add(wait).After(deadline) {
		log.LogAttrs(ctx, slog.LevelInfo, "quiltt: not retrying: the wait would pass the context deadline",
			s.attrs(status, slog.Duration("wait", wait))...)
		return false, nil
	}
	s.wait = wait
	log.LogAttrs(ctx, slog.LevelInfo, "quiltt: retrying", s.attrs(status, slog.Duration("wait", wait))...)
	return true, nil
}

// backoff is the Backoff hook: the wait check decided on.
func (s *retryState) backoff(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
	return s.wait
}

func (s *retryState) attrs(status int, extra ...slog.Attr) []slog.Attr {
	a := append(make([]slog.Attr, 0, 5+len(extra)),
		slog.String("op", s.r.op),
		slog.String("method", s.r.method),
		slog.String("path", s.path),
		slog.Int("attempt", s.attempts),
	)
	if status != 0 {
		a = append(a, slog.Int("status", status))
	}
	return append(a, extra...)
}

// backoff returns the wait before retry number n (0 for the first): a random
// duration between lower·2ⁿ and lower·2ⁿ⁺¹, both capped at upper.
func backoff(lower, upper time.Duration, n int) time.Duration {
	lo, hi := lower, lower*2
	for i := 0; i < n && lo < upper; i++ {
		lo, hi = lo*2, hi*2
	}
	lo, hi = clampDur(lo, upper), clampDur(hi, upper)
	if hi <= lo {
		return lo
	}
	return lo + rand.N(hi-lo+1)
}

func clampDur(d, upper time.Duration) time.Duration {
	if d > upper || d <= 0 {
		return upper
	}
	return d
}

// retryableStatus reports whether an answer may be retried. Reads retry 429
// and 5xx but 501; a billable trigger retries only 429 and 503, the answers
// that say Quiltt did not act.
func retryableStatus(kind opKind, status int) bool {
	switch {
	case status == http.StatusTooManyRequests, status == http.StatusServiceUnavailable:
		return true
	case kind == opRead && status >= 500 && status <= 599 && status != http.StatusNotImplemented:
		return true
	}
	return false
}

// readErrorBody reads a non-2xx body up to maxErrorBody, drains a little more
// so the connection can be reused, and leaves resp.Body readable again for
// go-retryablehttp. A body that fails midway gives what was read.
func readErrorBody(resp *http.Response) []byte {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return body
}

// recordRateLimit keeps the Ratelimit-* headers of an answer, if any.
func (p *pipeline) recordRateLimit(h http.Header) {
	if rl := parseRateLimit(h); rl != (RateLimit{}) {
		p.rateLimit.Store(&rl)
	}
}

// cappedBody reads a 2xx body and fails past limit bytes, so no answer is
// read without bound. Its caller reports the failure as ErrInvalidResponse.
type cappedBody struct {
	rc    io.ReadCloser
	limit int64
	read  int64
}

func newCappedBody(rc io.ReadCloser, limit int64) *cappedBody {
	return &cappedBody{rc: rc, limit: limit}
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.read > b.limit {
		return 0, fmt.Errorf("body over %d bytes", b.limit)
	}
	if room := b.limit + 1 - b.read; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := b.rc.Read(p)
	b.read += int64(n)
	if b.read > b.limit {
		return n, fmt.Errorf("body over %d bytes", b.limit)
	}
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }
