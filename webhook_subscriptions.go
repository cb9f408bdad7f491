package quiltt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/quiltt-go/quiltt/internal/retry"
)

// ensureLockTTL bounds how long EnsureWebhookSubscription holds the lock
// of a target URL: a list, and a create or an update, with their retries.
const ensureLockTTL = 2 * time.Minute

// EnsureWebhookSubscription makes sure the environment has one
// subscription for p.TargetURL, with p's event types (and p's Name, when
// set): the call to make at start-up, in every replica. It lists the
// subscriptions (WebhookSubscriptions) and:
//   - finds one for p.TargetURL (the same string) whose EventTypes hold
//     the same types as p's, in any order, and whose Name is p's (when
//     p.Name is set): it returns it, and sends nothing but the list;
//   - finds one that differs: it changes it in place
//     (UpdateWebhookSubscription, with only the fields that differ) and
//     returns the update's answer;
//   - finds none: it creates one (CreateWebhookSubscription).
//
// Disabled is left as it is: a subscription disabled in the Dashboard is
// returned, Disabled true, and stays disabled (the OpenAPI's update body is
// not known to the SDK to take it).
//
// Calls that run at once for one URL take turns on the client's
// RefreshLock (WithRefreshLock), under a key derived from the URL (a hash
// under "webhooks/subscriptions/", which no account ID can be): the first
// lists and creates, the next find its subscription and send nothing else.
// Give every replica the fleet's lock (redisstore.NewRefreshLock) and no
// two replicas create a subscription each. Without WithRefreshLock the
// lock is the client's in-process MemoryRefreshLock: calls within one
// process take turns, but replicas in separate processes that start at
// once may each find none and each create one. Later calls then keep the
// first listed and leave the others alone (logged at warn level, their IDs
// only); Quiltt delivers each event to both, and a WebhookHandler whose
// Claims are shared by the fleet processes it once. Delete the extras with
// DeleteWebhookSubscription.
//
// Failure modes: those of CreateWebhookSubscription (ErrMissingCredentials
// and ErrInvalidSubscriptionParams, without a request, for the same p),
// of WebhookSubscriptions and of UpdateWebhookSubscription, each error
// naming the call that failed; and
//   - an error wrapping ErrRefreshLock and the lock's error when the
//     RefreshLock fails to acquire or wait (nothing was sent);
//   - ctx's error (wrapped) when ctx ends while another caller holds the
//     lock.
//
// errors.Is(err, ErrOutcomeUnknown) holds when the create's outcome is
// unknown (see CreateWebhookSubscription); the lock is then kept until its
// two minutes end, so that the next call lists after Quiltt has settled.
func (c *Client) EnsureWebhookSubscription(ctx context.Context, p *WebhookSubscriptionParams) (_ *WebhookSubscription, err error) {
	const op = "EnsureWebhookSubscription"
	ctx, obs := c.observe(ctx, op)
	defer obs.finish(&err)
	if err := c.restReady(op); err != nil {
		return nil, err
	}
	if err := p.check(true); err != nil {
		return nil, errorf("%s: %w", op, err)
	}
	if ctx == nil {
		return nil, c.p.nilContext(&request{op: op, endpoint: c.p.api, method: http.MethodGet, path: subscriptionsPath})
	}
	key := subscriptionLockKey(p.TargetURL)
	for {
		release, acquired, err := c.p.fresh.lock.Acquire(ctx, key, ensureLockTTL)
		if err != nil {
			return nil, lockError(ctx, op, key, "acquire", err)
		}
		if acquired {
			return c.ensureHolding(ctx, p, release)
		}
		if err := c.p.fresh.lock.Wait(ctx, key); err != nil {
			return nil, lockError(ctx, op, key, "wait for", err)
		}
	}
}

// subscriptionLockKey is the RefreshLock key of a target URL: a slash
// keeps it apart from every account ID (checkAccountID refuses one), and
// the hash keeps the URL out of the store's keys.
func subscriptionLockKey(targetURL string) string {
	sum := sha256.Sum256([]byte(targetURL))
	return "webhooks/subscriptions/" + hex.EncodeToString(sum[:16])
}

// ensureHolding runs with the URL's lock held: list, then create or update.
func (c *Client) ensureHolding(ctx context.Context, p *WebhookSubscriptionParams, release func(context.Context) error) (*WebhookSubscription, error) {
	keep := false
	defer func() {
		if keep || release == nil {
			return
		}
		// Released even after ctx ended; a failure leaves the lock to its
		// ttl, and the next call waits until then.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), freshReleaseTimeout)
		defer cancel()
		if err := release(rctx); err != nil {
			c.p.logger.LogAttrs(ctx, slog.LevelWarn, "quiltt: EnsureWebhookSubscription: releasing the lock failed; it ends with its ttl",
				slog.String("error", err.Error()))
		}
	}()
	hold, cancel := context.WithTimeout(ctx, ensureLockTTL)
	defer cancel()

	var found *WebhookSubscription
	var extra []string
	for s, err := range c.WebhookSubscriptions(hold) {
		if err != nil {
			return nil, err
		}
		switch {
		case s.TargetURL != p.TargetURL:
		case found == nil:
			found = s
		default:
			extra = append(extra, s.ID)
		}
	}
	if len(extra) > 0 {
		c.p.logger.LogAttrs(ctx, slog.LevelWarn, "quiltt: EnsureWebhookSubscription: several subscriptions share the target URL; keeping the first, leaving the others",
			slog.String("subscription_id", found.ID), slog.Any("other_ids", extra))
	}
	if found == nil {
		s, err := c.CreateWebhookSubscription(hold, p)
		keep = errors.Is(err, ErrOutcomeUnknown)
		return s, err
	}
	var change WebhookSubscriptionParams
	if p.Name != "" && p.Name != found.Name {
		change.Name = p.Name
	}
	if !sameEventTypes(found.EventTypes, p.EventTypes) {
		change.EventTypes = slices.Clone(p.EventTypes)
	}
	if change.Name == "" && change.EventTypes == nil {
		return found, nil
	}
	return c.UpdateWebhookSubscription(hold, found.ID, &change)
}

// sameEventTypes compares two lists as sets.
func sameEventTypes(a, b []EventType) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// WebhookSubscriptions returns every subscription of the environment, page
// by page: GET {base}/v1/webhooks/subscriptions?page=N&limit=100, each
// page retried as reads are, following Quiltt's paging headers
// (current-page, total-pages; page-items and total-count are not needed)
// until the last page. Without a total-pages header it stops after a page
// shorter than the limit. A page is fetched only when the caller ranges
// past the previous one: breaking out of the loop, or ending ctx, sends
// nothing more.
//
// Failure modes, each yielded once as (nil, err), after which the
// sequence ends:
//   - an error wrapping ErrMissingCredentials, without a request, when the
//     client has no API key;
//   - ctx's error (wrapped) when ctx ends between subscriptions;
//   - an *Error for a non-2xx answer: ErrUnauthorized (401),
//     ErrRateLimited and ErrServer (after retries);
//   - a *TransportError when no answer came (after retries);
//   - an error wrapping ErrInvalidResponse for a 2xx answer that is not a
//     JSON array of subscriptions.
func (c *Client) WebhookSubscriptions(ctx context.Context) iter.Seq2[*WebhookSubscription, error] {
	const op = "WebhookSubscriptions"
	return func(yield func(*WebhookSubscription, error) bool) {
		if err := c.restReady(op); err != nil {
			yield(nil, err)
			return
		}
		for page := 1; ; page++ {
			if ctx != nil && ctx.Err() != nil {
				yield(nil, errorf("%s: %w", op, ctx.Err()))
				return
			}
			subs, more, err := c.subscriptionPage(ctx, op, page)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, s := range subs {
				if ctx.Err() != nil {
					yield(nil, errorf("%s: %w", op, ctx.Err()))
					return
				}
				if !yield(s, nil) {
					return
				}
			}
			if !more {
				return
			}
		}
	}
}

// subscriptionPage fetches one page of the list and reports whether
// another follows.
func (c *Client) subscriptionPage(ctx context.Context, op string, page int) ([]*WebhookSubscription, bool, error) {
	path := subscriptionsPath + "?page=" + strconv.Itoa(page) + "&limit=" + strconv.Itoa(subscriptionPageLimit)
	resp, err := c.p.do(ctx, &request{op: op, kind: retry.Read, endpoint: c.p.api, method: http.MethodGet, path: path, auth: c.p.restAuth})
	if err != nil {
		return nil, false, err
	}
	current, curOK := headerInt(resp.Header, "current-page")
	total, totOK := headerInt(resp.Header, "total-pages")
	subs, err := readAuthAnswer(ctx, op, resp, c.p.redactor(c.p.restAuth), decodeSubscriptionList)
	if err != nil {
		return nil, false, err
	}
	if !curOK {
		current = page
	}
	var more bool
	switch {
	case len(*subs) == 0:
		more = false // an empty page ends the list, whatever the headers say
	case totOK:
		more = current < total
	default:
		more = len(*subs) >= subscriptionPageLimit
	}
	return *subs, more, nil
}

// headerInt reads a non-negative integer header.
func headerInt(h http.Header, key string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get(key)))
	return n, err == nil && n >= 0
}

// subscriptionWire is a subscription as Quiltt's JSON carries it.
type subscriptionWire struct {
	ID         *string     `json:"id"`
	Name       *string     `json:"name"`
	TargetURL  *string     `json:"targetUrl"`
	EventTypes []EventType `json:"eventTypes"`
	Disabled   *bool       `json:"disabled"`
	CreatedAt  *time.Time  `json:"createdAt"`
	UpdatedAt  *time.Time  `json:"updatedAt"`
}

func (w *subscriptionWire) value() (*WebhookSubscription, error) {
	if w.ID == nil || *w.ID == "" {
		return nil, errors.New("a subscription without an id")
	}
	if w.TargetURL == nil {
		return nil, errors.New("a subscription without a targetUrl")
	}
	s := &WebhookSubscription{ID: *w.ID, TargetURL: *w.TargetURL, EventTypes: w.EventTypes}
	if w.Name != nil {
		s.Name = *w.Name
	}
	if w.Disabled != nil {
		s.Disabled = *w.Disabled
	}
	if w.CreatedAt != nil {
		s.CreatedAt = *w.CreatedAt
	}
	if w.UpdatedAt != nil {
		s.UpdatedAt = *w.UpdatedAt
	}
	return s, nil
}

func decodeSubscription(body []byte) (*WebhookSubscription, error) {
	var w subscriptionWire
	if err := decodeStrict(body, &w); err != nil {
		return nil, err
	}
	return w.value()
}

func decodeSubscriptionList(body []byte) (*[]*WebhookSubscription, error) {
	var ws []subscriptionWire
	if err := decodeStrict(body, &ws); err != nil {
		return nil, err
	}
	if ws == nil {
		return nil, errors.New("not a JSON array")
	}
	out := make([]*WebhookSubscription, 0, len(ws))
	for i := range ws {
		s, err := ws[i].value()
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		out = append(out, s)
	}
	return &out, nil
}

// decodeStrict decodes one JSON value, with nothing after it. Unknown
// keys are ignored (Quiltt may add fields).
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("not the JSON expected: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}
