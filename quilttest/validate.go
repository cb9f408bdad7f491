package quilttest

import (
	"encoding/json"
	"net/mail"
	"regexp"
	"slices"
)

// validationErrors is Quiltt's ValidationErrors body being built: field →
// messages. Nested fields are named with a dot ("address.countryCode").
type validationErrors map[string][]string

func (v validationErrors) add(field, msg string) {
	if !slices.Contains(v[field], msg) {
		v[field] = append(v[field], msg)
	}
}

func (v validationErrors) has(field string) bool { return len(v[field]) > 0 }

// str returns the string at m[key]; "" when it is absent or null. Another
// JSON type adds an error.
func (v validationErrors) str(m map[string]json.RawMessage, key string) string {
	return v.strAt(m, key, key)
}

func (v validationErrors) strAt(m map[string]json.RawMessage, key, field string) string {
	raw, ok := m[key]
	if !ok || string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		v.add(field, "must be a string")
		return ""
	}
	return s
}

// object decodes m[key], which must be an object whose members named in
// keys are strings (others are ignored), and returns those strings.
func (v validationErrors) object(m map[string]json.RawMessage, key string, keys ...string) map[string]string {
	var inner map[string]json.RawMessage
	if err := json.Unmarshal(m[key], &inner); err != nil || inner == nil {
		v.add(key, "must be an object")
		return nil
	}
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		out[k] = v.strAt(inner, k, key+"."+k)
	}
	return out
}

var (
	uuidRE    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	e164RE    = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	countries = []string{"USA"}
)

// isUUID reports whether s is a UUID in its textual form
// (8-4-4-4-12 hexadecimal digits).
func isUUID(s string) bool { return uuidRE.MatchString(s) }

// isE164 reports whether s is a phone number in E.164 format, as Quiltt's
// OpenAPI asks for ("+" and up to 15 digits).
func isE164(s string) bool { return e164RE.MatchString(s) }

// isCountryCode reports whether s is one of the ISO 3166-1 alpha-3 codes
// Quiltt's OpenAPI enumerates for address.countryCode (["USA"]).
func isCountryCode(s string) bool { return slices.Contains(countries, s) }

// isEmail reports whether s is a bare email address ("a@b.example", no
// display name).
func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}
