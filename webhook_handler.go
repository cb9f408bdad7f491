package quiltt

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
)

// DefaultWebhookMaxBody is the largest webhook body a handler reads when no
// other cap is set: 1 MiB.
const DefaultWebhookMaxBody = 1 << 20

// DefaultSeenEventsSize is how many event IDs a MemorySeenEvents made with
// a size of zero remembers.
const DefaultSeenEventsSize = 10000

// NewWebhookHandler returns an http.Handler that serves Quiltt webhook
// deliveries signed with secret, calling fn once per event, in order. It is
// a WebhookHandler with a verifier for secret and the defaults: see
// WebhookHandler for the status codes it answers. It keeps no record of the
// events it has seen, so fn must be idempotent (Quiltt delivers again what
// did not get a 2xx); use a WebhookHandler with Seen to skip redeliveries.
//
// An empty secret or a nil fn cannot serve: the handler then answers every
// delivery 500 Internal Server Error without calling anything.
func NewWebhookHandler(secret string, fn func(context.Context, Event) error) http.Handler {
	v, _ := NewWebhookVerifier(secret) // nil for an empty secret: answered 500
	return &WebhookHandler{Verifier: v, Handle: fn}
}

// WebhookHandler serves Quiltt webhook deliveries. Set its fields before the
// first request and do not change them afterwards; it is then safe for
// concurrent use. The zero value has no verifier and answers every delivery
// 500: set Verifier and Handle at least.
//
// For each request it answers:
//   - 405 Method Not Allowed (with Allow: POST) to any method but POST;
//   - 413 Request Entity Too Large to a body over MaxBodyBytes;
//   - 401 Unauthorized to a delivery that fails verification (bad, missing
//     or malformed signature; stale, future, missing or malformed
//     timestamp), before decoding anything;
//   - 400 Bad Request to a verified body that ParseWebhook rejects;
//   - 500 Internal Server Error when Verifier or Handle is missing, when
//     Handle returns an error for an event (the events after it are not
//     handled) or when Seen fails, so that Quiltt delivers again;
//   - 204 No Content once Handle has succeeded for every event (or the
//     event was already seen).
//
// Handle is never called for a delivery answered 4xx. Its context is the
// request's.
type WebhookHandler struct {
	// Verifier checks each delivery's signature; required.
	Verifier *WebhookVerifier
	// Handle is called once per event of a verified delivery, in order;
	// required. An error makes the handler answer 500.
	Handle func(context.Context, Event) error
	// MaxBodyBytes caps the body read; zero or negative means
	// DefaultWebhookMaxBody.
	MaxBodyBytes int64
	// Seen, when set, remembers the IDs of the events Handle processed so
	// that a redelivered event is skipped. An event is marked only after
	// Handle succeeded for it. nil means every event is handled.
	Seen SeenEvents
	// Logger receives one record per rejected or failed delivery (never a
	// secret, never the body); nil is silent.
	Logger *slog.Logger
}

// SeenEvents remembers which webhook events were processed. Implementations
// must be safe for concurrent use. A store shared by every instance of a
// service (a database table keyed on the event ID) de-duplicates across
// them; MemorySeenEvents only within one process.
//
// Two deliveries of the same event that arrive at the same time may both
// find it unseen: Handle should still be idempotent.
type SeenEvents interface {
	// Seen reports whether the event with this ID was processed already.
	Seen(ctx context.Context, eventID string) (bool, error)
	// MarkSeen records that the event with this ID was processed.
	MarkSeen(ctx context.Context, eventID string) error
}

// ServeHTTP verifies, decodes and handles one delivery; see WebhookHandler
// for the answers.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reject(r, w, http.StatusMethodNotAllowed, nil)
		return
	}
	if h.Verifier == nil || h.Handle == nil {
		h.reject(r, w, http.StatusInternalServerError, errors.New("quiltt: WebhookHandler needs a Verifier and a Handle func"))
		return
	}
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultWebhookMaxBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.reject(r, w, http.StatusRequestEntityTooLarge, err)
			return
		}
		h.reject(r, w, http.StatusBadRequest, err)
		return
	}
	if err := h.Verifier.Verify(body, r.Header); err != nil {
		status := http.StatusUnauthorized
		if errors.Is(err, ErrWebhookSecret) {
			status = http.StatusInternalServerError
		}
		h.reject(r, w, status, err)
		return
	}
	payload, err := ParseWebhook(body)
	if err != nil {
		h.reject(r, w, http.StatusBadRequest, err)
		return
	}
	ctx := r.Context()
	for _, ev := range payload.Events {
		if h.Seen != nil {
			seen, err := h.Seen.Seen(ctx, ev.ID)
			if err != nil {
				h.reject(r, w, http.StatusInternalServerError, err)
				return
			}
			if seen {
				continue
			}
		}
		if err := h.Handle(ctx, ev); err != nil {
			h.reject(r, w, http.StatusInternalServerError, err, slog.String("event", ev.ID), slog.String("type", string(ev.Type)))
			return
		}
		if h.Seen != nil {
			if err := h.Seen.MarkSeen(ctx, ev.ID); err != nil {
				h.reject(r, w, http.StatusInternalServerError, err, slog.String("event", ev.ID))
				return
			}
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// reject answers status with its status text, and logs why.
func (h *WebhookHandler) reject(r *http.Request, w http.ResponseWriter, status int, err error, attrs ...slog.Attr) {
	if h.Logger != nil && err != nil {
		attrs = append(attrs, slog.Int("status", status), slog.String("error", err.Error()))
		h.Logger.LogAttrs(r.Context(), slog.LevelWarn, "quiltt: webhook delivery not accepted", attrs...)
	}
	http.Error(w, http.StatusText(status), status)
}

// MemorySeenEvents is a SeenEvents kept in memory, bounded: past its size
// it forgets the oldest IDs first. It is safe for concurrent use and never
// fails. Build one with NewMemorySeenEvents; the zero value is ready to use
// and remembers DefaultSeenEventsSize IDs.
type MemorySeenEvents struct {
	mu   sync.Mutex
	ids  map[string]struct{}
	ring []string // insertion order; next is the oldest once full
	next int
}

// NewMemorySeenEvents returns a store that remembers the last size event
// IDs; size zero or negative means DefaultSeenEventsSize.
func NewMemorySeenEvents(size int) *MemorySeenEvents {
	if size <= 0 {
		size = DefaultSeenEventsSize
	}
	return &MemorySeenEvents{ids: make(map[string]struct{}), ring: make([]string, 0, size)}
}

// Seen reports whether eventID is remembered. It never fails.
func (m *MemorySeenEvents) Seen(_ context.Context, eventID string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.ids[eventID]
	return ok, nil
}

// MarkSeen remembers eventID, forgetting the oldest ID if the store is
// full. It never fails.
func (m *MemorySeenEvents) MarkSeen(_ context.Context, eventID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ids == nil {
		m.ids = make(map[string]struct{})
		m.ring = make([]string, 0, DefaultSeenEventsSize)
	}
	if _, ok := m.ids[eventID]; ok {
		return nil
	}
	if len(m.ring) < cap(m.ring) {
		m.ring = append(m.ring, eventID)
	} else {
		delete(m.ids, m.ring[m.next])
		m.ring[m.next] = eventID
		m.next = (m.next + 1) % len(m.ring)
	}
	m.ids[eventID] = struct{}{}
	return nil
}
