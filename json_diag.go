package quiltt

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Diagnostics for JSON that failed to decode, shared by every decoder of
// the package (webhook bodies and records, GraphQL and REST answers): they
// say where and what, never the bytes that were read.

// maxProblemLen caps the length of a decoding error's description.
const maxProblemLen = 160

// jsonProblem describes a decoding error without echoing the body: the
// offset of a syntax error, the field and types of a type mismatch, a time
// that is not RFC 3339 (without the value: time.ParseError quotes it, and
// the webhook handler logs this text), or the first maxProblemLen bytes of
// another decoder's message (the SDK's own, which quote no value).
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tp *time.ParseError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s: want %s, got JSON %s", typ.Field, typ.Type, typ.Value)
	case errors.As(err, &tp):
		return "a time that is not an RFC 3339 date-time"
	}
	msg := err.Error()
	if len(msg) > maxProblemLen {
		msg = msg[:maxProblemLen] + "…"
	}
	return msg
}
