package quiltt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

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
