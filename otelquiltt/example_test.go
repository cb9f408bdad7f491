package otelquiltt_test

import (
	"context"
	"fmt"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/otelquiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// A client observed by otelquiltt records a span per operation and a child
// span per attempt. Here the spans go to an in-memory recorder; in a
// service, pass the TracerProvider and MeterProvider your exporters feed
// (or nothing, for the global ones).
func ExampleNewObserver() {
	srv := quilttest.NewServer()
	defer srv.Close()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())

	client, err := quiltt.NewClient(
		quiltt.WithBaseURL(srv.URL()),
		quiltt.WithAPIKey(srv.APIKey()),
		quiltt.WithObserver(otelquiltt.NewObserver(otelquiltt.WithTracerProvider(tp))),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()
	if err := client.RefreshBalance(context.Background(), quilttest.CheckingAccountID); err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range rec.Ended() {
		fmt.Println(s.Name(), s.SpanKind())
	}
	// Output:
	// POST client
	// quiltt.RefreshBalance client
}
