package quiltt

import (
	"fmt"
	"log/slog"
	"strings"
)

// secret holds a credential, or an Authorization header value made of one.
// Every way Go prints a *secret (fmt verbs, slog) shows it redacted, so a
// secret that ends up in a log line or an error by mistake is still not
// disclosed.
//
// A nil *secret is the absent credential.
type secret struct{ v string }

const redacted = "[redacted]"

// seal returns v as a *secret, or nil for "".
func seal(v string) *secret {
	if v == "" {
		return nil
	}
	return &secret{v: v}
}

// bearer returns the Authorization value "Bearer <token>"; nil for an
// empty token.
func bearer(token string) *secret {
	if token == "" {
		return nil
	}
	return seal("Bearer " + token)
}

// value returns the value, "" for nil.
func (s *secret) value() string {
	if s == nil {
		return ""
	}
	return s.v
}

func (s *secret) String() string   { return redacted }
func (s *secret) GoString() string { return redacted }

// Format redacts under every verb, %x and %q included.
func (s *secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue redacts in slog records.
func (s *secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText redacts in encoders such as encoding/json.
func (s *secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// redactor removes credentials from text that came from the server. Quiltt
// does not echo credentials, but a misconfigured proxy or gateway in front
// of it may ("invalid Authorization: Bearer qltt_…"), and that text ends up
// in error messages.
type redactor []string

// newRedactor lists the credentials to remove: each non-empty secret, and for
// an Authorization value also its part after the scheme (the token, or the
// base64 of Basic credentials). It is the one place a redactor is built.
func newRedactor(secrets ...*secret) redactor {
	var r redactor
	for _, s := range secrets {
		v := s.value()
		if v == "" {
			continue
		}
		r = append(r, v)
		if _, cred, ok := strings.Cut(v, " "); ok && cred != "" {
			r = append(r, cred)
		}
	}
	return r
}

// apply returns s with every credential replaced by "[redacted]".
func (r redactor) apply(s string) string {
	for _, sec := range r {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}
