package otelquiltt

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/quiltt-go/quiltt"
)

// The attribute keys the observer records. The HTTP ones are
// OpenTelemetry's semantic conventions; the quiltt ones are the SDK's.
const (
	keyOperation      = attribute.Key("quiltt.operation")
	keyOutcomeUnknown = attribute.Key("quiltt.outcome_unknown")
	keyRetryReason    = attribute.Key("quiltt.retry.reason")
	keyRefreshOutcome = attribute.Key("quiltt.refresh.outcome")
	keyClaimState     = attribute.Key("quiltt.claim.state")
	keyEvents         = attribute.Key("quiltt.webhook.events")
	keyEventTypes     = attribute.Key("quiltt.webhook.event_types")
	keyHandled        = attribute.Key("quiltt.webhook.handled")
	keyWait           = attribute.Key("quiltt.wait")
	keyAttempt        = attribute.Key("quiltt.attempt")
	keyMethod         = attribute.Key("http.request.method")
	keyStatus         = attribute.Key("http.response.status_code")
	keyResend         = attribute.Key("http.request.resend_count")
	keyServerAddress  = attribute.Key("server.address")
	keyServerPort     = attribute.Key("server.port")
	keyErrorType      = attribute.Key("error.type")
)

type observer struct {
	tracer trace.Tracer
	prop   propagation.TextMapPropagator

	opDuration  metric.Float64Histogram
	retries     metric.Int64Counter
	limiterWait metric.Float64Histogram
	refreshes   metric.Int64Counter
	deliveries  metric.Int64Counter
	claims      metric.Int64Counter

	// The attribute sets of the measurements, built once each: a set is
	// sorted and allocated, which costs more than a no-op recording.
	opAttrs, retryAttrs, waitAttrs, statusAttrs sync.Map // key → metric.MeasurementOption
	refreshAttrs                                map[string]metric.MeasurementOption
	claimAttrs                                  map[string]metric.MeasurementOption
}

// measure returns the option of the attribute set that attrs builds,
// stored in m under key.
func measure(m *sync.Map, key any, attrs func() []attribute.KeyValue) metric.MeasurementOption {
	if o, ok := m.Load(key); ok {
		return o.(metric.MeasurementOption)
	}
	o, _ := m.LoadOrStore(key, metric.WithAttributeSet(attribute.NewSet(attrs()...)))
	return o.(metric.MeasurementOption)
}

// fixedAttrs returns an option for each value of key.
func fixedAttrs(key attribute.Key, values ...string) map[string]metric.MeasurementOption {
	m := make(map[string]metric.MeasurementOption, len(values))
	for _, v := range values {
		m[v] = metric.WithAttributeSet(attribute.NewSet(key.String(v)))
	}
	return m
}

var (
	kindClient = trace.WithSpanKind(trace.SpanKindClient)
	kindServer = trace.WithSpanKind(trace.SpanKindServer)
)

func newObserver(c *config) *observer {
	m := c.mp.Meter(ScopeName)
	o := &observer{tracer: c.tp.Tracer(ScopeName), prop: c.prop,
		refreshAttrs: fixedAttrs(keyRefreshOutcome, "not_sent", "unknown", "accepted", "refused", "failed"),
		claimAttrs:   fixedAttrs(keyClaimState, "acquired", "done", "busy", "failed"),
	}
	var err error
	o.opDuration, err = m.Float64Histogram("quiltt.client.operation.duration",
		metric.WithUnit("s"), metric.WithDescription("Duration of the SDK's operations, retries and waits included."),
		metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60))
	handle(err)
	o.retries, err = m.Int64Counter("quiltt.client.retries",
		metric.WithUnit("{retry}"), metric.WithDescription("Requests sent again, by reason."))
	handle(err)
	o.limiterWait, err = m.Float64Histogram("quiltt.client.limiter.wait",
		metric.WithUnit("s"), metric.WithDescription("Time attempts waited on the client's rate limiter."),
		metric.WithExplicitBucketBoundaries(0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
	handle(err)
	o.refreshes, err = m.Int64Counter("quiltt.client.refreshes",
		metric.WithUnit("{refresh}"), metric.WithDescription("Balance refreshes sent (billable), by outcome."))
	handle(err)
	o.deliveries, err = m.Int64Counter("quiltt.webhook.deliveries",
		metric.WithUnit("{delivery}"), metric.WithDescription("Webhook deliveries answered, by status."))
	handle(err)
	o.claims, err = m.Int64Counter("quiltt.webhook.claims",
		metric.WithUnit("{claim}"), metric.WithDescription("Claims on webhook events, by what the claim store answered."))
	handle(err)
	return o
}

// handle reports an instrument the MeterProvider refused. The API's
// instruments returned beside an error still accept measurements.
func handle(err error) {
	if err != nil {
		otel.Handle(err)
	}
}

// opKey names the attribute set of an operation's duration.
type opKey struct {
	name, errorType string
	unknown         bool
}

func (o *observer) StartOperation(ctx context.Context, op quiltt.OperationInfo) (context.Context, func(quiltt.OperationResult)) {
	ctx, span := o.tracer.Start(ctx, "quiltt."+op.Name, kindClient)
	if span.IsRecording() {
		span.SetAttributes(keyOperation.String(op.Name))
	}
	return ctx, func(r quiltt.OperationResult) {
		k := opKey{name: op.Name, unknown: r.OutcomeUnknown}
		if r.Err != nil {
			k.errorType = errorType(r.Err)
			span.SetStatus(codes.Error, k.errorType)
		}
		attrs := func() []attribute.KeyValue {
			a := []attribute.KeyValue{keyOperation.String(k.name)}
			if k.unknown {
				a = append(a, keyOutcomeUnknown.Bool(true))
			}
			if k.errorType != "" {
				a = append(a, keyErrorType.String(k.errorType))
			}
			return a
		}
		if span.IsRecording() && (k.unknown || k.errorType != "") {
			span.SetAttributes(attrs()[1:]...)
		}
		o.opDuration.Record(ctx, r.Duration.Seconds(), measure(&o.opAttrs, k, attrs))
		span.End()
	}
}

func (o *observer) StartAttempt(ctx context.Context, a quiltt.AttemptInfo) (context.Context, func(quiltt.AttemptResult)) {
	ctx, span := o.tracer.Start(ctx, a.Method, kindClient)
	if span.IsRecording() {
		span.SetAttributes(
			keyMethod.String(a.Method),
			keyServerAddress.String(a.ServerAddress),
			keyResend.Int(a.ResendCount),
			keyOperation.String(a.Operation),
		)
		if a.ServerPort != 0 {
			span.SetAttributes(keyServerPort.Int(a.ServerPort))
		}
	}
	if o.prop != nil && a.Header != nil {
		o.prop.Inject(ctx, propagation.HeaderCarrier(a.Header))
	}
	refresh := a.Refresh
	return ctx, func(r quiltt.AttemptResult) {
		if span.IsRecording() {
			endAttempt(span, r)
		}
		if refresh {
			o.refreshes.Add(ctx, 1, o.refreshAttrs[refreshOutcome(r)])
		}
		span.End()
	}
}

// endAttempt sets what an attempt's end tells on its span.
func endAttempt(span trace.Span, r quiltt.AttemptResult) {
	if r.StatusCode != 0 {
		span.SetAttributes(keyStatus.Int(r.StatusCode))
	}
	if r.OutcomeUnknown {
		span.SetAttributes(keyOutcomeUnknown.Bool(true))
	}
	et := ""
	switch {
	case r.Err != nil:
		et = errorType(r.Err)
	case r.StatusCode >= 400:
		et = strconv.Itoa(r.StatusCode)
	}
	if et != "" {
		span.SetAttributes(keyErrorType.String(et))
		span.SetStatus(codes.Error, et)
	}
}

// refreshOutcome names what became of one attempt of a balance refresh.
func refreshOutcome(r quiltt.AttemptResult) string {
	switch {
	case r.NotSent:
		return "not_sent"
	case r.OutcomeUnknown:
		return "unknown"
	case r.StatusCode >= 200 && r.StatusCode <= 299:
		return "accepted"
	case r.StatusCode != 0:
		return "refused"
	}
	return "failed"
}

func (o *observer) Retry(ctx context.Context, r quiltt.RetryInfo) {
	reason := keyRetryReason.String(string(r.Reason))
	o.retries.Add(ctx, 1, measure(&o.retryAttrs, [2]string{r.Operation, string(r.Reason)}, func() []attribute.KeyValue {
		return []attribute.KeyValue{keyOperation.String(r.Operation), reason}
	}))
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		attrs := []attribute.KeyValue{reason, keyAttempt.Int(r.Attempt), keyWait.Float64(r.Wait.Seconds())}
		if r.StatusCode != 0 {
			attrs = append(attrs, keyStatus.Int(r.StatusCode))
		}
		span.AddEvent("quiltt.retry", trace.WithAttributes(attrs...))
	}
}

func (o *observer) LimiterWait(ctx context.Context, w quiltt.LimiterWaitInfo) {
	var et string
	if w.Err != nil {
		et = errorType(w.Err)
	}
	attrs := func() []attribute.KeyValue {
		a := []attribute.KeyValue{keyOperation.String(w.Operation)}
		if et != "" {
			a = append(a, keyErrorType.String(et))
		}
		return a
	}
	o.limiterWait.Record(ctx, w.Wait.Seconds(), measure(&o.waitAttrs, [2]string{w.Operation, et}, attrs))
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.AddEvent("quiltt.limiter.wait", trace.WithAttributes(append(attrs()[1:], keyWait.Float64(w.Wait.Seconds()))...))
	}
}

func (o *observer) StartWebhook(ctx context.Context, d quiltt.WebhookInfo) (context.Context, func(quiltt.WebhookResult)) {
	ctx, span := o.tracer.Start(ctx, "quiltt.Webhook", kindServer, trace.WithAttributes(keyMethod.String(d.Method)))
	return ctx, func(r quiltt.WebhookResult) {
		span.SetAttributes(keyStatus.Int(r.StatusCode), keyEvents.Int(r.Events), keyHandled.Int(r.Handled))
		if len(r.EventTypes) > 0 {
			types := make([]string, len(r.EventTypes))
			for i, t := range r.EventTypes {
				types[i] = string(t)
			}
			span.SetAttributes(keyEventTypes.StringSlice(types))
		}
		for _, c := range [...]struct {
			state string
			n     int
		}{{"acquired", r.ClaimsAcquired}, {"done", r.ClaimsDone}, {"busy", r.ClaimsBusy}, {"failed", r.ClaimsFailed}} {
			if c.n > 0 {
				o.claims.Add(ctx, int64(c.n), o.claimAttrs[c.state])
				span.SetAttributes(attribute.Int("quiltt.webhook.claims."+c.state, c.n))
			}
		}
		if r.StatusCode < 200 || r.StatusCode > 299 {
			et := strconv.Itoa(r.StatusCode)
			span.SetAttributes(keyErrorType.String(et))
			span.SetStatus(codes.Error, r.Reason)
		}
		o.deliveries.Add(ctx, 1, measure(&o.statusAttrs, r.StatusCode, func() []attribute.KeyValue {
			return []attribute.KeyValue{keyStatus.Int(r.StatusCode)}
		}))
		span.End()
	}
}

// errorType names an error by its kind, for error.type and a span's status:
// the HTTP status of a *quiltt.Error, or a fixed word. Never the error's
// text, which may name an account or echo what Quiltt said.
func errorType(err error) string {
	var qe *quiltt.Error
	switch {
	case errors.Is(err, quiltt.ErrOutcomeUnknown):
		return "outcome_unknown"
	case errors.As(err, &qe):
		return strconv.Itoa(qe.StatusCode)
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, quiltt.ErrMissingCredentials):
		return "missing_credentials"
	case errors.Is(err, quiltt.ErrNilContext):
		return "nil_context"
	case errors.Is(err, quiltt.ErrInvalidResponse):
		return "invalid_response"
	case errors.Is(err, quiltt.ErrNotFound):
		return "not_found"
	}
	var qerr *quiltt.QueryError
	var te *quiltt.TransportError
	switch {
	case errors.As(err, &qerr):
		return "graphql_error"
	case errors.As(err, &te):
		return "transport"
	}
	return "_OTHER"
}
