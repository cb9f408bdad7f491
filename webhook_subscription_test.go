package quiltt_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
)

// subFixture reads a file of testdata/subscriptions.
func subFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "subscriptions", name))
	require.NoError(t, err)
	return b
}

// subAnswer replies with status and a testdata/subscriptions fixture.
func subAnswer(t testing.TB, status int, file string) http.HandlerFunc {
	body := []byte(nil)
	if file != "" {
		body = subFixture(t, file)
	}
	return func(w http.ResponseWriter, _ *http.Request) { reply(w, status, "application/json", body) }
}

var docParams = &quiltt.WebhookSubscriptionParams{
	Name:       "Profile Created",
	TargetURL:  "https://example.com/quiltt_webhook",
	EventTypes: []quiltt.EventType{quiltt.EventProfileCreated},
}

// A create sends the guide's body with the API key and reads the 201 as
// the OpenAPI describes it, unknown event types and parent scopes kept.
func TestCreateWebhookSubscription(t *testing.T) {
	client, mux, _ := setup(t)
	rec := handleScript(mux, "/v1/webhooks/subscriptions", subAnswer(t, http.StatusCreated, "subscription.json"))

	s, err := client.CreateWebhookSubscription(t.Context(), docParams)
	require.NoError(t, err)

	seen := rec.seen()
	require.Len(t, seen, 1)
	assert.Equal(t, http.MethodPost, seen[0].Method)
	assert.Equal(t, basePath+"/v1/webhooks/subscriptions", seen[0].URI)
	assert.Equal(t, "Bearer "+testAPIKey, seen[0].Auth)
	assert.Equal(t, "application/json", seen[0].ContentType)
	assert.JSONEq(t, string(subFixture(t, "create_request.json")), seen[0].Body)

	assert.Equal(t, &quiltt.WebhookSubscription{
		ID: "whsub_12wm3nAz3ZSpYWxauhLqrf", Name: "Profile Created", TargetURL: "https://example.com/quiltt_webhook",
		EventTypes: []quiltt.EventType{quiltt.EventProfileCreated, "balance", "statement.archived"},
		CreatedAt:  time.Date(2026, 1, 2, 5, 42, 41, 0, time.UTC),
		UpdatedAt:  time.Date(2026, 1, 3, 6, 0, 0, 0, time.UTC),
	}, normalizeSub(s))
	assert.True(t, s.Includes(quiltt.EventBalanceCreated), "the parent scope covers balance.created")
	assert.False(t, s.Includes(quiltt.EventAccountCreated))
}

// normalizeSub puts a subscription's times in UTC, for comparison.
func normalizeSub(s *quiltt.WebhookSubscription) *quiltt.WebhookSubscription {
	if s == nil {
		return nil
	}
	c := *s
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c
}

// A create is not idempotent: a 500 is not resent, and its outcome is
// unknown; a 503 (Quiltt did not act) is.
func TestCreateWebhookSubscriptionRetries(t *testing.T) {
	t.Run("500 sent once", func(t *testing.T) {
		client, mux, _ := setup(t)
		rec := handleScript(mux, "/v1/webhooks/subscriptions",
			answer(t, http.StatusInternalServerError, "500.json"), subAnswer(t, http.StatusCreated, "subscription.json"))
		s, err := client.CreateWebhookSubscription(t.Context(), docParams)
		require.Error(t, err)
		assert.Nil(t, s)
		assert.ErrorIs(t, err, quiltt.ErrOutcomeUnknown)
		assert.ErrorIs(t, err, quiltt.ErrServer)
		assert.Len(t, rec.seen(), 1, "sent once")
	})
	t.Run("503 resent", func(t *testing.T) {
		client, mux, _ := setup(t)
		rec := handleScript(mux, "/v1/webhooks/subscriptions",
			answer(t, http.StatusServiceUnavailable, ""), subAnswer(t, http.StatusCreated, "subscription.json"))
		s, err := client.CreateWebhookSubscription(t.Context(), docParams)
		require.NoError(t, err)
		assert.Equal(t, "whsub_12wm3nAz3ZSpYWxauhLqrf", s.ID)
		assert.Len(t, rec.seen(), 2)
	})
}

// A 422 lands in Error.Validation.
func TestCreateWebhookSubscription422(t *testing.T) {
	client, mux, _ := setup(t)
	handleScript(mux, "/v1/webhooks/subscriptions", subAnswer(t, http.StatusUnprocessableEntity, "422.json"))
	_, err := client.CreateWebhookSubscription(t.Context(), docParams)
	var qe *quiltt.Error
	require.ErrorAs(t, err, &qe)
	assert.Equal(t, http.StatusUnprocessableEntity, qe.StatusCode)
	assert.Equal(t, map[string][]string{"targetUrl": {"Target URL is not a valid HTTPS URL"}}, qe.Validation)
	assert.ErrorIs(t, err, quiltt.ErrBadRequest)
	assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown)
}

// Parameters Quiltt would refuse, or that subscribe to nothing, are refused
// before anything is sent (setup's mux fails the test on any request),
// without quoting the value.
func TestWebhookSubscriptionParamsChecked(t *testing.T) {
	client, _, _ := setup(t)
	types := []quiltt.EventType{quiltt.EventBalanceCreated}
	cases := map[string]*quiltt.WebhookSubscriptionParams{
		"nil":                 nil,
		"no target":           {EventTypes: types},
		"plain http":          {TargetURL: "http://hooks.example.com/q", EventTypes: types},
		"relative":            {TargetURL: "/hooks/quiltt", EventTypes: types},
		"no host":             {TargetURL: "https:///hooks", EventTypes: types},
		"other scheme":        {TargetURL: "ftp://example.com/hooks", EventTypes: types},
		"not a URL":           {TargetURL: "https://exa mple.com/%zz", EventTypes: types},
		"control character":   {TargetURL: "https://example.com/\x00", EventTypes: types},
		"no event type":       {TargetURL: "https://example.com/hooks"},
		"empty event types":   {TargetURL: "https://example.com/hooks", EventTypes: []quiltt.EventType{}},
		"unknown event type":  {TargetURL: "https://example.com/hooks", EventTypes: []quiltt.EventType{"balance.create"}},
		"empty event type":    {TargetURL: "https://example.com/hooks", EventTypes: []quiltt.EventType{""}},
		"dot-ended scope":     {TargetURL: "https://example.com/hooks", EventTypes: []quiltt.EventType{"balance."}},
		"name with a newline": {Name: "a\nb", TargetURL: "https://example.com/hooks", EventTypes: types},
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := client.CreateWebhookSubscription(t.Context(), p)
			require.ErrorIs(t, err, quiltt.ErrInvalidSubscriptionParams)
			_, err2 := client.EnsureWebhookSubscription(t.Context(), p)
			require.ErrorIs(t, err2, quiltt.ErrInvalidSubscriptionParams)
			if p != nil {
				for _, v := range []string{p.TargetURL, p.Name} {
					if len(v) > 3 {
						assert.NotContains(t, err.Error(), v, "the value is not quoted")
					}
				}
				for _, et := range p.EventTypes {
					if et != "" {
						assert.NotContains(t, err.Error(), string(et))
					}
				}
			}
		})
	}
	_, err := client.UpdateWebhookSubscription(t.Context(), "whsub_1", &quiltt.WebhookSubscriptionParams{})
	assert.ErrorIs(t, err, quiltt.ErrInvalidSubscriptionParams, "an update with no field")
	_, err = client.UpdateWebhookSubscription(t.Context(), "whsub_1", &quiltt.WebhookSubscriptionParams{TargetURL: "http://example.com"})
	assert.ErrorIs(t, err, quiltt.ErrInvalidSubscriptionParams, "an update to plain http")
}

// Loopback http, parent scopes and every known type are accepted.
func TestWebhookSubscriptionParamsAccepted(t *testing.T) {
	for _, target := range []string{"http://127.0.0.1:8081/hooks", "http://localhost/hooks", "http://[::1]:9/h", "https://example.com"} {
		for _, et := range []quiltt.EventType{"balance", "connection", "connection.synced", "connection.synced.errored", quiltt.EventConnectionSyncedSuccessfulInitial, quiltt.EventProfileDeleted} {
			t.Run(target+" "+string(et), func(t *testing.T) {
				client, mux, _ := setup(t)
				rec := handleScript(mux, "/v1/webhooks/subscriptions", subAnswer(t, http.StatusCreated, "subscription.json"))
				_, err := client.CreateWebhookSubscription(t.Context(), &quiltt.WebhookSubscriptionParams{TargetURL: target, EventTypes: []quiltt.EventType{et}})
				require.NoError(t, err)
				assert.Len(t, rec.seen(), 1)
			})
		}
	}
	assert.True(t, quiltt.EventType("account").Subscribable())
	assert.False(t, quiltt.EventType("acc").Subscribable())
	assert.False(t, quiltt.EventType("balance.created.x").Subscribable())
}

// Retrieve, update and delete address the subscription by its escaped ID;
// 404 is ErrNotFound; a bad ID is refused unsent.
func TestWebhookSubscriptionByID(t *testing.T) {
	client, mux, _ := setup(t)
	rec := handleScript(mux, "/v1/webhooks/subscriptions/{id}",
		subAnswer(t, http.StatusOK, "subscription.json"),                                                        // GET
		answer(t, http.StatusInternalServerError, "500.json"), subAnswer(t, http.StatusOK, "subscription.json"), // PATCH, retried
		answer(t, http.StatusNoContent, ""),        // DELETE
		answer(t, http.StatusNotFound, "404.json"), // GET
		answer(t, http.StatusNotFound, "404.json"), // DELETE
	)
	ctx := t.Context()
	s, err := client.WebhookSubscription(ctx, "whsub_1?x")
	require.NoError(t, err)
	assert.Equal(t, "whsub_12wm3nAz3ZSpYWxauhLqrf", s.ID)

	_, err = client.UpdateWebhookSubscription(ctx, "whsub_1", &quiltt.WebhookSubscriptionParams{EventTypes: []quiltt.EventType{quiltt.EventBalanceCreated, "connection"}})
	require.NoError(t, err, "a PATCH is retried after a 500")
	require.NoError(t, client.DeleteWebhookSubscription(ctx, "whsub_1"))

	_, err = client.WebhookSubscription(ctx, "whsub_gone")
	assert.ErrorIs(t, err, quiltt.ErrNotFound)
	err = client.DeleteWebhookSubscription(ctx, "whsub_gone")
	assert.ErrorIs(t, err, quiltt.ErrNotFound)

	seen := rec.seen()
	require.Len(t, seen, 6)
	assert.Equal(t, []string{http.MethodGet, http.MethodPatch, http.MethodPatch, http.MethodDelete, http.MethodGet, http.MethodDelete},
		[]string{seen[0].Method, seen[1].Method, seen[2].Method, seen[3].Method, seen[4].Method, seen[5].Method})
	assert.Equal(t, basePath+"/v1/webhooks/subscriptions/whsub_1%3Fx", seen[0].URI, "the ID is path-escaped")
	assert.JSONEq(t, `{"eventTypes":["balance.created","connection"]}`, seen[1].Body, "only the fields given")
	assert.Equal(t, seen[1].Body, seen[2].Body)
	assert.Empty(t, seen[3].Body)
	for _, r := range seen {
		assert.Equal(t, "Bearer "+testAPIKey, r.Auth)
	}

	for _, id := range []string{"", "..", "a/b", "a b", "a\x00", strings.Repeat("x", 257)} {
		_, err := client.WebhookSubscription(ctx, id)
		assert.ErrorIs(t, err, quiltt.ErrInvalidSubscriptionID)
		_, err = client.UpdateWebhookSubscription(ctx, id, &quiltt.WebhookSubscriptionParams{Name: "n"})
		assert.ErrorIs(t, err, quiltt.ErrInvalidSubscriptionID)
		assert.ErrorIs(t, client.DeleteWebhookSubscription(ctx, id), quiltt.ErrInvalidSubscriptionID)
	}
	assert.Len(t, rec.seen(), 6, "nothing sent for a bad ID")
}

// pagedSubscriptions serves n subscriptions on pages of size, with the
// paging headers, and records the pages asked for.
func pagedSubscriptions(t *testing.T, mux *http.ServeMux, n, size int, headers bool) *recorder {
	return handleScript(mux, "GET /v1/webhooks/subscriptions", func(w http.ResponseWriter, r *http.Request) {
		page, err := strconv.Atoi(r.URL.Query().Get("page"))
		assert.NoError(t, err)
		assert.Equal(t, "Bearer "+testAPIKey, r.Header.Get("Authorization"))
		var items []string
		for i := (page - 1) * size; i < min(page*size, n); i++ {
			items = append(items, fmt.Sprintf(`{"id":"whsub_%d","name":"n","targetUrl":"https://example.com/%d","eventTypes":["balance.created"],"disabled":false,"createdAt":"2026-01-02T05:42:41Z","updatedAt":"2026-01-02T05:42:41Z"}`, i, i))
		}
		if headers {
			w.Header().Set("current-page", strconv.Itoa(page))
			w.Header().Set("page-items", strconv.Itoa(size))
			w.Header().Set("total-count", strconv.Itoa(n))
			w.Header().Set("total-pages", strconv.Itoa((n+size-1)/size))
		}
		reply(w, http.StatusOK, "application/json", []byte("["+strings.Join(items, ",")+"]"))
	})
}

// The list follows the page headers over three pages, and stops the
// moment the caller stops ranging or its context ends.
func TestWebhookSubscriptionsPages(t *testing.T) {
	t.Run("three pages", func(t *testing.T) {
		client, mux, _ := setup(t)
		rec := pagedSubscriptions(t, mux, 5, 2, true)
		var ids []string
		for s, err := range client.WebhookSubscriptions(t.Context()) {
			require.NoError(t, err)
			ids = append(ids, s.ID)
		}
		assert.Equal(t, []string{"whsub_0", "whsub_1", "whsub_2", "whsub_3", "whsub_4"}, ids)
		seen := rec.seen()
		require.Len(t, seen, 3)
		for i, r := range seen {
			assert.Equal(t, fmt.Sprintf("%s/v1/webhooks/subscriptions?page=%d&limit=100", basePath, i+1), r.URI)
		}
	})
	t.Run("break", func(t *testing.T) {
		client, mux, _ := setup(t)
		rec := pagedSubscriptions(t, mux, 5, 2, true)
		for s, err := range client.WebhookSubscriptions(t.Context()) {
			require.NoError(t, err)
			if s.ID == "whsub_1" {
				break
			}
		}
		assert.Len(t, rec.seen(), 1, "no page past the break")
	})
	t.Run("context ends", func(t *testing.T) {
		client, mux, _ := setup(t)
		rec := pagedSubscriptions(t, mux, 5, 2, true)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var got []string
		var last error
		for s, err := range client.WebhookSubscriptions(ctx) {
			if err != nil {
				last = err
				continue
			}
			got = append(got, s.ID)
			cancel()
		}
		assert.Equal(t, []string{"whsub_0"}, got)
		assert.ErrorIs(t, last, context.Canceled)
		assert.Len(t, rec.seen(), 1)
	})
	t.Run("no headers", func(t *testing.T) {
		client, mux, _ := setup(t)
		rec := pagedSubscriptions(t, mux, 3, 100, false)
		n := 0
		for _, err := range client.WebhookSubscriptions(t.Context()) {
			require.NoError(t, err)
			n++
		}
		assert.Equal(t, 3, n)
		assert.Len(t, rec.seen(), 1, "a short page without total-pages is the last")
	})
	t.Run("error", func(t *testing.T) {
		client, mux, _ := setup(t)
		handleScript(mux, "GET /v1/webhooks/subscriptions", answer(t, http.StatusUnauthorized, "401.json"))
		n := 0
		for s, err := range client.WebhookSubscriptions(t.Context()) {
			assert.Nil(t, s)
			assert.ErrorIs(t, err, quiltt.ErrUnauthorized)
			n++
		}
		assert.Equal(t, 1, n, "one error, then the end")
	})
	t.Run("not an array", func(t *testing.T) {
		client, mux, _ := setup(t)
		handleScript(mux, "GET /v1/webhooks/subscriptions", subAnswer(t, http.StatusOK, "subscription.json"))
		for _, err := range client.WebhookSubscriptions(t.Context()) {
			assert.ErrorIs(t, err, quiltt.ErrInvalidResponse)
		}
	})
}

// Without an API key nothing is sent.
func TestWebhookSubscriptionsNeedAPIKey(t *testing.T) {
	c, err := quiltt.NewClient(quiltt.WithSessionToken(testSessionToken), quiltt.WithBaseURL(refusedBaseURL(t)))
	require.NoError(t, err)
	_, err = c.CreateWebhookSubscription(t.Context(), docParams)
	assert.ErrorIs(t, err, quiltt.ErrMissingCredentials)
	_, err = c.EnsureWebhookSubscription(t.Context(), docParams)
	assert.ErrorIs(t, err, quiltt.ErrMissingCredentials)
	for _, err := range c.WebhookSubscriptions(t.Context()) {
		assert.ErrorIs(t, err, quiltt.ErrMissingCredentials)
	}
	assert.False(t, errors.Is(err, quiltt.ErrOutcomeUnknown))
}
