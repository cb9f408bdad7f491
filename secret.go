package quiltt

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

// secret holds a credential, or an Authorization header value made of one,
// sealed in a closure: no field of it holds the value, so nothing that walks
// a Client by reflection (fmt on an unexported field, go-spew, testify's
// diffs, reflect.DeepEqual's output) can reach the credential, and every
// way Go prints a *secret itself shows it redacted. Only reveal gives it
// back, where a request is built or an error is redacted.
//
// A nil *secret is the absent credential.
type secret struct{ reveal func() string }

const redacted = "[redacted]"

// seal returns v sealed, or nil for "".
func seal(v string) *secret {
	if v == "" {
		return nil
	}
	return &secret{reveal: func() string { return v }}
}

// bearer returns the Authorization value "Bearer <token>", sealed; nil for
// an empty token.
func bearer(token string) *secret {
	if token == "" {
		return nil
	}
	return seal("Bearer " + token)
}

// value returns the sealed value, "" for nil.
// revealer returns the function that reveals the secret, for the
// credential stage of the pipeline; nil for a nil secret.
func (s *secret) revealer() func() string {
	if s == nil {
		return nil
	}
	return s.reveal
}

func (s *secret) value() string {
	if s == nil {
		return ""
	}
	return s.reveal()
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
// in error messages. Redact before cutting any text short: a cut credential
// is no longer found.
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

// error returns err with its text redacted, for code that shortens an
// error's text (jsonProblem does): the credentials are gone before the cut.
// errors.Is and errors.As see through it to err.
func (r redactor) error(err error) error {
	if err == nil || len(r) == 0 {
		return err
	}
	return &redactedError{err: err, text: r.apply(err.Error())}
}

// transport returns an error of the HTTP client (a *url.Error around
// net/http's own) with its text redacted. net/http quotes what the server
// sent when it cannot take it ("malformed MIME header line: …", "failed to
// parse Location header …"), and a proxy may have put a credential there.
// A *url.Error stays one, so errors.As and the cause's types still work;
// an error whose text holds no credential is returned as it is.
func (r redactor) transport(err error) error {
	if err == nil || r.apply(err.Error()) == err.Error() {
		return err
	}
	if ue, ok := err.(*url.Error); ok {
		return &url.Error{Op: ue.Op, URL: r.apply(ue.URL), Err: r.error(ue.Err)}
	}
	return r.error(err)
}

type redactedError struct {
	err  error
	text string
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }
