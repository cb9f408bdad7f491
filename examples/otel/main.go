// Command otel shows what package otelquiltt records: it runs a few calls
// against quilttest, the SDK's in-process fake (the accounts, a refresh that
// the fake first answers 503, and the balance.created webhook that follows),
// prints every span on stdout with OpenTelemetry's stdout exporter, and
// serves the metrics at /metrics through OpenTelemetry's Prometheus
// exporter until interrupted (Ctrl-C or SIGTERM).
//
// Run it from this directory (it is a module of its own, so that the SDK's
// module never requires OpenTelemetry):
//
//	go run .
//	curl -s http://127.0.0.1:9464/metrics | grep quiltt_
//
// QUILTT_OTEL_ADDR sets the address to listen on (127.0.0.1:9464 by
// default; the webhook deliveries of the fake arrive there too).
//
// With QUILTT_API_KEY_SECRET and QUILTT_PROFILE_ID set it reads the
// Profile's accounts from the API at QUILTT_BASE_URL (and checks the key at
// QUILTT_AUTH_URL), Quiltt's own hosts when those are unset, such as the
// standalone fake cmd/quilttest prints: no refresh (it is billable), no
// webhook. Setting a URL without the key and the Profile is an error.
package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/otelquiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// The environment variables the example reads, and the default address.
const (
	EnvAddr      = "QUILTT_OTEL_ADDR"
	EnvAPIKey    = "QUILTT_API_KEY_SECRET"
	EnvProfileID = "QUILTT_PROFILE_ID"
	EnvBaseURL   = "QUILTT_BASE_URL"
	EnvAuthURL   = "QUILTT_AUTH_URL"
	DefaultAddr  = "127.0.0.1:9464"
	WebhookPath  = "/webhooks/quiltt"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Getenv, os.Stdout, os.Stderr, nil)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "otel:", err)
		os.Exit(1)
	}
}

// run listens on EnvAddr, runs the calls, then serves /metrics until ctx
// ends. With ready set, it calls it with the metrics URL once the calls are
// done; without, it prints the URL on stderr.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer, ready func(metricsURL string)) (err error) {
	out := &lockedWriter{w: stdout} // spans end on the server's goroutines too
	addr := cmp.Or(getenv(EnvAddr), DefaultAddr)
	key, profile := getenv(EnvAPIKey), getenv(EnvProfileID)
	if (key == "" || profile == "") && (getenv(EnvBaseURL) != "" || getenv(EnvAuthURL) != "") {
		return fmt.Errorf("%s or %s is set: set %s and %s too, or unset the URLs to use the in-process fake", EnvBaseURL, EnvAuthURL, EnvAPIKey, EnvProfileID)
	}

	// Telemetry: every span printed as it ends, metrics on a registry of
	// their own.
	spans, err := stdouttrace.New(stdouttrace.WithWriter(out), stdouttrace.WithPrettyPrint())
	if err != nil {
		return err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	reg := prometheus.NewRegistry()
	metrics, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(metrics))
	defer func() {
		err = errors.Join(err, tp.Shutdown(context.WithoutCancel(ctx)), mp.Shutdown(context.WithoutCancel(ctx)))
	}()
	obs := otelquiltt.NewObserver(otelquiltt.WithTracerProvider(tp), otelquiltt.WithMeterProvider(mp))

	// One server for /metrics and the fake's webhook deliveries.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	fake := quilttest.NewServer(quilttest.WithRefreshDelay(10 * time.Millisecond))
	defer fake.Close()
	secret := rand.Text()
	received := make(chan struct{}, 1)
	handler := quiltt.NewWebhookHandlerWithLogger(secret, func(_ context.Context, ev quiltt.Event) error {
		fmt.Fprintf(out, "webhook: %s for %s\n", ev.Type, ev.Profile.ID)
		select {
		case received <- struct{}{}:
		default:
		}
		return nil
	}, slog.New(slog.NewTextHandler(stderr, nil)))
	handler.Observer = obs
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle(WebhookPath, handler)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err = errors.Join(err, srv.Shutdown(shutdown), ignoreClosed(<-served))
	}()
	if err := fake.SetWebhook(base+WebhookPath, secret); err != nil {
		return err
	}

	if key != "" && profile != "" {
		err = realCalls(ctx, getenv, obs, out, stderr)
	} else {
		err = calls(ctx, fake, obs, out, received)
	}
	if err != nil {
		return err
	}
	metricsURL := base + "/metrics"
	if ready != nil {
		ready(metricsURL)
	} else {
		fmt.Fprintf(stderr, "metrics at %s; Ctrl-C to stop\n", metricsURL)
	}
	<-ctx.Done()
	return nil
}

// calls reads the accounts and refreshes one (the fake answers the first
// try 503, so the refresh is retried), then waits for its webhook.
func calls(ctx context.Context, fake *quilttest.Server, obs quiltt.Observer, out io.Writer, received <-chan struct{}) error {
	client, err := quiltt.NewClient(
		quiltt.WithBaseURL(fake.URL()),
		quiltt.WithAPIKey(fake.APIKey()),
		quiltt.WithRetryWait(10*time.Millisecond, 50*time.Millisecond),
		quiltt.WithObserver(obs),
	)
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	client = client.ForProfile(fake.ProfileID())

	accounts, err := client.Accounts(ctx, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "accounts: %d\n", len(accounts))
	if err := fake.FailNext(quilttest.RouteRefresh, 1, quilttest.Status(http.StatusServiceUnavailable)); err != nil {
		return err
	}
	if err := client.RefreshBalance(ctx, quilttest.CheckingAccountID); err != nil {
		return err
	}
	fmt.Fprintln(out, "refresh: accepted")
	select {
	case <-received:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Handle ran; the delivery is recorded once the fake has the answer.
	return fake.WaitDeliveries(ctx, 1)
}

// realCalls checks the API key and reads the Profile's accounts, at the
// hosts the environment names.
func realCalls(ctx context.Context, getenv func(string) string, obs quiltt.Observer, out, stderr io.Writer) error {
	opts := []quiltt.Option{quiltt.WithAPIKey(getenv(EnvAPIKey)), quiltt.WithObserver(obs)}
	if u := getenv(EnvBaseURL); u != "" {
		opts = append(opts, quiltt.WithBaseURL(u))
	}
	if u := getenv(EnvAuthURL); u != "" {
		opts = append(opts, quiltt.WithAuthURL(u))
	}
	client, err := quiltt.NewClient(opts...)
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	fmt.Fprintf(stderr, "Using the Quiltt API at %s as profile %s.\n", cmp.Or(getenv(EnvBaseURL), quiltt.DefaultBaseURL), getenv(EnvProfileID))
	if _, err := client.IntrospectAPIKey(ctx); err != nil {
		return err
	}
	accounts, err := client.ForProfile(getenv(EnvProfileID)).Accounts(ctx, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "accounts: %d\n", len(accounts))
	return nil
}

func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
