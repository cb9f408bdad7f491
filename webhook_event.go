package quiltt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrWebhookPayload marks a webhook body, or an event record, that is not
// what Quiltt sends: not strict JSON, of the wrong shape, or an event
// without an id or a type.
var ErrWebhookPayload = errors.New("quiltt: malformed webhook payload")

// ErrWebhookEventType marks a typed accessor of Event called on an event of
// another type, such as Balance on a connection.created event.
var ErrWebhookEventType = errors.New("quiltt: webhook event of another type")

// EventType is the type of a webhook event. Values not listed here are kept
// as Quiltt sends them: an event of an unknown type decodes, with its raw
// record.
type EventType string

// The leaf event types Quiltt documents.
const (
	EventConnectionCreated                    EventType = "connection.created"
	EventConnectionSyncedSuccessful           EventType = "connection.synced.successful"
	EventConnectionSyncedSuccessfulInitial    EventType = "connection.synced.successful.initial"
	EventConnectionSyncedSuccessfulHistorical EventType = "connection.synced.successful.historical"
	EventConnectionSyncedErroredRepairable    EventType = "connection.synced.errored.repairable"
	EventConnectionSyncedErroredInstitution   EventType = "connection.synced.errored.institution"
	EventConnectionSyncedErroredProvider      EventType = "connection.synced.errored.provider"
	EventConnectionSyncedErroredService       EventType = "connection.synced.errored.service"
	EventConnectionDisconnected               EventType = "connection.disconnected"
	EventAccountCreated                       EventType = "account.created"
	EventAccountOwnersVerified                EventType = "account.owners_verified"
	EventAccountReconnected                   EventType = "account.reconnected"
	EventAccountVerified                      EventType = "account.verified"
	EventBalanceCreated                       EventType = "balance.created"
	EventStatementReady                       EventType = "statement.ready"
	EventProfileCreated                       EventType = "profile.created"
	EventProfileReady                         EventType = "profile.ready"
	EventProfileDeleted                       EventType = "profile.deleted"
)

// Known reports whether t is one of the event types listed above.
func (t EventType) Known() bool {
	switch t {
	case EventConnectionCreated, EventConnectionSyncedSuccessful, EventConnectionSyncedSuccessfulInitial,
		EventConnectionSyncedSuccessfulHistorical, EventConnectionSyncedErroredRepairable,
		EventConnectionSyncedErroredInstitution, EventConnectionSyncedErroredProvider,
		EventConnectionSyncedErroredService, EventConnectionDisconnected,
		EventAccountCreated, EventAccountOwnersVerified, EventAccountReconnected, EventAccountVerified,
		EventBalanceCreated, EventStatementReady,
		EventProfileCreated, EventProfileReady, EventProfileDeleted:
		return true
	}
	return false
}

// Resource is the kind of record an event type is about: the part before
// its first dot ("connection", "account", "balance", …).
func (t EventType) Resource() string {
	r, _, _ := strings.Cut(string(t), ".")
	return r
}

// EnvironmentMode is the mode of a Quiltt environment. Values not listed
// here are kept as Quiltt sends them.
type EnvironmentMode string

// The environment modes Quiltt documents.
const (
	EnvironmentModeTest       EnvironmentMode = "TEST"
	EnvironmentModeSandbox    EnvironmentMode = "SANDBOX"
	EnvironmentModeProduction EnvironmentMode = "PRODUCTION"
)

// Environment is a Quiltt environment: the one a webhook delivery comes
// from, or an API key belongs to (IntrospectAPIKey).
type Environment struct {
	ID   string          `json:"id"`
	Name string          `json:"name"`
	Mode EnvironmentMode `json:"mode"`
	// Metadata is the environment's custom metadata as raw JSON; nil when
	// null or absent.
	Metadata json.RawMessage `json:"metadata"`
}

// EventProfile is the Profile an event is about.
type EventProfile struct {
	ID   string `json:"id"`   // p_…
	UUID string `json:"uuid"` // the same Profile as a UUID
	// Metadata is the Profile's custom metadata as raw JSON; nil when null
	// or absent.
	Metadata json.RawMessage `json:"metadata"`
}

// WebhookPayload is a decoded webhook delivery. A body holding a single
// event on its own (as the balances doc page shows it) decodes with a zero
// Environment, EventTypes holding that event's type, and one event.
type WebhookPayload struct {
	Environment Environment
	EventTypes  []EventType
	Events      []Event
}

// Event is one webhook event. Record is the raw JSON of the record the event
// is about; decode it with Balance, Account or Connection, or by hand for
// other types. Record and Metadata are nil when null or absent; At is zero
// when absent.
type Event struct {
	ID string `json:"id"` // evt_…: the key to de-duplicate on
	// At is when the event happened at Quiltt (for balance.created, when
	// the balance record was created), not when this delivery was sent.
	// The balance's own time is Balance.At.
	At       time.Time       `json:"at"`
	Type     EventType       `json:"type"`
	Profile  EventProfile    `json:"profile"`
	Record   json.RawMessage `json:"record"`
	Metadata json.RawMessage `json:"metadata"`
}

// wireDelivery holds either shape of a body in one pass: the envelope's
// fields, and a single event's (promoted from the embedded Event).
type wireDelivery struct {
	Environment *Environment `json:"environment"`
	EventTypes  []EventType  `json:"eventTypes"`
	Events      *[]Event     `json:"events"`
	Event
}

// ParseWebhook decodes a webhook body: the envelope
// {environment, eventTypes, events} or a single event object on its own.
// Verify the body first (VerifyWebhook): ParseWebhook trusts what it reads.
//
// Decoding is strict JSON (a trailing comma or a second value after the
// object is an error). Records are kept raw: the typed accessors (Balance,
// Account, Connection) decode them, amounts exactly, and refuse a quoted
// amount. Unknown fields are ignored and unknown event types kept.
//
// It returns an error wrapping ErrWebhookPayload if body is not a JSON
// object of either shape, or an event has no id or no type; it never
// panics.
func ParseWebhook(body []byte) (*WebhookPayload, error) {
	var w wireDelivery
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWebhookPayload, jsonProblem(err))
	}
	p := &WebhookPayload{}
	switch {
	case w.Events != nil:
		if w.ID != "" || w.Type != "" {
			return nil, fmt.Errorf("%w: both an envelope and an event", ErrWebhookPayload)
		}
		if w.Environment != nil {
			p.Environment = *w.Environment
			p.Environment.Metadata = nullToNil(p.Environment.Metadata)
		}
		p.EventTypes = w.EventTypes
		p.Events = *w.Events
	case w.ID != "" || w.Type != "":
		p.Events = []Event{w.Event}
		p.EventTypes = []EventType{w.Type}
	default:
		return nil, fmt.Errorf("%w: neither an envelope with events nor an event", ErrWebhookPayload)
	}
	for i := range p.Events {
		e := &p.Events[i]
		if e.ID == "" || e.Type == "" {
			return nil, fmt.Errorf("%w: event %d has no id or no type", ErrWebhookPayload, i)
		}
		e.Record = nullToNil(e.Record)
		e.Metadata = nullToNil(e.Metadata)
		e.Profile.Metadata = nullToNil(e.Profile.Metadata)
	}
	return p, nil
}

// nullToNil turns an absent or null raw value into nil.
func nullToNil(m json.RawMessage) json.RawMessage {
	if len(m) == 0 || bytes.Equal(m, []byte("null")) {
		return nil
	}
	return m
}
