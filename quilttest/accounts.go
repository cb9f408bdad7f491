package quilttest

import (
	"fmt"
	"slices"

	"github.com/quiltt-go/quiltt"
)

// AddProfile adds a profile that GraphQL requests can read as (Basic
// credentials with its ID or UUID, or a session token). A profile without
// a UUID gets a random one, as Quiltt assigns one to every Profile. It
// fails if p.ID is empty, the ID or UUID is taken, either holds
// whitespace, control characters or ':', or p.Metadata is not valid JSON.
func (s *Server) AddProfile(p Profile) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.addProfile(p)
}

// AddAccount adds an account to the profile with the given ID or UUID,
// after the profile's other accounts. The account is stored as given, with
// these defaults: State OPEN and Provider MOCK when empty; "" for Kind,
// Mask, CurrencyCode, TransactedFirstOn or TransactedLastOn answers null,
// and a nil Taxonomy answers []. a.Balance, if set, becomes the first
// balance (see SetBalance for the defaults). a.Connection, if set, is
// created in the profile, or joined if the profile has one with that ID.
// Enum values outside the schema are answered as they are, to test
// forward compatibility.
//
// It fails if the profile does not exist, a.ID is empty or taken,
// a.Metadata is not valid JSON, or a.Connection has no ID, belongs to
// another profile, or differs from the stored connection of that ID.
func (s *Server) AddAccount(profileID string, a quiltt.Account) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.addAccount(profileID, a, s.cfg.now())
}

// SetBalance records b as the newest balance of the account, which GraphQL
// then answers as Account.balance, and returns it as stored: ID "bal_…"
// when empty, At the server's clock when zero (UTC, to the second),
// Source INITIAL when empty, AccountID the account's. Nil amounts answer
// null. No webhook is sent. It fails if there is no such account.
func (s *Server) SetBalance(accountID string, b quiltt.Balance) (quiltt.Balance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ad := s.st.accounts[accountID]
	if ad == nil {
		return quiltt.Balance{}, fmt.Errorf("quilttest: SetBalance: no account %q", accountID)
	}
	return copyBalance(s.st.appendBalance(ad, b, s.cfg.now())), nil
}

// SetRefreshResult sets the amounts (Available, Current, Limit; nil for
// null) that the account's next completed refresh reports; the other
// fields of b are ignored. Without it a refresh repeats the amounts of the
// latest balance. It fails if there is no such account.
func (s *Server) SetRefreshResult(accountID string, b quiltt.Balance) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ad := s.st.accounts[accountID]
	if ad == nil {
		return fmt.Errorf("quilttest: SetRefreshResult: no account %q", accountID)
	}
	c := copyBalance(b)
	ad.nextRefresh = &c
	return nil
}

// SetConnectionStatus changes the status of a connection, which the
// connection_status filters and the refresh endpoint (403 for DISCONNECTED,
// DISCONNECTING and the ERROR_ statuses) see. It fails if no profile has
// that connection.
func (s *Server) SetConnectionStatus(connectionID string, status quiltt.ConnectionStatus) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.st.profiles {
		if c := p.connection(connectionID); c != nil {
			c.Status = status
			return nil
		}
	}
	return fmt.Errorf("quilttest: SetConnectionStatus: no connection %q", connectionID)
}

// Account returns the stored account with its newest balance and its
// connection, as the SDK would read it, for assertions; false if there is
// no such account. The result shares nothing with the server.
func (s *Server) Account(id string) (quiltt.Account, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ad := s.st.accounts[id]
	if ad == nil {
		return quiltt.Account{}, false
	}
	return ad.snapshot(), true
}

// Balances returns every balance of the account, oldest first (the last is
// the one GraphQL answers); nil if there is no such account or it has
// none.
func (s *Server) Balances(accountID string) []quiltt.Balance {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ad := s.st.accounts[accountID]
	if ad == nil || len(ad.balances) == 0 {
		return nil
	}
	out := slices.Clone(ad.balances)
	for i := range out {
		out[i] = copyBalance(out[i])
	}
	return out
}
