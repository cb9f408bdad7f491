package quiltt

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Diagnostics for JSON that failed to decode, shared by every decoder of
// the package (webhook bodies and records, GraphQL and REST answers): they
// say where and what, never the bytes that were read.

// maxProblemLen caps the length of a decoding error's description.
const maxProblemLen = 160

// jsonProblem describes a decoding error without echoing the body: the
// offset of a syntax error, the field and types of a type mismatch, or the
// first maxProblemLen bytes of another decoder's message (a time or an
// amount that did not parse may quote its own value, never more).
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s: want %s, got JSON %s", typ.Field, typ.Type, typ.Value)
	}
	msg := err.Error()
	if len(msg) > maxProblemLen {
		msg = msg[:maxProblemLen] + "…"
	}
	return msg
}
