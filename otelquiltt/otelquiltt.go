// Package otelquiltt turns what a quiltt.Client and a quiltt.WebhookHandler
// do into OpenTelemetry spans and metrics, through OpenTelemetry's API: pass
// NewObserver() to quiltt.WithObserver, and set it as a WebhookHandler's
// Observer. It lives in a module of its own, so that the SDK's module never
// requires OpenTelemetry.
//
// Spans:
//   - quiltt.<Method> (kind client), one per operation: quiltt.Accounts,
//     quiltt.RefreshBalance, quiltt.RefreshAndWait, …, with the attribute
//     quiltt.operation, an event per retry (quiltt.retry) and, where
//     Quiltt may have acted on a request that was not safe to repeat,
//     quiltt.outcome_unknown = true. Its context is the parent of the
//     attempts, and of whatever your own transport instrumentation
//     (otelhttp) records below them.
//   - one child span per attempt (kind client, named by the HTTP method),
//     with OpenTelemetry's HTTP client attributes http.request.method,
//     server.address, server.port, http.request.resend_count and
//     http.response.status_code, error.type on failure, and an event per
//     wait on the rate limiter (quiltt.limiter.wait).
//   - quiltt.Webhook (kind server), one per webhook delivery, with
//     http.request.method, http.response.status_code, the number and types
//     of its events and what each claim found.
//
// Every span of a failed operation, attempt or delivery has status Error,
// described by a short fixed word (an HTTP status, "timeout", …), never by
// the error's text.
//
// Metrics (names fixed, for dashboards and alerts):
//   - quiltt.client.operation.duration (s, histogram): quiltt.operation,
//     error.type on failure, quiltt.outcome_unknown where set;
//   - quiltt.client.retries (counter): quiltt.operation, quiltt.retry.reason;
//   - quiltt.client.limiter.wait (s, histogram): quiltt.operation,
//     error.type when the limiter refused;
//   - quiltt.client.refreshes (counter, balance refreshes sent):
//     quiltt.refresh.outcome (accepted, refused, unknown, not_sent, failed);
//   - quiltt.webhook.deliveries (counter): http.response.status_code;
//   - quiltt.webhook.claims (counter): quiltt.claim.state (acquired, done,
//     busy, failed).
//
// Nothing the observer records holds a credential, a request or answer
// body, or an amount: the SDK never hands one to an Observer, and the
// observer records errors by kind, not by text.
//
// The observer does not put trace context on requests to Quiltt: its
// headers would tell a party outside your trust boundary your trace IDs.
// WithPropagator does, for those who want it.
package otelquiltt

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/quiltt-go/quiltt"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/quiltt-go/quiltt/otelquiltt"

// Option configures NewObserver.
type Option func(*config)

type config struct {
	tp   trace.TracerProvider
	mp   metric.MeterProvider
	prop propagation.TextMapPropagator
}

// WithTracerProvider sets the TracerProvider spans are started from. A nil
// provider, or no option, means the global one (otel.GetTracerProvider) at
// the time NewObserver is called.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// WithMeterProvider sets the MeterProvider metrics are recorded with. A nil
// provider, or no option, means the global one (otel.GetMeterProvider) at
// the time NewObserver is called.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.mp = mp }
}

// WithPropagator makes every attempt carry the attempt span's context in
// its headers, as p writes it (propagation.TraceContext{} for traceparent).
// Without it, or with a nil p, no trace context is sent to Quiltt.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(c *config) { c.prop = p }
}

// NewObserver returns a quiltt.Observer that records spans and metrics
// through the providers its options give (the global ones by default).
//
// Failure modes: NewObserver cannot fail. An instrument a MeterProvider
// refuses to create is reported to otel.Handle and replaced by one that
// records nothing; the other instruments and the spans are unaffected. A nil
// Option is ignored.
func NewObserver(opts ...Option) quiltt.Observer {
	var c config
	for _, opt := range opts {
		if opt != nil {
			opt(&c)
		}
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	return newObserver(&c)
}
