// Command quilttest runs the SDK's fake of the Quiltt API (package
// quilttest) as a standalone server, for curl, services not written in Go
// and manual tests, as stripe-mock serves Stripe users; and signs webhook
// deliveries for testing one's own endpoint.
//
// Serve the fake (the API and, on a second listener, the auth API), on
// loopback only (127.0.0.1:8080 and :8081) unless -addr says otherwise:
//
//	go install github.com/quiltt-go/quiltt/cmd/quilttest@latest && quilttest
//
// (from a clone: go build -o bin/quilttest ./cmd/quilttest && bin/quilttest).
// Build it and run the binary (or "exec go run …" from a shell script):
// "go run" starts the built server as its child and, stopped by SIGTERM
// sent to its own PID, leaves that child serving. Ctrl-C in a terminal
// reaches both.
//
// The banner ends with the export lines that point the SDK's examples at
// the fake (QUILTT_BASE_URL, QUILTT_AUTH_URL, QUILTT_API_KEY_SECRET,
// QUILTT_PROFILE_ID, QUILTT_WEBHOOK_SECRET).
//
// It prints its URL, its auth URL, the API key, the profile and a session
// token and the environment's webhook secret, serves the two accounts of
// Quiltt's balances doc page and the webhook subscriptions API
// (/v1/webhooks/subscriptions), POSTs a signed balance.created delivery to
// every subscription (and to -webhook-url) on every completed refresh,
// redelivering one that is refused or missed after 1, 2, 4, 8, 16 and 32
// seconds, logs each request and each delivery try to stderr (credentials
// redacted),
// and stops on SIGINT or SIGTERM, waiting up to -shutdown-timeout for the
// requests being served. Flags:
//
//	-addr host:port          the API (default 127.0.0.1:8080, loopback only)
//	-auth-addr host:port     the auth API (default: -addr's host, its port + 1; port 0 stays 0)
//	-api-key secret          the API key to accept (default: a random qltt_test_… key)
//	-api-version date        the key's API version (default 2026-04-01)
//	-webhook-url URL         where completed refreshes deliver balance.created
//	-webhook-secret secret   the secret they, and deliveries to subscriptions, are signed with (default $QUILTT_WEBHOOK_SECRET, else random)
//	-refresh-delay duration  how long after its 202 a refresh completes (default 0; not negative)
//	-no-seed                 start without the doc page's accounts
//	-log-limit n             requests and deliveries kept in memory (default 1000)
//	-shutdown-timeout d      how long a signal waits for requests in flight (default 5s)
//
// Sign a delivery for one's own endpoint:
//
//	go run github.com/quiltt-go/quiltt/cmd/quilttest sign -secret whsec_… -body testdata/webhook/balance_created_event.json [-url URL] [-timestamp unix]
//
// prints the Quiltt-Signature and Quiltt-Timestamp headers and a ready curl
// command line. The body is read from -body, or from stdin without it (or
// with "-"); the secret comes from -secret or $QUILTT_WEBHOOK_SECRET. The
// signature is valid for 300 seconds around its timestamp.
//
// The exit status is 0 after a clean stop, 1 on an error (the message
// never holds a secret).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "quilttest:", err)
		os.Exit(1)
	}
}

// run is the command: "sign" and its flags, or the server's flags. It
// serves until ctx ends. It returns flag.ErrHelp for -h.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "sign" {
		return runSign(args[1:], stdin, stdout, stderr, os.Getenv)
	}
	return runServe(ctx, args, stdout, stderr, os.Getenv)
}
