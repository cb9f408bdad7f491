package quiltt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"
)

// Session is a Profile-scoped session token and what Quiltt says of it: the
// UserSession of its auth API, answered by IssueSessionToken and
// IntrospectSessionToken. The token, UserID, Expiration and ExpiresAt are
// always set: an answer that lacks one is refused (ErrInvalidResponse).
// UserUUID and EnvironmentID are set when Quiltt sends them: its OpenAPI
// marks them required, but its own examples of a 201 (OpenAPI "Existing
// Profile", quiltt.dev's issuing-session-tokens) carry only token,
// expiration, expiresAt and userId.
//
// The token is a credential, and a Session keeps it out of sight: String,
// every fmt verb (%v, %+v, %#v, %s, %q, %x), slog records and
// encoding/json show the other fields and "[redacted]" or nothing in its
// place. Token returns it, to give WithSessionToken, RevokeSessionToken or
// the browser that runs Quiltt's Connector.
type Session struct {
	// UserID is the Profile's ID ("p_…").
	UserID string
	// UserUUID is the same Profile's UUID; "" when the answer did not
	// carry it.
	UserUUID string
	// EnvironmentID is the environment the Profile and the token belong
	// to ("env_…"); "" when the answer did not carry it.
	EnvironmentID string
	// Expiration is when the token stops authenticating, from Quiltt's
	// expiration (Unix seconds). Tokens last 24 hours.
	Expiration time.Time
	// ExpiresAt is the same instant from Quiltt's expiresAt (a date-time).
	// Quiltt sends the end of the token twice; the SDK keeps both as sent
	// and does not compare them.
	ExpiresAt time.Time

	token *secret
}

// Token returns the session token: a Bearer credential for the Profile's
// GraphQL reads (WithSessionToken) that lasts until Expiration or until it
// is revoked (RevokeSessionToken). It returns "" for a nil Session. Treat
// it like a password: do not log it, and hand it only to the Profile it
// belongs to.
func (s *Session) Token() string {
	if s == nil {
		return ""
	}
	return s.token.value()
}

// String describes the session without its token.
func (s Session) String() string {
	return fmt.Sprintf("quiltt.Session{user %s, uuid %s, environment %s, expires %s, token %s}",
		s.UserID, s.UserUUID, s.EnvironmentID, s.ExpiresAt.Format(time.RFC3339), redacted)
}

// Format prints the session as String does under every verb, so %+v, %#v,
// %q and %x cannot reach the token, whether given a *Session or a Session.
func (s Session) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// LogValue logs the session's fields, the token as "[redacted]".
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("userId", s.UserID),
		slog.String("userUuid", s.UserUUID),
		slog.String("environmentId", s.EnvironmentID),
		slog.Time("expiresAt", s.ExpiresAt),
		slog.String("token", redacted),
	)
}

// userSessionWire is Quiltt's UserSession as sent (REST OpenAPI
// 2026-04-01): token, userId, expiration and expiresAt required (every
// example of Quiltt's carries them), userUuid and environmentId taken when
// sent (the schema requires them, the examples omit them). Absent and null
// keys stay nil, so that
// decodeSession can tell them from values; expiration is kept raw to
// refuse a number sent as a string.
type userSessionWire struct {
	Token         *string         `json:"token"`
	UserID        *string         `json:"userId"`
	UserUUID      *string         `json:"userUuid"`
	EnvironmentID *string         `json:"environmentId"`
	Expiration    json.RawMessage `json:"expiration"`
	ExpiresAt     *string         `json:"expiresAt"`
}

// decodeSession decodes a UserSession body. Its error describes what is
// wrong without quoting the body: no token, no value.
func decodeSession(body []byte) (*Session, error) {
	var w userSessionWire
	if err := decodeObject(body, &w); err != nil {
		return nil, err
	}
	var problems []string
	str := func(key string, v *string) string {
		if v == nil || *v == "" {
			problems = append(problems, "no "+key)
			return ""
		}
		return *v
	}
	optional := func(v *string) string {
		if v == nil {
			return ""
		}
		return *v
	}
	s := &Session{
		UserID:        str("userId", w.UserID),
		UserUUID:      optional(w.UserUUID),
		EnvironmentID: optional(w.EnvironmentID),
	}
	if tok := str("token", w.Token); tok != "" {
		if checkHeaderToken(tok) != nil {
			problems = append(problems, "token holds whitespace or control characters")
		} else {
			s.token = seal(tok)
		}
	}
	if at := str("expiresAt", w.ExpiresAt); at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			problems = append(problems, "expiresAt is not an RFC 3339 date-time")
		}
		s.ExpiresAt = t
	}
	exp, problem := unixSeconds(w.Expiration)
	if problem != "" {
		problems = append(problems, "expiration "+problem)
	}
	s.Expiration = exp
	if len(problems) > 0 {
		return nil, fmt.Errorf("UserSession %s", strings.Join(problems, ", "))
	}
	return s, nil
}

// unixSeconds reads a JSON number of Unix seconds, possibly fractional, as
// a time; the problem is "" when it is one.
func unixSeconds(raw json.RawMessage) (time.Time, string) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return time.Time{}, "is missing"
	case raw[0] != '-' && (raw[0] < '0' || raw[0] > '9'):
		return time.Time{}, "is not a JSON number"
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		if n <= 0 {
			return time.Time{}, "is not a positive number of seconds"
		}
		return time.Unix(n, 0).UTC(), ""
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || !(f > 0) || f > math.MaxInt64/1e9 {
		return time.Time{}, "is not a positive number of seconds"
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), ""
}

// decodeObject decodes a JSON object body into v, refusing anything else
// (an array, null, trailing data). Its error never quotes the body.
func decodeObject(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errors.New("the body is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(v); err != nil {
		return errors.New(jsonProblem(err))
	}
	if dec.More() {
		return errors.New("data after the JSON object")
	}
	return nil
}
