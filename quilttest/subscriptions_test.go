package quilttest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

const subsPath = "/v1/webhooks/subscriptions"

// subWire is a subscription as the fake answers it.
type subWire struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	TargetURL  string    `json:"targetUrl"`
	EventTypes []string  `json:"eventTypes"`
	Disabled   bool      `json:"disabled"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

func bearer(s *quilttest.Server) string { return "Bearer " + s.APIKey() }

// createSub creates a subscription over the raw API and returns it.
func createSub(t *testing.T, s *quilttest.Server, body string) subWire {
	t.Helper()
	r := do(t, s, http.MethodPost, subsPath, bearer(s), []byte(body))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	var w subWire
	require.NoError(t, json.Unmarshal(r.body, &w))
	return w
}

// The five endpoints, as the OpenAPI describes them, with the API key.
func TestSubscriptionEndpoints(t *testing.T) {
	now := time.Date(2026, 1, 2, 5, 42, 41, 0, time.UTC)
	s := quilttest.NewTestServer(t, quilttest.WithClock(func() time.Time { return now }))

	w := createSub(t, s, `{"name":"Profile Created","targetUrl":"https://example.com/quiltt_webhook","eventTypes":["profile.created"]}`)
	assert.Regexp(t, `^whsub_[0-9A-Za-z]{22}$`, w.ID)
	assert.Equal(t, subWire{ID: w.ID, Name: "Profile Created", TargetURL: "https://example.com/quiltt_webhook",
		EventTypes: []string{"profile.created"}, CreatedAt: now, UpdatedAt: now}, w)

	r := do(t, s, http.MethodGet, subsPath+"/"+w.ID, bearer(s), nil)
	require.Equal(t, http.StatusOK, r.status)
	var got subWire
	require.NoError(t, json.Unmarshal(r.body, &got))
	assert.Equal(t, w, got)

	r = do(t, s, http.MethodPatch, subsPath+"/"+w.ID, bearer(s), []byte(`{"eventTypes":["balance","connection.synced"],"disabled":true}`))
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	require.NoError(t, json.Unmarshal(r.body, &got))
	assert.Equal(t, "Profile Created", got.Name, "a field not sent is kept")
	assert.Equal(t, []string{"balance", "connection.synced"}, got.EventTypes)
	assert.True(t, got.Disabled)

	r = do(t, s, http.MethodDelete, subsPath+"/"+w.ID, bearer(s), nil)
	assert.Equal(t, http.StatusNoContent, r.status)
	assert.Empty(t, r.body)
	for _, method := range []string{http.MethodGet, http.MethodPatch, http.MethodDelete} {
		r = do(t, s, method, subsPath+"/"+w.ID, bearer(s), []byte(`{"name":"x"}`))
		assert.Equal(t, http.StatusNotFound, r.status, method)
		assert.JSONEq(t, `{"message":"Not Found","instruction":"Does the URL contain the ID of a Webhook Subscription?"}`, string(r.body))
	}

	r = do(t, s, http.MethodPost, subsPath, basic(s, s.ProfileID()), []byte(`{}`))
	assert.Equal(t, http.StatusUnauthorized, r.status, "Basic is not the API key's Bearer")
	r = do(t, s, http.MethodPut, subsPath, bearer(s), nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Equal(t, "GET, POST", r.header.Get("Allow"))
	r = do(t, s, http.MethodPut, subsPath+"/x", bearer(s), nil)
	assert.Equal(t, "GET, PATCH, DELETE", r.header.Get("Allow"))
}

// Bad bodies are answered 422 with {field: [messages]}, the target URL's
// with the OpenAPI example's message; loopback http is accepted.
func TestSubscriptionValidation(t *testing.T) {
	s := quilttest.NewTestServer(t)
	cases := map[string]struct{ body, want string }{
		"plain http":      {`{"targetUrl":"http://example.com/h","eventTypes":["balance.created"]}`, `{"targetUrl":["Target URL is not a valid HTTPS URL"]}`},
		"relative":        {`{"targetUrl":"/h","eventTypes":["balance.created"]}`, `{"targetUrl":["Target URL is not a valid HTTPS URL"]}`},
		"no target":       {`{"eventTypes":["balance.created"]}`, `{"targetUrl":["can't be blank"]}`},
		"no types":        {`{"targetUrl":"https://example.com/h"}`, `{"eventTypes":["can't be blank"]}`},
		"empty types":     {`{"targetUrl":"https://example.com/h","eventTypes":[]}`, `{"eventTypes":["can't be blank"]}`},
		"unknown type":    {`{"targetUrl":"https://example.com/h","eventTypes":["balance.create"]}`, `{"eventTypes":["includes an unknown event type"]}`},
		"not an object":   {`[]`, `{"base":["must be a JSON object"]}`},
		"wrong type":      {`{"targetUrl":1}`, `{"base":["has a field of the wrong type"]}`},
		"not JSON at all": {`{`, `{"base":["must be a JSON object"]}`},
	}
	for name, tc := range cases {
		r := do(t, s, http.MethodPost, subsPath, bearer(s), []byte(tc.body))
		assert.Equal(t, http.StatusUnprocessableEntity, r.status, name)
		assert.JSONEq(t, tc.want, string(r.body), name)
	}
	for _, target := range []string{"http://127.0.0.1:9/h", "http://localhost:9/h", "http://[::1]:9/h"} {
		createSub(t, s, fmt.Sprintf(`{"targetUrl":%q,"eventTypes":["balance"]}`, target))
	}
	assert.Len(t, s.Subscriptions(), 3)
}

// The list pages with page and limit, and says so in pagy's headers.
func TestSubscriptionPaging(t *testing.T) {
	s := quilttest.NewTestServer(t)
	var ids []string
	for i := range 5 {
		ids = append(ids, createSub(t, s, fmt.Sprintf(`{"targetUrl":"https://example.com/%d","eventTypes":["balance"]}`, i)).ID)
	}
	for page, want := range map[int][]string{1: ids[0:2], 2: ids[2:4], 3: ids[4:], 4: {}} {
		r := do(t, s, http.MethodGet, fmt.Sprintf("%s?page=%d&limit=2", subsPath, page), bearer(s), nil)
		require.Equal(t, http.StatusOK, r.status)
		var items []subWire
		require.NoError(t, json.Unmarshal(r.body, &items))
		got := []string{}
		for _, it := range items {
			got = append(got, it.ID)
		}
		assert.Equal(t, want, got, "page %d", page)
		assert.Equal(t, fmt.Sprint(page), r.header.Get("current-page"))
		assert.Equal(t, "2", r.header.Get("page-items"))
		assert.Equal(t, "5", r.header.Get("total-count"))
		assert.Equal(t, "3", r.header.Get("total-pages"))
	}
	r := do(t, s, http.MethodGet, subsPath, bearer(s), nil)
	assert.Equal(t, "20", r.header.Get("page-items"), "pagy's default")
	assert.Equal(t, "1", r.header.Get("total-pages"))
	r = do(t, s, http.MethodGet, subsPath+"?limit=1000", bearer(s), nil)
	assert.Equal(t, "100", r.header.Get("page-items"), "capped")
	r = do(t, s, http.MethodGet, subsPath+"?page=0", bearer(s), nil)
	assert.Equal(t, http.StatusBadRequest, r.status)

	// The SDK follows the pages.
	c := sdkClient(t, s)
	var listed []string
	for sub, err := range c.WebhookSubscriptions(t.Context()) {
		require.NoError(t, err)
		listed = append(listed, sub.ID)
	}
	assert.Equal(t, ids, listed)
}

// A refresh's balance.created reaches a subscription made through the SDK,
// signed with the environment's secret; it reaches a parent scope's
// subscription too, and neither a disabled one nor one of other types.
func TestSDKSubscriptionDelivery(t *testing.T) {
	s := quilttest.NewTestServer(t, quilttest.WithRefreshDelay(quilttest.ManualRefresh))
	c := sdkClient(t, s)
	events, hookURL, _ := sdkReceiver(t, s.WebhookSecret())
	scoped, scopedURL, _ := sdkReceiver(t, s.WebhookSecret())
	other, otherURL, _ := sdkReceiver(t, s.WebhookSecret())
	off, offURL, _ := sdkReceiver(t, s.WebhookSecret())

	sub, err := c.EnsureWebhookSubscription(t.Context(), &quiltt.WebhookSubscriptionParams{
		Name: "app", TargetURL: hookURL, EventTypes: []quiltt.EventType{quiltt.EventBalanceCreated},
	})
	require.NoError(t, err)
	for target, types := range map[string][]quiltt.EventType{scopedURL: {"balance"}, otherURL: {"connection", quiltt.EventAccountCreated}, offURL: {"balance"}} {
		_, err := c.CreateWebhookSubscription(t.Context(), &quiltt.WebhookSubscriptionParams{TargetURL: target, EventTypes: types})
		require.NoError(t, err)
	}
	for _, ws := range s.Subscriptions() {
		if ws.TargetURL == offURL {
			r := do(t, s, http.MethodPatch, subsPath+"/"+ws.ID, bearer(s), []byte(`{"disabled":true}`))
			require.Equal(t, http.StatusOK, r.status)
		}
	}

	refreshed := refreshChecking(t, s, c)

	for _, ch := range []<-chan quiltt.Event{events, scoped} {
		e := receive(t, ch)
		assert.Equal(t, quiltt.EventBalanceCreated, e.Type)
		b, err := e.Balance()
		require.NoError(t, err)
		assert.Equal(t, refreshed.ID, b.ID)
	}
	assert.Empty(t, other, "not subscribed to balance events")
	assert.Empty(t, off, "disabled")
	ds := s.Deliveries()
	require.Len(t, ds, 2)
	assert.Equal(t, sub.ID, ds[0].SubscriptionID)
	assert.Equal(t, 1, ds[0].Attempt)
	assert.Equal(t, ds[0].Body, ds[1].Body, "one event, the same body to each")
	require.NoError(t, quiltt.VerifyWebhook(ds[0].Body, ds[0].Header, s.WebhookSecret()))
}

// SetWebhook is a shorthand for one subscription, listed with the others
// and changed in place; its deliveries carry its own secret.
func TestSetWebhookIsASubscription(t *testing.T) {
	s := quilttest.NewTestServer(t, quilttest.WithWebhookSecret("whsec_env_1"))
	assert.Equal(t, "whsec_env_1", s.WebhookSecret())
	require.NoError(t, s.SetWebhook("http://127.0.0.1:9/a", "whsec_own"))
	require.NoError(t, s.SetWebhook("http://127.0.0.1:9/b", "whsec_own"))
	subs := s.Subscriptions()
	require.Len(t, subs, 1)
	assert.Equal(t, "http://127.0.0.1:9/b", subs[0].TargetURL)
	assert.Equal(t, []quiltt.EventType{quiltt.EventBalanceCreated}, subs[0].EventTypes)
	require.NoError(t, s.SetWebhook("", ""))
	assert.Empty(t, s.Subscriptions())

	for _, bad := range []string{"", "has space", "tab\t"} {
		msg := func() (msg string) {
			defer func() { msg = fmt.Sprint(recover()) }()
			quilttest.NewServer(quilttest.WithWebhookSecret(bad)).Close()
			return ""
		}()
		assert.Contains(t, msg, "WithWebhookSecret")
		if bad != "" {
			assert.NotContains(t, msg, bad)
		}
	}
}
