package quiltt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/quiltt-go/quiltt/internal/retry"
)

// Sentinel errors. Every *Error answers errors.Is for the sentinel of its
// status class, through any wrapping:
//
//	400, 422 → ErrBadRequest     401 → ErrUnauthorized   403 → ErrForbidden
//	404      → ErrNotFound       409 → ErrConflict
//	429      → ErrRateLimited    5xx → ErrServer
//
// Account also returns an error wrapping ErrNotFound when Quiltt answers
// null for an unknown ID, and a *QueryError matches the sentinel of its
// extensions.code (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT, …).
var (
	ErrBadRequest   = errors.New("quiltt: bad request")
	ErrUnauthorized = errors.New("quiltt: unauthorized")
	ErrForbidden    = errors.New("quiltt: forbidden")
	ErrNotFound     = errors.New("quiltt: not found")
	ErrConflict     = errors.New("quiltt: conflict") // 409: IssueSessionToken for a Profile being deleted
	ErrRateLimited  = errors.New("quiltt: rate limited")
	ErrServer       = errors.New("quiltt: server error")

	// ErrOutcomeUnknown marks a failed call that is not safe to repeat
	// (RefreshBalance, billable; IssueSessionToken, counted against the
	// Profile's session limits) whose request reached Quiltt, or may have: a
	// 5xx answer other than 503 (500, 502, 504, …), a timeout, a connection
	// lost after the request was written, or an HTTP transport that tried to
	// send it a second time within one attempt (HTTP/2 does after some
	// stream resets; the SDK stops it). Quiltt may or may not have acted on
	// it, so the SDK did not send it again. Check the account's balance, or
	// wait for its balance.created webhook, before deciding to refresh again;
	// mind the session limits before issuing again.
	ErrOutcomeUnknown = errors.New("quiltt: outcome unknown: the request may have been acted on")

	// ErrInvalidResponse marks a 2xx answer whose body could not be read or
	// decoded: truncated, not JSON, of the wrong shape, or over the size cap.
	ErrInvalidResponse = errors.New("quiltt: invalid response")

	// ErrMissingCredentials is returned, before any request is sent, by a
	// call that the client's credentials cannot authenticate: a GraphQL read
	// without a session token or a profile, a REST call without an API key.
	ErrMissingCredentials = errors.New("quiltt: missing credentials")

	// ErrNilContext is returned, before any request is sent, by a call
	// given a nil context.Context (as net/http refuses one), inside a
	// *TransportError whose Attempts is 0.
	ErrNilContext = errors.New("quiltt: nil context.Context")
)

// errorf is fmt.Errorf for the SDK's own messages: it prefixes "quiltt: ",
// and an error operand (%w or %v) that carries that prefix itself is written
// without it, so wrapping a sentinel reads once: "quiltt: Accounts: missing
// credentials: …", not "quiltt: Accounts: quiltt: missing credentials: …".
// errors.Is and errors.As see every %w operand.
func errorf(format string, args ...any) error {
	text := make([]any, len(args))
	for i, a := range args {
		if err, ok := a.(error); ok && err != nil {
			text[i] = bareText(err)
		} else {
			text[i] = a
		}
	}
	return &sdkError{
		text: "quiltt: " + fmt.Sprintf(strings.ReplaceAll(format, "%w", "%v"), text...),
		err:  fmt.Errorf(format, args...),
	}
}

// sdkError is errorf's error: its own text, and the wrapped operands.
type sdkError struct {
	text string
	err  error
}

func (e *sdkError) Error() string { return e.text }
func (e *sdkError) Unwrap() error { return e.err }

// bareText is err's text without the SDK's "quiltt: " prefix, to write it
// inside another SDK message. It is for display only; errors are matched by
// type or sentinel, never by text.
func bareText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return strings.TrimPrefix(err.Error(), "quiltt: ")
}

// maxErrorBody caps how much of a non-2xx body is read to build an *Error.
const maxErrorBody = 64 << 10

// Error is a non-2xx answer from Quiltt, REST or GraphQL, after any retries.
// Its Error text names the operation, the method, the URL and the status; it
// never contains a credential, and never the raw body.
//
// errors.Is(err, ErrNotFound) and the other status sentinels hold for an
// *Error of the matching status; errors.Is(err, ErrOutcomeUnknown) holds when
// the failed call was not safe to repeat (RefreshBalance, IssueSessionToken)
// and Quiltt may have acted on it.
type Error struct {
	Op         string // the SDK operation, e.g. "Accounts" or "RefreshBalance"
	Method     string // the HTTP method
	URL        string // the request URL, without credentials or query
	StatusCode int    // the HTTP status code

	Message          string // Quiltt's message, or the status text when the body has none
	Instruction      string // Quiltt's hint on what to do, when given
	ErrorID          string // errorId or error_id: quote it to Quiltt support
	DocumentationURL string // extensions.documentationUrl of a GraphQL answer's first error, when given
	RequestID        string // the X-Request-Id response header, when present (an assumption: no Quiltt document names it); credentials redacted

	// RateLimit holds the Ratelimit-* headers of the answer.
	RateLimit RateLimit
	// RetryAfter is the wait the server asked for (Retry-After, else the
	// time until Ratelimit-Reset), zero when it asked for none. Quiltt
	// documents no Retry-After; reading it (delta seconds or an HTTP date,
	// as HTTP defines it) is an assumption.
	RetryAfter time.Duration
	// Validation holds field errors of a 422 answer: {"field":["problem"]}.
	Validation map[string][]string
	// GraphQLErrors holds the errors[] of a non-2xx GraphQL answer.
	GraphQLErrors []GraphQLError
	// Attempts is how many times the request was sent.
	Attempts int

	outcomeUnknown bool
}

// Error implements the error interface.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("quiltt: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Method != "" {
		fmt.Fprintf(&b, "%s %s: ", e.Method, e.URL)
	}
	fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" && e.Message != http.StatusText(e.StatusCode) {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Instruction != "" {
		b.WriteString(" (")
		b.WriteString(e.Instruction)
		b.WriteString(")")
	}
	for _, field := range slices.Sorted(maps.Keys(e.Validation)) { // a stable text
		fmt.Fprintf(&b, "; %s: %s", field, strings.Join(e.Validation[field], ", "))
	}
	if e.ErrorID != "" {
		b.WriteString(" [errorId ")
		b.WriteString(e.ErrorID)
		b.WriteString("]")
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	if e.outcomeUnknown {
		b.WriteString("; outcome unknown: Quiltt may have acted on the request, so it was not retried")
	}
	return b.String()
}

// Is reports whether target is the sentinel of e's status class, or
// ErrOutcomeUnknown for a trigger whose outcome is unknown.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrOutcomeUnknown:
		return e.outcomeUnknown
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnprocessableEntity
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	}
	return false
}

// TransportError is a call that got no HTTP answer to its last attempt: the
// connection was refused or lost, the attempt timed out, the context ended
// (while waiting for an answer or between retries), the rate limiter
// refused (nothing was sent; errors.Is finds the limiter's cause), or the
// HTTP transport tried to send the request again within one attempt more
// often than the SDK allows (a call not safe to repeat: not at all; see
// RefreshBalance). A nil context gives one too, with Attempts 0 and Err
// wrapping ErrNilContext. Err is the cause;
// errors.Is(err, context.DeadlineExceeded) and the like hold through it.
// Last, when set, is the HTTP answer of an earlier attempt, so a call
// cancelled while backing off from a 429 still matches ErrRateLimited.
type TransportError struct {
	Op       string // the SDK operation
	Method   string // the HTTP method
	URL      string // the request URL, without credentials or query
	Attempts int    // how many times the request was sent, or tried
	Last     *Error // the answer of an earlier attempt, if any
	Err      error  // the cause

	outcomeUnknown bool
}

// Error implements the error interface.
func (e *TransportError) Error() string {
	var b strings.Builder
	cause := e.Err
	if ue, ok := cause.(*url.Error); ok {
		cause = ue.Err // its text repeats the method and URL
	}
	fmt.Fprintf(&b, "quiltt: %s: %s %s: %s", e.Op, e.Method, e.URL, bareText(cause))
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	if e.Last != nil {
		fmt.Fprintf(&b, " (last answer: %d %s)", e.Last.StatusCode, http.StatusText(e.Last.StatusCode))
	}
	if e.outcomeUnknown {
		b.WriteString("; outcome unknown: Quiltt may have acted on the request, so it was not retried")
	}
	return b.String()
}

// Unwrap returns the cause and, when set, the last HTTP answer.
func (e *TransportError) Unwrap() []error {
	if e.Last != nil {
		return []error{e.Err, e.Last}
	}
	return []error{e.Err}
}

// Is reports whether target is ErrOutcomeUnknown for a call not safe to
// repeat whose request may have reached Quiltt.
func (e *TransportError) Is(target error) bool {
	return target == ErrOutcomeUnknown && e.outcomeUnknown
}

// errorBody is the JSON shape of Quiltt's error answers, REST and GraphQL.
// Each key and where it is documented:
//   - message, instruction, errorId: Quiltt's REST OpenAPI (2026-04-01)
//     and the refresh endpoint's error table;
//   - error_id: the same id as Quiltt's JS client types it;
//   - errors: a GraphQL answer's errors[] (the GraphQL specification's
//     response format), whose extensions Quiltt's own client reads
//     (GraphQLError). No Quiltt document shows another key.
type errorBody struct {
	Message      string         `json:"message"`
	Instruction  string         `json:"instruction"`
	ErrorID      string         `json:"errorId"`
	ErrorIDSnake string         `json:"error_id"`
	Errors       []GraphQLError `json:"errors"`
}

// newError builds the *Error of a non-2xx answer from its status, headers
// and (capped) body. Any body is accepted: JSON of Quiltt's shape, 422 field
// errors, GraphQL errors[], HTML from a proxy, nothing at all.
func newError(status int, header http.Header, body []byte, now time.Time) *Error {
	e := &Error{
		StatusCode: status,
		RequestID:  header.Get("X-Request-Id"),
		RateLimit:  parseRateLimit(header),
	}
	e.RetryAfter = retry.ServerWait(header, now)
	if isJSON(header, body) {
		var eb errorBody
		if json.Unmarshal(body, &eb) == nil {
			e.Message = eb.Message
			e.Instruction = eb.Instruction
			e.ErrorID = eb.ErrorID
			if e.ErrorID == "" {
				e.ErrorID = eb.ErrorIDSnake
			}
			e.GraphQLErrors = eb.Errors
			if len(eb.Errors) > 0 {
				if e.Message == "" {
					e.Message = eb.Errors[0].Message
				}
				e.DocumentationURL = eb.Errors[0].DocumentationURL
			}
		}
		if e.Message == "" {
			e.Validation = parseValidation(body)
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// redact removes credentials from every field that came from the server.
func (e *Error) redact(r redactor) {
	if len(r) == 0 {
		return
	}
	for _, f := range []*string{&e.Message, &e.Instruction, &e.ErrorID, &e.DocumentationURL, &e.RequestID} {
		*f = r.apply(*f)
	}
	if e.Validation != nil {
		clean := make(map[string][]string, len(e.Validation))
		for field, problems := range e.Validation {
			for i := range problems {
				problems[i] = r.apply(problems[i])
			}
			clean[r.apply(field)] = problems
		}
		e.Validation = clean
	}
	for i := range e.GraphQLErrors {
		e.GraphQLErrors[i].redact(r)
	}
}

// isJSON reports whether an error body should be read as JSON: a JSON content
// type, or no content type and a body that starts like a JSON object.
func isJSON(header http.Header, body []byte) bool {
	if ct := header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
			return true
		}
		if err == nil && mt != "text/plain" && mt != "application/octet-stream" {
			return false
		}
	}
	return bytes.HasPrefix(bytes.TrimSpace(body), []byte("{"))
}

// parseValidation reads a 422 body of the form {"field":["problem", …]}.
// Any other shape gives nil.
func parseValidation(body []byte) map[string][]string {
	var raw map[string]json.RawMessage
	if json.Unmarshal(body, &raw) != nil || len(raw) == 0 {
		return nil
	}
	out := make(map[string][]string, len(raw))
	for field, v := range raw {
		var problems []string
		if json.Unmarshal(v, &problems) != nil {
			var one string
			if json.Unmarshal(v, &one) != nil {
				return nil
			}
			problems = []string{one}
		}
		out[field] = problems
	}
	return out
}
