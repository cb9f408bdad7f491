package quiltt

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Account is one account of a Profile, with its most recent balance.
//
// Enum fields keep values the SDK has never seen as they are: compare them
// with the constants, and expect others.
type Account struct {
	ID   string
	Name string
	// Kind is the account's classification; "" when Quiltt reports null.
	Kind AccountKind
	// Taxonomy is the taxonomic hierarchy, most general first: level 1 is
	// "ASSET" or "LIABILITY", level 2 the kind, level 3+ finer classes.
	Taxonomy []string
	// Balance is the most recent balance; nil when Quiltt reports none.
	Balance *Balance

	Mask         string // typically the last four digits; "" when null
	CurrencyCode string // ISO-4217 code; "" when null
	Verified     bool   // verified for money movement
	State        AccountState
	Provider     Provider
	Institution  Institution
	// Connection is the account's primary connection; nil when null.
	Connection *Connection
	// TransactedFirstOn and TransactedLastOn are the dates (YYYY-MM-DD) of
	// the earliest and latest known transactions; "" when null.
	TransactedFirstOn string
	TransactedLastOn  string
	// Metadata is the account's custom metadata as raw JSON; nil when null.
	Metadata json.RawMessage
}

// Class tells whether the account is an asset or a liability, which decides
// how to read the sign of its balances. Taxonomy[0] is the authority when it
// is ASSET or LIABILITY; otherwise the kind decides; otherwise ClassUnknown.
func (a Account) Class() Class {
	if len(a.Taxonomy) > 0 {
		switch Class(a.Taxonomy[0]) {
		case ClassAsset:
			return ClassAsset
		case ClassLiability:
			return ClassLiability
		}
	}
	return a.Kind.Class()
}

// Balance is one balance record of an account. Amounts are exact decimals;
// nil means Quiltt did not report that amount, never zero.
//
// Signs follow Quiltt's convention: on an asset account a positive amount is
// money the holder has; on a liability account a negative amount is money
// the holder owes (a credit card at -2134.34 owes $2,134.34). Limit is left
// exactly as reported: Quiltt's documents disagree on its sign.
type Balance struct {
	ID string
	// AccountID is the account the balance belongs to. GraphQL balances
	// carry none of their own: the SDK fills it from the parent account.
	AccountID string
	// At is when the balance was taken: the moment the institution's
	// figures were read (Quiltt's Balance.at), not when the SDK fetched
	// them or when a webhook about them was sent. FreshBalance's maxAge is
	// measured against it.
	At time.Time
	// Source is how Quiltt got the balance.
	Source    BalanceSource
	Available *decimal.Decimal // funds accounting for pending transactions
	Current   *decimal.Decimal // funds based on posted transactions
	Limit     *decimal.Decimal // overdraft or credit limit, sign as reported
}

// Institution is where an account is held.
type Institution struct {
	ID   string
	Name string
}

// Connection is the link between a Profile and an institution through a
// provider.
type Connection struct {
	ID       string
	Provider Provider
	Status   ConnectionStatus
}

// AccountKind is the classification of an account. Values not listed here
// are kept as Quiltt sends them.
type AccountKind string

// The account kinds Quiltt documents.
const (
	AccountKindCredit     AccountKind = "CREDIT"     // credit cards and lines of credit
	AccountKindDepository AccountKind = "DEPOSITORY" // checking, savings, cash management
	AccountKindInvestment AccountKind = "INVESTMENT" // brokerage, retirement
	AccountKindLoan       AccountKind = "LOAN"       // mortgage, student and installment loans
)

// Class maps a kind to its class: DEPOSITORY and INVESTMENT are assets,
// CREDIT and LOAN liabilities, anything else (including "") ClassUnknown.
func (k AccountKind) Class() Class {
	switch k {
	case AccountKindDepository, AccountKindInvestment:
		return ClassAsset
	case AccountKindCredit, AccountKindLoan:
		return ClassLiability
	}
	return ClassUnknown
}

// BalanceSource is how Quiltt obtained a balance. Values not listed here are
// kept as Quiltt sends them.
type BalanceSource string

// The balance sources Quiltt documents.
const (
	BalanceSourceInitial BalanceSource = "INITIAL" // first value from the provider
	BalanceSourceSync    BalanceSource = "SYNC"    // regular sync with the provider
	BalanceSourceRefresh BalanceSource = "REFRESH" // answer to a balance refresh
)

// Class is the side of the balance sheet an account is on, which decides how
// to read the sign of its amounts.
type Class string

// The classes. ClassUnknown is for accounts with neither a taxonomy class nor
// a known kind: do not guess the sign of their amounts.
const (
	ClassAsset     Class = "ASSET"
	ClassLiability Class = "LIABILITY"
	ClassUnknown   Class = "UNKNOWN"
)

// AccountState is whether an account is open. Values not listed here are
// kept as Quiltt sends them.
type AccountState string

// The account states Quiltt documents.
const (
	AccountStateOpen   AccountState = "OPEN"
	AccountStateClosed AccountState = "CLOSED"
)

// Provider is the data provider behind an account or connection. Values not
// listed here are kept as Quiltt sends them.
type Provider string

// The providers Quiltt documents.
const (
	ProviderAkoya        Provider = "AKOYA"
	ProviderFinicity     Provider = "FINICITY"
	ProviderMX           Provider = "MX"
	ProviderPlaid        Provider = "PLAID"
	ProviderMock         Provider = "MOCK"
	ProviderDisconnected Provider = "DISCONNECTED"
)

// ConnectionStatus is the state of a connection. Values not listed here are
// kept as Quiltt sends them.
type ConnectionStatus string

// The connection statuses Quiltt documents.
const (
	ConnectionStatusDisconnected     ConnectionStatus = "DISCONNECTED"
	ConnectionStatusDisconnecting    ConnectionStatus = "DISCONNECTING"
	ConnectionStatusErrorInstitution ConnectionStatus = "ERROR_INSTITUTION"
	ConnectionStatusErrorProvider    ConnectionStatus = "ERROR_PROVIDER"
	ConnectionStatusErrorRepairable  ConnectionStatus = "ERROR_REPAIRABLE"
	ConnectionStatusErrorService     ConnectionStatus = "ERROR_SERVICE"
	ConnectionStatusInitializing     ConnectionStatus = "INITIALIZING"
	ConnectionStatusSynced           ConnectionStatus = "SYNCED"
	ConnectionStatusSyncing          ConnectionStatus = "SYNCING"
	ConnectionStatusUpgrading        ConnectionStatus = "UPGRADING" // attempting to add new features
)

// AccountSort orders the accounts of a list.
type AccountSort string

// The orders Quiltt documents.
const (
	AccountSortLastTransactedOnAsc  AccountSort = "LAST_TRANSACTED_ON_ASC"
	AccountSortLastTransactedOnDesc AccountSort = "LAST_TRANSACTED_ON_DESC"
)

// Sign-convention helpers.

// ErrUnknownClass is returned by the sign-convention conversions for an
// account whose class is ClassUnknown (or any other value): the sign of its
// amounts cannot be read, so it is not guessed.
var ErrUnknownClass = errors.New("quiltt: account class unknown: cannot convert the sign convention")

// AmountOwed returns how much the holder owes on the account: the opposite
// of Current when Current is negative, and zero when the balance is in the
// holder's favour. Quiltt's convention makes this the same for every class:
// an overdrawn checking account at -25.00 and a credit card at -2134.34 owe
// 25.00 and 2134.34. It returns nil when Current is nil (not reported).
func (b Balance) AmountOwed() *decimal.Decimal {
	if b.Current == nil {
		return nil
	}
	owed := decimal.Zero
	if b.Current.IsNegative() {
		owed = b.Current.Neg()
	}
	return &owed
}

// AvailableFunds returns the funds available: Available when reported,
// else Current, else nil. On an asset account that is the money the holder
// can use. On a liability account Available is, as Quiltt reports it, the
// credit left to draw (positive), while Current is the negative amount
// owed: read the result of a liability's fallback to Current accordingly,
// or use AmountOwed.
func (b Balance) AvailableFunds() *decimal.Decimal {
	if b.Available != nil {
		return copyAmount(b.Available)
	}
	return copyAmount(b.Current)
}

// ToLiabilityPositive returns a copy of b in the convention Plaid and MX
// use, where a liability's balance is positive when the holder owes it: for
// ClassLiability, Current is negated (Quiltt's -2134.34 becomes 2134.34);
// for ClassAsset the copy is unchanged, as both conventions agree. Available
// is left as reported, since on liabilities both conventions report the
// credit left to draw as a positive amount, and Limit is left as reported,
// since Quiltt's documents disagree on its sign. Nil amounts stay nil. It
// returns a zero Balance and an error wrapping ErrUnknownClass for any other
// class.
func (b Balance) ToLiabilityPositive(class Class) (Balance, error) {
	return b.flipLiability(class)
}

// FromLiabilityPositive returns a copy of b, whose amounts follow the
// liability-positive convention of Plaid and MX, in Quiltt's convention:
// the inverse of ToLiabilityPositive, with the same rules and errors.
func (b Balance) FromLiabilityPositive(class Class) (Balance, error) {
	return b.flipLiability(class)
}

// flipLiability negates Current of a liability; the conversion is its own
// inverse.
// The copy shares no pointer with b.
func (b Balance) flipLiability(class Class) (Balance, error) {
	if class != ClassAsset && class != ClassLiability {
		return Balance{}, fmt.Errorf("%w (class %q)", ErrUnknownClass, class)
	}
	b.Available, b.Current, b.Limit = copyAmount(b.Available), copyAmount(b.Current), copyAmount(b.Limit)
	if class == ClassLiability && b.Current != nil {
		*b.Current = b.Current.Neg()
	}
	return b, nil
}

// copyAmount returns a new pointer to a copy of d; nil stays nil.
func copyAmount(d *decimal.Decimal) *decimal.Decimal {
	if d == nil {
		return nil
	}
	c := *d
	return &c
}

// The typed records of the webhook events beside balance.*, account.* and
// connection.* (whose accessors are in webhook_event.go): statement.ready
// and profile.*. Unknown fields are ignored; the whole record stays in
// Event.Record.

// StatementRecord is the record of a statement.ready event. Quiltt's
// documents name the event but not its record's fields: ID and AccountID
// are read as every other record of Quiltt names them (an assumption);
// read anything else from Event.Record.
type StatementRecord struct {
	ID        string `json:"id"`
	AccountID string `json:"accountId"` // acct_…: the account the statement is of
}

// ProfileRecord is the record of a profile.created, profile.ready or
// profile.deleted event: the Profile, with the fields of the schema's
// Profile (id, uuid, name, email, metadata) and those a Profile is created
// with (phone, names, dateOfBirth, address; ProfileCreateRequest). Fields
// Quiltt leaves out are "" or nil.
type ProfileRecord struct {
	ID          string          `json:"id"`   // p_…
	UUID        string          `json:"uuid"` // the same Profile as a UUID
	Name        string          `json:"name"`
	Email       string          `json:"email"`
	Phone       string          `json:"phone"`
	Names       *ProfileNames   `json:"names"`
	DateOfBirth string          `json:"dateOfBirth"` // YYYY-MM-DD
	Address     *ProfileAddress `json:"address"`
	// Metadata is the Profile's custom metadata as raw JSON; nil when null
	// or absent.
	Metadata json.RawMessage `json:"metadata"`
}

// Statement returns the typed record of a statement.ready event.
//
// Failure modes:
//   - an event of another type: an error wrapping ErrWebhookEventType;
//   - a record that is absent, null or not a JSON object, that has no id,
//     or whose fields have the wrong JSON types: an error wrapping
//     ErrWebhookPayload.
func (e Event) Statement() (*StatementRecord, error) {
	s := &StatementRecord{}
	if err := decodeTyped(e, EventStatementReady.Resource(), "Statement", "statement", s, &s.ID); err != nil {
		return nil, err
	}
	return s, nil
}

// ProfileRecord returns the typed record of a profile.* event
// (profile.created, profile.ready, profile.deleted).
//
// Failure modes:
//   - an event whose type is not profile.*: an error wrapping
//     ErrWebhookEventType;
//   - a record that is absent, null or not a JSON object, that has no id,
//     or whose fields have the wrong JSON types: an error wrapping
//     ErrWebhookPayload.
func (e Event) ProfileRecord() (*ProfileRecord, error) {
	p := &ProfileRecord{}
	if err := decodeTyped(e, "profile", "ProfileRecord", "profile", p, &p.ID); err != nil {
		return nil, err
	}
	p.Metadata = nullToNil(p.Metadata)
	return p, nil
}
