package quiltt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/Khan/genqlient/graphql"
	"github.com/quiltt-go/quiltt/internal/jsonscan"
	"github.com/quiltt-go/quiltt/internal/retry"
)

// graphQLPath is where the API serves GraphQL, below the base URL.
const graphQLPath = "/v1/graphql"

// graphQL returns the genqlient client for one GraphQL read of the SDK
// operation op: its requests go through the pipeline as op, with the
// client's GraphQL credential. A nil context fails before genqlient sees it
// (genqlient would silently replace it).
func (c *Client) graphQL(op string) graphql.Client {
	d := &graphQLDoer{p: c.p, op: op, auth: c.gqlAuth}
	return &graphQLCall{d: d, next: newAnswerClient(c.p.api.URL(graphQLPath), d)}
}

// graphQLCall is the graphql.Client of one operation.
type graphQLCall struct {
	d    *graphQLDoer
	next graphql.Client
}

func (g *graphQLCall) MakeRequest(ctx context.Context, req *graphql.Request, resp *graphql.Response) error {
	if ctx == nil {
		return g.d.p.nilContext(g.d.request(graphQLPath, nil))
	}
	return g.next.MakeRequest(ctx, req, resp)
}

// graphQLDoer is the graphql.Doer that answerClient (graphql_answer.go)
// sends the generated operations' requests through: the SDK's pipeline, as
// one operation. It sends the request (its URL, below the API endpoint, and
// its body) as a read, and hands a 2xx answer on with its body capped at
// maxResponseBody; answerClient refuses one that is not a 200. Non-2xx
// answers become *Error (or *TransportError) here, before genqlient sees
// them.
type graphQLDoer struct {
	p    *pipeline
	op   string  // the SDK operation, for errors and logs
	auth *secret // the client's GraphQL credential
}

func (d *graphQLDoer) request(path string, body []byte) *request {
	return &request{op: d.op, kind: retry.Read, endpoint: d.p.api, method: http.MethodPost, path: path, body: body, auth: d.auth}
}

func (d *graphQLDoer) Do(req *http.Request) (*http.Response, error) {
	path, ok := d.p.api.Relative(req.URL)
	if !ok || req.Method != http.MethodPost {
		req.Body.Close()
		return nil, errorf("%s: genqlient built a request for another endpoint", d.op)
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, errorf("%s: reading request body: %w", d.op, err)
	}
	resp, err := d.p.do(req.Context(), d.request(path, body))
	if err != nil {
		return nil, err
	}
	resp.Body = newCappedBody(resp.Body, maxResponseBody)
	return resp, nil
}

// GraphQLError is one entry of a GraphQL response's errors[].
type GraphQLError struct {
	Message string
	// Path locates the failed field, e.g. ["accounts", "0", "balance"];
	// list indexes are written in decimal.
	Path []string
	// Code, ErrorID, Instruction and DocumentationURL come from the entry's
	// extensions, when Quiltt sends them.
	Code             string
	ErrorID          string
	Instruction      string
	DocumentationURL string
}

// UnmarshalJSON reads an errors[] entry, whatever the types of its path
// elements and extensions. It builds only what GraphQLError holds: the
// values of other extensions are skipped, not decoded.
func (g *GraphQLError) UnmarshalJSON(b []byte) error {
	var raw struct {
		Message    string          `json:"message"`
		Path       errorPath       `json:"path"`
		Extensions errorExtensions `json:"extensions"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	ext := &raw.Extensions
	*g = GraphQLError{
		Message:          raw.Message,
		Path:             raw.Path,
		Code:             string(ext.Code),
		ErrorID:          string(ext.ErrorID),
		Instruction:      string(ext.Instruction),
		DocumentationURL: string(ext.DocumentationURL),
	}
	if g.ErrorID == "" {
		g.ErrorID = string(ext.ErrorIDSnake)
	}
	return nil
}

// errorExtensions is the extensions of an errors[] entry: the keys Quiltt's
// own client reads. Anything but an object reads as no extensions.
type errorExtensions struct {
	Code             looseString `json:"code"`
	ErrorID          looseString `json:"errorId"`
	ErrorIDSnake     looseString `json:"error_id"`
	Instruction      looseString `json:"instruction"`
	DocumentationURL looseString `json:"documentationUrl"`
}

func (e *errorExtensions) UnmarshalJSON(b []byte) error {
	*e = errorExtensions{}
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	type plain errorExtensions
	return json.Unmarshal(b, (*plain)(e))
}

// looseString keeps a JSON string and reads any other value as "".
type looseString string

func (s *looseString) UnmarshalJSON(b []byte) error {
	*s = ""
	if len(b) == 0 || b[0] != '"' {
		return nil
	}
	return json.Unmarshal(b, (*string)(s))
}

// errorPath is the path of an errors[] entry: names as they are, indexes
// (and any other value) as their JSON text. Anything but a list reads as no
// path.
type errorPath []string

func (p *errorPath) UnmarshalJSON(b []byte) error {
	*p = nil
	sc := jsonscan.Scanner{Buf: b}
	if sc.Peek() != '[' {
		return nil
	}
	return sc.Elements(func(int) error {
		sc.SkipSpace()
		start := sc.Pos
		if sc.Peek() != '"' {
			if err := sc.Skip(); err != nil {
				return err
			}
			*p = append(*p, string(b[start:sc.Pos]))
			return nil
		}
		s, e, escaped, err := sc.String()
		if err != nil {
			return err
		}
		v := string(b[s:e])
		if escaped {
			if err := json.Unmarshal(b[start:sc.Pos], &v); err != nil {
				return err
			}
		}
		*p = append(*p, v)
		return nil
	})
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
// INTERNAL_SERVER_ERROR → ErrServer.
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
// error types: the pipeline's *Error and *TransportError pass through,
// errors[] become a *QueryError, an answer that decodeAnswer refused wraps
// ErrInvalidResponse (and the *QueryError of its errors[], if it carried
// any), a context that ended while the answer was read keeps its error,
// and anything else (a body over the cap or of the wrong status) wraps
// ErrInvalidResponse. Text from the server goes through r.
func graphQLError(op string, err error, partial bool, r redactor) error {
	var errs answerErrors
	var inv *invalidAnswer
	switch {
	case errors.As(err, &inv):
		e := &refusedAnswer{op: op, problem: inv.text(r)}
		if len(inv.errs) > 0 {
			e.qe = newQueryError(op, inv.errs, false, r)
		}
		return e
	case errors.As(err, &errs):
		return newQueryError(op, errs, partial, r)
	case errors.As(err, new(*Error)), errors.As(err, new(*TransportError)):
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

// newQueryError builds the *QueryError of errs, redacted by r.
func newQueryError(op string, errs []GraphQLError, partial bool, r redactor) *QueryError {
	for i := range errs {
		errs[i].redact(r)
	}
	return &QueryError{Op: op, Errors: errs, PartialData: partial}
}
