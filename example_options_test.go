package quiltt_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"golang.org/x/time/rate"
)

// The client is silent unless given a logger. It logs one debug record per
// attempt and one info record per retry: the operation, method, path,
// status, attempt and wait, never a header value, a body or a credential.
func ExampleWithLogger() {
	srv := quilttest.NewServer()
	defer srv.Close()

	// A text handler without the time attribute, so the output is stable.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	client, err := quiltt.NewClient(
		quiltt.WithBaseURL(srv.URL()),
		quiltt.WithAPIKey(srv.APIKey()),
		quiltt.WithLogger(logger),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()
	if err := client.RefreshBalance(context.Background(), "acct_12sf19AeKaWfukStXAL7nN"); err != nil {
		log.Fatal(err)
	}
	// Output:
	// level=INFO msg="quiltt: client pieces" limiter.kind=*rate.Limiter limiter.name="25/s burst 1" refresh_lock.kind=*quiltt.MemoryRefreshLock
	// level=DEBUG msg="quiltt: answer" op=RefreshBalance kind=trigger method=POST path=/v1/accounts/acct_12sf19AeKaWfukStXAL7nN/balances/refresh attempt=1 status=202 reason=success
}

// WithHTTPClient sets the innermost HTTP client: its Transport (where
// OpenTelemetry or a proxy plugs in) and its per-attempt Timeout are used;
// the client itself is never modified. Credentials are attached only to
// requests for the API's own origin.
func ExampleWithHTTPClient() {
	srv := quilttest.NewServer()
	defer srv.Close()

	var seen int
	hc := &http.Client{
		Timeout: 10 * time.Second,
		Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			seen++ // an instrumenting transport sees every attempt
			return http.DefaultTransport.RoundTrip(r)
		}),
	}
	client, err := quiltt.NewClient(
		quiltt.WithBaseURL(srv.URL()),
		quiltt.WithAPIKey(srv.APIKey()),
		quiltt.WithHTTPClient(hc),
	)
	if err != nil {
		log.Fatal(err)
	}
	accounts, err := client.ForProfile(srv.ProfileID()).Accounts(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(accounts), "accounts;", seen, "request through the user's transport")
	// Output:
	// 2 accounts; 1 request through the user's transport
}

// WithRateLimit paces every attempt of every call of the client (and of the
// clients ForProfile derives from it) below Quiltt's budget. Here: 5
// requests a second, in bursts of up to 2. rate.Inf turns pacing off.
func ExampleWithRateLimit() {
	client, err := quiltt.NewClient(
		quiltt.WithAPIKey("qltt_your_api_key_secret"),
		quiltt.WithRateLimit(rate.Limit(5), 2),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client)

	_, err = quiltt.NewClient(quiltt.WithAPIKey("qltt_your_api_key_secret"), quiltt.WithRateLimit(0, 1))
	fmt.Println(err)
	// Output:
	// quiltt.Client{https://api.quiltt.io, API key}
	// quiltt: WithRateLimit: need limit > 0 and burst >= 1, got 0 and 1
}
