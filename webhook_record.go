package quiltt

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/quiltt-go/quiltt/internal/amount"
)

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
	if e.Type.Resource() != "account" {
		return nil, fmt.Errorf("%w: Account of a %q event", ErrWebhookEventType, e.Type)
	}
	a := &AccountRecord{}
	if err := decodeRecord(e, a); err != nil {
		return nil, err
	}
	if a.ID == "" {
		return nil, fmt.Errorf("%w: event %s: account record has no id", ErrWebhookPayload, e.ID)
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
	if e.Type.Resource() != "connection" {
		return nil, fmt.Errorf("%w: Connection of a %q event", ErrWebhookEventType, e.Type)
	}
	c := &ConnectionRecord{}
	if err := decodeRecord(e, c); err != nil {
		return nil, err
	}
	if c.ID == "" {
		return nil, fmt.Errorf("%w: event %s: connection record has no id", ErrWebhookPayload, e.ID)
	}
	c.Metadata = nullToNil(c.Metadata)
	return c, nil
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
