package quiltt

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	gql "github.com/quiltt-go/quiltt/internal/graphql"
)

// AccountFilter narrows Accounts. Its zero value (or a nil *AccountFilter)
// asks for every account of the Profile. Set fields combine with AND.
type AccountFilter struct {
	Kinds        []AccountKind // only these kinds (filter.kind)
	ExcludeKinds []AccountKind // none of these kinds (filter.kind_not)
	Verified     *bool         // only verified (true) or unverified (false) accounts (filter.verified)

	ConnectionStatuses        []ConnectionStatus // only accounts whose connection has one of these statuses
	ExcludeConnectionStatuses []ConnectionStatus // no account whose connection has one of these statuses
	// Metadata matches the accounts' custom metadata (filter.metadata), as
	// raw JSON; nil for no condition.
	Metadata json.RawMessage
	// TransactedFirstOn and TransactedLastOn bound the dates of the
	// earliest and latest known transactions.
	TransactedFirstOn DateRange
	TransactedLastOn  DateRange

	// Search is a search term (the search argument of accounts).
	Search string
	// Sort orders the list (the sort argument of accounts); "" for
	// Quiltt's default order.
	Sort AccountSort
}

// DateRange bounds a date. Only the date part (in UTC) of each bound counts;
// nil bounds are not sent.
type DateRange struct {
	On         *time.Time // exactly this date
	After      *time.Time // strictly after
	OnOrAfter  *time.Time
	Before     *time.Time // strictly before
	OnOrBefore *time.Time
}

// Accounts returns every account of the client's Profile that matches filter
// (nil for all), each with its most recent balance. The client must be
// built with a session token, or derived with ForProfile.
//
// Failure modes:
//   - an error wrapping ErrMissingCredentials, without a request, when the
//     client cannot authenticate GraphQL;
//   - an *Error for a non-2xx answer (errors.Is(err, ErrUnauthorized) for a
//     bad credential, and so on);
//   - a *TransportError when no answer came;
//   - a *QueryError when the answer carries GraphQL errors[]. If it also
//     carried the list, Accounts returns the accounts it holds as well
//     (QueryError.PartialData is true): an account whose balance failed then
//     has a nil Balance, so treat partial results as incomplete;
//   - an error wrapping ErrInvalidResponse, with no accounts, for an answer
//     that is not a complete answer to the query: not JSON, or followed by
//     more than whitespace; without data (and without errors[]); without
//     the accounts field; with an account that is null or lacks a field the
//     schema marks non-null (id, name, verified, state, provider, taxonomy,
//     institution; a balance's id, at and source; a connection's id,
//     provider and status); with a value of the wrong type, such as an
//     amount that is not a JSON number (a quoted "12.34" included); listing
//     more than MaxAccountsPerAnswer accounts. Fields the schema lets be
//     null may be null or absent: they read as nil or "". If the refused
//     answer carried errors[], the error is also a *QueryError (without
//     partial data).
//
// Partial data follows GraphQL's null propagation: beside errors[], a null
// where the schema forbids one is accepted only if an entry of errors[] has
// a path at or below it, and the nearest field that may be null becomes
// null. A balance whose at failed is a nil Balance; an account whose id
// failed empties the list (its elements are non-null), so Accounts returns
// no accounts and QueryError.PartialData is false.
func (c *Client) Accounts(ctx context.Context, filter *AccountFilter) (_ []Account, err error) {
	const op = "Accounts"
	ctx, obs := c.observe(ctx, op)
	defer obs.finish(&err)
	if err := c.graphQLReady(op); err != nil {
		return nil, err
	}
	f, search, sort := filter.toGraphQL()
	resp, err := gql.Accounts(ctx, c.graphQL(op), f, search, sort)
	var accounts []Account
	if resp != nil && resp.Accounts != nil {
		accounts = make([]Account, len(resp.Accounts))
		for i := range resp.Accounts {
			accounts[i] = toAccount(&resp.Accounts[i])
		}
	}
	if err != nil {
		err = graphQLError(op, err, accounts != nil, c.redactor())
		if _, partial := err.(*QueryError); !partial {
			accounts = nil // never hand out what a failed decode left behind
		}
		return accounts, err
	}
	if accounts == nil {
		accounts = []Account{}
	}
	return accounts, nil
}

// Account returns the account with the given ID and its most recent balance.
// The client must be built with a session token, or derived with ForProfile.
//
// Failure modes:
//   - an error for which errors.Is(err, ErrNotFound) holds for an ID Quiltt
//     does not know (it answers null), and without a request for an empty
//     id;
//   - the failures of Accounts, for the account field: an answer without
//     it, or whose account lacks a field the schema marks non-null, wraps
//     ErrInvalidResponse. With a *QueryError carrying partial data, the
//     account is returned too.
func (c *Client) Account(ctx context.Context, id string) (_ *Account, err error) {
	const op = "Account"
	ctx, obs := c.observe(ctx, op)
	defer obs.finish(&err)
	if err := c.graphQLReady(op); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, errorf("%s: empty account ID: %w", op, ErrNotFound)
	}
	resp, err := gql.Account(ctx, c.graphQL(op), id)
	var account *Account
	if resp != nil && resp.Account != nil {
		a := toAccount(resp.Account)
		account = &a
	}
	if err != nil {
		err = graphQLError(op, err, account != nil, c.redactor())
		if _, partial := err.(*QueryError); !partial {
			account = nil
		}
		return account, err
	}
	if account == nil {
		return nil, errorf("%s %q: %w", op, id, ErrNotFound)
	}
	return account, nil
}

// latestBalance reads only an account's most recent balance, for polling.
// A nil balance with a nil error means the account has none yet.
func (c *Client) latestBalance(ctx context.Context, op, id string) (*Balance, error) {
	if err := c.graphQLReady(op); err != nil {
		return nil, err
	}
	resp, err := gql.AccountBalance(ctx, c.graphQL(op), id)
	if err != nil {
		return nil, graphQLError(op, err, resp != nil && resp.Account != nil, c.redactor())
	}
	if resp.Account == nil {
		return nil, errorf("%s %q: %w", op, id, ErrNotFound)
	}
	if resp.Account.Balance == nil {
		return nil, nil
	}
	return toBalance(resp.Account.Balance, resp.Account.Id), nil
}

func toAccount(f *gql.AccountData) Account {
	a := Account{
		ID:                f.Id,
		Name:              f.Name,
		Kind:              AccountKind(deref(f.Kind)),
		Mask:              deref(f.Mask),
		CurrencyCode:      string(deref(f.CurrencyCode)),
		Verified:          f.Verified,
		State:             AccountState(f.State),
		Provider:          Provider(f.Provider),
		Institution:       Institution{ID: f.Institution.Id, Name: f.Institution.Name},
		TransactedFirstOn: deref(f.TransactedFirstOn),
		TransactedLastOn:  deref(f.TransactedLastOn),
		Metadata:          nullToNil(deref(f.Metadata)),
	}
	if len(f.Taxonomy) > 0 {
		a.Taxonomy = make([]string, len(f.Taxonomy))
		for i, t := range f.Taxonomy {
			a.Taxonomy[i] = string(t)
		}
	}
	if f.Connection != nil {
		a.Connection = &Connection{
			ID:       f.Connection.Id,
			Provider: Provider(f.Connection.Provider),
			Status:   ConnectionStatus(f.Connection.Status),
		}
	}
	if f.Balance != nil {
		a.Balance = toBalance(f.Balance, f.Id)
	}
	return a
}

func toBalance(f *gql.BalanceData, accountID string) *Balance {
	return &Balance{
		ID:        f.Id,
		AccountID: accountID,
		At:        f.At,
		Source:    BalanceSource(f.Source),
		Available: f.Available.Decimal(),
		Current:   f.Current.Decimal(),
		Limit:     f.Limit.Decimal(),
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// toGraphQL maps the filter onto the generated input types; nil stays nil.
func (f *AccountFilter) toGraphQL() (*gql.AccountFilter, *gql.SearchQuery, *gql.AccountSort) {
	if f == nil {
		return nil, nil, nil
	}
	g := &gql.AccountFilter{
		Kind:                  convertSlice[AccountKind, gql.AccountKind](f.Kinds),
		Kind_not:              convertSlice[AccountKind, gql.AccountKind](f.ExcludeKinds),
		Connection_status:     convertSlice[ConnectionStatus, gql.ConnectionStatus](f.ConnectionStatuses),
		Connection_status_not: convertSlice[ConnectionStatus, gql.ConnectionStatus](f.ExcludeConnectionStatuses),
		Verified:              f.Verified,
	}
	if f.Metadata != nil {
		m := f.Metadata
		g.Metadata = &m
	}
	first, last := &f.TransactedFirstOn, &f.TransactedLastOn
	g.TransactedFirstOn, g.TransactedFirstOn_gt, g.TransactedFirstOn_gte = day(first.On), day(first.After), day(first.OnOrAfter)
	g.TransactedFirstOn_lt, g.TransactedFirstOn_lte = day(first.Before), day(first.OnOrBefore)
	g.TransactedLastOn, g.TransactedLastOn_gt, g.TransactedLastOn_gte = day(last.On), day(last.After), day(last.OnOrAfter)
	g.TransactedLastOn_lt, g.TransactedLastOn_lte = day(last.Before), day(last.OnOrBefore)

	var search *gql.SearchQuery
	if f.Search != "" {
		term := f.Search
		search = &gql.SearchQuery{Term: &term}
	}
	var sort *gql.AccountSort
	if f.Sort != "" {
		s := gql.AccountSort(f.Sort)
		sort = &s
	}
	return g, search, sort
}

func day(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.DateOnly)
	return &s
}

func convertSlice[From, To ~string](in []From) []To {
	if in == nil {
		return nil
	}
	out := make([]To, len(in))
	for i, v := range in {
		out[i] = To(v)
	}
	return out
}

// nullToNil turns an absent or null raw value into nil.
func nullToNil(m json.RawMessage) json.RawMessage {
	if len(m) == 0 || bytes.Equal(m, []byte("null")) {
		return nil
	}
	return m
}
