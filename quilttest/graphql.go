package quilttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// graphQLRequest is the JSON body of a GraphQL request.
type graphQLRequest struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
}

// serveGraphQL answers an authenticated GraphQL request as profile, at
// API version version: validated against that version's schema.
func (s *Server) serveGraphQL(body []byte, profile *profileData, version string, rec *Request) response {
	schema := s.schemas.forVersion(version)
	var req graphQLRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil || dec.More() {
		return graphQLErrorResponse(http.StatusBadRequest, "The body is not a JSON object with a query string.", codeBadRequest)
	}
	rec.Query, rec.OperationName = req.Query, req.OperationName
	if req.Query == "" {
		return graphQLErrorResponse(http.StatusOK, "No query string was present.", codeParseFailed)
	}

	doc, err := parser.ParseQuery(&ast.Source{Name: "query", Input: req.Query})
	if err != nil {
		return errorsResponse(gqlErrorList(err), codeParseFailed)
	}
	// ValidateWithRules with nil rules applies the specification's rules
	// (validator.Validate, the same without the rules argument, is
	// deprecated).
	if errs := validator.ValidateWithRules(schema, doc, nil); len(errs) > 0 {
		return errorsResponse(errs, codeValidationFailed)
	}
	op, msg := pickOperation(doc, req.OperationName)
	if op == nil {
		return graphQLErrorResponse(http.StatusOK, msg, codeBadUserInput)
	}
	vars, err := validator.VariableValues(schema, op, req.Variables)
	if err != nil {
		list := gqlErrorList(err)
		for _, e := range list {
			if e != nil {
				e.Message = variableMessage(e)
			}
		}
		return errorsResponse(list, codeBadUserInput)
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	ex := &executor{schema: schema, doc: doc, vars: vars, profile: profile, st: s.st}
	data := ex.execute(op)
	out := struct {
		Errors []gqlError `json:"errors,omitempty"`
		Data   any        `json:"data"`
	}{ex.errs, data}
	return jsonResponse(http.StatusOK, out)
}

// pickOperation finds the operation to run, or says why there is none.
func pickOperation(doc *ast.QueryDocument, name string) (*ast.OperationDefinition, string) {
	if name == "" {
		if len(doc.Operations) == 1 {
			return doc.Operations[0], ""
		}
		return nil, "An operation name is required when the document holds several operations."
	}
	if op := doc.Operations.ForName(name); op != nil {
		return op, ""
	}
	return nil, fmt.Sprintf("No operation named %q.", name)
}

// gqlErrorList turns a parser or variable error into a list.
func gqlErrorList(err error) gqlerror.List {
	var list gqlerror.List
	if errors.As(err, &list) {
		return list
	}
	var one *gqlerror.Error
	if errors.As(err, &one) {
		return gqlerror.List{one}
	}
	return gqlerror.List{gqlerror.Wrap(err)}
}

// errorsResponse answers HTTP 200 with errors[] and no data.
func errorsResponse(list gqlerror.List, code string) response {
	out := make([]gqlError, 0, len(list))
	for _, e := range list {
		if e == nil {
			continue
		}
		g := gqlError{Message: e.Message, Extensions: map[string]any{"code": code}}
		for _, l := range e.Locations {
			g.Locations = append(g.Locations, gqlLocation{Line: l.Line, Column: l.Column})
		}
		for _, p := range e.Path {
			switch p := p.(type) {
			case ast.PathName:
				g.Path = append(g.Path, string(p))
			case ast.PathIndex:
				g.Path = append(g.Path, int(p))
			}
		}
		out = append(out, g)
	}
	return jsonResponse(http.StatusOK, map[string]any{"errors": out})
}

// variableMessage names the variable of a coercion error, whose message
// alone ("must be defined") does not: "Variable $f.kind[0]: …".
func variableMessage(e *gqlerror.Error) string {
	if len(e.Path) < 2 || e.Path[0] != ast.PathName("variable") {
		return e.Message
	}
	return fmt.Sprintf("Variable $%s: %s", strings.TrimPrefix(e.Path[1:].String(), "."), e.Message)
}
