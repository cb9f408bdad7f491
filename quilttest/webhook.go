package quilttest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/internal/signature"
)

// SignWebhook returns the headers Quiltt sends with a webhook delivery of
// body at time t, signed with secret: Quiltt-Signature, Quiltt-Timestamp
// (t in Unix seconds) and Content-Type. Add them to a request to test a
// webhook handler. It cannot fail; an empty secret signs with an empty key,
// which no verifier should accept.
func SignWebhook(body []byte, secret string, t time.Time) http.Header {
	unix := t.Unix()
	return http.Header{
		quiltt.HeaderSignature: {signature.Sign([]byte(secret), unix, body)},
		quiltt.HeaderTimestamp: {strconv.FormatInt(unix, 10)},
		"Content-Type":         {"application/json"},
	}
}

// BalanceCreatedBody returns the body of a balance.created delivery as the
// server sends it: an envelope with the fake's TEST environment and one
// event for b, at time at, from profile p. Whatever the caller leaves out
// is filled in as Quiltt would send it, so that the body is one
// quiltt.ParseWebhook and Event.Balance accept:
//
//   - p.ID "": the default profile (DefaultProfileID, DefaultProfileUUID);
//   - p.UUID "": a UUID derived from p.ID, the same for every body of that
//     ID (Quiltt's OpenAPI requires the event's profile.uuid: every
//     Profile has one);
//   - at zero: the current time;
//   - b.ID "": a new "bal_…" ID;
//   - b.AccountID "": CheckingAccountID, the seeded checking account;
//   - b.At zero: at, the time of the event;
//   - b.Source "": REFRESH, the source of the balances whose creation the
//     fake announces (those of completed refreshes, as on Quiltt's doc
//     page's sample event);
//   - nil amounts: null, as Quiltt writes an amount it does not report.
//
// Times are written in UTC to the second, as Quiltt writes them. It cannot
// fail.
func BalanceCreatedBody(p Profile, b quiltt.Balance, at time.Time) []byte {
	if p.ID == "" {
		p = seedProfile()
	}
	if at.IsZero() {
		at = time.Now()
	}
	if b.ID == "" {
		b.ID = "bal_" + randomBase62(22)
	}
	if b.AccountID == "" {
		b.AccountID = CheckingAccountID
	}
	if b.At.IsZero() {
		b.At = at
	}
	if b.Source == "" {
		b.Source = quiltt.BalanceSourceRefresh
	}
	return balanceCreatedBody(p, b, at)
}

type envelope struct {
	Environment environment `json:"environment"`
	EventTypes  []string    `json:"eventTypes"`
	Events      []event     `json:"events"`
}

type environment struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Mode     string          `json:"mode"`
	Metadata json.RawMessage `json:"metadata"`
}

type event struct {
	ID       string         `json:"id"`
	At       string         `json:"at"`
	Type     string         `json:"type"`
	Profile  eventProfile   `json:"profile"`
	Record   balanceRecord  `json:"record"`
	Metadata map[string]any `json:"metadata"`
}

type eventProfile struct {
	ID       string          `json:"id"`
	UUID     string          `json:"uuid"` // never null: the OpenAPI requires it
	Metadata json.RawMessage `json:"metadata"`
}

type balanceRecord struct {
	ID        string `json:"id"`
	AccountID string `json:"accountId"`
	At        string `json:"at"`
	Source    string `json:"source"`
	Available any    `json:"available"`
	Current   any    `json:"current"`
	Limit     any    `json:"limit"`
}

// defaultEnvironment is the fake's environment, as webhook envelopes and
// the API key's introspection report it.
func defaultEnvironment() environment {
	return environment{ID: defaultEnvironmentID, Name: defaultEnvironmentName, Mode: defaultEnvironmentMode, Metadata: json.RawMessage("null")}
}

func balanceCreatedBody(p Profile, b quiltt.Balance, at time.Time) []byte {
	env := envelope{
		Environment: defaultEnvironment(),
		EventTypes:  []string{"balance.created"},
		Events: []event{{
			ID:      "evt_" + randomBase62(22),
			At:      at.UTC().Format(time.RFC3339),
			Type:    "balance.created",
			Profile: eventProfile{ID: p.ID, UUID: profileUUID(p), Metadata: clone(p.Metadata)},
			Record: balanceRecord{
				ID: b.ID, AccountID: b.AccountID, At: b.At.UTC().Format(time.RFC3339), Source: string(b.Source),
				Available: amount(b.Available), Current: amount(b.Current), Limit: amount(b.Limit),
			},
			Metadata: map[string]any{},
		}},
	}
	body, _ := json.Marshal(env) // cannot fail: plain strings, numbers and valid raw JSON
	return body
}

// Delivery is one webhook delivery the server made, as Deliveries reports
// it.
type Delivery struct {
	Time       time.Time   // when it was signed, by the server's clock
	URL        string      // where it was POSTed, any password redacted
	Header     http.Header // the headers sent, signature included
	Body       []byte      // the raw body sent
	StatusCode int         // the receiver's status; 0 when no answer came
	Err        error       // why no answer came, if so
	// SubscriptionID is the subscription delivered to (SetWebhook's has
	// one too).
	SubscriptionID string
	// Attempt counts the tries of this delivery to this subscription: 1
	// for the first, 2 for the first redelivery (WithRedelivery), …
	Attempt int
}

// SetWebhook sets (or, with an empty rawURL, removes) where completed
// refreshes deliver their balance.created webhooks, as WithWebhook does:
// a shorthand for one webhook subscription to balance.created, named
// "quilttest SetWebhook", whose deliveries are signed with secret rather
// than the environment's (WebhookSecret). The subscription is listed by
// the API like the others, and each call changes it in place. It fails if
// rawURL is not an absolute http or https URL or secret is empty; the
// error does not quote the secret.
func (s *Server) SetWebhook(rawURL, secret string) error {
	if rawURL != "" {
		if err := checkWebhook(rawURL, secret); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setHookLocked(rawURL, secret)
	return nil
}

// Deliveries returns every webhook delivery made so far, oldest first. The
// slice is the caller's. It cannot fail.
func (s *Server) Deliveries() []Delivery {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := slices.Clone(s.deliveries)
	for i := range out {
		out[i].Header = out[i].Header.Clone()
		out[i].Body = slices.Clone(out[i].Body)
	}
	return out
}

// deliver POSTs body once, signed, and reports how it went. Close cancels
// it.
func (s *Server) deliver(rawURL, secret string, body []byte) Delivery {
	now := s.cfg.now()
	d := Delivery{Time: now, URL: redactURL(rawURL), Header: SignWebhook(body, secret, now), Body: body}
	d.Header.Set("User-Agent", "quilttest")
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		d.Err = err
		return d
	}
	req.Header = d.Header.Clone()
	resp, err := s.webhook.Do(req)
	if err != nil {
		d.Err = err
		return d
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
	d.StatusCode = resp.StatusCode
	return d
}

func redactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "[unparseable URL]"
	}
	return u.Redacted()
}

// profileUUID is p's UUID, or, when p has none, one derived from its ID
// (the first 16 bytes of its SHA-256, marked as a version 8 UUID): an
// event's profile.uuid is never null.
func profileUUID(p Profile) string {
	if p.UUID != "" {
		return p.UUID
	}
	h := sha256.Sum256([]byte("quilttest profile " + p.ID))
	h[6] = h[6]&0x0f | 0x80 // version 8: custom
	h[8] = h[8]&0x3f | 0x80 // RFC 9562 variant
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}
