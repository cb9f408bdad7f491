package quilttest_test

import (
	"bytes"
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sdkReceiver serves quiltt.NewWebhookHandler for secret on a loopback
// server and passes every event its callback gets to the returned
// channel. It returns the URL to deliver to and a client for it.
func sdkReceiver(t *testing.T, secret string) (<-chan quiltt.Event, string, *http.Client) {
	t.Helper()
	events := make(chan quiltt.Event, 16)
	srv := httptest.NewServer(quiltt.NewWebhookHandler(secret, func(_ context.Context, e quiltt.Event) error {
		events <- e
		return nil
	}))
	t.Cleanup(srv.Close)
	return events, srv.URL + "/hooks/quiltt", srv.Client()
}

// receive returns the next event the receiver's callback got. It does not
// wait: CompleteRefreshes delivers before it returns.
func receive(t *testing.T, events <-chan quiltt.Event) quiltt.Event {
	t.Helper()
	select {
	case e := <-events:
		return e
	default:
		require.FailNow(t, "the webhook callback got no event")
		return quiltt.Event{}
	}
}

// refreshChecking refreshes the checking account through the SDK and
// completes the refresh on a ManualRefresh server, webhook delivery
// included; it returns the new balance.
func refreshChecking(t *testing.T, s *quilttest.Server, c *quiltt.Client) quiltt.Balance {
	t.Helper()
	require.NoError(t, c.RefreshBalance(t.Context(), quilttest.CheckingAccountID))
	done := s.CompleteRefreshes()
	require.Len(t, done, 1)
	return done[0]
}

// A refresh made through the SDK ends in a signed balance.created delivery
// that the SDK's own handler accepts: the callback gets the refreshed
// balance with its exact amounts, the same one GraphQL then reads, and
// VerifyWebhook accepts the recorded delivery.
func TestSDKRefreshWebhookFlow(t *testing.T) {
	const secret = "whsec_e2e"
	events, hookURL, _ := sdkReceiver(t, secret)
	s := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh), quilttest.WithWebhook(hookURL, secret))
	require.NoError(t, s.SetRefreshResult(quilttest.CheckingAccountID, quiltt.Balance{
		Available: decPtr("3141.59"), Current: decPtr("3100.000001"),
	}))
	c := sdkClient(t, s)

	refreshed := refreshChecking(t, s, c)

	e := receive(t, events)
	assert.Equal(t, quiltt.EventBalanceCreated, e.Type)
	assert.Regexp(t, `^evt_`, e.ID)
	assert.Equal(t, quilttest.DefaultProfileID, e.Profile.ID)
	assert.Equal(t, quilttest.DefaultProfileUUID, e.Profile.UUID)
	b, err := e.Balance()
	require.NoError(t, err)
	assert.Equal(t, refreshed.ID, b.ID)
	assert.Equal(t, quilttest.CheckingAccountID, b.AccountID)
	assert.Equal(t, quiltt.BalanceSourceRefresh, b.Source)
	assert.True(t, refreshed.At.Equal(b.At))
	assert.Equal(t, "3141.59", b.Available.String())
	assert.Equal(t, "3100.000001", b.Current.String())
	assert.Nil(t, b.Limit)

	a, err := c.Account(t.Context(), quilttest.CheckingAccountID)
	require.NoError(t, err)
	require.NotNil(t, a.Balance)
	assert.Equal(t, b.ID, a.Balance.ID)
	assert.True(t, b.Current.Equal(*a.Balance.Current))
	assert.True(t, b.Available.Equal(*a.Balance.Available))

	ds := s.Deliveries()
	require.Len(t, ds, 1)
	assert.Equal(t, http.StatusNoContent, ds[0].StatusCode)
	require.NoError(t, quiltt.VerifyWebhook(ds[0].Body, ds[0].Header, secret))
	payload, err := quiltt.ParseWebhook(ds[0].Body)
	require.NoError(t, err)
	assert.Equal(t, quiltt.EnvironmentModeTest, payload.Environment.Mode)
	assert.Equal(t, []quiltt.EventType{quiltt.EventBalanceCreated}, payload.EventTypes)
	require.Len(t, payload.Events, 1)
	assert.Equal(t, e.ID, payload.Events[0].ID)
}

// A delivery signed with another secret is refused 401 by the SDK's
// handler, and its callback is not called: the recorded delivery re-signed
// by hand, and the fake's own delivery once its secret is wrong.
func TestSDKWebhookWrongSecret(t *testing.T) {
	const secret = "whsec_e2e"
	events, hookURL, hc := sdkReceiver(t, secret)
	s := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh), quilttest.WithWebhook(hookURL, secret), quilttest.WithRedelivery())
	c := sdkClient(t, s)
	refreshChecking(t, s, c)
	receive(t, events)
	genuine := s.Deliveries()[0]

	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, hookURL, bytes.NewReader(genuine.Body))
	require.NoError(t, err)
	maps.Copy(req.Header, quilttest.SignWebhook(genuine.Body, "whsec_wrong", time.Now()))
	resp, err := hc.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.ErrorIs(t, quiltt.VerifyWebhook(genuine.Body, req.Header, secret), quiltt.ErrWebhookSignature)

	require.NoError(t, s.SetWebhook(hookURL, "whsec_wrong"))
	refreshChecking(t, s, c)
	ds := s.Deliveries()
	require.Len(t, ds, 2)
	assert.Equal(t, http.StatusUnauthorized, ds[1].StatusCode)
	assert.Empty(t, events, "the callback never sees a forged delivery")
}

// Deliveries are signed at the fake's clock: an hour off, the SDK's default
// handler refuses them as stale, and a handler whose verifier reads the
// same clock accepts them (see WithClock).
func TestSDKWebhookFollowsTheFakeClock(t *testing.T) {
	const secret = "whsec_clock"
	clk := &heldClock{at: time.Now().Add(-time.Hour)}
	_, realTime, _ := sdkReceiver(t, secret)
	v, err := quiltt.NewWebhookVerifier(secret)
	require.NoError(t, err)
	v.Now = clk.Now
	events := make(chan quiltt.Event, 1)
	fakeTime := httptest.NewServer(&quiltt.WebhookHandler{Verifier: v, Handle: func(_ context.Context, e quiltt.Event) error {
		events <- e
		return nil
	}})
	t.Cleanup(fakeTime.Close)

	s := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh), quilttest.WithClock(clk.Now), quilttest.WithRedelivery())
	c := sdkClient(t, s)
	for _, hookURL := range []string{realTime, fakeTime.URL} {
		require.NoError(t, s.SetWebhook(hookURL, secret))
		refreshChecking(t, s, c)
	}
	ds := s.Deliveries()
	require.Len(t, ds, 2)
	assert.Equal(t, http.StatusUnauthorized, ds[0].StatusCode, "stale by the real clock")
	assert.ErrorIs(t, quiltt.VerifyWebhook(ds[0].Body, ds[0].Header, secret), quiltt.ErrWebhookTimestamp)
	assert.Equal(t, http.StatusNoContent, ds[1].StatusCode)
	assert.Equal(t, quiltt.EventBalanceCreated, receive(t, events).Type)
}
