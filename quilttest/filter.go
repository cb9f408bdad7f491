package quilttest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
)

// accountFilter is an AccountFilter input, with the search and sort
// arguments of accounts.
type accountFilter struct {
	kind, kindNot     stringSet
	status, statusNot stringSet
	verified          *bool
	metadata          map[string]any // nil: no condition
	dates             []dateCond
	search            string
	sort              string
}

// stringSet is a list argument; set is false when it was absent or null.
type stringSet struct {
	set  bool
	vals []string
}

type dateCond struct {
	last bool   // transactedLastOn rather than transactedFirstOn
	op   string // "", "_gt", "_gte", "_lt", "_lte"
	date string
}

// accounts lists the profile's accounts (of conn only, when not nil) that
// match the filter, search and sort arguments.
func (e *executor) accounts(conn *connData, args map[string]any) ([]any, error) {
	f := parseFilter(args)
	list := make([]*accountData, 0, len(e.profile.accounts))
	for _, a := range e.profile.accounts {
		if (conn == nil || a.conn == conn) && f.match(a) {
			list = append(list, a)
		}
	}
	if f.sort == "LAST_TRANSACTED_ON_ASC" || f.sort == "LAST_TRANSACTED_ON_DESC" {
		desc := f.sort == "LAST_TRANSACTED_ON_DESC"
		slices.SortStableFunc(list, func(x, y *accountData) int {
			a, b := x.a.TransactedLastOn, y.a.TransactedLastOn
			switch {
			case a == b:
				return 0
			case a == "": // nulls last either way
				return 1
			case b == "":
				return -1
			case desc:
				return strings.Compare(b, a)
			}
			return strings.Compare(a, b)
		})
	}
	out := make([]any, len(list))
	for i, a := range list {
		out[i] = a
	}
	return out, nil
}

func parseFilter(args map[string]any) accountFilter {
	var f accountFilter
	if s, ok := args["search"].(map[string]any); ok {
		f.search, _ = s["term"].(string)
	}
	f.sort, _ = args["sort"].(string)
	m, ok := args["filter"].(map[string]any)
	if !ok {
		return f
	}
	f.kind, f.kindNot = strings_(m["kind"]), strings_(m["kind_not"])
	f.status, f.statusNot = strings_(m["connection_status"]), strings_(m["connection_status_not"])
	if v, ok := m["verified"].(bool); ok {
		f.verified = &v
	}
	if md, ok := m["metadata"].(map[string]any); ok {
		f.metadata = md
	}
	for _, field := range []string{"transactedFirstOn", "transactedLastOn"} {
		for _, op := range []string{"", "_gt", "_gte", "_lt", "_lte"} {
			if d, ok := m[field+op].(string); ok {
				f.dates = append(f.dates, dateCond{last: field == "transactedLastOn", op: op, date: d})
			}
		}
	}
	return f
}

// strings_ reads a list of enum values; a single value counts as a list of
// one, as GraphQL's input coercion has it.
func strings_(v any) stringSet {
	switch v := v.(type) {
	case string:
		return stringSet{set: true, vals: []string{v}}
	case []string:
		return stringSet{set: true, vals: v}
	case []any:
		s := stringSet{set: true, vals: make([]string, 0, len(v))}
		for _, x := range v {
			if x, ok := x.(string); ok {
				s.vals = append(s.vals, x)
			}
		}
		return s
	}
	return stringSet{}
}

func (f *accountFilter) match(a *accountData) bool {
	kind := string(a.a.Kind)
	if f.kind.set && (kind == "" || !slices.Contains(f.kind.vals, kind)) {
		return false
	}
	if f.kindNot.set && kind != "" && slices.Contains(f.kindNot.vals, kind) {
		return false
	}
	status := ""
	if a.conn != nil {
		status = string(a.conn.Status)
	}
	if f.status.set && (status == "" || !slices.Contains(f.status.vals, status)) {
		return false
	}
	if f.statusNot.set && status != "" && slices.Contains(f.statusNot.vals, status) {
		return false
	}
	if f.verified != nil && a.a.Verified != *f.verified {
		return false
	}
	if f.search != "" && !strings.Contains(strings.ToLower(a.a.Name), strings.ToLower(f.search)) {
		return false
	}
	for _, d := range f.dates {
		if !d.match(a) {
			return false
		}
	}
	return f.metadata == nil || metadataMatch(a.a.Metadata, f.metadata)
}

func (d dateCond) match(a *accountData) bool {
	v := a.a.TransactedFirstOn
	if d.last {
		v = a.a.TransactedLastOn
	}
	if v == "" {
		return false
	}
	c := strings.Compare(v, d.date) // YYYY-MM-DD sorts as dates do
	switch d.op {
	case "_gt":
		return c > 0
	case "_gte":
		return c >= 0
	case "_lt":
		return c < 0
	case "_lte":
		return c <= 0
	}
	return c == 0
}

// metadataMatch reports whether the account's metadata object holds every
// top-level key of want with an equal value.
func metadataMatch(raw json.RawMessage, want map[string]any) bool {
	if raw == nil {
		return len(want) == 0
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var have map[string]any
	if dec.Decode(&have) != nil {
		return false
	}
	for k, w := range want {
		h, ok := have[k]
		if !ok || !reflect.DeepEqual(normalize(h), normalize(w)) {
			return false
		}
	}
	return true
}

// normalize makes numbers comparable whatever their source: a JSON number
// decoded with UseNumber, a float64, an int64.
func normalize(v any) any {
	switch v := v.(type) {
	case json.Number:
		return v.String()
	case float64, int64, int:
		b, _ := json.Marshal(v)
		return string(b)
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = normalize(x)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = normalize(x)
		}
		return out
	}
	return v
}
