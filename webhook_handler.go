package quiltt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/quiltt-go/quiltt/internal/nilness"
)

// DefaultWebhookMaxBody is the largest webhook body a handler reads when no
// other cap is set: 1 MiB.
const DefaultWebhookMaxBody = 1 << 20

// claimStoreTimeout bounds the Done and Release calls made after the
// callback: they run even when the request's context has ended (Quiltt
// hung up), so that a processed event is still marked done.
const claimStoreTimeout = 10 * time.Second

// NewWebhookHandler returns an http.Handler that serves Quiltt webhook
// deliveries signed with secret, calling fn once per event, in order. It is
// NewWebhookHandlerWithLogger(secret, fn, nil): a *WebhookHandler that
// reports every refusal and failure through slog.Default(), and
// de-duplicates events within this process with a MemoryClaimStore of
// DefaultClaimStoreSize events. See WebhookHandler for the answers.
//
// Quiltt delivers again what did not get a 2xx, and may deliver an event to
// another replica of a service: across replicas, fn must be idempotent, or
// the handler must share a ClaimStore (NewWebhookHandlerWithLogger returns
// the *WebhookHandler, whose Claims can be set).
//
// Failure modes: an empty secret or a nil fn cannot serve; the handler then
// answers every delivery 500 without calling anything, and logs why.
func NewWebhookHandler(secret string, fn func(context.Context, Event) error) http.Handler {
	return NewWebhookHandlerWithLogger(secret, fn, nil)
}

// NewWebhookHandlerWithLogger is NewWebhookHandler reporting to logger
// (nil means slog.Default(); slog.New(slog.DiscardHandler) silences it). It
// returns the *WebhookHandler, with a verifier for secret, a
// MemoryClaimStore and the default cap, lease and retention, so that a
// field can be changed before the first delivery: Claims to share a store
// across replicas, MaxBodyBytes, or Verifier to accept a rotated secret.
//
// Failure modes: as NewWebhookHandler.
func NewWebhookHandlerWithLogger(secret string, fn func(context.Context, Event) error, logger *slog.Logger) *WebhookHandler {
	v, _ := NewWebhookVerifier(secret) // nil for an empty secret: answered 500
	return &WebhookHandler{Verifier: v, Handle: fn, Claims: NewMemoryClaimStore(0), Logger: logger}
}

// WebhookHandler serves Quiltt webhook deliveries. Set its fields before the
// first request and do not change them afterwards; it is then safe for
// concurrent use. The zero value has no verifier and answers every delivery
// 500: set Verifier and Handle at least.
//
// For each request it answers, with a short plain-text reason in the body
// (for a person reading Quiltt's delivery log, an assumption: no Quiltt
// document says what that log shows of an answer):
//   - 405 Method Not Allowed (with Allow: POST) to any method but POST;
//   - 413 Request Entity Too Large to a body over MaxBodyBytes;
//   - 400 Bad Request to a body that cannot be read ("could not read the
//     body");
//   - 401 Unauthorized to a delivery that fails verification, before
//     decoding anything: "signature does not match", "timestamp outside the
//     300 s window" (the Verifier's Tolerance, in seconds), or which header
//     is missing or malformed;
//   - 400 Bad Request to a verified body that ParseWebhook rejects ("body is
//     not a Quiltt webhook");
//   - 500 Internal Server Error when Verifier or Handle is missing or the
//     Verifier has no secret, and when Handle returns an error for an event
//     ("callback failed; will be retried"): the events after it are not
//     handled, Quiltt delivers again;
//   - 503 Service Unavailable when another delivery holds the claim on an
//     event ("event is being processed by another delivery"), with a
//     Retry-After of ClaimLease in seconds (by then that delivery has
//     finished, or its lease has ended), and when Claims fails or answers
//     a state it should not ("event store unavailable; will be retried"):
//     Handle is not called for that event, and Quiltt delivers again;
//   - 204 No Content once every event was handled (or had been already).
//
// Handle is never called for a delivery answered 4xx. A 5xx rather than a
// 409 for a busy event: Quiltt documents only that it redelivers what did
// not get a 2xx, and senders that tell classes apart retry 5xx and give up
// on 4xx, which would lose the event if its holder then fails.
//
// With Claims set, each event is claimed before Handle is called: an event
// already processed within ClaimRetention is skipped, an event another
// delivery holds answers 503, and a claimed event is marked done when
// Handle succeeds or released when it fails, so that the redelivery runs
// it. Handle's context ends when the lease does; a callback still running
// then may run beside the delivery that takes the event over. Without
// Claims, Handle is called for every event of every delivery.
//
// Every answer but 204 is logged through Logger: the status, the reason,
// the error and the event's id and type, never the body or a secret.
type WebhookHandler struct {
	// Verifier checks each delivery's signature; required.
	Verifier *WebhookVerifier
	// Handle is called once per event of a verified delivery, in order;
	// required. An error makes the handler answer 500.
	Handle func(context.Context, Event) error
	// MaxBodyBytes caps the body read; zero or negative means
	// DefaultWebhookMaxBody.
	MaxBodyBytes int64
	// Claims de-duplicates events by claim; nil calls Handle for every
	// event. A MemoryClaimStore serves one process; a store shared by every
	// replica (package redisstore) serves a fleet. A nil pointer here (a
	// nil *redisstore.ClaimStore) answers every delivery 500.
	Claims ClaimStore
	// ClaimLease is, with Claims set, how long a claim lasts while Handle
	// runs, and Handle's deadline; zero or negative means
	// DefaultClaimLease. Make it longer than Handle ever takes.
	ClaimLease time.Duration
	// ClaimRetention is how long a processed event is remembered, and its
	// redeliveries skipped; zero or negative means DefaultClaimRetention.
	ClaimRetention time.Duration
	// Logger receives one record per refused or failed delivery (never a
	// secret, never the body), and at the first delivery one info record
	// of the claim store in use (its type, and its Name() if it has one);
	// nil means slog.Default(). Pass slog.New(slog.DiscardHandler) to
	// silence it.
	Logger *slog.Logger
	// Observer, when set, sees each delivery: its answer, its events'
	// types, its claims (never the body, a record or a secret). See
	// Observer.StartWebhook.
	Observer Observer
	// Feed, when set, receives the balance of every balance.created
	// event of each verified delivery, before Handle runs and whatever it
	// returns (the balance is real either way), so that the clients
	// waiting on the same feed (WithBalanceFeed) return it. Each publish
	// gets at most 5 s; a feed that fails is logged and never fails the
	// delivery.
	Feed BalanceFeed

	piecesLogged sync.Once // the record of the pieces in use
}

// The plain-text reasons the handler answers with, for a person reading
// Quiltt's delivery log. None says more than a forger already knows.
const (
	reasonMethod        = "method not allowed: Quiltt delivers with POST"
	reasonTooLarge      = "body larger than the receiver accepts"
	reasonUnreadable    = "could not read the body"
	reasonSignature     = "signature does not match"
	reasonNotWebhook    = "body is not a Quiltt webhook"
	reasonMisconfigured = "webhook receiver misconfigured"
	reasonCallback      = "callback failed; will be retried"
	reasonBusy          = "event is being processed by another delivery"
	reasonStore         = "event store unavailable; will be retried"
)

// The messages of the handler's log records, one per situation.
const (
	msgRefused       = "quiltt: webhook delivery refused"                  // 4xx, warning
	msgMisconfigured = "quiltt: webhook handler misconfigured"             // 500, error
	msgCallback      = "quiltt: webhook callback failed"                   // 500, error
	msgBusy          = "quiltt: webhook event claimed by another delivery" // 503, info
	msgStore         = "quiltt: webhook claim store failed"                // 503, error
	msgSkipped       = "quiltt: webhook event already processed; skipped"  // debug
	msgNotReleased   = "quiltt: webhook claim not released; the event waits for its lease to end"
	msgNotDone       = "quiltt: webhook event processed but not marked done"
)

// serve verifies, decodes and handles one delivery, for ServeHTTP.
func (h *WebhookHandler) serve(w http.ResponseWriter, r *http.Request) {
	h.logPieces()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.answer(w, r, http.StatusMethodNotAllowed, reasonMethod, slog.LevelWarn, msgRefused, nil, slog.String("method", r.Method))
		return
	}
	if h.Verifier == nil || h.Handle == nil {
		h.answer(w, r, http.StatusInternalServerError, reasonMisconfigured, slog.LevelError, msgMisconfigured,
			errors.New("quiltt: WebhookHandler needs a Verifier (a non-empty secret) and a Handle func"))
		return
	}
	if typedNil(h.Claims) {
		// A nil pointer as the ClaimStore would panic at its first call,
		// and taking it for no store would run every redelivery again;
		// nil itself (no de-duplication) is a choice.
		h.answer(w, r, http.StatusInternalServerError, reasonMisconfigured, slog.LevelError, msgMisconfigured,
			errors.New("quiltt: WebhookHandler: Claims holds a nil pointer"))
		return
	}
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultWebhookMaxBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
			h.answer(w, r, http.StatusRequestEntityTooLarge, reasonTooLarge, slog.LevelWarn, msgRefused, err, slog.Int64("limit", limit))
			return
		}
		h.answer(w, r, http.StatusBadRequest, reasonUnreadable, slog.LevelWarn, msgRefused, err)
		return
	}
	if err := h.Verifier.Verify(body, r.Header); err != nil {
		if errors.Is(err, ErrWebhookSecret) {
			h.answer(w, r, http.StatusInternalServerError, reasonMisconfigured, slog.LevelError, msgMisconfigured, err)
			return
		}
		h.answer(w, r, http.StatusUnauthorized, verifyReason(err), slog.LevelWarn, msgRefused, err)
		return
	}
	payload, err := ParseWebhook(body)
	if err != nil {
		h.answer(w, r, http.StatusBadRequest, reasonNotWebhook, slog.LevelWarn, msgRefused, err)
		return
	}
	noteEvents(r.Context(), payload)
	h.publishFeed(r.Context(), payload) // verified: the balances are real, whatever Handle does
	for _, ev := range payload.Events {
		if !h.serveEvent(w, r, ev) {
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// serveEvent claims ev, calls Handle and settles the claim. It reports
// whether the delivery goes on; when it does not, it has answered.
func (h *WebhookHandler) serveEvent(w http.ResponseWriter, r *http.Request, ev Event) bool {
	ctx := r.Context()
	attrs := []slog.Attr{slog.String("event", ev.ID), slog.String("type", string(ev.Type))}
	if h.Claims == nil {
		if err := h.Handle(ctx, ev); err != nil {
			h.answer(w, r, http.StatusInternalServerError, reasonCallback, slog.LevelError, msgCallback, err, attrs...)
			return false
		}
		noteHandled(ctx)
		return true
	}

	lease := h.ClaimLease
	if lease <= 0 {
		lease = DefaultClaimLease
	}
	c, err := h.Claims.Claim(ctx, ev.ID, lease)
	noteClaim(ctx, c.State, err)
	switch {
	case err != nil:
		h.answer(w, r, http.StatusServiceUnavailable, reasonStore, slog.LevelError, msgStore, errorf("claiming the event: %w", err), attrs...)
		return false
	case c.State == ClaimDone:
		h.logger().LogAttrs(ctx, slog.LevelDebug, msgSkipped, attrs...)
		return true
	case c.State == ClaimBusy:
		w.Header().Set("Retry-After", strconv.FormatInt(int64((lease+time.Second-1)/time.Second), 10))
		h.answer(w, r, http.StatusServiceUnavailable, reasonBusy, slog.LevelInfo, msgBusy, nil, attrs...)
		return false
	case c.State != ClaimAcquired:
		h.answer(w, r, http.StatusServiceUnavailable, reasonStore, slog.LevelError, msgStore,
			errorf("the ClaimStore answered the state %v", c.State), attrs...)
		return false
	}

	// The claim is settled even when Quiltt has hung up, and even when
	// Handle panics (net/http recovers the panic; the lease is released).
	settle, cancel := context.WithTimeout(context.WithoutCancel(ctx), claimStoreTimeout)
	defer cancel()
	handled := false
	defer func() {
		if !handled {
			if err := h.Claims.Release(settle, c); err != nil {
				h.logger().LogAttrs(ctx, slog.LevelError, msgNotReleased,
					append(attrs, slog.String("error", err.Error()))...)
			}
		}
	}()
	hctx, hcancel := context.WithTimeout(ctx, lease)
	err = h.Handle(hctx, ev)
	hcancel()
	if err != nil {
		h.answer(w, r, http.StatusInternalServerError, reasonCallback, slog.LevelError, msgCallback, err, attrs...)
		return false
	}
	handled = true
	noteHandled(ctx)
	if err := h.Claims.Done(settle, c, h.retention()); err != nil {
		// Handle succeeded: answering 5xx would have Quiltt redeliver an
		// event that was processed. Its lease still ends the redeliveries
		// already under way; past it, one could run again.
		h.logger().LogAttrs(ctx, slog.LevelError, msgNotDone,
			append(attrs, slog.String("error", err.Error()))...)
	}
	return true
}

func (h *WebhookHandler) retention() time.Duration {
	if h.ClaimRetention <= 0 {
		return DefaultClaimRetention
	}
	return h.ClaimRetention
}

func (h *WebhookHandler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// answer writes status with reason as a plain-text body, and logs msg at
// level with the status, the reason, err (when set) and attrs.
func (h *WebhookHandler) answer(w http.ResponseWriter, r *http.Request, status int, reason string, level slog.Level, msg string, err error, attrs ...slog.Attr) {
	attrs = append(attrs, slog.Int("status", status), slog.String("reason", reason))
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	h.logger().LogAttrs(r.Context(), level, msg, attrs...)
	noteReason(r.Context(), reason)
	http.Error(w, reason, status)
}

// verifyReason is the answer to a delivery that failed verification.
func verifyReason(err error) string {
	var window *windowError
	var header *headerError
	switch {
	case errors.As(err, &window):
		return fmt.Sprintf("timestamp outside the %d s window", int64(window.tol/time.Second))
	case errors.As(err, &header):
		return header.header + " header missing or malformed"
	case errors.Is(err, ErrWebhookSignature):
		return reasonSignature
	}
	return "delivery could not be verified"
}

// typedNil reports whether v is an interface value holding a nil pointer
// (or map, func, …): not nil itself, but unusable.
func typedNil(v any) bool { return v != nil && nilness.Nil(v) }
