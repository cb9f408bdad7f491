package otelquiltt_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/otelquiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// Trace context reaches Quiltt only with WithPropagator, and then it is the
// attempt's; a global propagator alone does not send it.
func TestTraceContextIsSentOnlyWithWithPropagator(t *testing.T) {
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.TraceContext{})
	defer otel.SetTextMapPropagator(prev)

	for _, propagate := range []bool{false, true} {
		srv := quilttest.NewTestServer(t)
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
		opts := []otelquiltt.Option{otelquiltt.WithTracerProvider(tp)}
		if propagate {
			opts = append(opts, otelquiltt.WithPropagator(propagation.TraceContext{}))
		}
		transport := http.DefaultTransport.(*http.Transport).Clone()
		spy := &spanContexts{next: transport}
		c, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL()), quiltt.WithAPIKey(srv.APIKey()),
			quiltt.WithHTTPClient(&http.Client{Transport: spy}), quiltt.WithObserver(otelquiltt.NewObserver(opts...)))
		require.NoError(t, err)
		require.NoError(t, c.RefreshBalance(context.Background(), quilttest.CheckingAccountID))
		transport.CloseIdleConnections()
		require.NoError(t, tp.Shutdown(context.Background()))

		seen, traceparent := spy.get()
		require.Len(t, seen, 1)
		reqs := srv.Requests()
		require.Len(t, reqs, 1)
		if !propagate {
			assert.Empty(t, traceparent[0])
			assert.Empty(t, reqs[0].Header.Get("Traceparent"))
			continue
		}
		tc := propagation.TraceContext{}
		got := tc.Extract(context.Background(), propagation.HeaderCarrier(reqs[0].Header))
		assert.Equal(t, seen[0].SpanID(), sdkSpanID(got), "the attempt's span, as the fake received it")
	}
}

// Without options the observer uses the global providers.
func TestNewObserverUsesTheGlobalProviders(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	prevTP, prevMP := otel.GetTracerProvider(), otel.GetMeterProvider()
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	defer func() {
		otel.SetTracerProvider(prevTP)
		otel.SetMeterProvider(prevMP)
		require.NoError(t, tp.Shutdown(context.Background()))
		require.NoError(t, mp.Shutdown(context.Background()))
	}()

	srv := quilttest.NewTestServer(t)
	c, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL()), quiltt.WithAPIKey(srv.APIKey()),
		quiltt.WithObserver(otelquiltt.NewObserver(nil)), quiltt.WithRetryWait(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	require.NoError(t, c.RefreshBalance(context.Background(), quilttest.CheckingAccountID))

	names := map[string]bool{}
	for _, s := range rec.Ended() {
		names[s.Name()] = true
	}
	assert.True(t, names["quiltt.RefreshBalance"])
	r := &rig{reader: reader}
	assert.Contains(t, r.metrics(t), "quiltt.client.operation.duration")
}
