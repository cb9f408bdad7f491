package quiltt

// Reading GraphQL answers: the graphql.Client that genqlient's generated
// code calls. It sends through the SDK's pipeline (graphQLDoer), then
// checks the raw answer (graphql_check.go) before decoding any of it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/Khan/genqlient/graphql"
	gql "github.com/quiltt-go/quiltt/internal/graphql"
)

// answerClient is the graphql.Client the generated operations call. In
// place of genqlient's own client, which decodes whatever JSON comes back,
// it reads the whole (capped) answer, checks it with checkAnswer and only
// then decodes it.
type answerClient struct {
	endpoint string
	doer     graphql.Doer
}

func newAnswerClient(endpoint string, doer graphql.Doer) *answerClient {
	return &answerClient{endpoint: endpoint, doer: doer}
}

// MakeRequest sends req and decodes the answer into resp.Data. It returns
// the doer's error as is; answerErrors for an answer with errors[]; an
// *invalidAnswer for an answer that fails the checks; the read error of a
// body that could not be read.
func (c *answerClient) MakeRequest(ctx context.Context, req *graphql.Request, resp *graphql.Response) error {
	s := answerShapes[req.OpName]
	if s == nil {
		return fmt.Errorf("no answer shape for operation %q", req.OpName)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	hreq.Header.Set("Content-Type", "application/json")
	hresp, err := c.doer.Do(hreq)
	if err != nil {
		return err
	}
	defer hresp.Body.Close()
	if hresp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d from the GraphQL endpoint", hresp.StatusCode)
	}
	raw, err := readAnswer(hresp)
	if err != nil {
		return err
	}
	return decodeAnswer(raw, s, resp.Data)
}

// readAnswer reads a whole answer: in one allocation when the server sent
// its length, else with io.ReadAll. The doer has already capped the body;
// a body that ends before its length is a read error.
func readAnswer(resp *http.Response) ([]byte, error) {
	n := resp.ContentLength
	if n <= 0 || n > maxResponseBody {
		return io.ReadAll(resp.Body)
	}
	b := make([]byte, 0, n+1) // +1: room for the read that returns io.EOF
	for {
		if len(b) == cap(b) { // longer than announced (not net/http's body)
			rest, err := io.ReadAll(resp.Body)
			if err != nil {
				return nil, err
			}
			return append(b, rest...), nil
		}
		m, err := resp.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// answerErrors is the errors[] of an answer: graphQLError makes it a
// *QueryError.
type answerErrors []GraphQLError

func (e answerErrors) Error() string { return fmt.Sprintf("%d GraphQL errors", len(e)) }

// invalidAnswer is an answer refused by the checks: graphQLError makes it
// an error wrapping ErrInvalidResponse (and a *QueryError of errs, if the
// answer carried any). problem never quotes the answer; the decoder's
// error, which may, is kept apart in cause so that it is redacted before
// it is cut short.
type invalidAnswer struct {
	problem string
	cause   error
	errs    []GraphQLError
}

func (e *invalidAnswer) Error() string {
	if e.cause != nil {
		return e.problem + e.cause.Error()
	}
	return e.problem
}

// text is the refusal's description, with credentials redacted by r
// before the decoder's error is cut short.
func (e *invalidAnswer) text(r redactor) string {
	if e.cause == nil {
		return r.apply(e.problem)
	}
	return r.apply(e.problem) + jsonProblem(r.error(e.cause))
}

// decodeAnswer checks raw against s, the data shape of its query, and
// decodes its data into data (a pointer to the generated response type).
//
// Partial data: when errors[] is not empty, a null where the schema
// forbids one is accepted if an entry's path is at that position or below
// it (the entry says why the value is missing), and it then nulls the
// nearest enclosing position that may be null, as the GraphQL
// specification's null propagation does: a balance whose at is null
// becomes a nil balance; an account whose id is null nulls the whole list,
// whose elements are non-null. Any other null where the schema forbids one
// makes the answer invalid, errors[] or not.
func decodeAnswer(raw []byte, s *shape, data any) error {
	l, err := checkAnswer(raw, s)
	var errs []GraphQLError
	if l.nErrors > 0 {
		errs = make([]GraphQLError, 0, l.nErrors)
		if uerr := json.Unmarshal(raw[l.errs.start:l.errs.end], &errs); uerr != nil {
			return &invalidAnswer{problem: "errors[]: ", cause: uerr}
		}
	}
	if err != nil {
		return &invalidAnswer{problem: err.Error(), errs: errs}
	}
	for _, n := range l.nulls {
		if !errorAtOrBelow(n.at, errs) {
			return &invalidAnswer{
				problem: pathText(n.at) + " is null, which the schema forbids, and no entry of errors[] is at or below it",
				errs:    errs,
			}
		}
	}
	if l.hasData && !l.dataNull {
		if d, ok := data.(*gql.AccountsResponse); ok && l.accounts > 0 {
			// The list's final size is known: one allocation, no regrowth.
			d.Accounts = make([]gql.AccountData, 0, l.accounts)
		}
		if uerr := json.Unmarshal(raw[l.data.start:l.data.end], data); uerr != nil {
			reflect.ValueOf(data).Elem().SetZero() // nothing half-decoded is handed out
			return &invalidAnswer{problem: "data: ", cause: uerr, errs: errs}
		}
		for _, n := range l.nulls {
			if err := propagateNull(data, n.at[:n.target]); err != nil {
				reflect.ValueOf(data).Elem().SetZero()
				return &invalidAnswer{problem: err.Error(), errs: errs}
			}
		}
	}
	if len(errs) > 0 {
		return answerErrors(errs)
	}
	return nil
}

// errorAtOrBelow reports whether an entry of errs has a path that starts
// with at.
func errorAtOrBelow(at []pathElem, errs []GraphQLError) bool {
	for _, e := range errs {
		if len(e.Path) < len(at) {
			continue
		}
		match := true
		for i, p := range at {
			if (p.name != "" && e.Path[i] != p.name) || (p.name == "" && e.Path[i] != strconv.Itoa(p.index)) {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// propagateNull sets the decoded value at position at to nil: a root
// field, or an account's balance or connection, the only positions of the
// SDK's queries that may be null and enclose non-null ones.
func propagateNull(data any, at []pathElem) error {
	switch d := data.(type) {
	case *gql.AccountsResponse:
		switch {
		case len(at) == 1:
			d.Accounts = nil
			return nil
		case len(at) == 3 && at[1].index < len(d.Accounts):
			return nullAccountField(&d.Accounts[at[1].index], at[2].name)
		case len(at) == 3:
			return nil // the list is already null
		}
	case *gql.AccountResponse:
		switch {
		case len(at) == 1:
			d.Account = nil
			return nil
		case len(at) == 2 && d.Account != nil:
			return nullAccountField(d.Account, at[1].name)
		case len(at) == 2:
			return nil
		}
	case *gql.AccountBalanceResponse:
		switch {
		case len(at) == 1:
			d.Account = nil
			return nil
		case len(at) == 2 && at[1].name == "balance":
			if d.Account != nil {
				d.Account.Balance = nil
			}
			return nil
		}
	}
	return fmt.Errorf("cannot null %s", pathText(at))
}

func nullAccountField(a *gql.AccountData, name string) error {
	switch name {
	case "balance":
		a.Balance = nil
	case "connection":
		a.Connection = nil
	default:
		return fmt.Errorf("cannot null account field %s", name)
	}
	return nil
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
