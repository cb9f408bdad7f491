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
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// graphQLPath is where the API serves GraphQL, below the base URL.
const graphQLPath = "/v1/graphql"

// graphQL returns the genqlient client for one GraphQL read of the SDK
// operation op: its requests go through the pipeline as op, with the
// client's GraphQL credential.
func (c *Client) graphQL(op string) graphql.Client {
	return nullDataCheck{graphql.NewClient(c.p.api.url(graphQLPath), &graphQLDoer{p: c.p, op: op, auth: c.gqlAuth})}
}

// graphQLDoer is the graphql.Doer that genqlient's generated code sends
// through: the SDK's pipeline, as one operation. It sends genqlient's
// request (its URL, below the API endpoint, and its body) as a read. Non-2xx
// answers become *Error (or *TransportError) here, before genqlient sees
// them.
type graphQLDoer struct {
	p    *pipeline
	op   string  // the SDK operation, for errors and logs
	auth *secret // the client's GraphQL credential
}

func (d *graphQLDoer) Do(req *http.Request) (*http.Response, error) {
	path, ok := d.p.api.relative(req.URL)
	if !ok || req.Method != http.MethodPost {
		req.Body.Close()
		return nil, fmt.Errorf("quiltt: %s: genqlient built a request for another endpoint", d.op)
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("quiltt: %s: reading request body: %w", d.op, err)
	}
	resp, err := d.p.do(req.Context(), &request{
		op: d.op, kind: opRead, endpoint: d.p.api, method: http.MethodPost, path: path, body: body, auth: d.auth,
	})
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("HTTP %d from the GraphQL endpoint", resp.StatusCode)
	}
	resp.Body = newCappedBody(resp.Body, maxResponseBody)
	return resp, nil
}

// nullDataCheck refuses an answer whose data is null while its errors[] is
// empty: GraphQL allows a null data only beside errors, and reading such an
// answer as "no accounts" or "no such account" would be wrong. genqlient
// leaves Response.Data nil exactly when the answer's data was null.
type nullDataCheck struct{ graphql.Client }

func (c nullDataCheck) MakeRequest(ctx context.Context, req *graphql.Request, resp *graphql.Response) error {
	err := c.Client.MakeRequest(ctx, req, resp)
	if err == nil && resp.Data == nil {
		return errors.New("data is null and errors[] is empty")
	}
	return err
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
// elements and extensions.
func (g *GraphQLError) UnmarshalJSON(b []byte) error {
	var raw struct {
		Message    string            `json:"message"`
		Path       []json.RawMessage `json:"path"`
		Extensions map[string]any    `json:"extensions"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	g.Message = raw.Message
	g.Path = nil
	for _, p := range raw.Path {
		var s string
		if json.Unmarshal(p, &s) != nil {
			s = string(p)
		}
		g.Path = append(g.Path, s)
	}
	g.setExtensions(raw.Extensions)
	return nil
}

func (g *GraphQLError) setExtensions(ext map[string]any) {
	str := func(k string) string { s, _ := ext[k].(string); return s }
	g.Code = str("code")
	g.ErrorID = str("errorId")
	if g.ErrorID == "" {
		g.ErrorID = str("error_id")
	}
	g.Instruction = str("instruction")
	g.DocumentationURL = str("documentationUrl")
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
//
// errors.Is matches the sentinel of any entry's extensions.code:
// UNAUTHENTICATED → ErrUnauthorized, FORBIDDEN → ErrForbidden, NOT_FOUND →
// ErrNotFound, BAD_USER_INPUT and GRAPHQL_VALIDATION_FAILED → ErrBadRequest,
// RATE_LIMITED and TOO_MANY_REQUESTS → ErrRateLimited, INTERNAL_SERVER_ERROR
// → ErrServer.
type QueryError struct {
	Op          string
	Errors      []GraphQLError
	PartialData bool
}

// Error implements the error interface.
func (e *QueryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "quiltt: %s: GraphQL errors: ", e.Op)
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
	if e.PartialData {
		b.WriteString(" (partial data)")
	}
	return b.String()
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

// graphQLError turns what genqlient returned into the SDK's error types:
// the pipeline's *Error and *TransportError pass through, errors[] become a
// *QueryError, a context that ended while the answer was read keeps its
// error, and anything else (a body that does not decode, is over the cap or
// of the wrong status) wraps ErrInvalidResponse. Text from the server goes
// through r.
func graphQLError(op string, err error, partial bool, r redactor) error {
	var list gqlerror.List
	switch {
	case errors.As(err, &list):
		qe := &QueryError{Op: op, PartialData: partial}
		for _, ge := range list {
			g := GraphQLError{Message: ge.Message}
			for _, p := range ge.Path {
				g.Path = append(g.Path, fmt.Sprint(p))
			}
			g.setExtensions(ge.Extensions)
			g.redact(r)
			qe.Errors = append(qe.Errors, g)
		}
		return qe
	case errors.As(err, new(*Error)), errors.As(err, new(*TransportError)):
		return err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("quiltt: %s: reading the answer: %w", op, err)
	default:
		// The decoder's text may quote the body: jsonProblem keeps it short
		// and r redacts it; the decoder's error is not kept in the chain.
		return fmt.Errorf("quiltt: %s: %w: %s", op, ErrInvalidResponse, r.apply(jsonProblem(err)))
	}
}
