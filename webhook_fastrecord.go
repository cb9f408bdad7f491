package quiltt

// A fast path for the one record every balance.created delivery carries.
//
// encoding/json validates its whole input before decoding it, so decoding a
// record that ParseWebhook has already scanned costs two more passes over
// it. fastBalance decodes, in one pass, the plain shape Quiltt sends: a flat
// object whose keys are exactly those of wireBalance and whose values are
// ASCII strings without escapes, JSON numbers or null. On anything else
// (another key, an escape, a nested value, a type mismatch, a syntax error)
// it declines and the caller decodes with encoding/json, which gives the
// proper error. Where it accepts, the result is the one encoding/json gives:
// FuzzFastBalance checks that.

// fastBalance decodes rec into w, which must be zero, and reports whether it
// could; when it reports false, w is garbage.
func fastBalance(rec []byte, w *wireBalance) bool {
	i := skipSpace(rec, 0)
	if i >= len(rec) || rec[i] != '{' {
		return false
	}
	i = skipSpace(rec, i+1)
	if i < len(rec) && rec[i] == '}' {
		return skipSpace(rec, i+1) == len(rec)
	}
	for {
		key, next, ok := plainString(rec, i)
		if !ok {
			return false
		}
		i = skipSpace(rec, next)
		if i >= len(rec) || rec[i] != ':' {
			return false
		}
		i = skipSpace(rec, i+1)
		if i, ok = fastBalanceField(rec, i, key, w); !ok {
			return false
		}
		i = skipSpace(rec, i)
		if i >= len(rec) {
			return false
		}
		switch rec[i] {
		case ',':
			i = skipSpace(rec, i+1)
		case '}':
			return skipSpace(rec, i+1) == len(rec)
		default:
			return false
		}
	}
}

// fastBalanceField decodes the value at rec[i:] into the field of w named
// key, returning the offset after the value.
func fastBalanceField(rec []byte, i int, key []byte, w *wireBalance) (int, bool) {
	if i >= len(rec) {
		return 0, false
	}
	var amount **wireAmount
	var str *string
	switch string(key) {
	case "id":
		str = &w.ID
	case "accountId":
		str = &w.AccountID
	case "source":
		str = (*string)(&w.Source)
	case "available":
		amount = &w.Available
	case "current":
		amount = &w.Current
	case "limit":
		amount = &w.Limit
	case "at":
	default:
		return 0, false
	}
	switch c := rec[i]; {
	case c == 'n':
		if len(rec)-i < 4 || string(rec[i:i+4]) != "null" {
			return 0, false
		}
		if amount != nil {
			*amount = nil
		}
		return i + 4, true // null leaves strings and times as they are
	case c == '"':
		s, next, ok := plainString(rec, i)
		switch {
		case !ok || amount != nil:
			return 0, false
		case str != nil:
			*str = string(s)
		default:
			if w.At.UnmarshalJSON(rec[i:next]) != nil {
				return 0, false
			}
		}
		return next, true
	case c == '-' || ('0' <= c && c <= '9'):
		next, ok := number(rec, i)
		if !ok || amount == nil {
			return 0, false
		}
		a := new(wireAmount)
		if a.UnmarshalJSON(rec[i:next]) != nil {
			return 0, false
		}
		*amount = a
		return next, true
	}
	return 0, false
}

// plainString returns the contents of the string starting at rec[i] ('"')
// and the offset after it, if it holds only printable ASCII and no escape.
func plainString(rec []byte, i int) ([]byte, int, bool) {
	if i >= len(rec) || rec[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(rec); j++ {
		switch c := rec[j]; {
		case c == '"':
			return rec[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20 || c >= 0x7f:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// number returns the offset after the JSON number starting at rec[i]:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func number(rec []byte, i int) (int, bool) {
	if i < len(rec) && rec[i] == '-' {
		i++
	}
	switch {
	case i < len(rec) && rec[i] == '0':
		i++
	case i < len(rec) && '1' <= rec[i] && rec[i] <= '9':
		i = digits(rec, i)
	default:
		return 0, false
	}
	if i < len(rec) && rec[i] == '.' {
		j := digits(rec, i+1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(rec) && (rec[i] == 'e' || rec[i] == 'E') {
		i++
		if i < len(rec) && (rec[i] == '+' || rec[i] == '-') {
			i++
		}
		j := digits(rec, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

func digits(rec []byte, i int) int {
	for i < len(rec) && '0' <= rec[i] && rec[i] <= '9' {
		i++
	}
	return i
}

func skipSpace(rec []byte, i int) int {
	for i < len(rec) && (rec[i] == ' ' || rec[i] == '\t' || rec[i] == '\n' || rec[i] == '\r') {
		i++
	}
	return i
}
