package quiltt

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Balance returns the typed record of a balance.created event: a REST
// Balance, with its accountId. Amounts are exact; a null or absent amount
// is nil. It returns an error wrapping ErrWebhookEventType for an event of
// another type, and one wrapping ErrWebhookPayload if the record is absent,
// not an object, has no id, or holds an amount that is not a JSON number.
func (e Event) Balance() (*Balance, error) {
	if e.Type != EventBalanceCreated {
		return nil, fmt.Errorf("%w: Balance of a %q event", ErrWebhookEventType, e.Type)
	}
	var w wireBalance
	if !fastBalance(e.Record, &w) {
		w = wireBalance{}
		if err := decodeRecord(e, &w); err != nil {
			return nil, err
		}
	}
	if w.ID == "" {
		return nil, fmt.Errorf("%w: event %s: balance record has no id", ErrWebhookPayload, e.ID)
	}
	return w.balance(), nil
}

// Account returns the typed record of an account.* event (account.created,
// account.verified, …). The webhook's account record is not documented
// field by field: Account decodes the fields it shares with the GraphQL
// Account (id, name, kind, taxonomy, mask, currencyCode, verified, state,
// provider, institution, connection, transactedFirstOn, transactedLastOn,
// metadata, balance) and leaves the others zero. It returns an error
// wrapping ErrWebhookEventType for an event of another resource, and one
// wrapping ErrWebhookPayload if the record is absent, not an object of that
// shape, or has no id.
func (e Event) Account() (*Account, error) {
	if e.Type.Resource() != "account" {
		return nil, fmt.Errorf("%w: Account of a %q event", ErrWebhookEventType, e.Type)
	}
	var w wireAccount
	if err := decodeRecord(e, &w); err != nil {
		return nil, err
	}
	if w.ID == "" {
		return nil, fmt.Errorf("%w: event %s: account record has no id", ErrWebhookPayload, e.ID)
	}
	return w.account(), nil
}

// Connection returns the typed record of a connection.* event (id,
// provider, status; other fields are not documented and are left out). It
// returns an error wrapping ErrWebhookEventType for an event of another
// resource, and one wrapping ErrWebhookPayload if the record is absent, not
// an object of that shape, or has no id.
func (e Event) Connection() (*Connection, error) {
	if e.Type.Resource() != "connection" {
		return nil, fmt.Errorf("%w: Connection of a %q event", ErrWebhookEventType, e.Type)
	}
	var w wireConnection
	if err := decodeRecord(e, &w); err != nil {
		return nil, err
	}
	if w.ID == "" {
		return nil, fmt.Errorf("%w: event %s: connection record has no id", ErrWebhookPayload, e.ID)
	}
	return &Connection{ID: w.ID, Provider: w.Provider, Status: w.Status}, nil
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

// wireAmount is an amount on the wire: a JSON number, never a string.
type wireAmount decimal.Decimal

// UnmarshalJSON decodes a JSON number exactly. null never reaches it (the
// field stays a nil pointer).
func (a *wireAmount) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || (b[0] != '-' && (b[0] < '0' || b[0] > '9')) {
		return fmt.Errorf("amount is not a JSON number")
	}
	d, err := decimal.NewFromString(string(b))
	if err != nil {
		return fmt.Errorf("amount out of range")
	}
	*a = wireAmount(d)
	return nil
}

func (a *wireAmount) decimal() *decimal.Decimal { return (*decimal.Decimal)(a) }

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

func (w *wireBalance) balance() *Balance {
	return &Balance{
		ID:        w.ID,
		AccountID: w.AccountID,
		At:        w.At,
		Source:    w.Source,
		Available: w.Available.decimal(),
		Current:   w.Current.decimal(),
		Limit:     w.Limit.decimal(),
	}
}

// wireConnection is a connection record.
type wireConnection struct {
	ID       string           `json:"id"`
	Provider Provider         `json:"provider"`
	Status   ConnectionStatus `json:"status"`
}

// wireAccount is an account record, with the fields of the GraphQL Account.
type wireAccount struct {
	ID                string          `json:"id"`
	Name              string          `json:"name"`
	Kind              *AccountKind    `json:"kind"`
	Taxonomy          []string        `json:"taxonomy"`
	Mask              *string         `json:"mask"`
	CurrencyCode      *string         `json:"currencyCode"`
	Verified          bool            `json:"verified"`
	State             AccountState    `json:"state"`
	Provider          Provider        `json:"provider"`
	Institution       *Institution    `json:"institution"`
	Connection        *wireConnection `json:"connection"`
	TransactedFirstOn *string         `json:"transactedFirstOn"`
	TransactedLastOn  *string         `json:"transactedLastOn"`
	Metadata          json.RawMessage `json:"metadata"`
	Balance           *wireBalance    `json:"balance"`
}

func (w *wireAccount) account() *Account {
	a := &Account{
		ID:                w.ID,
		Name:              w.Name,
		Kind:              deref(w.Kind),
		Taxonomy:          w.Taxonomy,
		Mask:              deref(w.Mask),
		CurrencyCode:      deref(w.CurrencyCode),
		Verified:          w.Verified,
		State:             w.State,
		Provider:          w.Provider,
		TransactedFirstOn: deref(w.TransactedFirstOn),
		TransactedLastOn:  deref(w.TransactedLastOn),
		Metadata:          nullToNil(w.Metadata),
	}
	if w.Institution != nil {
		a.Institution = *w.Institution
	}
	if w.Connection != nil {
		a.Connection = &Connection{ID: w.Connection.ID, Provider: w.Connection.Provider, Status: w.Connection.Status}
	}
	if w.Balance != nil {
		a.Balance = w.Balance.balance()
		if a.Balance.AccountID == "" {
			a.Balance.AccountID = w.ID
		}
	}
	return a
}
