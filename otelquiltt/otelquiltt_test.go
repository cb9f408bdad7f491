package otelquiltt_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Khan/genqlient/graphql"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// refreshAmount is what the fake's refreshes report: an amount the scan of
// the telemetry must never find.
const refreshAmount = "987654.32"

// Every public operation of the client has its quiltt.<Method> client span,
// with an attempt child per request that carries OpenTelemetry's HTTP
// client attributes; and nothing recorded holds a credential or an amount.
func TestEveryOperationIsObserved(t *testing.T) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	spy := &spanContexts{next: transport}
	r := newRig(t, []quilttest.Option{quilttest.WithRefreshDelay(5 * time.Millisecond)},
		quiltt.WithHTTPClient(&http.Client{Transport: spy}),
		quiltt.WithFreshBalancePolling(5*time.Millisecond, 20*time.Millisecond))
	defer transport.CloseIdleConnections()
	require.NoError(t, r.srv.SetRefreshResult(quilttest.CheckingAccountID, quiltt.Balance{Current: ptr(decimal.RequireFromString(refreshAmount))}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	accounts, err := r.client.Accounts(ctx, nil)
	require.NoError(t, err)
	require.NotEmpty(t, accounts)
	_, err = r.client.Account(ctx, quilttest.CheckingAccountID)
	require.NoError(t, err)
	require.NoError(t, r.client.RefreshBalance(ctx, quilttest.CheckingAccountID))
	_, err = r.client.RefreshAndWait(ctx, quilttest.CheckingAccountID, &quiltt.RefreshWaitOptions{MinInterval: 5 * time.Millisecond, MaxInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	results, err := r.client.RefreshBalances(ctx, []string{quilttest.CheckingAccountID, quilttest.CreditCardAccountID}, nil)
	require.NoError(t, err)
	for _, res := range results {
		require.NoError(t, res.Err)
	}
	_, err = r.client.FreshBalance(ctx, quilttest.CheckingAccountID, 0)
	require.NoError(t, err)
	session, err := r.client.IssueSessionToken(ctx, &quiltt.SessionParams{UserID: r.srv.ProfileID()})
	require.NoError(t, err)
	_, err = r.client.IntrospectSessionToken(ctx, session.Token())
	require.NoError(t, err)
	require.NoError(t, r.client.RevokeSessionToken(ctx, session.Token()))
	_, err = r.client.IntrospectAPIKey(ctx)
	require.NoError(t, err)
	var data struct{ Accounts []struct{ ID string } }
	require.NoError(t, r.client.GraphQL().MakeRequest(ctx, &graphql.Request{Query: "query MyAccounts { accounts { id } }", OpName: "MyAccounts"}, &graphql.Response{Data: &data}))
	require.NotEmpty(t, data.Accounts)
	params := &quiltt.WebhookSubscriptionParams{Name: "otel", TargetURL: "https://hooks.example.com/quiltt", EventTypes: []quiltt.EventType{quiltt.EventBalanceCreated}}
	sub, err := r.client.CreateWebhookSubscription(ctx, params)
	require.NoError(t, err)
	_, err = r.client.WebhookSubscription(ctx, sub.ID)
	require.NoError(t, err)
	params.Name = "otel, renamed"
	_, err = r.client.UpdateWebhookSubscription(ctx, sub.ID, params)
	require.NoError(t, err)
	_, err = r.client.EnsureWebhookSubscription(ctx, params)
	require.NoError(t, err)
	for _, err := range r.client.WebhookSubscriptions(ctx) {
		require.NoError(t, err)
	}
	require.NoError(t, r.client.DeleteWebhookSubscription(ctx, sub.ID))

	host := strings.Split(strings.TrimPrefix(r.srv.URL(), "http://"), ":")[0]
	for _, op := range []string{"Accounts", "Account", "RefreshBalance", "RefreshAndWait", "RefreshBalances", "FreshBalance",
		"IssueSessionToken", "IntrospectSessionToken", "RevokeSessionToken", "IntrospectAPIKey", "GraphQL",
		"CreateWebhookSubscription", "WebhookSubscription", "UpdateWebhookSubscription", "EnsureWebhookSubscription",
		"WebhookSubscriptions", "DeleteWebhookSubscription"} {
		span := r.one(t, "quiltt."+op)
		assert.Equal(t, trace.SpanKindClient, span.SpanKind(), op)
		assert.Equal(t, codes.Unset, span.Status().Code, op)
		v, _ := attr(span, "quiltt.operation")
		assert.Equal(t, op, v.AsString())
		attempts := r.children(span)
		require.NotEmpty(t, attempts, op)
		for _, a := range attempts {
			assert.Equal(t, trace.SpanKindClient, a.SpanKind(), op)
			method, _ := attr(a, "http.request.method")
			assert.Equal(t, a.Name(), method.AsString(), op)
			addr, _ := attr(a, "server.address")
			assert.Equal(t, host, addr.AsString(), op)
			status, ok := attr(a, "http.response.status_code")
			assert.True(t, ok && status.AsInt64() >= 200 && status.AsInt64() <= 299, "%s: status %v", op, status.String())
			resend, ok := attr(a, "http.request.resend_count")
			assert.True(t, ok, op)
			assert.Equal(t, int64(0), resend.AsInt64(), op)
		}
	}
	// A composite operation's requests are its attempts, not operations.
	refreshes := r.children(r.one(t, "quiltt.RefreshBalances"))
	assert.Len(t, refreshes, 2)
	assert.GreaterOrEqual(t, len(r.children(r.one(t, "quiltt.RefreshAndWait"))), 2, "the refresh and at least one poll")

	// The user's transport sees the attempt's span as its parent: its own
	// instrumentation nests under the operation.
	seen, traceparent := spy.get()
	require.NotEmpty(t, seen)
	ids := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range r.spans.Ended() {
		ids[s.SpanContext().SpanID()] = s
	}
	for i, sc := range seen {
		require.True(t, sc.IsValid(), "request %d", i)
		s, ok := ids[sc.SpanID()]
		require.True(t, ok, "request %d: its span context is a recorded span", i)
		parent, ok := ids[s.Parent().SpanID()]
		require.True(t, ok, "request %d: the attempt has a recorded parent", i)
		assert.True(t, strings.HasPrefix(parent.Name(), "quiltt."), parent.Name())
		assert.Empty(t, traceparent[i], "no trace context is sent to Quiltt by default")
	}

	m := r.metrics(t)
	for _, name := range []string{"quiltt.client.operation.duration", "quiltt.client.limiter.wait", "quiltt.client.refreshes"} {
		require.Contains(t, m, name)
	}
	assert.Equal(t, "s", m["quiltt.client.operation.duration"].Unit)
	assert.Equal(t, uint64(1), histCount(m["quiltt.client.operation.duration"], attribute.String("quiltt.operation", "Accounts")))
	assert.Equal(t, uint64(len(seen)), histCount(m["quiltt.client.limiter.wait"]), "one limiter wait per attempt")
	assert.GreaterOrEqual(t, sum(m["quiltt.client.refreshes"], attribute.String("quiltt.refresh.outcome", "accepted")), int64(4))

	assertNothingSecret(t, r, session.Token())
}

// assertNothingSecret scans every span, event, status and data point for
// the rig's credentials, extra, and the amounts the fake holds.
func assertNothingSecret(t *testing.T, r *rig, extra ...string) {
	t.Helper()
	text := r.telemetryText(t)
	require.Contains(t, text, "quiltt.", "the scan read the telemetry")
	for _, s := range append([]string{r.srv.APIKey(), r.srv.SessionToken(), refreshAmount, "3141.59", "-2134.34", "15000", "Bearer", "Basic"}, extra...) {
		require.NotEmpty(t, s)
		assert.NotContains(t, text, s)
	}
}

// A refresh answered 503 and then 202 is one quiltt.RefreshBalance span
// with two attempt children, the retry counted with its reason.
func TestRefreshRetriedAfter503(t *testing.T) {
	r := newRig(t, nil)
	require.NoError(t, r.srv.FailNext(quilttest.RouteRefresh, 1, quilttest.Status(http.StatusServiceUnavailable)))
	require.NoError(t, r.client.RefreshBalance(context.Background(), quilttest.CheckingAccountID))

	span := r.one(t, "quiltt.RefreshBalance")
	assert.Equal(t, codes.Unset, span.Status().Code)
	_, unknown := attr(span, "quiltt.outcome_unknown")
	assert.False(t, unknown)
	attempts := r.children(span)
	require.Len(t, attempts, 2)
	for i, want := range []int64{http.StatusServiceUnavailable, http.StatusAccepted} {
		status, _ := attr(attempts[i], "http.response.status_code")
		assert.Equal(t, want, status.AsInt64())
		resend, _ := attr(attempts[i], "http.request.resend_count")
		assert.Equal(t, int64(i), resend.AsInt64())
		method, _ := attr(attempts[i], "http.request.method")
		assert.Equal(t, http.MethodPost, method.AsString())
	}
	assert.Equal(t, codes.Error, attempts[0].Status().Code, "the 503 attempt failed")
	assert.Equal(t, codes.Unset, attempts[1].Status().Code)
	require.Len(t, span.Events(), 1)
	assert.Equal(t, "quiltt.retry", span.Events()[0].Name)

	m := r.metrics(t)
	assert.Equal(t, int64(1), sum(m["quiltt.client.retries"], attribute.String("quiltt.retry.reason", "unavailable"), attribute.String("quiltt.operation", "RefreshBalance")))
	assert.Equal(t, int64(1), sum(m["quiltt.client.refreshes"], attribute.String("quiltt.refresh.outcome", "refused")))
	assert.Equal(t, int64(1), sum(m["quiltt.client.refreshes"], attribute.String("quiltt.refresh.outcome", "accepted")))
	assertNothingSecret(t, r)
}

// A refresh answered 500 may have been acted on: one attempt, the span in
// error with quiltt.outcome_unknown, the refresh counted as unknown.
func TestRefreshOutcomeUnknownAfter500(t *testing.T) {
	r := newRig(t, nil)
	require.NoError(t, r.srv.FailNext(quilttest.RouteRefresh, 1, quilttest.Status(http.StatusInternalServerError)))
	err := r.client.RefreshBalance(context.Background(), quilttest.CheckingAccountID)
	require.ErrorIs(t, err, quiltt.ErrOutcomeUnknown)

	span := r.one(t, "quiltt.RefreshBalance")
	assert.Equal(t, codes.Error, span.Status().Code)
	assert.Equal(t, "outcome_unknown", span.Status().Description)
	v, ok := attr(span, "quiltt.outcome_unknown")
	require.True(t, ok)
	assert.True(t, v.AsBool())
	attempts := r.children(span)
	require.Len(t, attempts, 1)
	v, _ = attr(attempts[0], "quiltt.outcome_unknown")
	assert.True(t, v.AsBool())
	status, _ := attr(attempts[0], "http.response.status_code")
	assert.Equal(t, int64(http.StatusInternalServerError), status.AsInt64())

	m := r.metrics(t)
	assert.Equal(t, uint64(1), histCount(m["quiltt.client.operation.duration"],
		attribute.String("quiltt.operation", "RefreshBalance"), attribute.Bool("quiltt.outcome_unknown", true), attribute.String("error.type", "outcome_unknown")))
	assert.Equal(t, int64(1), sum(m["quiltt.client.refreshes"], attribute.String("quiltt.refresh.outcome", "unknown")))
	assert.Zero(t, sum(m["quiltt.client.retries"]))
	assertNothingSecret(t, r)
}

// RefreshBalances reports a refresh whose outcome is unknown in its
// results: its span carries quiltt.outcome_unknown.
func TestRefreshBalancesKeepsAnUnknownOutcome(t *testing.T) {
	r := newRig(t, nil)
	require.NoError(t, r.srv.FailNext(quilttest.RouteRefresh, 1, quilttest.Status(http.StatusBadGateway)))
	results, err := r.client.RefreshBalances(context.Background(), []string{quilttest.CheckingAccountID, quilttest.CreditCardAccountID},
		&quiltt.RefreshBalancesOptions{Concurrency: 1})
	require.Error(t, err)
	require.Len(t, results, 2)
	require.ErrorIs(t, results[0].Err, quiltt.ErrOutcomeUnknown)
	require.NoError(t, results[1].Err)
	span := r.one(t, "quiltt.RefreshBalances")
	v, ok := attr(span, "quiltt.outcome_unknown")
	require.True(t, ok)
	assert.True(t, v.AsBool())
	assert.Equal(t, codes.Error, span.Status().Code)
	assert.Len(t, r.children(span), 2)
}

// A read answered 502 is retried, counted as a server error.
func TestAccountsRetriedAfter502(t *testing.T) {
	r := newRig(t, nil)
	require.NoError(t, r.srv.FailNext(quilttest.RouteGraphQL, 1, quilttest.Status(http.StatusBadGateway)))
	_, err := r.client.Accounts(context.Background(), nil)
	require.NoError(t, err)
	attempts := r.children(r.one(t, "quiltt.Accounts"))
	require.Len(t, attempts, 2)
	m := r.metrics(t)
	assert.Equal(t, int64(1), sum(m["quiltt.client.retries"], attribute.String("quiltt.retry.reason", "server_error")))
}

// A failure after the answer (a GraphQL error in a 200) is the operation's
// error: the span of Account for an unknown ID is in error though its
// attempt succeeded.
func TestAnswerErrorsFailTheOperation(t *testing.T) {
	r := newRig(t, nil)
	_, err := r.client.Account(context.Background(), "acct_unknown")
	require.ErrorIs(t, err, quiltt.ErrNotFound)
	span := r.one(t, "quiltt.Account")
	assert.Equal(t, codes.Error, span.Status().Code)
	assert.Equal(t, "not_found", span.Status().Description)
	attempts := r.children(span)
	require.Len(t, attempts, 1)
	assert.Equal(t, codes.Unset, attempts[0].Status().Code)
}

// The limiter's waits are events of the attempt and a histogram; its
// refusal fails the attempt, which was not sent.
func TestLimiterWaits(t *testing.T) {
	refuse := errors.New("budget store unreachable")
	l := &countingLimiter{err: refuse}
	r := newRig(t, nil, quiltt.WithLimiter(l))
	err := r.client.RefreshBalance(context.Background(), quilttest.CheckingAccountID)
	require.ErrorIs(t, err, refuse)
	require.Equal(t, 1, l.waits)
	attempts := r.children(r.one(t, "quiltt.RefreshBalance"))
	require.Len(t, attempts, 1)
	assert.Equal(t, codes.Error, attempts[0].Status().Code)
	require.Len(t, attempts[0].Events(), 1)
	assert.Equal(t, "quiltt.limiter.wait", attempts[0].Events()[0].Name)
	m := r.metrics(t)
	assert.Equal(t, uint64(1), histCount(m["quiltt.client.limiter.wait"], attribute.String("quiltt.operation", "RefreshBalance")))
	assert.Equal(t, int64(1), sum(m["quiltt.client.refreshes"], attribute.String("quiltt.refresh.outcome", "not_sent")))
	assert.Empty(t, r.srv.Requests(), "nothing was sent")
}

// The operation span is a child of the caller's span.
func TestOperationSpanIsTheCallersChild(t *testing.T) {
	r := newRig(t, nil)
	ctx, parent := r.tp.Tracer("test").Start(context.Background(), "handler")
	_, err := r.client.Accounts(ctx, nil)
	require.NoError(t, err)
	parent.End()
	op := r.one(t, "quiltt.Accounts")
	assert.Equal(t, parent.SpanContext().SpanID(), op.Parent().SpanID())
	assert.Equal(t, parent.SpanContext().TraceID(), op.SpanContext().TraceID())
}

func ptr[T any](v T) *T { return &v }
