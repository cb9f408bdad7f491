package quilttest

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/quiltt-go/quiltt"
)

// The routes of Quiltt's webhook subscriptions (REST OpenAPI 2026-04-01),
// at URL, each taking the API key as a Bearer token.
const (
	RouteSubscriptionList   Route = "subscription-list"   // GET {URL}/v1/webhooks/subscriptions?page=&limit=
	RouteSubscriptionCreate Route = "subscription-create" // POST {URL}/v1/webhooks/subscriptions
	RouteSubscriptionGet    Route = "subscription-get"    // GET {URL}/v1/webhooks/subscriptions/{id}
	RouteSubscriptionUpdate Route = "subscription-update" // PATCH {URL}/v1/webhooks/subscriptions/{id}
	RouteSubscriptionDelete Route = "subscription-delete" // DELETE {URL}/v1/webhooks/subscriptions/{id}
)

// Paging of the list, as pagy (which Quiltt's headers current-page,
// page-items, total-count and total-pages come from) does it by default.
const (
	subscriptionPageDefault = 20
	subscriptionPageMax     = 100
)

// instrInvalidTarget is the message of Quiltt's OpenAPI example of a 422.
const instrInvalidTarget = "Target URL is not a valid HTTPS URL"

// isSubscription reports whether r is one of the subscription routes.
func (r Route) isSubscription() bool {
	switch r {
	case RouteSubscriptionList, RouteSubscriptionCreate, RouteSubscriptionGet, RouteSubscriptionUpdate, RouteSubscriptionDelete:
		return true
	}
	return false
}

// subscriptionRoute maps the path below {base}/v1/ and the method to a
// subscription route, its ID, and the method the route takes ("GET, POST"
// for another method on the collection, so that it is answered 405).
func subscriptionRoute(method, rest string) (Route, string, string, bool) {
	if rest == "webhooks/subscriptions" {
		switch method {
		case http.MethodGet:
			return RouteSubscriptionList, "", method, true
		case http.MethodPost:
			return RouteSubscriptionCreate, "", method, true
		}
		return RouteSubscriptionList, "", "GET, POST", true
	}
	id, ok := strings.CutPrefix(rest, "webhooks/subscriptions/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", "", "", false
	}
	switch method {
	case http.MethodGet:
		return RouteSubscriptionGet, id, method, true
	case http.MethodPatch:
		return RouteSubscriptionUpdate, id, method, true
	case http.MethodDelete:
		return RouteSubscriptionDelete, id, method, true
	}
	return RouteSubscriptionGet, id, "GET, PATCH, DELETE", true
}

// subscription is one webhook subscription the server keeps.
type subscription struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	TargetURL  string    `json:"targetUrl"`
	EventTypes []string  `json:"eventTypes"`
	Disabled   bool      `json:"disabled"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
	// secret signs the deliveries: "" for the environment's
	// (WebhookSecret); SetWebhook's own otherwise.
	secret string
}

func (sub *subscription) wire() subscription {
	c := *sub
	c.EventTypes = slices.Clone(sub.EventTypes)
	c.CreatedAt, c.UpdatedAt = sub.CreatedAt.UTC().Truncate(time.Second), sub.UpdatedAt.UTC().Truncate(time.Second)
	return c
}

// includes reports whether the subscription covers an event of type t:
// one of its types is t or a parent scope of t.
func (sub *subscription) includes(t string) bool {
	for _, st := range sub.EventTypes {
		if st == t || strings.HasPrefix(t, st+".") {
			return true
		}
	}
	return false
}

// subscriptions is what the server keeps of them; guarded by Server.mu.
type subscriptions struct {
	list      []*subscription // creation order: the list's order
	setHookID string          // the subscription SetWebhook and WithWebhook keep
}

func (ss *subscriptions) find(id string) (int, *subscription) {
	for i, sub := range ss.list {
		if sub.ID == id {
			return i, sub
		}
	}
	return -1, nil
}

// subscriptionInput is a create or update body; nil fields were absent.
type subscriptionInput struct {
	Name       *string   `json:"name"`
	TargetURL  *string   `json:"targetUrl"`
	EventTypes *[]string `json:"eventTypes"`
	Disabled   *bool     `json:"disabled"`
}

// parseSubscriptionInput reads a body and checks the fields it holds; a
// create needs targetUrl and eventTypes.
func parseSubscriptionInput(body []byte, create bool) (subscriptionInput, map[string][]string) {
	var in subscriptionInput
	errs := validationErrors{}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil || probe == nil {
		errs.add("base", "must be a JSON object")
		return in, errs
	}
	if err := json.Unmarshal(body, &in); err != nil {
		errs.add("base", "has a field of the wrong type")
		return in, errs
	}
	switch {
	case in.TargetURL == nil && create:
		errs.add("targetUrl", "can't be blank")
	case in.TargetURL != nil && !validTargetURL(*in.TargetURL):
		errs.add("targetUrl", instrInvalidTarget)
	}
	switch {
	case in.EventTypes == nil && create, in.EventTypes != nil && len(*in.EventTypes) == 0:
		errs.add("eventTypes", "can't be blank")
	case in.EventTypes != nil:
		for _, t := range *in.EventTypes {
			if !subscribableType(t) {
				errs.add("eventTypes", "includes an unknown event type")
				break
			}
		}
	}
	return in, errs
}

// validTargetURL accepts an absolute https URL, and (the fake's own
// allowance, so that tests can receive) http on a loopback host.
func validTargetURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return false
	}
	if u.Scheme == "https" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return u.Scheme == "http" && (strings.EqualFold(u.Hostname(), "localhost") || (ip != nil && ip.IsLoopback()))
}

// subscribableType accepts the event types the SDK knows and their parent
// scopes.
func subscribableType(t string) bool {
	return quiltt.EventType(t).Subscribable()
}

// serveSubscriptions answers the five subscription routes.
func (s *Server) serveSubscriptions(route Route, id string, query url.Values, body []byte) response {
	switch route {
	case RouteSubscriptionList:
		return s.serveSubscriptionList(query)
	case RouteSubscriptionCreate:
		in, errs := parseSubscriptionInput(body, true)
		if len(errs) > 0 {
			return validationResponse(errs)
		}
		now := s.cfg.now()
		sub := &subscription{ID: "whsub_" + randomBase62(22), TargetURL: *in.TargetURL, EventTypes: slices.Clone(*in.EventTypes), CreatedAt: now, UpdatedAt: now}
		if in.Name != nil {
			sub.Name = *in.Name
		}
		if in.Disabled != nil {
			sub.Disabled = *in.Disabled
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.subs.list = append(s.subs.list, sub)
		return jsonResponse(http.StatusCreated, sub.wire())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i, sub := s.subs.find(id)
	if sub == nil {
		return subscriptionNotFound()
	}
	switch route {
	case RouteSubscriptionUpdate:
		in, errs := parseSubscriptionInput(body, false)
		if len(errs) > 0 {
			return validationResponse(errs)
		}
		if in.Name != nil {
			sub.Name = *in.Name
		}
		if in.TargetURL != nil {
			sub.TargetURL = *in.TargetURL
		}
		if in.EventTypes != nil {
			sub.EventTypes = slices.Clone(*in.EventTypes)
		}
		if in.Disabled != nil {
			sub.Disabled = *in.Disabled
		}
		sub.UpdatedAt = s.cfg.now()
	case RouteSubscriptionDelete:
		s.subs.list = slices.Delete(s.subs.list, i, i+1)
		if s.subs.setHookID == id {
			s.subs.setHookID = ""
		}
		return response{status: http.StatusNoContent}
	}
	return jsonResponse(http.StatusOK, sub.wire())
}

func subscriptionNotFound() response {
	return jsonResponse(http.StatusNotFound, restError{Message: "Not Found", Instruction: "Does the URL contain the ID of a Webhook Subscription?"}) // ours
}

// serveSubscriptionList answers one page, with pagy's headers. A page past
// the last is empty; a page or limit that is not a positive integer is
// answered 400.
func (s *Server) serveSubscriptionList(q url.Values) response {
	page, okPage := positiveParam(q, "page", 1)
	limit, okLimit := positiveParam(q, "limit", subscriptionPageDefault)
	if !okPage || !okLimit {
		return errorResponse(http.StatusBadRequest, RouteSubscriptionList)
	}
	limit = min(limit, subscriptionPageMax)
	s.mu.RLock()
	defer s.mu.RUnlock()
	total := len(s.subs.list)
	pages := max(1, (total+limit-1)/limit)
	items := []subscription{}
	if from := (page - 1) * limit; from < total {
		for _, sub := range s.subs.list[from:min(from+limit, total)] {
			items = append(items, sub.wire())
		}
	}
	resp := jsonResponse(http.StatusOK, items)
	resp.header = http.Header{
		"Current-Page": {strconv.Itoa(page)},
		"Page-Items":   {strconv.Itoa(limit)},
		"Total-Count":  {strconv.Itoa(total)},
		"Total-Pages":  {strconv.Itoa(pages)},
	}
	return resp
}

func positiveParam(q url.Values, key string, def int) (int, bool) {
	v := q.Get(key)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 1
}

// setHookLocked makes the subscription SetWebhook keeps deliver
// balance.created to rawURL, signed with secret; an empty rawURL removes
// it. s.mu must be held.
func (s *Server) setHookLocked(rawURL, secret string) {
	i, sub := s.subs.find(s.subs.setHookID)
	switch {
	case rawURL == "" && sub != nil:
		s.subs.list = slices.Delete(s.subs.list, i, i+1)
		s.subs.setHookID = ""
	case rawURL == "":
	case sub != nil:
		sub.TargetURL, sub.secret, sub.UpdatedAt = rawURL, secret, s.cfg.now()
	default:
		now := s.cfg.now()
		sub = &subscription{ID: "whsub_" + randomBase62(22), Name: "quilttest SetWebhook", TargetURL: rawURL,
			EventTypes: []string{string(quiltt.EventBalanceCreated)}, CreatedAt: now, UpdatedAt: now, secret: secret}
		s.subs.list = append(s.subs.list, sub)
		s.subs.setHookID = sub.ID
	}
}

// WebhookSecret returns the environment's signing secret (WithWebhookSecret,
// or a random "whsec_…" one): deliveries to the subscriptions made through
// the API are signed with it, as Quiltt signs with the secret the
// Dashboard shows. Give it to quiltt.NewWebhookHandler. It cannot fail.
func (s *Server) WebhookSecret() string { return s.cfg.delivery.envSecret }

// Subscriptions returns the webhook subscriptions the server keeps, in the
// list's order, as the API answers them (SetWebhook's included). It cannot
// fail.
func (s *Server) Subscriptions() []quiltt.WebhookSubscription {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]quiltt.WebhookSubscription, 0, len(s.subs.list))
	for _, sub := range s.subs.list {
		w := sub.wire()
		types := make([]quiltt.EventType, len(w.EventTypes))
		for i, t := range w.EventTypes {
			types[i] = quiltt.EventType(t)
		}
		out = append(out, quiltt.WebhookSubscription{ID: w.ID, Name: w.Name, TargetURL: w.TargetURL, EventTypes: types,
			Disabled: w.Disabled, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt})
	}
	return out
}
