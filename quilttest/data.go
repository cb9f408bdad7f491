package quilttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/shopspring/decimal"
)

// The seeded profile and accounts. The profile is the one of the
// balance.created sample on Quiltt's balances doc page; the accounts and
// their balances are those of the page's sample GraphQL response. The page
// shows only id, name and balance: kind, taxonomy, institution, connection,
// provider and the other fields are made up to be plausible.
const (
	DefaultProfileID        = "p_12uGLpPexyTkZCcJJntSjb"
	DefaultProfileUUID      = "018a72f8-5434-7262-a029-a186fb0c5f33"
	CheckingAccountID       = "acct_12sf19AeKaWfukStXAL7nN" // Premium Checking, current 3141.59
	CreditCardAccountID     = "acct_12vAFU1c4t514E40Nb9NTW" // Premium Credit Card, current -2134.34, limit -15000.00
	DefaultConnectionID     = "conn_12sf0ZyZT2qPeXHVZr5pvx"
	checkingBalanceID       = "bal_12v6sGb87FS28QIGWVgnnm"
	creditCardBalanceID     = "bal_12vbv96FYbSi0EP4H7hgVt"
	defaultInstitutionID    = "inst_12sf0ZtPfzD5Xa6sQzWgCn"
	defaultInstitutionName  = "Quiltt Mock Bank"
	defaultEnvironmentID    = "env_12quiltTestEnvironment"
	defaultEnvironmentName  = "quilttest"
	defaultEnvironmentMode  = "TEST"
	defaultAPIKeyName       = "quilttest"
	defaultProviderForSeeds = quiltt.ProviderMock
)

// Profile is a Quiltt Profile: the owner of accounts, as whom GraphQL reads
// are made.
type Profile struct {
	ID       string          // "p_…"; required
	UUID     string          // accepted in place of ID in Basic credentials; "" gets a random one, as Quiltt assigns
	Name     string          // "" answers null
	Email    string          // "" answers null
	Metadata json.RawMessage // nil answers null
}

type store struct {
	profiles []*profileData
	byKey    map[string]*profileData // by ID and by UUID
	accounts map[string]*accountData // by account ID, across profiles
	seq      int                     // for generated IDs
}

type profileData struct {
	Profile
	accounts    []*accountData
	connections []*connData
	issued      []time.Time // auth API session issues of the last day
	deleting    bool        // SetProfileDeleting
}

type accountData struct {
	a           quiltt.Account // Balance and Connection are nil here
	profile     *profileData
	conn        *connData
	balances    []quiltt.Balance // oldest first; the last one is the account's balance
	nextRefresh *quiltt.Balance
}

type connData struct {
	quiltt.Connection
	profile *profileData
}

func newStore() *store {
	return &store{byKey: map[string]*profileData{}, accounts: map[string]*accountData{}}
}

func seedProfile() Profile {
	return Profile{ID: DefaultProfileID, UUID: DefaultProfileUUID, Name: "Quiltt Test", Email: "quilttest@example.com"}
}

func seedAccounts() []quiltt.Account {
	conn := &quiltt.Connection{ID: DefaultConnectionID, Provider: defaultProviderForSeeds, Status: quiltt.ConnectionStatusSynced}
	inst := quiltt.Institution{ID: defaultInstitutionID, Name: defaultInstitutionName}
	return []quiltt.Account{
		{
			ID: CheckingAccountID, Name: "Premium Checking", Kind: quiltt.AccountKindDepository,
			Taxonomy: []string{"ASSET", "DEPOSITORY", "SPENDING"}, Mask: "4321", CurrencyCode: "USD",
			Verified: true, State: quiltt.AccountStateOpen, Provider: defaultProviderForSeeds,
			Institution: inst, Connection: conn, TransactedFirstOn: "2023-01-03", TransactedLastOn: "2024-06-08",
			Balance: &quiltt.Balance{
				ID: checkingBalanceID, At: time.Date(2024, 6, 9, 7, 40, 20, 0, time.UTC), Source: quiltt.BalanceSourceSync,
				Current: dec("3141.59"),
			},
		},
		{
			ID: CreditCardAccountID, Name: "Premium Credit Card", Kind: quiltt.AccountKindCredit,
			Taxonomy: []string{"LIABILITY", "CREDIT", "CARD"}, Mask: "8765", CurrencyCode: "USD",
			Verified: false, State: quiltt.AccountStateOpen, Provider: defaultProviderForSeeds,
			Institution: inst, Connection: conn, TransactedFirstOn: "2023-02-11", TransactedLastOn: "2024-05-31",
			Balance: &quiltt.Balance{
				ID: creditCardBalanceID, At: time.Date(2024, 6, 1, 18, 55, 35, 0, time.UTC), Source: quiltt.BalanceSourceSync,
				Available: dec("12665.66"), Current: dec("-2134.34"), Limit: dec("-15000.00"),
			},
		},
	}
}

func dec(s string) *decimal.Decimal {
	d := decimal.RequireFromString(s)
	return &d
}

func (st *store) nextID(prefix string) string {
	st.seq++
	return fmt.Sprintf("%s%022d", prefix, st.seq)
}

// newProfileID returns an unused profile ID shaped like Quiltt's
// ("p_" and 22 base-62 characters).
func (st *store) newProfileID() string {
	for {
		if id := "p_" + randomBase62(22); st.byKey[id] == nil {
			return id
		}
	}
}

func (st *store) profile(key string) *profileData {
	if key == "" {
		return nil
	}
	return st.byKey[key]
}

func (st *store) addProfile(p Profile) error {
	switch {
	case p.ID == "":
		return errors.New("quilttest: AddProfile: empty profile ID")
	case st.byKey[p.ID] != nil || (p.UUID != "" && st.byKey[p.UUID] != nil) || p.ID == p.UUID:
		return fmt.Errorf("quilttest: AddProfile: profile %q or its UUID already exists", p.ID)
	case checkToken(p.ID) != nil || (p.UUID != "" && checkToken(p.UUID) != nil):
		return errors.New("quilttest: AddProfile: IDs must not hold whitespace, control characters or ':'")
	case p.Metadata != nil && !json.Valid(p.Metadata):
		return fmt.Errorf("quilttest: AddProfile: profile %q: metadata is not valid JSON", p.ID)
	}
	if p.UUID == "" {
		p.UUID = newUUID()
	}
	pd := &profileData{Profile: p}
	pd.Metadata = clone(p.Metadata)
	st.profiles = append(st.profiles, pd)
	st.byKey[p.ID] = pd
	if p.UUID != "" {
		st.byKey[p.UUID] = pd
	}
	return nil
}

func (st *store) addAccount(profileKey string, a quiltt.Account, now time.Time) error {
	p := st.profile(profileKey)
	switch {
	case p == nil:
		return fmt.Errorf("quilttest: AddAccount: no profile %q", profileKey)
	case a.ID == "":
		return errors.New("quilttest: AddAccount: empty account ID")
	case st.accounts[a.ID] != nil:
		return fmt.Errorf("quilttest: AddAccount: account %q already exists", a.ID)
	case a.Metadata != nil && !json.Valid(a.Metadata):
		return fmt.Errorf("quilttest: AddAccount: account %q: metadata is not valid JSON", a.ID)
	case a.Connection != nil && a.Connection.ID == "":
		return fmt.Errorf("quilttest: AddAccount: account %q: connection without an ID", a.ID)
	}
	if a.Connection != nil {
		for _, c := range p.connections {
			if c.ID == a.Connection.ID && (c.Provider != a.Connection.Provider || c.Status != a.Connection.Status) {
				return fmt.Errorf("quilttest: AddAccount: account %q: connection %q differs from the one already stored", a.ID, c.ID)
			}
		}
		for _, other := range st.profiles {
			if other == p {
				continue
			}
			for _, c := range other.connections {
				if c.ID == a.Connection.ID {
					return fmt.Errorf("quilttest: AddAccount: connection %q belongs to another profile", c.ID)
				}
			}
		}
	}
	ad := &accountData{a: a, profile: p}
	ad.a.Balance, ad.a.Connection = nil, nil
	ad.a.Taxonomy = append([]string(nil), a.Taxonomy...)
	ad.a.Metadata = clone(a.Metadata)
	if ad.a.State == "" {
		ad.a.State = quiltt.AccountStateOpen
	}
	if ad.a.Provider == "" {
		ad.a.Provider = quiltt.ProviderMock
	}
	if a.Connection != nil {
		ad.conn = p.connection(a.Connection.ID)
		if ad.conn == nil {
			ad.conn = &connData{Connection: *a.Connection, profile: p}
			p.connections = append(p.connections, ad.conn)
		}
	}
	if a.Balance != nil {
		st.appendBalance(ad, *a.Balance, now)
	}
	p.accounts = append(p.accounts, ad)
	st.accounts[a.ID] = ad
	return nil
}

func (p *profileData) connection(id string) *connData {
	for _, c := range p.connections {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// appendBalance stores b as the account's latest balance, filling its ID,
// AccountID, At and Source when unset, and returns what it stored.
func (st *store) appendBalance(ad *accountData, b quiltt.Balance, now time.Time) quiltt.Balance {
	if b.ID == "" {
		b.ID = st.nextID("bal_")
	}
	if b.At.IsZero() {
		b.At = now
	}
	b.At = b.At.UTC().Truncate(time.Second) // Quiltt dates to the second
	if b.Source == "" {
		b.Source = quiltt.BalanceSourceInitial
	}
	b.AccountID = ad.a.ID
	b.Available, b.Current, b.Limit = cloneDec(b.Available), cloneDec(b.Current), cloneDec(b.Limit)
	ad.balances = append(ad.balances, b)
	return b
}

// snapshot returns the account as a quiltt.Account, with its latest
// balance and its connection, sharing nothing with the store.
func (ad *accountData) snapshot() quiltt.Account {
	a := ad.a
	a.Taxonomy = append([]string(nil), ad.a.Taxonomy...)
	a.Metadata = clone(ad.a.Metadata)
	if b := ad.latest(); b != nil {
		c := copyBalance(*b)
		a.Balance = &c
	}
	if ad.conn != nil {
		c := ad.conn.Connection
		a.Connection = &c
	}
	return a
}

func (ad *accountData) latest() *quiltt.Balance {
	if len(ad.balances) == 0 {
		return nil
	}
	return &ad.balances[len(ad.balances)-1]
}

func copyBalance(b quiltt.Balance) quiltt.Balance {
	b.Available, b.Current, b.Limit = cloneDec(b.Available), cloneDec(b.Current), cloneDec(b.Limit)
	return b
}

func cloneDec(d *decimal.Decimal) *decimal.Decimal {
	if d == nil {
		return nil
	}
	c := *d
	return &c
}

func clone(b json.RawMessage) json.RawMessage {
	if b == nil {
		return nil
	}
	return append(json.RawMessage(nil), b...)
}
