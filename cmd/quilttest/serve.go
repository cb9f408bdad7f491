package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/quiltt-go/quiltt/quilttest"
)

// envWebhookSecret is where -webhook-secret and sign's -secret default
// from, so that a secret need not appear in the process list.
const envWebhookSecret = "QUILTT_WEBHOOK_SECRET"

// defaultAddr is -addr's default: loopback only, so that the printed API key
// serves no one else on the network.
const defaultAddr = "127.0.0.1:8080"

// serveConfig is the server's flags.
type serveConfig struct {
	addr, authAddr  string
	apiKey          string
	apiVersion      string
	webhookURL      string
	webhookSecret   string
	refreshDelay    time.Duration
	noSeed          bool
	logLimit        int
	shutdownTimeout time.Duration
}

func parseServe(args []string, stderr io.Writer, getenv func(string) string) (serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("quilttest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", defaultAddr, "`host:port` of the API (default: loopback only)")
	fs.StringVar(&c.authAddr, "auth-addr", "", "`host:port` of the auth API (default: -addr's host, its port + 1)")
	fs.StringVar(&c.apiKey, "api-key", "", "the API key `secret` to accept (default: a random one)")
	fs.StringVar(&c.apiVersion, "api-version", quilttest.DefaultAPIVersion, "the API key's `version`")
	fs.StringVar(&c.webhookURL, "webhook-url", "", "`URL` to deliver balance.created webhooks to")
	fs.StringVar(&c.webhookSecret, "webhook-secret", "", "the `secret` deliveries are signed with (default $"+envWebhookSecret+")")
	fs.DurationVar(&c.refreshDelay, "refresh-delay", 0, "how long after its 202 a refresh completes")
	fs.BoolVar(&c.noSeed, "no-seed", false, "start without the balances doc page's accounts")
	fs.IntVar(&c.logLimit, "log-limit", 1000, "requests and deliveries kept in memory")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 5*time.Second, "how long a signal waits for requests in flight")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: quilttest [flags]        a fake Quiltt API\n       quilttest sign [flags]   sign a webhook delivery (quilttest sign -h)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (the subcommand is \"sign\")", fs.Arg(0))
	}
	if c.webhookSecret == "" {
		c.webhookSecret = getenv(envWebhookSecret)
	}
	switch {
	case c.webhookURL != "" && c.webhookSecret == "":
		return c, errors.New("-webhook-url needs -webhook-secret or $" + envWebhookSecret)
	case c.logLimit < 1:
		return c, errors.New("-log-limit must be at least 1")
	case c.shutdownTimeout <= 0:
		return c, errors.New("-shutdown-timeout must be positive")
	case c.refreshDelay < 0:
		// The package's manual mode (a negative delay) waits for
		// Server.CompleteRefreshes, which nothing can call here.
		return c, fmt.Errorf("-refresh-delay must not be negative (got %v)", c.refreshDelay)
	}
	if c.authAddr == "" {
		a, err := nextPort(c.addr)
		if err != nil {
			return c, err
		}
		c.authAddr = a
	}
	return c, nil
}

// nextPort is addr with its port + 1; port 0 (any free port) stays 0.
func nextPort(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("-addr %q: %w", addr, err)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n >= 65535 {
		return "", fmt.Errorf("-addr %q: need a numeric port below 65535 to derive -auth-addr", addr)
	}
	if n > 0 {
		n++
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}

// runServe serves the fake until ctx ends, then shuts it down.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c, err := parseServe(args, stderr, getenv)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	api, err := lc.Listen(ctx, "tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen for the API: %w", err)
	}
	auth, err := lc.Listen(ctx, "tcp", c.authAddr)
	if err != nil {
		_ = api.Close()
		return fmt.Errorf("listen for the auth API: %w", err)
	}

	var logMu sync.Mutex // one line at a time on stderr
	logf := func(format string, a ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(stderr, format+"\n", a...)
	}
	opts := []quilttest.Option{
		quilttest.WithListeners(api, auth),
		quilttest.WithAPIVersion(c.apiVersion),
		quilttest.WithRefreshDelay(c.refreshDelay),
		quilttest.WithLogLimit(c.logLimit),
		quilttest.WithRequestHook(func(r quilttest.Request) { logf("%s", requestLine(r)) }),
		quilttest.WithDeliveryHook(func(d quilttest.Delivery) { logf("%s", deliveryLine(d)) }),
	}
	if c.apiKey != "" {
		opts = append(opts, quilttest.WithAPIKey(c.apiKey))
	}
	if c.webhookURL != "" {
		opts = append(opts, quilttest.WithWebhook(c.webhookURL, c.webhookSecret))
	}
	if c.webhookSecret != "" {
		opts = append(opts, quilttest.WithWebhookSecret(c.webhookSecret))
	}
	if c.noSeed {
		opts = append(opts, quilttest.WithoutSeed())
	}
	srv, err := newServer(opts)
	if err != nil {
		return err // the server closed the listeners
	}
	printBanner(stdout, srv, c)

	<-ctx.Done()
	logf("quilttest: stopping (waiting up to %v for requests in flight)", c.shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), c.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	logf("quilttest: stopped")
	return nil
}

// newServer is quilttest.NewServer with its panic (a bad option; the
// message names the option, never a secret) turned into an error that
// names the flag instead, without the package's "quilttest: " prefix
// (main adds its own).
func newServer(opts []quilttest.Option) (srv *quilttest.Server, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = errors.New(flagMessage(fmt.Sprint(v)))
		}
	}()
	return quilttest.NewServer(opts...), nil
}

// optionFlags names the flag behind each option the command gives.
var optionFlags = map[string]string{
	"WithAPIKey":       "-api-key",
	"WithAPIVersion":   "-api-version",
	"WithWebhook":      "-webhook-url or -webhook-secret",
	"WithRefreshDelay": "-refresh-delay",
	"WithLogLimit":     "-log-limit",
	"WithListeners":    "-addr or -auth-addr",
}

// flagMessage rewrites an option's error, "quilttest: WithAPIKey: …", as
// the flag's: "-api-key: …".
func flagMessage(msg string) string {
	msg = strings.TrimPrefix(msg, "quilttest: ")
	name, rest, ok := strings.Cut(msg, ": ")
	if f, known := optionFlags[name]; ok && known {
		return f + ": " + rest
	}
	return msg
}

// printBanner prints what a client needs: the fake's own credentials are
// meant to be copied, so they are printed on stdout, and nowhere else.
func printBanner(w io.Writer, srv *quilttest.Server, c serveConfig) {
	fmt.Fprintln(w, "quilttest: a fake of the Quiltt API, for tests (not Quiltt)")
	fmt.Fprintf(w, "URL:           %s\n", srv.URL())
	fmt.Fprintf(w, "Auth URL:      %s\n", srv.AuthURL())
	fmt.Fprintf(w, "API key:       %s\n", srv.APIKey())
	fmt.Fprintf(w, "API version:   %s\n", c.apiVersion)
	fmt.Fprintf(w, "Profile ID:    %s\n", srv.ProfileID())
	fmt.Fprintf(w, "Profile UUID:  %s\n", quilttest.DefaultProfileUUID)
	fmt.Fprintf(w, "Session token: %s\n", srv.SessionToken())
	fmt.Fprintf(w, "Webhook secret: %s\n", srv.WebhookSecret())
	if c.noSeed {
		fmt.Fprintln(w, "Accounts:      none (-no-seed)")
	} else {
		fmt.Fprintf(w, "Accounts:      %s (Premium Checking), %s (Premium Credit Card)\n", quilttest.CheckingAccountID, quilttest.CreditCardAccountID)
	}
	if c.webhookURL != "" {
		fmt.Fprintf(w, "Webhooks:      %s, signed, on every completed refresh\n", c.webhookURL)
	} else {
		fmt.Fprintln(w, "Webhooks:      to the subscriptions made at /v1/webhooks/subscriptions (or -webhook-url)")
	}
	fmt.Fprintln(w, "Point the SDK's examples at it (go run ./examples/balances, from a clone of the SDK):")
	fmt.Fprintf(w, "  export QUILTT_BASE_URL=%s QUILTT_AUTH_URL=%s\n", srv.URL(), srv.AuthURL())
	fmt.Fprintf(w, "  export QUILTT_API_KEY_SECRET=%s QUILTT_PROFILE_ID=%s\n", srv.APIKey(), srv.ProfileID())
	fmt.Fprintf(w, "  export QUILTT_WEBHOOK_SECRET=%s\n", srv.WebhookSecret())
	fmt.Fprintln(w, "Try:")
	fmt.Fprintf(w, "  curl -s %s/v1/graphql -u '%s:%s' -H 'Content-Type: application/json' \\\n", srv.URL(), srv.ProfileID(), srv.APIKey())
	fmt.Fprintln(w, `    -d '{"query":"{ accounts { id name balance { current available } } }"}'`)
	fmt.Fprintf(w, "  curl -s -X POST %s/v1/accounts/%s/balances/refresh -H 'Authorization: Bearer %s'\n", srv.URL(), quilttest.CheckingAccountID, srv.APIKey())
	fmt.Fprintf(w, "  curl -s -X POST %s/v1/webhooks/subscriptions -H 'Authorization: Bearer %s' \\\n", srv.URL(), srv.APIKey())
	fmt.Fprintln(w, `    -H 'Content-Type: application/json' -d '{"name":"app","targetUrl":"http://127.0.0.1:9000/webhooks/quiltt","eventTypes":["balance.created"]}'`)
	fmt.Fprintf(w, "  curl -s -X POST %s/v1/users/sessions -H 'Authorization: Bearer %s' \\\n", srv.AuthURL(), srv.APIKey())
	fmt.Fprintf(w, "    -H 'Content-Type: application/json' -d '{\"userId\":\"%s\"}'\n", srv.ProfileID())
	fmt.Fprintln(w, "Stop with Ctrl-C (SIGINT) or SIGTERM.")
}

// requestLine is a request as the running log shows it.
func requestLine(r quilttest.Request) string {
	status := strconv.Itoa(r.StatusCode)
	if r.Dropped {
		status = "dropped"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s %s auth=%s", r.Time.UTC().Format(time.RFC3339), r.Method, r.Path, status, r.Auth)
	if r.ProfileID != "" {
		fmt.Fprintf(&b, " profile=%s", r.ProfileID)
	}
	if r.OperationName != "" {
		fmt.Fprintf(&b, " operation=%s", r.OperationName)
	}
	if r.Fault {
		b.WriteString(" fault")
	}
	return b.String()
}

// deliveryLine is a webhook delivery as the running log shows it.
func deliveryLine(d quilttest.Delivery) string {
	if d.Err != nil {
		return fmt.Sprintf("%s webhook POST %s failed: %v (try %d)", d.Time.UTC().Format(time.RFC3339), d.URL, d.Err, d.Attempt)
	}
	return fmt.Sprintf("%s webhook POST %s %d (try %d)", d.Time.UTC().Format(time.RFC3339), d.URL, d.StatusCode, d.Attempt)
}
