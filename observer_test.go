package quiltt_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/quiltt-go/quiltt"
)

// recObserver writes down, in order, what it is told.
type recObserver struct {
	mu     sync.Mutex
	log    []string
	header http.Header // added to each attempt's Header
	nilCtx bool        // return nil contexts and nil end funcs
}

type ctxMark string

func (o *recObserver) add(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.log = append(o.log, fmt.Sprintf(format, args...))
}

func (o *recObserver) lines() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.log...)
}

func (o *recObserver) StartOperation(ctx context.Context, op quiltt.OperationInfo) (context.Context, func(quiltt.OperationResult)) {
	o.add("operation %s", op.Name)
	if o.nilCtx {
		return nil, nil
	}
	return context.WithValue(ctx, ctxMark("op"), op.Name), func(r quiltt.OperationResult) {
		o.add("end %s err=%t unknown=%t", op.Name, r.Err != nil, r.OutcomeUnknown)
	}
}

func (o *recObserver) StartAttempt(ctx context.Context, a quiltt.AttemptInfo) (context.Context, func(quiltt.AttemptResult)) {
	o.add("attempt %s %s %s resend=%d refresh=%t", a.Operation, a.Method, a.ServerAddress, a.ResendCount, a.Refresh)
	for k, v := range o.header {
		a.Header[k] = v
	}
	if o.nilCtx {
		return nil, nil
	}
	return context.WithValue(ctx, ctxMark("attempt"), a.ResendCount), func(r quiltt.AttemptResult) {
		o.add("attempt end %d unknown=%t notsent=%t", r.StatusCode, r.OutcomeUnknown, r.NotSent)
	}
}

func (o *recObserver) Retry(_ context.Context, r quiltt.RetryInfo) {
	o.add("retry %s after %d (%d)", r.Reason, r.Attempt, r.StatusCode)
}

func (o *recObserver) LimiterWait(ctx context.Context, w quiltt.LimiterWaitInfo) {
	o.add("limiter %s attempt-ctx=%t", w.Operation, ctx.Value(ctxMark("attempt")) != nil || o.nilCtx)
}

func (o *recObserver) StartWebhook(ctx context.Context, d quiltt.WebhookInfo) (context.Context, func(quiltt.WebhookResult)) {
	o.add("webhook %s", d.Method)
	return ctx, func(r quiltt.WebhookResult) { o.add("webhook end %d %q events=%d", r.StatusCode, r.Reason, r.Events) }
}

// setupObserved is setup's server with a client observed by obs, whose
// limiter lets every attempt go at once.
func setupObserved(t *testing.T, obs quiltt.Observer, opts ...quiltt.Option) (*quiltt.Client, *http.ServeMux) {
	t.Helper()
	_, mux, srv := setup(t)
	c, err := quiltt.NewClient(append([]quiltt.Option{
		quiltt.WithAPIKey(testAPIKey),
		quiltt.WithBaseURL(srv.baseURL()),
		quiltt.WithRetryWait(time.Millisecond, time.Millisecond),
		quiltt.WithLimiter(rate.NewLimiter(rate.Inf, 1)),
		quiltt.WithObserver(obs),
	}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c, mux
}

// The observer sees the operation, each attempt with its limiter wait, and
// the retry with its reason, in order; its contexts reach the transport.
func TestObserverSeesARetriedRefresh(t *testing.T) {
	t.Parallel()
	obs := &recObserver{}
	var mu sync.Mutex
	var marks []string
	transport := http.DefaultTransport.(*http.Transport).Clone()
	defer transport.CloseIdleConnections()
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		marks = append(marks, fmt.Sprintln(r.Context().Value(ctxMark("op")), r.Context().Value(ctxMark("attempt"))))
		mu.Unlock()
		return transport.RoundTrip(r)
	})}
	c, mux := setupObserved(t, obs, quiltt.WithHTTPClient(hc))
	handleScript(mux, accountsPath, answer(t, http.StatusServiceUnavailable, ""), answer(t, http.StatusAccepted, ""))
	require.NoError(t, c.RefreshBalance(t.Context(), "acct_1"))

	assert.Equal(t, []string{
		"operation RefreshBalance",
		"attempt RefreshBalance POST 127.0.0.1 resend=0 refresh=true",
		"limiter RefreshBalance attempt-ctx=true",
		"attempt end 503 unknown=false notsent=false",
		"retry unavailable after 1 (503)",
		"attempt RefreshBalance POST 127.0.0.1 resend=1 refresh=true",
		"limiter RefreshBalance attempt-ctx=true",
		"attempt end 202 unknown=false notsent=false",
		"end RefreshBalance err=false unknown=false",
	}, obs.lines())
	mu.Lock()
	assert.Equal(t, []string{"RefreshBalance 0\n", "RefreshBalance 1\n"}, marks)
	mu.Unlock()
}

// A 500 to a refresh ends attempt and operation with the outcome unknown.
func TestObserverSeesAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	obs := &recObserver{}
	c, mux := setupObserved(t, obs)
	handleScript(mux, accountsPath, answer(t, http.StatusInternalServerError, ""))
	require.ErrorIs(t, c.RefreshBalance(t.Context(), "acct_1"), quiltt.ErrOutcomeUnknown)
	lines := obs.lines()
	assert.Contains(t, lines, "attempt end 500 unknown=true notsent=false")
	assert.Equal(t, "end RefreshBalance err=true unknown=true", lines[len(lines)-1])
}

// A call refused before any request (no credential for it) is an operation
// with an error and no attempt.
func TestObserverSeesACallRefusedUnsent(t *testing.T) {
	t.Parallel()
	obs := &recObserver{}
	c, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey), quiltt.WithBaseURL(refusedBaseURL(t)), quiltt.WithObserver(obs))
	require.NoError(t, err)
	_, err = c.Accounts(t.Context(), nil) // an API key alone cannot read GraphQL
	require.ErrorIs(t, err, quiltt.ErrMissingCredentials)
	assert.Equal(t, []string{"operation Accounts", "end Accounts err=true unknown=false"}, obs.lines())
}

// What an observer adds to an attempt's Header is sent; it cannot replace
// the SDK's own headers, the credential included.
func TestObserverHeadersAddButNeverReplace(t *testing.T) {
	t.Parallel()
	obs := &recObserver{header: http.Header{
		"Traceparent":   {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
		"User-Agent":    {"forged"},
		"Authorization": {"Bearer forged"},
	}}
	c, mux := setupObserved(t, obs)
	var got http.Header
	mux.HandleFunc(accountsPath, func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.WriteHeader(http.StatusAccepted)
	})
	require.NoError(t, c.RefreshBalance(t.Context(), "acct_1"))
	assert.Equal(t, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", got.Get("Traceparent"))
	assert.True(t, strings.HasPrefix(got.Get("User-Agent"), "quiltt-go/"), got.Get("User-Agent"))
	assert.Equal(t, "Bearer "+testAPIKey, got.Get("Authorization"))
}

// An observer that returns nil contexts and nil end functions is tolerated.
func TestObserverMayReturnNils(t *testing.T) {
	t.Parallel()
	obs := &recObserver{nilCtx: true}
	c, mux := setupObserved(t, obs)
	handleScript(mux, accountsPath, answer(t, http.StatusAccepted, ""))
	require.NoError(t, c.RefreshBalance(t.Context(), "acct_1"))
	assert.Equal(t, []string{
		"operation RefreshBalance",
		"attempt RefreshBalance POST 127.0.0.1 resend=0 refresh=true",
		"limiter RefreshBalance attempt-ctx=true",
	}, obs.lines())
}

// WithObserver refuses nil, typed nils included.
func TestWithObserverRefusesNil(t *testing.T) {
	t.Parallel()
	for _, o := range []quiltt.Observer{nil, (*recObserver)(nil)} {
		_, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey), quiltt.WithObserver(o))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "WithObserver: nil Observer")
	}
}

// A WebhookHandler's Observer sees a refused delivery with its reason.
func TestWebhookHandlerObserver(t *testing.T) {
	t.Parallel()
	obs := &recObserver{}
	h := quiltt.NewWebhookHandlerWithLogger("whsec_test", func(context.Context, quiltt.Event) error { return nil }, slog.New(slog.DiscardHandler))
	h.Observer = obs
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		req := httptest.NewRequest(method, "/webhooks", strings.NewReader("{}"))
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	assert.Equal(t, []string{
		"webhook GET", `webhook end 405 "method not allowed: Quiltt delivers with POST" events=0`,
		"webhook POST", `webhook end 401 "Quiltt-Timestamp header missing or malformed" events=0`,
	}, obs.lines())
}
