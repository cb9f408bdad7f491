package quiltt

// The errors of GraphQL answers: errors[] entries, *QueryError, and the
// refusal of an answer that failed the check (internal/answer).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/quiltt-go/quiltt/internal/answer"
)

// GraphQLError is one entry of a GraphQL response's errors[].
type GraphQLError struct {
	Message string
	// Path locates the failed field, e.g. ["accounts", "0", "balance"];
	// list indexes are written in decimal.
	Path []string
	// Code, ErrorID, Instruction and DocumentationURL come from the entry's
	// extensions, when Quiltt sends them: code, errorId, instruction and
	// documentationUrl, the keys Quiltt's own client reads. ErrorID also
	// takes error_id, an assumption (the spelling of the REST error's
	// JS type; no Quiltt document shows it in a GraphQL error).
	Code             string
	ErrorID          string
	Instruction      string
	DocumentationURL string
}

// UnmarshalJSON reads an errors[] entry, whatever the types of its path
// elements and extensions. It builds only what GraphQLError holds: the
// values of other extensions are skipped, not decoded.
func (g *GraphQLError) UnmarshalJSON(b []byte) error {
	var e answer.Entry
	if err := json.Unmarshal(b, &e); err != nil {
		return err
	}
	*g = GraphQLError(e)
	return nil
}

func (g *GraphQLError) redact(r redactor) {
	g.Message, g.Code, g.ErrorID = r.apply(g.Message), r.apply(g.Code), r.apply(g.ErrorID)
	g.Instruction, g.DocumentationURL = r.apply(g.Instruction), r.apply(g.DocumentationURL)
	for i := range g.Path {
		g.Path[i] = r.apply(g.Path[i])
	}
}

// QueryError is a GraphQL answer (HTTP 200) that carries errors[]. When the
// answer also carries data, PartialData is true and the method that returned
// the error also returned what it could decode: see each method's doc.
// When the answer was refused as incomplete or malformed, the error wraps
// ErrInvalidResponse and this *QueryError both, PartialData is false and
// nothing is returned beside it.
//
// errors.Is matches the sentinel of any entry's extensions.code:
// UNAUTHENTICATED and UNAUTHORIZED → ErrUnauthorized, FORBIDDEN →
// ErrForbidden, NOT_FOUND → ErrNotFound, BAD_USER_INPUT,
// GRAPHQL_VALIDATION_FAILED, GRAPHQL_PARSE_FAILED and BAD_REQUEST →
// ErrBadRequest, RATE_LIMITED and TOO_MANY_REQUESTS → ErrRateLimited,
// INTERNAL_SERVER_ERROR → ErrServer. Quiltt documents UNAUTHENTICATED,
// BAD_USER_INPUT and INTERNAL_SERVER_ERROR; the other codes are an
// assumption (common GraphQL servers' codes), matched in case Quiltt
// sends them.
type QueryError struct {
	Op          string
	Errors      []GraphQLError
	PartialData bool
}

// Error implements the error interface.
func (e *QueryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "quiltt: %s: GraphQL errors: ", e.Op)
	e.writeEntries(&b)
	if e.PartialData {
		b.WriteString(" (partial data)")
	}
	return b.String()
}

// writeEntries writes the entries of errors[], as Error shows them.
func (e *QueryError) writeEntries(b *strings.Builder) {
	for i, g := range e.Errors {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(g.Message)
		if len(g.Path) > 0 {
			b.WriteString(" at ")
			b.WriteString(strings.Join(g.Path, "."))
		}
		if g.Code != "" {
			b.WriteString(" [")
			b.WriteString(g.Code)
			b.WriteString("]")
		}
	}
}

// Is matches the sentinels of the entries' codes.
func (e *QueryError) Is(target error) bool {
	for _, g := range e.Errors {
		if codeSentinel(g.Code) == target && target != nil {
			return true
		}
	}
	return false
}

func codeSentinel(code string) error {
	switch code {
	case "UNAUTHENTICATED", "UNAUTHORIZED":
		return ErrUnauthorized
	case "FORBIDDEN":
		return ErrForbidden
	case "NOT_FOUND":
		return ErrNotFound
	case "BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED", "BAD_REQUEST":
		return ErrBadRequest
	case "RATE_LIMITED", "TOO_MANY_REQUESTS":
		return ErrRateLimited
	case "INTERNAL_SERVER_ERROR":
		return ErrServer
	}
	return nil
}

// graphQLError turns what a generated operation returned into the SDK's
// error types: the pipeline's *Error and *TransportError, and the refusals
// made before anything was sent, pass through,
// errors[] become a *QueryError, an answer that the check refused wraps
// ErrInvalidResponse (and the *QueryError of its errors[], if it carried
// any), a context that ended while the answer was read keeps its error,
// and anything else (a body over the cap or of the wrong status) wraps
// ErrInvalidResponse. Text from the server goes through r.
func graphQLError(op string, err error, partial bool, r redactor) error {
	var errs answer.Errors
	var inv *answer.Invalid
	switch {
	case errors.As(err, &inv):
		e := &refusedAnswer{op: op, problem: invalidText(inv, r)}
		if len(inv.Errs) > 0 {
			e.qe = newQueryError(op, inv.Errs, false, r)
		}
		return e
	case errors.As(err, &errs):
		return newQueryError(op, errs, partial, r)
	case errors.As(err, new(*Error)), errors.As(err, new(*TransportError)),
		errors.Is(err, ErrMissingCredentials), errors.Is(err, ErrUnsupportedOperation):
		return err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return errorf("%s: reading the answer: %w", op, err)
	default:
		// The decoder's text may quote the body: r redacts it, then
		// jsonProblem keeps it short (in that order, so no cut credential
		// survives); the decoder's error is not kept in the chain.
		return errorf("%s: %w: %s", op, ErrInvalidResponse, jsonProblem(r.error(err)))
	}
}

// newQueryError builds the *QueryError of entries, redacted by r.
func newQueryError(op string, entries []answer.Entry, partial bool, r redactor) *QueryError {
	errs := make([]GraphQLError, len(entries))
	for i, e := range entries {
		errs[i] = GraphQLError(e)
		errs[i].redact(r)
	}
	return &QueryError{Op: op, Errors: errs, PartialData: partial}
}

// invalidText is the description of a refused answer, with credentials
// redacted by r before the decoder's error is cut short.
func invalidText(e *answer.Invalid, r redactor) string {
	if e.Cause == nil {
		return r.apply(e.Problem)
	}
	return r.apply(e.Problem) + jsonProblem(r.error(e.Cause))
}

// refusedAnswer is the error of an answer that failed the checks:
// ErrInvalidResponse, and the *QueryError of the errors[] it carried, if
// any (without partial data: nothing of a refused answer is handed out).
type refusedAnswer struct {
	op      string
	problem string
	qe      *QueryError
}

func (e *refusedAnswer) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "quiltt: %s: %s: %s", e.op, bareText(ErrInvalidResponse), e.problem)
	if e.qe != nil {
		b.WriteString("; the answer also carried GraphQL errors: ")
		e.qe.writeEntries(&b)
	}
	return b.String()
}

func (e *refusedAnswer) Unwrap() []error {
	if e.qe == nil {
		return []error{ErrInvalidResponse}
	}
	return []error{ErrInvalidResponse, e.qe}
}
