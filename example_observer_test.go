package quiltt_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// printObserver prints what it sees of operations, attempts and retries.
// Package otelquiltt is the Observer that turns them into OpenTelemetry
// spans and metrics.
type printObserver struct{}

func (printObserver) StartOperation(ctx context.Context, op quiltt.OperationInfo) (context.Context, func(quiltt.OperationResult)) {
	fmt.Println("operation", op.Name)
	return ctx, func(r quiltt.OperationResult) { fmt.Println("operation", op.Name, "ended; error:", r.Err != nil) }
}

func (printObserver) StartAttempt(ctx context.Context, a quiltt.AttemptInfo) (context.Context, func(quiltt.AttemptResult)) {
	return ctx, func(r quiltt.AttemptResult) { fmt.Println("  attempt", a.ResendCount, a.Method, r.StatusCode) }
}

func (printObserver) Retry(_ context.Context, r quiltt.RetryInfo) {
	fmt.Println("  retry:", r.Reason)
}

func (printObserver) LimiterWait(context.Context, quiltt.LimiterWaitInfo) {}

func (printObserver) StartWebhook(ctx context.Context, _ quiltt.WebhookInfo) (context.Context, func(quiltt.WebhookResult)) {
	return ctx, func(r quiltt.WebhookResult) { fmt.Println("webhook answered", r.StatusCode) }
}

// An Observer sees a refresh that the fake first answers 503: two attempts
// and the retry between them, within one operation.
func ExampleWithObserver() {
	srv := quilttest.NewServer()
	defer srv.Close()
	if err := srv.FailNext(quilttest.RouteRefresh, 1, quilttest.Status(http.StatusServiceUnavailable)); err != nil {
		fmt.Println(err)
		return
	}
	client, err := quiltt.NewClient(
		quiltt.WithBaseURL(srv.URL()),
		quiltt.WithAPIKey(srv.APIKey()),
		quiltt.WithRetryWait(time.Millisecond, 10*time.Millisecond),
		quiltt.WithObserver(printObserver{}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()
	if err := client.RefreshBalance(context.Background(), quilttest.CheckingAccountID); err != nil {
		fmt.Println(err)
	}
	// Output:
	// operation RefreshBalance
	//   attempt 0 POST 503
	//   retry: unavailable
	//   attempt 1 POST 202
	// operation RefreshBalance ended; error: false
}
