package quiltt_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/quiltt-go/quiltt"
)

// namedLimiter is a Limiter that names itself, as redisstore's do.
type namedLimiter struct{}

func (namedLimiter) Wait(context.Context) error { return nil }
func (namedLimiter) Name() string               { return "quiltt:rate:prod-api-key" }

// namedLock is a RefreshLock that names itself.
type namedLock struct{ quiltt.MemoryRefreshLock }

func (*namedLock) Name() string { return "fleet-a" }

// namedClaims is a ClaimStore that names itself.
type namedClaims struct{ *quiltt.MemoryClaimStore }

func (namedClaims) Name() string { return "fleet-a" }

// piecesRecords returns the pieces records of what a JSON logger wrote.
func piecesRecords(t *testing.T, out string, msg string) []string {
	t.Helper()
	var got []string
	for line := range strings.Lines(out) {
		if strings.Contains(line, `"msg":"`+msg+`"`) {
			got = append(got, strings.TrimSpace(line))
		}
	}
	return got
}

// jsonLogger writes records without their time to a buffer.
func jsonLogger() (*slog.Logger, *logBuffer) {
	var buf logBuffer
	return slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}})), &buf
}

// NewClient logs once which limiter and refresh lock it uses, by kind and
// name, and never a credential.
func TestClientLogsItsPieces(t *testing.T) {
	const key = "qltt_pieces_secret_0123456789"
	for name, tc := range map[string]struct {
		opts []quiltt.Option
		want string
	}{
		"defaults": {nil,
			`{"level":"INFO","msg":"quiltt: client pieces","limiter":{"kind":"*rate.Limiter","name":"25/s burst 1"},"refresh_lock":{"kind":"*quiltt.MemoryRefreshLock"}}`},
		"rate limit": {[]quiltt.Option{quiltt.WithRateLimit(5, 3)},
			`{"level":"INFO","msg":"quiltt: client pieces","limiter":{"kind":"*rate.Limiter","name":"5/s burst 3"},"refresh_lock":{"kind":"*quiltt.MemoryRefreshLock"}}`},
		"no limiter": {[]quiltt.Option{quiltt.WithRateLimit(rate.Inf, 1)},
			`{"level":"INFO","msg":"quiltt: client pieces","limiter":{"kind":"none"},"refresh_lock":{"kind":"*quiltt.MemoryRefreshLock"}}`},
		"a *rate.Limiter": {[]quiltt.Option{quiltt.WithLimiter(rate.NewLimiter(2, 4))},
			`{"level":"INFO","msg":"quiltt: client pieces","limiter":{"kind":"*rate.Limiter","name":"2/s burst 4"},"refresh_lock":{"kind":"*quiltt.MemoryRefreshLock"}}`},
		"fleet pieces": {[]quiltt.Option{quiltt.WithLimiter(namedLimiter{}), quiltt.WithRefreshLock(&namedLock{})},
			`{"level":"INFO","msg":"quiltt: client pieces","limiter":{"kind":"quiltt_test.namedLimiter","name":"quiltt:rate:prod-api-key"},"refresh_lock":{"kind":"*quiltt_test.namedLock","name":"fleet-a"}}`},
	} {
		t.Run(name, func(t *testing.T) {
			logger, out := jsonLogger()
			c, err := quiltt.NewClient(append([]quiltt.Option{quiltt.WithAPIKey(key), quiltt.WithLogger(logger)}, tc.opts...)...)
			require.NoError(t, err)
			_ = c.ForProfile("p_1") // a derived client shares the pieces: no second record
			assert.Equal(t, []string{tc.want}, piecesRecords(t, out.String(), "quiltt: client pieces"))
			assert.NotContains(t, out.String(), key)
		})
	}
}

// The handler logs its claim store once, at its first delivery (its fields
// are final by then), by kind and name, and never its secret.
func TestWebhookHandlerLogsItsPieces(t *testing.T) {
	body := readFixture(t, "balance_created_event.json")
	for name, tc := range map[string]struct {
		claims quiltt.ClaimStore
		want   string
	}{
		"memory": {quiltt.NewMemoryClaimStore(0),
			`{"level":"INFO","msg":"quiltt: webhook handler pieces","claim_store":{"kind":"*quiltt.MemoryClaimStore"}}`},
		"shared": {namedClaims{quiltt.NewMemoryClaimStore(0)},
			`{"level":"INFO","msg":"quiltt: webhook handler pieces","claim_store":{"kind":"quiltt_test.namedClaims","name":"fleet-a"}}`},
		"none": {nil,
			`{"level":"INFO","msg":"quiltt: webhook handler pieces","claim_store":{"kind":"none"}}`},
	} {
		t.Run(name, func(t *testing.T) {
			logger, out := jsonLogger()
			h := quiltt.NewWebhookHandlerWithLogger(testSecret, func(context.Context, quiltt.Event) error { return nil }, logger)
			h.Verifier.Now = func() time.Time { return testNow }
			h.Claims = tc.claims // set after construction, as a fleet does
			assert.Empty(t, out.String(), "nothing logged before the fields are final")

			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					w := deliver(h, http.MethodPost, body, signedHeader(testSecret, testNow.Unix(), body))
					// 503 while another copy holds the event's claim
					assert.Contains(t, []int{http.StatusNoContent, http.StatusServiceUnavailable}, w.Code)
				})
			}
			wg.Wait()
			assert.Equal(t, []string{tc.want}, piecesRecords(t, out.String(), "quiltt: webhook handler pieces"), "once")
			assert.NotContains(t, out.String(), testSecret)
		})
	}
}
