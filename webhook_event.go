package quiltt

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/quiltt-go/quiltt/internal/amount"
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

// The typed records of webhook events, decoded with encoding/json as
// Quiltt's REST OpenAPI (2026-04-01) documents them: a balance.created
// event carries a REST Balance, an account.* event a REST Account, a
// connection.* event a REST Connection. These are not the GraphQL types:
// the REST Account has no name, kind or institution, so it decodes into
// AccountRecord, not Account.

// AccountRecord is the record of an account.* webhook event (account.created,
// account.verified, …): Quiltt's REST Account. Fields Quiltt leaves out are
// zero; State keeps values the SDK has never seen as they are.
type AccountRecord struct {
	ID           string `json:"id"`           // acct_…
	ConnectionID string `json:"connectionId"` // conn_…: the Connection the account came through
	// At is when Quiltt last knew the account's state: typically when its
	// data was last synced with the provider.
	At    time.Time    `json:"at"`
	State AccountState `json:"state"` // OPEN or CLOSED; a CLOSED account stops syncing
	// Metadata is the account's custom metadata as raw JSON; nil when null
	// or absent.
	Metadata  json.RawMessage `json:"metadata"`
	CreatedAt time.Time       `json:"createdAt"`
	UpdatedAt time.Time       `json:"updatedAt"`
}

// ConnectionRecord is the record of a connection.* webhook event
// (connection.created, connection.synced.successful, …): Quiltt's REST
// Connection. Fields Quiltt leaves out are zero; Provider, Status and the
// entries of Features and Products keep values the SDK has never seen as
// they are.
type ConnectionRecord struct {
	ID string `json:"id"` // conn_…
	// At is when Quiltt last knew the connection's state: for an active
	// connection its last successful sync, for a disconnected one the time
	// it was disconnected.
	At       time.Time        `json:"at"`
	Provider Provider         `json:"provider"`
	Status   ConnectionStatus `json:"status"`
	// Products are the Quiltt products enabled on the connection, as Quiltt
	// names them in the API version of the delivery; nil when absent.
	Products []string `json:"products"`
	// Features are the connection's features as Quiltt reports them; nil
	// when absent.
	Features []string `json:"features"`
	// Metadata is the connection's custom metadata as raw JSON; nil when
	// null or absent.
	Metadata  json.RawMessage `json:"metadata"`
	CreatedAt time.Time       `json:"createdAt"`
	UpdatedAt time.Time       `json:"updatedAt"`
}

// Balance returns the typed record of a balance.created event: a REST
// Balance, with its accountId. Amounts are exact; a null or absent amount is
// nil, never zero; unknown fields are ignored.
//
// Failure modes:
//   - an event of another type: an error wrapping ErrWebhookEventType;
//   - a record that is absent, null or not a JSON object, that has no id,
//     whose fields have the wrong JSON types, or that holds an amount that
//     is not a JSON number (a quoted "1.5" is refused): an error wrapping
//     ErrWebhookPayload.
func (e Event) Balance() (*Balance, error) {
	if e.Type != EventBalanceCreated {
		return nil, fmt.Errorf("%w: Balance of a %q event", ErrWebhookEventType, e.Type)
	}
	var w wireBalance
	if err := decodeRecord(e, &w); err != nil {
		return nil, err
	}
	if w.ID == "" {
		return nil, fmt.Errorf("%w: event %s: balance record has no id", ErrWebhookPayload, e.ID)
	}
	return &Balance{
		ID:        w.ID,
		AccountID: w.AccountID,
		At:        w.At,
		Source:    w.Source,
		Available: w.Available.Decimal(),
		Current:   w.Current.Decimal(),
		Limit:     w.Limit.Decimal(),
	}, nil
}

// Account returns the typed record of an account.* event: the REST Account
// {id, connectionId, at, state, metadata, createdAt, updatedAt}. Unknown
// fields are ignored.
//
// Failure modes:
//   - an event whose type is not account.*: an error wrapping
//     ErrWebhookEventType;
//   - a record that is absent, null or not a JSON object, that has no id,
//     or whose fields have the wrong JSON types: an error wrapping
//     ErrWebhookPayload.
func (e Event) Account() (*AccountRecord, error) {
	a := &AccountRecord{}
	if err := decodeTyped(e, "account", "Account", "account", a, &a.ID); err != nil {
		return nil, err
	}
	a.Metadata = nullToNil(a.Metadata)
	return a, nil
}

// Connection returns the typed record of a connection.* event: the REST
// Connection {id, at, provider, features, products, status, metadata,
// createdAt, updatedAt}. Unknown fields are ignored.
//
// Failure modes:
//   - an event whose type is not connection.*: an error wrapping
//     ErrWebhookEventType;
//   - a record that is absent, null or not a JSON object, that has no id,
//     or whose fields have the wrong JSON types: an error wrapping
//     ErrWebhookPayload.
func (e Event) Connection() (*ConnectionRecord, error) {
	c := &ConnectionRecord{}
	if err := decodeTyped(e, "connection", "Connection", "connection", c, &c.ID); err != nil {
		return nil, err
	}
	c.Metadata = nullToNil(c.Metadata)
	return c, nil
}

// decodeTyped decodes e's record into v for the accessor named method,
// when e is an event of resource, and checks that the id it decoded is
// set.
func decodeTyped(e Event, resource, method, what string, v any, id *string) error {
	if e.Type.Resource() != resource {
		return fmt.Errorf("%w: %s of a %q event", ErrWebhookEventType, method, e.Type)
	}
	if err := decodeRecord(e, v); err != nil {
		return err
	}
	if *id == "" {
		return fmt.Errorf("%w: event %s: %s record has no id", ErrWebhookPayload, e.ID, what)
	}
	return nil
}

// decodeRecord decodes e's record, which must be a JSON object, into v.
func decodeRecord(e Event, v any) error {
	rec := nullToNil(e.Record)
	if len(rec) == 0 || rec[0] != '{' {
		return fmt.Errorf("%w: event %s: record is not an object", ErrWebhookPayload, e.ID)
	}
	if err := json.Unmarshal(rec, v); err != nil {
		return fmt.Errorf("%w: event %s: %s", ErrWebhookPayload, e.ID, jsonProblem(err))
	}
	return nil
}

// wireAmount is an amount on the wire, read by the one rule both paths
// share (internal/amount): a JSON number, never a string, of bounded size.
type wireAmount = amount.Amount

// wireBalance is a REST or webhook Balance record.
type wireBalance struct {
	ID        string        `json:"id"`
	AccountID string        `json:"accountId"`
	At        time.Time     `json:"at"`
	Source    BalanceSource `json:"source"`
	Available *wireAmount   `json:"available"`
	Current   *wireAmount   `json:"current"`
	Limit     *wireAmount   `json:"limit"`
}
