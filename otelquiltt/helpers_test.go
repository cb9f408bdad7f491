package otelquiltt_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/otelquiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// rig is a client observed by otelquiltt on OpenTelemetry's SDK, against
// the in-process fake.
type rig struct {
	srv    *quilttest.Server
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	obs    quiltt.Observer
	client *quiltt.Client
	tp     *sdktrace.TracerProvider
}

func newRig(t *testing.T, srvOpts []quilttest.Option, opts ...quiltt.Option) *rig {
	t.Helper()
	r := &rig{srv: quilttest.NewTestServer(t, srvOpts...), spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	r.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	t.Cleanup(func() {
		require.NoError(t, r.tp.Shutdown(context.Background()))
		require.NoError(t, mp.Shutdown(context.Background()))
	})
	r.obs = otelquiltt.NewObserver(otelquiltt.WithTracerProvider(r.tp), otelquiltt.WithMeterProvider(mp))
	base := []quiltt.Option{
		quiltt.WithBaseURL(r.srv.URL()),
		quiltt.WithAuthURL(r.srv.AuthURL()),
		quiltt.WithAPIKey(r.srv.APIKey()),
		quiltt.WithSessionToken(r.srv.SessionToken()),
		quiltt.WithRetryWait(time.Millisecond, 5*time.Millisecond),
		quiltt.WithObserver(r.obs),
	}
	c, err := quiltt.NewClient(append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	r.client = c
	return r
}

// named returns the ended spans called name.
func (r *rig) named(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range r.spans.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// one returns the one ended span called name.
func (r *rig) one(t *testing.T, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	s := r.named(name)
	require.Len(t, s, 1, "spans named %s", name)
	return s[0]
}

// children returns the ended children of parent, in the order they started.
func (r *rig) children(parent sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range r.spans.Ended() {
		if s.Parent().SpanID() == parent.SpanContext().SpanID() {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StartTime().Before(out[j].StartTime()) })
	return out
}

// attr returns the value of key on s, and whether it is set.
func attr(s sdktrace.ReadOnlySpan, key string) (attribute.Value, bool) {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// metrics collects what the reader holds, by instrument name.
func (r *rig) metrics(t *testing.T) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, r.reader.Collect(context.Background(), &rm))
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// sum returns the value of a counter's data point whose attributes hold
// every one of want; 0 when there is none.
func sum(m metricdata.Metrics, want ...attribute.KeyValue) int64 {
	s, ok := m.Data.(metricdata.Sum[int64])
	if !ok {
		return 0
	}
	var n int64
	for _, dp := range s.DataPoints {
		if hasAll(dp.Attributes, want) {
			n += dp.Value
		}
	}
	return n
}

// histCount returns how many values a histogram recorded with every one of
// want among their attributes.
func histCount(m metricdata.Metrics, want ...attribute.KeyValue) uint64 {
	h, ok := m.Data.(metricdata.Histogram[float64])
	if !ok {
		return 0
	}
	var n uint64
	for _, dp := range h.DataPoints {
		if hasAll(dp.Attributes, want) {
			n += dp.Count
		}
	}
	return n
}

func hasAll(set attribute.Set, want []attribute.KeyValue) bool {
	for _, kv := range want {
		v, ok := set.Value(kv.Key)
		if !ok || v != kv.Value {
			return false
		}
	}
	return true
}

// telemetryText is every name, attribute, event, status and data point the
// rig recorded, as text, for a scan for what must never be there.
func (r *rig) telemetryText(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, s := range r.spans.Ended() {
		fmt.Fprintf(&b, "span %s %s %s\n", s.Name(), s.Status().Code, s.Status().Description)
		for _, kv := range s.Attributes() {
			fmt.Fprintf(&b, "  %s=%s\n", kv.Key, kv.Value.String())
		}
		for _, ev := range s.Events() {
			fmt.Fprintf(&b, "  event %s\n", ev.Name)
			for _, kv := range ev.Attributes {
				fmt.Fprintf(&b, "    %s=%s\n", kv.Key, kv.Value.String())
			}
		}
		for _, l := range s.Links() {
			fmt.Fprintf(&b, "  link %v\n", l.Attributes)
		}
	}
	var rm metricdata.ResourceMetrics
	require.NoError(t, r.reader.Collect(context.Background(), &rm))
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			fmt.Fprintf(&b, "metric %s %s %s %+v\n", m.Name, m.Unit, m.Description, m.Data)
		}
	}
	return b.String()
}

// spanContexts is an http.RoundTripper that keeps the span context of each
// request it sends and its traceparent header, as the user's own transport
// instrumentation (otelhttp) would see them.
type spanContexts struct {
	next http.RoundTripper

	mu          sync.Mutex
	seen        []trace.SpanContext
	traceparent []string
}

func (s *spanContexts) RoundTrip(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.seen = append(s.seen, trace.SpanContextFromContext(req.Context()))
	s.traceparent = append(s.traceparent, req.Header.Get("Traceparent"))
	s.mu.Unlock()
	return s.next.RoundTrip(req)
}

func (s *spanContexts) get() ([]trace.SpanContext, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]trace.SpanContext(nil), s.seen...), append([]string(nil), s.traceparent...)
}

// countingLimiter lets every attempt go at once, counting the waits, or
// refuses with err.
type countingLimiter struct {
	mu    sync.Mutex
	waits int
	err   error
}

func (l *countingLimiter) Wait(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.waits++
	return l.err
}

// sdkSpanID is the span ID of the remote span context ctx carries.
func sdkSpanID(ctx context.Context) trace.SpanID {
	return trace.SpanContextFromContext(ctx).SpanID()
}
