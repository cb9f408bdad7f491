package quiltt

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/quiltt-go/quiltt/internal/retry"
	"github.com/quiltt-go/quiltt/internal/transport"
	"golang.org/x/time/rate"
)

// The pipeline every request of the SDK goes through, outermost first:
//
//	pipeline.do                build the request: JSON body, User-Agent, Quiltt-Version
//	→ go-retryablehttp         the retry loop: CheckRetry (retry.Decide),
//	                           Backoff (retry.Wait), RetryMax the one count of attempts
//	→ transport.LimiterStage   every attempt waits on the client's Limiter
//	→ transport.Timeout        the inner client's Timeout, per attempt, after that wait
//	                           (internal/transport)
//	→ transport.Credential     Authorization for the request's endpoint only
//	→ transport.Guard          sent or not sent; a trigger written once
//	→ the user's transport     WithHTTPClient's, or the SDK's own
//
// The stages are built per call around what the call carries (its endpoint,
// credential and kind): nothing reads the call back out of a context. They
// have no CloseIdleConnections method on purpose: go-retryablehttp calls it
// after every failed call, and the connection pool is shared by every call
// of the client (and is the user's, with WithHTTPClient); Client's
// CloseIdleConnections closes it on request.

// pipeline is what a Client and the clients derived from it share.
type pipeline struct {
	api  *transport.Endpoint // WithBaseURL
	auth *transport.Endpoint // WithAuthURL

	base     http.RoundTripper // the innermost transport
	inner    *http.Client      // the innermost client: its Timeout, Jar and CheckRedirect apply
	limiter  Limiter           // nil for none
	observer Observer          // nil for none

	apiKey       *secret
	sessionToken *secret
	restAuth     *secret // "Bearer <API key>", nil without an API key

	apiVersion string
	userAgent  string
	maxRetries int
	retryMin   time.Duration
	retryMax   time.Duration
	logger     *slog.Logger

	rateLimit atomic.Pointer[RateLimit]
	fresh     *freshState // FreshBalance's lock and refreshes in flight
}

// newPipeline assembles the pipeline from options NewClient has checked.
func newPipeline(cfg *config) *pipeline {
	inner := cfg.httpClient
	if inner == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		inner = &http.Client{Transport: tr, Timeout: DefaultTimeout}
	}
	base := inner.Transport
	if base == nil {
		base = http.DefaultTransport
	}

	var limiter Limiter
	switch {
	case cfg.limiter != nil:
		limiter = transport.AsLimiter(cfg.limiter)
	case cfg.limit == rate.Inf:
		// WithRateLimit(rate.Inf, …): no client-side limit.
	default:
		limit, burst := cfg.limit, cfg.burst
		if limit == 0 {
			limit, burst = DefaultAPIKeyRate, 1
			if cfg.apiKey == nil {
				limit = DefaultSessionTokenRate
			}
		}
		limiter = transport.NewRateLimiter(rate.NewLimiter(limit, burst))
	}
	logger := cfg.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &pipeline{
		api:          transport.NewEndpoint(cfg.baseURL),
		auth:         transport.NewEndpoint(cfg.authURL),
		base:         base,
		inner:        inner,
		limiter:      limiter,
		observer:     cfg.observer,
		apiKey:       cfg.apiKey,
		sessionToken: cfg.sessionToken,
		restAuth:     bearer(cfg.apiKey.value()),
		apiVersion:   cfg.apiVersion,
		userAgent:    fmt.Sprintf("quiltt-go/%s (%s; +https://github.com/quiltt-go/quiltt)", Version, runtime.Version()),
		maxRetries:   cfg.maxRetries,
		retryMin:     cfg.retryMin,
		retryMax:     cfg.retryMax,
		logger:       logger,
		fresh:        newFreshState(cfg.fresh),
	}
}

// maxResponseBody caps how much of a 2xx body the SDK reads.
const maxResponseBody = 16 << 20

// request is one call through the pipeline, before retries. It names
// everything the stages need: the auth API's calls send one with endpoint
// p.auth, the session token to act on (bearer(token)) or the API key
// (p.restAuth) as auth, and the kind that says whether it may be repeated.
type request struct {
	op       string              // the SDK operation, for errors and logs
	kind     retry.Kind          // what repeating it may cost
	endpoint *transport.Endpoint // p.api or p.auth
	method   string
	path     string  // below the endpoint's base path, starting with "/", escaped
	body     []byte  // JSON, resent as is on every attempt; nil for none
	auth     *secret // the Authorization value; nil for none
}

// do sends r through the retry loop. A 2xx answer is returned with its body
// open, for the caller to read (through transport.NewCappedBody) and close,
// or to transport.DrainAndClose when it needs none of it. Any other result is one of two
// error types, and nothing else: an *Error (a non-2xx answer) or a
// *TransportError (no answer; or, with Attempts 0 and nothing sent, a nil
// ctx, whose Err wraps ErrNilContext, or a request net/http cannot build).
func (p *pipeline) do(ctx context.Context, r *request) (*http.Response, error) {
	if ctx == nil {
		return nil, p.nilContext(r)
	}
	var body any
	if r.body != nil {
		body = r.body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, r.endpoint.URL(r.path), body)
	if err != nil {
		return nil, &TransportError{Op: r.op, Method: r.method, URL: r.endpoint.URL(r.path), Err: errorf("building the request: %w", err)}
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return p.send(ctx, r, req)
}

// send runs req, built for r (by do, or by genqlient's client for a
// GraphQL call), through the retry loop, with the SDK's headers.
func (p *pipeline) send(ctx context.Context, r *request, req *retryablehttp.Request) (_ *http.Response, err error) {
	ctx, req, obs := p.observeRequest(ctx, r, req)
	defer obs.done(&err)
	c := &call{p: p, r: r, ctx: ctx, url: r.endpoint.URL(r.path), seed: rand.Uint64(), info: callInfoFrom(ctx), obs: obs}
	req.Header.Set("User-Agent", p.userAgent)
	req.Header.Set("Accept", "application/json")
	if p.apiVersion != "" {
		req.Header.Set("Quiltt-Version", p.apiVersion)
	}
	rc := &retryablehttp.Client{
		HTTPClient:     c.httpClient(),
		RetryMax:       p.maxRetries,
		RetryWaitMin:   p.retryMin,
		RetryWaitMax:   p.retryMax,
		RequestLogHook: c.beforeAttempt,
		CheckRetry:     c.checkRetry,
		Backoff:        c.backoff,
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
	}
	return c.result(rc.Do(req))
}

// nilContext is do's answer to a nil context: as net/http does, an error
// rather than a panic.
func (p *pipeline) nilContext(r *request) error {
	return &TransportError{Op: r.op, Method: r.method, URL: r.endpoint.URL(r.path), Err: ErrNilContext}
}

// redactor lists every credential the pipeline can send, and auth.
func (p *pipeline) redactor(auth *secret) redactor {
	return newRedactor(p.apiKey, p.sessionToken, auth)
}

// call is one call of do: what go-retryablehttp's hooks need, and the record
// of its attempts.
type call struct {
	p    *pipeline
	r    *request
	ctx  context.Context // the call's, for the log records of the Backoff hook
	url  string
	seed uint64        // of the jitter: retry.Wait is a function of the call and the attempt
	info *callInfoSink // WithCallInfo's, or nil
	obs  *callObs      // the Observer's hooks, or nil

	attempt int    // the retry loop's number of the current attempt, from 1
	last    *Error // the latest non-2xx answer
	lastErr error  // the latest attempt's error
	unknown bool   // the policy's verdict on the latest attempt: Quiltt may have acted on it
	ctxErr  error  // the context had ended when a retryable attempt was checked
}

// httpClient assembles the stages of the pipeline for this call.
func (c *call) httpClient() *http.Client {
	p := c.p
	var rt http.RoundTripper = &transport.Guard{Sends: transport.SendsFor(c.r.kind == retry.Trigger), Next: p.base}
	rt = &transport.Credential{Endpoint: c.r.endpoint, Auth: c.r.auth.revealer(), Next: rt}
	if p.inner.Timeout > 0 {
		rt = &transport.Timeout{D: p.inner.Timeout, Next: rt}
	}
	if p.limiter != nil {
		rt = &transport.LimiterStage{Limiter: c.obs.limiter(p.limiter), Next: rt}
	}
	return &http.Client{
		Transport: c.obs.stage(c, rt),
		// No Timeout here: the timeout stage bounds each attempt below the
		// limiter, so a wait for the rate budget does not count against it.
		Jar:           p.inner.Jar,
		CheckRedirect: transport.RedirectPolicy(c.r.kind == retry.Trigger, p.inner.CheckRedirect),
	}
}

// beforeAttempt is the RequestLogHook: the loop tells the number of the
// attempt it is about to make (from 0).
func (c *call) beforeAttempt(_ retryablehttp.Logger, _ *http.Request, n int) {
	c.attempt = n + 1
}

// checkRetry is the CheckRetry hook: decide's verdict, the context's rules
// on top, and one log record with the reason.
func (c *call) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	now := time.Now()
	red := c.p.redactor(c.r.auth)
	c.lastErr = err
	c.info.record(c.attempt, resp, red)
	if resp != nil {
		c.p.recordRateLimit(resp.Header)
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			c.last = newError(resp.StatusCode, resp.Header, transport.ReadErrorBody(resp, maxErrorBody), now)
			c.last.redact(red)
		}
	}
	d := retry.Decide(c.r.kind, resp, err, now)
	c.unknown = d.OutcomeUnknown
	c.obs.endAttempt(resp, err, d.OutcomeUnknown)
	log := c.p.logger
	if err != nil {
		// net/http's own errors quote what the server sent (a malformed
		// header line, an unparsable Location), which may echo a credential.
		log.LogAttrs(ctx, slog.LevelDebug, "quiltt: attempt failed", c.attrs(0, slog.String("error", red.apply(err.Error())), slog.String("reason", d.Reason))...)
	} else {
		log.LogAttrs(ctx, slog.LevelDebug, "quiltt: answer", c.attrs(resp.StatusCode, slog.String("reason", d.Reason))...)
	}
	status := statusOf(resp)
	switch {
	case d.Floor > retry.MaxServerWait:
		log.LogAttrs(ctx, slog.LevelInfo, "quiltt: not retrying: server asks for a wait over the cap",
			c.attrs(status, slog.Duration("wait", d.Floor), slog.Duration("cap", retry.MaxServerWait))...)
	case !d.Retry:
	case ctx.Err() != nil:
		c.ctxErr = ctx.Err()
		return false, nil
	default:
		if wait := c.wait(c.p.retryMin, c.p.retryMax, c.attempt-1, resp, now); retry.PassesDeadline(ctx, now, wait) {
			log.LogAttrs(ctx, slog.LevelInfo, "quiltt: not retrying: the wait would pass the context deadline",
				c.attrs(status, slog.Duration("wait", wait))...)
			return false, nil
		}
	}
	return d.Retry, nil
}

// wait is the wait before retry n, between lower and upper: a function of
// the call's seed, n and the answer alone, so that checkRetry, which holds
// the call's deadline, and backoff, which go-retryablehttp sleeps on, agree.
func (c *call) wait(lower, upper time.Duration, n int, resp *http.Response, now time.Time) time.Duration {
	var floor time.Duration
	if resp != nil {
		floor = retry.ServerWait(resp.Header, now)
	}
	return retry.Wait(lower, upper, n, floor, c.seed)
}

// backoff is the Backoff hook. It runs only when the loop does retry, so it
// logs the retry.
func (c *call) backoff(lower, upper time.Duration, n int, resp *http.Response) time.Duration {
	wait := c.wait(lower, upper, n, resp, time.Now())
	c.p.logger.LogAttrs(c.ctx, slog.LevelInfo, "quiltt: retrying", c.attrs(statusOf(resp), slog.Duration("wait", wait))...)
	c.obs.retry(c.ctx, c.attempt, resp, wait)
	return wait
}

// result turns what the retry loop returned into do's result.
func (c *call) result(resp *http.Response, err error) (*http.Response, error) {
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		te := &TransportError{Op: c.r.op, Method: c.r.method, URL: c.url, Attempts: c.attempt, Err: c.p.redactor(c.r.auth).transport(err)}
		if c.last != nil {
			te.Last = c.finish(c.last)
		}
		// The loop returns either the last attempt's error or, when the
		// context ended while it waited to retry, the context's error: a
		// wait follows only attempts that were safe to repeat.
		if err == c.lastErr {
			te.outcomeUnknown = c.unknown
		}
		return nil, te
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return resp, nil
	}
	resp.Body.Close()
	e := c.finish(c.last)
	e.outcomeUnknown = c.unknown // the verdict on this answer, the last attempt's
	if c.ctxErr != nil {
		// A retryable answer after the context ended: the call ends as a
		// wait for that retry would have.
		return nil, &TransportError{Op: c.r.op, Method: c.r.method, URL: c.url, Attempts: c.attempt, Last: e, Err: c.ctxErr}
	}
	return nil, e
}

// finish completes an *Error with what the call knows.
func (c *call) finish(e *Error) *Error {
	e.Op, e.Method, e.URL, e.Attempts = c.r.op, c.r.method, c.url, c.attempt
	return e
}

func (c *call) attrs(status int, extra ...slog.Attr) []slog.Attr {
	a := append(make([]slog.Attr, 0, 6+len(extra)),
		slog.String("op", c.r.op),
		slog.String("kind", c.r.kind.String()),
		slog.String("method", c.r.method),
		slog.String("path", c.r.endpoint.Path+c.r.path),
		slog.Int("attempt", c.attempt),
	)
	if status != 0 {
		a = append(a, slog.Int("status", status))
	}
	return append(a, extra...)
}

// recordRateLimit keeps the Ratelimit-* headers of an answer that carries
// any, for Client.RateLimit.
func (p *pipeline) recordRateLimit(h http.Header) {
	if rl := parseRateLimit(h); rl != (RateLimit{}) {
		p.rateLimit.Store(&rl)
	}
}
