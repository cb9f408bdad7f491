package quilttest

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/shopspring/decimal"
)

// resolve returns the value of field name of parent, an object of type
// typeName: a JSON-ready leaf (string, bool, json.Number,
// json.RawMessage), an object value for the next selection, a []any, or
// untyped nil for null.
func (e *executor) resolve(typeName string, parent any, name string, args map[string]any) (any, error) {
	switch p := parent.(type) {
	case rootValue:
		return e.resolveQuery(name, args)
	case *accountData:
		return e.resolveAccount(p, name, args)
	case quiltt.Balance:
		return resolveBalance(p, name)
	case quiltt.Institution:
		switch name {
		case "id":
			return p.ID, nil
		case "name":
			return p.Name, nil
		}
	case *connData:
		switch name {
		case "id":
			return p.ID, nil
		case "provider":
			return string(p.Provider), nil
		case "status":
			return string(p.Status), nil
		case "accounts":
			return e.accounts(p, args)
		}
	case *profileData:
		switch name {
		case "id":
			return p.ID, nil
		case "uuid":
			return nullString(p.UUID), nil
		case "name":
			return nullString(p.Name), nil
		case "email":
			return nullString(p.Email), nil
		case "metadata":
			return nullJSON(p.Metadata), nil
		}
	}
	return nil, fmt.Errorf("quilttest does not implement %s.%s", typeName, name)
}

func (e *executor) resolveQuery(name string, args map[string]any) (any, error) {
	switch name {
	case "account":
		id, _ := args["id"].(string)
		if n, ok := args["id"].(json.Number); ok {
			id = n.String()
		}
		if ad := e.st.accounts[id]; ad != nil && ad.profile == e.profile {
			return ad, nil
		}
		return nil, nil
	case "accounts":
		return e.accounts(nil, args)
	case "connection":
		id, _ := args["id"].(string)
		if n, ok := args["id"].(json.Number); ok {
			id = n.String()
		}
		if c := e.profile.connection(id); c != nil {
			return c, nil
		}
		return nil, nil
	case "connections":
		out := make([]any, 0, len(e.profile.connections))
		for _, c := range e.profile.connections {
			out = append(out, c)
		}
		return out, nil
	case "profile":
		return e.profile, nil
	case "__schema", "__type":
		return nil, fmt.Errorf("quilttest does not answer introspection (%s)", name)
	}
	return nil, fmt.Errorf("quilttest does not implement Query.%s", name)
}

func (e *executor) resolveAccount(a *accountData, name string, args map[string]any) (any, error) {
	switch name {
	case "balance":
		if b := a.latest(); b != nil {
			return *b, nil
		}
		return nil, nil
	case "connection":
		if a.conn != nil {
			return a.conn, nil
		}
		return nil, nil
	case "currencyCode":
		return nullString(a.a.CurrencyCode), nil
	case "id":
		return a.a.ID, nil
	case "institution":
		return a.a.Institution, nil
	case "kind":
		return nullString(string(a.a.Kind)), nil
	case "mask":
		return nullString(a.a.Mask), nil
	case "metadata":
		return nullJSON(a.a.Metadata), nil
	case "name":
		return a.a.Name, nil
	case "origin", "provider":
		return string(a.a.Provider), nil
	case "state":
		return string(a.a.State), nil
	case "taxonomy":
		out := make([]any, len(a.a.Taxonomy))
		for i, t := range a.a.Taxonomy {
			out[i] = t
		}
		return out, nil
	case "transactedFirstOn":
		return nullString(a.a.TransactedFirstOn), nil
	case "transactedLastOn":
		return nullString(a.a.TransactedLastOn), nil
	case "type":
		return accountType(a.a), nil
	case "verified":
		return a.a.Verified, nil
	}
	return nil, fmt.Errorf("quilttest does not implement Account.%s", name)
}

func resolveBalance(b quiltt.Balance, name string) (any, error) {
	switch name {
	case "at":
		return b.At.UTC().Format(time.RFC3339), nil
	case "available":
		return amount(b.Available), nil
	case "current":
		return amount(b.Current), nil
	case "id":
		return b.ID, nil
	case "limit":
		return amount(b.Limit), nil
	case "source":
		return string(b.Source), nil
	}
	return nil, fmt.Errorf("quilttest does not implement Balance.%s", name)
}

// amount writes a decimal exactly, as a JSON number: 3141.59 stays
// 3141.59 (-15000.00 becomes -15000). nil is null.
func amount(d *decimal.Decimal) any {
	if d == nil {
		return nil
	}
	return json.Number(d.String())
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullJSON(b json.RawMessage) any {
	if b == nil {
		return nil
	}
	return b
}

// accountType derives the deprecated Account.type from the kind and
// taxonomy.
func accountType(a quiltt.Account) string {
	switch a.Kind {
	case quiltt.AccountKindDepository:
		if slices.Contains(a.Taxonomy, "SAVINGS") {
			return "SAVINGS"
		}
		return "CHECKING"
	case quiltt.AccountKindCredit, quiltt.AccountKindInvestment, quiltt.AccountKindLoan:
		return string(a.Kind)
	}
	return "OTHER"
}
