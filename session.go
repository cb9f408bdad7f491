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
	"unicode/utf8"
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

// ErrInvalidSessionParams is returned by IssueSessionToken, before any
// request is sent, for a *SessionParams that cannot make a valid request:
// see SessionParams.
var ErrInvalidSessionParams = errors.New("quiltt: invalid session params")

// SessionParams says whom IssueSessionToken issues a token for: either an
// existing Profile, named by UserID, whose fields given beside it Quiltt
// sets or updates (the OpenAPI's request body oneOf[0]: userId with a
// ProfileUpdateRequest), or a new Profile that Quiltt creates with the
// token, described by the other fields, all optional.
//
//	&SessionParams{UserID: "p_…"}                      // an existing Profile, by ID or UUID
//	&SessionParams{UserID: "p_…", Email: "ada@…"}      // the same, its email set or updated
//	&SessionParams{Email: "ada@example.com", Name: …}  // a new Profile
//	&SessionParams{}                                   // a new Profile with nothing but its IDs
//
// IssueSessionToken refuses, with an error wrapping ErrInvalidSessionParams
// and without sending anything:
//   - a nil *SessionParams (so that a forgotten argument does not create a
//     Profile: pass &SessionParams{} to create an empty one);
//   - UserID together with UUID (UUID is the UUID a new Profile is created
//     with; an existing one is named by UserID, its ID or its UUID);
//   - a UUID that is not a UUID (8-4-4-4-12 hexadecimal digits), a
//     DateOfBirth that is not a YYYY-MM-DD date, Metadata that is not a
//     JSON object, and any text that is not UTF-8.
//
// The SDK checks the shape of the request; Quiltt checks the values (an
// email address, a phone number, a country code) and answers 422 with the
// fields at fault in Error.Validation. The error never quotes a value.
type SessionParams struct {
	// UserID names an existing Profile: its ID ("p_…") or its UUID. The
	// fields below but UUID may go with it, to set or update them.
	UserID string

	// The Profile's fields: a new Profile's (Quiltt's
	// ProfileCreateRequest), or, beside UserID, those to set or update
	// (ProfileUpdateRequest). Empty fields are not sent.

	// UUID is the new Profile's UUID; Quiltt assigns one when it is "".
	// Not with UserID.
	UUID string
	// Email is the new Profile's email address.
	Email string
	// Phone is the new Profile's phone number, such as "+14155550123"
	// (E.164).
	Phone string
	// Name is the new Profile's name.
	Name string
	// Names is the new Profile's first and last names.
	Names *ProfileNames
	// DateOfBirth is the new Profile's date of birth, written YYYY-MM-DD.
	DateOfBirth string
	// Address is the new Profile's postal address.
	Address *ProfileAddress
	// Metadata is the new Profile's custom metadata: a JSON object.
	Metadata json.RawMessage
}

// ProfileNames is the names of a Profile (SessionParams.Names). Empty
// fields are not sent.
type ProfileNames struct {
	First string `json:"first,omitempty"`
	Last  string `json:"last,omitempty"`
}

// ProfileAddress is the postal address of a Profile
// (SessionParams.Address). Empty fields are not sent.
type ProfileAddress struct {
	Line1       string `json:"line1,omitempty"`
	Line2       string `json:"line2,omitempty"`
	City        string `json:"city,omitempty"`
	State       string `json:"state,omitempty"`
	PostalCode  string `json:"postalCode,omitempty"`
	CountryCode string `json:"countryCode,omitempty"` // ISO 3166-1 alpha-3, such as "USA" (Quiltt's enum: ["USA"])
}

// sessionRequestBody is the JSON body of POST /v1/users/sessions: Quiltt's
// userId with a ProfileUpdateRequest, or a ProfileCreateRequest.
type sessionRequestBody struct {
	UserID      string          `json:"userId,omitempty"`
	UUID        string          `json:"uuid,omitempty"`
	Email       string          `json:"email,omitempty"`
	Phone       string          `json:"phone,omitempty"`
	Name        string          `json:"name,omitempty"`
	Names       *ProfileNames   `json:"names,omitempty"`
	DateOfBirth string          `json:"dateOfBirth,omitempty"`
	Address     *ProfileAddress `json:"address,omitempty"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
}

// body checks p and returns the request body it makes.
func (p *SessionParams) body() ([]byte, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: nil: give &SessionParams{UserID: …} for an existing Profile, or &SessionParams{} for a new one", ErrInvalidSessionParams)
	}
	var problems []string
	if p.UserID != "" && p.UUID != "" {
		problems = append(problems, "UserID names an existing Profile and cannot be combined with UUID, the UUID of a new one")
	}
	text := []struct{ name, v string }{
		{"UserID", p.UserID}, {"UUID", p.UUID}, {"Email", p.Email}, {"Phone", p.Phone}, {"Name", p.Name},
		{"DateOfBirth", p.DateOfBirth},
	}
	if p.Names != nil {
		text = append(text, []struct{ name, v string }{{"Names.First", p.Names.First}, {"Names.Last", p.Names.Last}}...)
	}
	if a := p.Address; a != nil {
		text = append(text, []struct{ name, v string }{
			{"Address.Line1", a.Line1}, {"Address.Line2", a.Line2}, {"Address.City", a.City},
			{"Address.State", a.State}, {"Address.PostalCode", a.PostalCode}, {"Address.CountryCode", a.CountryCode},
		}...)
	}
	for _, f := range text {
		if !utf8.ValidString(f.v) {
			// encoding/json would replace the bad bytes, sending another value.
			problems = append(problems, f.name+" is not UTF-8")
		}
	}
	if p.UUID != "" && !isUUID(p.UUID) {
		problems = append(problems, "UUID is not a UUID")
	}
	if p.DateOfBirth != "" && !isDate(p.DateOfBirth) {
		problems = append(problems, "DateOfBirth is not a YYYY-MM-DD date")
	}
	if p.Metadata != nil && !isJSONObject(p.Metadata) {
		problems = append(problems, "Metadata is not a JSON object")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidSessionParams, strings.Join(problems, "; "))
	}
	return json.Marshal(sessionRequestBody{
		UserID: p.UserID, UUID: p.UUID, Email: p.Email, Phone: p.Phone, Name: p.Name, Names: p.Names,
		DateOfBirth: p.DateOfBirth, Address: p.Address, Metadata: p.Metadata,
	})
}

// isUUID reports whether s is written as a UUID: 8-4-4-4-12 hexadecimal
// digits, any version.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}

// isDate reports whether s is a calendar date written YYYY-MM-DD.
func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil && len(s) == len(time.DateOnly)
}

// isJSONObject reports whether b is one valid JSON object.
func isJSONObject(b json.RawMessage) bool {
	t := bytes.TrimSpace(b)
	return len(t) > 0 && t[0] == '{' && json.Valid(t)
}
