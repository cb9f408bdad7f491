package quiltt

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/quiltt-go/quiltt/internal/retry"
	"github.com/quiltt-go/quiltt/internal/transport"
)

// This file holds where the SDK tells its Observer what it does. Every hook
// sits behind a nil check of the observer, so a client without one pays
// nothing else.

// opKey is the context key of the operation an Observer saw begin.
type opKey struct{}

// opScope is one operation an Observer sees: from a public call of the
// Client (observe), or from a request sent outside one (pipeline.do starts
// its own), so that operations added later are observed too.
type opScope struct {
	name    string
	start   time.Time
	end     func(OperationResult)
	unknown atomic.Bool // a request of the operation ended with its outcome unknown
}

// observe begins the operation op of a public call: the returned context
// carries it to every request the call makes, which then belong to it. The
// call defers finish with its error. Without an observer, or with a nil
// ctx (the call fails with ErrNilContext), it returns ctx and a nil scope.
func (c *Client) observe(ctx context.Context, op string) (context.Context, *opScope) {
	if c.p == nil || c.p.observer == nil || ctx == nil {
		return ctx, nil
	}
	return c.p.startOp(ctx, op)
}

func (p *pipeline) startOp(ctx context.Context, op string) (context.Context, *opScope) {
	s := &opScope{name: op, start: time.Now()}
	octx, end := p.observer.StartOperation(ctx, OperationInfo{Name: op})
	if octx == nil {
		octx = ctx
	}
	s.end = end
	return context.WithValue(octx, opKey{}, s), s
}

// finish ends the operation with the error *errp (errp may be nil).
func (s *opScope) finish(errp *error) {
	if s == nil || s.end == nil {
		return
	}
	var err error
	if errp != nil {
		err = *errp
	}
	s.end(OperationResult{
		Err:            err,
		OutcomeUnknown: s.unknown.Load() || errors.Is(err, ErrOutcomeUnknown),
		Duration:       time.Since(s.start),
	})
}

// callObs is what the observer hooks of one call of pipeline.do keep.
type callObs struct {
	obs   Observer
	r     *request
	scope *opScope
	own   bool            // the scope was started by this request, and ends with it
	ctx   context.Context // the operation's: each attempt's parent
	host  string
	port  int

	attempt    int // the attempt StartAttempt was called for, from 1
	start      time.Time
	attemptCtx context.Context
	attemptEnd func(AttemptResult)
	header     http.Header // what the observer added to the attempt's headers
}

// observeRequest joins r, sent as req, to the operation ctx carries, or
// starts one for it, and returns the operation's context. req keeps its
// own: the operation's derives from it, and each attempt's from the
// operation's (observeStage). Without an observer it returns ctx, req and
// nil, whose methods do nothing.
func (p *pipeline) observeRequest(ctx context.Context, r *request, req *retryablehttp.Request) (context.Context, *retryablehttp.Request, *callObs) {
	if p.observer == nil {
		return ctx, req, nil
	}
	o := &callObs{obs: p.observer, r: r}
	o.scope, _ = ctx.Value(opKey{}).(*opScope)
	if o.scope == nil {
		ctx, o.scope = p.startOp(ctx, r.op)
		o.own = true
	}
	if h, port, err := net.SplitHostPort(r.endpoint.Host()); err == nil {
		o.host = h
		o.port, _ = strconv.Atoi(port)
	} else {
		o.host = strings.Trim(r.endpoint.Host(), "[]")
	}
	o.ctx = ctx
	return ctx, req, o
}

// done records how the request ended, and ends its own operation.
func (o *callObs) done(err *error) {
	if o == nil {
		return
	}
	if *err != nil && errors.Is(*err, ErrOutcomeUnknown) {
		o.scope.unknown.Store(true)
	}
	o.endAttempt(nil, nil, false) // an attempt the loop never checked
	if o.own {
		o.scope.finish(err)
	}
}

// startAttempt begins attempt n (from 1) below ctx.
func (o *callObs) startAttempt(ctx context.Context, n int) {
	o.attempt, o.start = n, time.Now()
	a := AttemptInfo{
		Operation:     o.scope.name,
		Method:        o.r.method,
		ServerAddress: o.host,
		ServerPort:    o.port,
		ResendCount:   n - 1,
		Refresh:       o.r.kind == retry.Trigger && strings.HasSuffix(o.r.path, "/balances/refresh"),
		Header:        http.Header{},
	}
	actx, end := o.obs.StartAttempt(ctx, a)
	if actx == nil {
		actx = ctx
	}
	o.attemptCtx, o.attemptEnd, o.header = actx, end, a.Header
}

// endAttempt ends the pending attempt with its answer or error and the
// retry policy's verdict on its outcome; without one pending, it does
// nothing.
func (o *callObs) endAttempt(resp *http.Response, err error, unknown bool) {
	if o == nil || o.attemptEnd == nil {
		return
	}
	end := o.attemptEnd
	o.attemptEnd = nil
	res := AttemptResult{Err: err, OutcomeUnknown: unknown, Duration: time.Since(o.start)}
	if resp != nil {
		res.StatusCode = resp.StatusCode
	} else if err != nil {
		res.NotSent = transport.WasNotSent(err)
	}
	end(res)
}

// retry reports the loop's decision to send the request again after
// attempt n, which got resp (or none), in wait.
func (o *callObs) retry(ctx context.Context, n int, resp *http.Response, wait time.Duration) {
	if o == nil {
		return
	}
	r := RetryInfo{Operation: o.scope.name, Reason: RetryNetworkError, Attempt: n, Wait: wait}
	if resp != nil {
		r.StatusCode = resp.StatusCode
		switch resp.StatusCode {
		case http.StatusTooManyRequests:
			r.Reason = RetryRateLimited
		case http.StatusServiceUnavailable:
			r.Reason = RetryUnavailable
		default:
			r.Reason = RetryServerError
		}
	}
	o.obs.Retry(ctx, r)
}

// stage puts an observeStage above rt, for an observed call.
func (o *callObs) stage(c *call, rt http.RoundTripper) http.RoundTripper {
	if o == nil {
		return rt
	}
	return &observeStage{c: c, next: rt}
}

// limiter wraps l so that its waits are reported, for an observed call.
func (o *callObs) limiter(l Limiter) Limiter {
	if o == nil {
		return l
	}
	return observedLimiter{l: l, o: o}
}

// statusOf is resp's status, 0 without an answer.
func statusOf(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

// observeStage is the outermost stage of an observed call's pipeline: it
// starts each attempt (once, whatever redirects the attempt follows) and
// hands the attempt's context down to the limiter and the transports.
type observeStage struct {
	c    *call
	next http.RoundTripper
}

func (s *observeStage) RoundTrip(req *http.Request) (*http.Response, error) {
	o := s.c.obs
	if o.attempt != s.c.attempt {
		o.endAttempt(nil, nil, false)
		o.startAttempt(o.ctx, s.c.attempt)
	}
	out := req.WithContext(o.attemptCtx)
	if len(o.header) > 0 {
		out.Header = req.Header.Clone()
		for k, v := range o.header {
			if _, set := out.Header[k]; !set {
				out.Header[k] = v
			}
		}
	}
	return s.next.RoundTrip(out)
}

// observedLimiter reports each wait on the client's Limiter.
type observedLimiter struct {
	l Limiter
	o *callObs
}

func (l observedLimiter) Wait(ctx context.Context) error {
	start := time.Now()
	err := l.l.Wait(ctx)
	l.o.obs.LimiterWait(ctx, LimiterWaitInfo{Operation: l.o.scope.name, Wait: time.Since(start), Err: err})
	return err
}

// deliveryKey is the context key of an observed webhook delivery.
type deliveryKey struct{}

// delivery is what an observed WebhookHandler learns of one delivery.
type delivery struct {
	res WebhookResult
}

func deliveryFrom(ctx context.Context) *delivery {
	d, _ := ctx.Value(deliveryKey{}).(*delivery)
	return d
}

// ServeHTTP verifies, decodes and handles one delivery; see WebhookHandler
// for the answers. With an Observer, it reports the delivery to it.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.Observer == nil {
		h.serve(w, r)
		return
	}
	start := time.Now()
	ctx, end := h.Observer.StartWebhook(r.Context(), WebhookInfo{Method: r.Method})
	if ctx == nil {
		ctx = r.Context()
	}
	d := &delivery{}
	sw := &statusWriter{ResponseWriter: w}
	h.serve(sw, r.WithContext(context.WithValue(ctx, deliveryKey{}, d)))
	if end != nil {
		d.res.StatusCode = sw.status
		if sw.status == 0 {
			d.res.StatusCode = http.StatusOK // nothing written: net/http answers 200
		}
		d.res.Duration = time.Since(start)
		end(d.res)
	}
}

// noteEvents records the events of a decoded delivery.
func noteEvents(ctx context.Context, p *WebhookPayload) {
	if d := deliveryFrom(ctx); d != nil {
		d.res.Events = len(p.Events)
		d.res.EventTypes = make([]EventType, len(p.Events))
		for i, ev := range p.Events {
			d.res.EventTypes[i] = ev.Type
		}
	}
}

// noteClaim records what ClaimStore.Claim answered for one event.
func noteClaim(ctx context.Context, state ClaimState, err error) {
	d := deliveryFrom(ctx)
	switch {
	case d == nil:
	case err != nil:
		d.res.ClaimsFailed++
	case state == ClaimAcquired:
		d.res.ClaimsAcquired++
	case state == ClaimDone:
		d.res.ClaimsDone++
	case state == ClaimBusy:
		d.res.ClaimsBusy++
	default:
		d.res.ClaimsFailed++
	}
}

// noteHandled records an event Handle returned nil for.
func noteHandled(ctx context.Context) {
	if d := deliveryFrom(ctx); d != nil {
		d.res.Handled++
	}
}

// noteReason records the reason the handler answered with.
func noteReason(ctx context.Context, reason string) {
	if d := deliveryFrom(ctx); d != nil {
		d.res.Reason = reason
	}
}

// statusWriter keeps the status a handler writes.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the writer below.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
