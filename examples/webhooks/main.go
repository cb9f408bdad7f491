// Command webhooks serves Quiltt webhook deliveries with
// quiltt.NewWebhookHandlerWithLogger, prints each event it accepts, and logs
// each delivery it refuses on stderr.
//
// Run it from the repository's root:
//
//	go run ./examples/webhooks
//
// With QUILTT_API_KEY_SECRET and QUILTT_PROFILE_ID set it serves real
// deliveries: it listens on QUILTT_WEBHOOK_ADDR (127.0.0.1:9000 by default,
// clear of the standalone fake's 8080 and 8081) at the path
// /webhooks/quiltt, verifies them with QUILTT_WEBHOOK_SECRET (the secret of
// the webhook subscription in the Quiltt Dashboard; required) and serves
// until interrupted (Ctrl-C or SIGTERM). Quiltt must be able to reach the
// address: put it behind your HTTPS endpoint or a tunnel, and set
// QUILTT_WEBHOOK_URL to that public https URL: at start-up the example then
// ensures the environment's subscription to balance.created for it
// (quiltt.Client.EnsureWebhookSubscription: created the first time, left
// alone or updated in place after), so that no one has to set it up in the
// Dashboard.
//
// QUILTT_BASE_URL and QUILTT_AUTH_URL point it at another API and auth host
// than Quiltt's, such as the standalone fake: start cmd/quilttest, export the
// variables its banner prints, run this example with QUILTT_WEBHOOK_URL
// http://127.0.0.1:9000/webhooks/quiltt, and refresh an account (the
// banner's curl line): the fake's delivery lands here (see the README).
//
// Otherwise it says so on stderr and runs against quilttest, the SDK's
// in-process fake: it listens on a free loopback port, ensures its
// subscription there through the SDK, verifies deliveries with the fake
// environment's secret, refreshes Premium Checking, prints the
// balance.created event that arrives, and exits.
package main

import (
	"cmp"
	"context"
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

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/examples/internal/exampleenv"
	"github.com/quiltt-go/quiltt/quilttest"
)

// The environment variables of the real mode, and the defaults.
const (
	EnvWebhookAddr   = "QUILTT_WEBHOOK_ADDR"   // host:port to listen on
	EnvWebhookSecret = "QUILTT_WEBHOOK_SECRET" // the webhook subscription's secret
	EnvWebhookURL    = "QUILTT_WEBHOOK_URL"    // the public URL to subscribe (optional)
	DefaultAddr      = "127.0.0.1:9000"
	WebhookPath      = "/webhooks/quiltt"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "webhooks:", err)
		os.Exit(1)
	}
}

// run serves webhook deliveries until ctx ends (real mode) or until the
// event of one refresh was accepted (fake mode), then shuts the server down
// gracefully.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	env, err := exampleenv.Open(getenv, stderr)
	if err != nil {
		return err
	}
	defer env.Close()

	var addr, secret string
	if env.Fake != nil {
		addr, secret = "127.0.0.1:0", env.Fake.WebhookSecret() // a free port; the fake environment's secret
	} else {
		addr, secret = cmp.Or(getenv(EnvWebhookAddr), DefaultAddr), getenv(EnvWebhookSecret)
		if secret == "" {
			return fmt.Errorf("%s is unset: set it to the secret of your webhook subscription (Quiltt Dashboard)", EnvWebhookSecret)
		}
	}

	accepted := make(chan struct{}, 1) // an event was printed
	var mu sync.Mutex                  // deliveries may arrive concurrently: one event printed at a time
	mux := http.NewServeMux()
	// The handler verifies the signature and decodes the delivery before
	// calling the function, once per event; it answers 2xx only once the
	// function succeeded for every event, so an error makes Quiltt deliver
	// again, and it skips an event it has already processed. Each refusal or
	// failure is answered with a short reason (Quiltt's delivery log shows
	// it) and logged here, on stderr, never with the body or the secret.
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	mux.Handle(WebhookPath, quiltt.NewWebhookHandlerWithLogger(secret, func(_ context.Context, e quiltt.Event) error {
		mu.Lock()
		defer mu.Unlock()
		if err := printEvent(stdout, e); err != nil {
			return err
		}
		select {
		case accepted <- struct{}{}:
		default:
		}
		return nil
	}, logger))

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String() + WebhookPath
	fmt.Fprintf(stderr, "Listening for Quiltt webhooks on %s\n", url)

	// At start-up, every replica ensures the subscription that points here.
	switch target := getenv(EnvWebhookURL); {
	case env.Fake != nil:
		err = ensureSubscription(ctx, env.Client, url, stderr)
	case target != "":
		err = ensureSubscription(ctx, env.Client, target, stderr)
	default:
		fmt.Fprintf(stderr, "%s is unset: not checking the webhook subscription.\n", EnvWebhookURL)
	}

	switch {
	case err != nil:
	case env.Fake != nil:
		err = refreshAndReceive(ctx, env, accepted, stderr)
	default:
		fmt.Fprintln(stderr, "Serving until interrupted (Ctrl-C).")
		select {
		case <-ctx.Done():
		case err = <-served: // the server failed on its own
			return err
		}
	}

	// Let the deliveries being served finish, for at most five seconds.
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if serr := srv.Shutdown(shutdownCtx); serr != nil {
		err = cmp.Or(err, serr)
	}
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = cmp.Or(err, serr)
	}
	return err
}

// ensureSubscription makes sure the environment has one subscription to
// balance.created for target: the start-up call of every replica.
func ensureSubscription(ctx context.Context, client *quiltt.Client, target string, stderr io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	sub, err := client.EnsureWebhookSubscription(ctx, &quiltt.WebhookSubscriptionParams{
		Name:       "quiltt-go examples/webhooks",
		TargetURL:  target,
		EventTypes: []quiltt.EventType{quiltt.EventBalanceCreated},
	})
	if err != nil {
		return fmt.Errorf("ensuring the webhook subscription: %w", err)
	}
	fmt.Fprintf(stderr, "Subscribed: %s delivers %v here.\n", sub.ID, sub.EventTypes)
	return nil
}

// refreshAndReceive refreshes Premium Checking and waits until the handler
// accepted the event the fake delivers to the subscription (at most ten
// seconds).
func refreshAndReceive(ctx context.Context, env *exampleenv.Env, accepted <-chan struct{}, stderr io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	fmt.Fprintln(stderr, "Refreshing Premium Checking: the fake delivers its balance.created event here.")
	if err := env.Client.RefreshBalance(ctx, quilttest.CheckingAccountID); err != nil {
		return err
	}
	select {
	case <-accepted:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("no webhook event accepted: %w", ctx.Err())
	}
}

// printEvent writes one line for e: its ID, type and time, and for a
// balance.created event the account, source and amounts as reported (an
// amount not reported shows exampleenv.NoAmount).
func printEvent(w io.Writer, e quiltt.Event) error {
	if e.Type != quiltt.EventBalanceCreated {
		// Every other type decodes too, with its raw record in e.Record.
		_, err := fmt.Fprintf(w, "%s  %s  at %s  profile %s\n", e.ID, e.Type, e.At.Format(time.RFC3339), e.Profile.ID)
		return err
	}
	b, err := e.Balance()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s  %s  at %s  account %s  source %s  current %s  available %s  limit %s\n",
		e.ID, e.Type, e.At.Format(time.RFC3339), b.AccountID, b.Source,
		exampleenv.Amount(b.Current), exampleenv.Amount(b.Available), exampleenv.Amount(b.Limit))
	return err
}
