// Package answer checks a GraphQL answer against the operation that asked
// for it before anything is built from it: the shape of its data (from the
// schema and the operation's document, shape.go), its errors[], and the
// bounds on what a decode of it may build. What passes goes on to
// genqlient's decoder with GraphQL's null propagation already applied.
//
// Why by hand: encoding/json and genqlient decode whatever JSON comes and
// build as they go; neither refuses a repeated key, a missing non-null field
// or a null element, nor bounds the objects a body within the size cap may
// make them build. One pass over the raw answer (internal/jsonscan) does,
// and builds nothing.
package answer

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

// Kind is an operation's type: "query", "mutation" or "subscription".
type Kind = ast.Operation

// The operation types.
const (
	Query        Kind = ast.Query
	Mutation     Kind = ast.Mutation
	Subscription Kind = ast.Subscription
)

// Operation is a parsed operation: its type and the shape of its answer.
type Operation struct {
	Kind  Kind
	shape *shape
}

// ErrDocument is the error of a document that cannot be sent: it does not
// parse, or it does not hold the operation named.
var ErrDocument = errors.New("the GraphQL document")

// Schema reads documents against one schema and keeps the operations it
// has read. Safe for concurrent use.
type Schema struct {
	s     *ast.Schema
	mu    sync.Mutex
	cache map[opKey]*Operation
}

type opKey struct{ query, name string }

// maxCached bounds the operations a Schema keeps: the SDK's and a program's
// own are a few dozen; a program that builds documents on the fly gets its
// later ones read anew on each call.
const maxCached = 512

// NewSchema loads a schema in SDL.
func NewSchema(sdl string) (*Schema, error) {
	s, err := validator.LoadSchema(validator.Prelude, &ast.Source{Name: "schema.graphql", Input: sdl})
	if err != nil {
		return nil, err
	}
	return &Schema{s: s, cache: map[opKey]*Operation{}}, nil
}

// Operation parses query (with gqlparser's parser, without validating it
// against the schema: a program may select what the schema lacks) and
// returns the operation named name (or its only one, for ""). The error
// wraps ErrDocument.
func (s *Schema) Operation(query, name string) (*Operation, error) {
	k := opKey{query, name}
	s.mu.Lock()
	op, ok := s.cache[k]
	s.mu.Unlock()
	if ok {
		return op, nil
	}
	op, err := s.read(query, name)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if len(s.cache) < maxCached {
		s.cache[k] = op
	}
	s.mu.Unlock()
	return op, nil
}

// Errors is the errors[] of an answer that passed the check.
type Errors []Entry

func (e Errors) Error() string { return fmt.Sprintf("%d GraphQL errors", len(e)) }

// Invalid is an answer refused by the check. Problem never quotes the
// answer; the decoder's error, which may, is kept apart in Cause, so that
// the caller redacts it before cutting it short. Errs is the answer's
// errors[], when it could be read.
type Invalid struct {
	Problem string
	Cause   error
	Errs    []Entry
}

func (e *Invalid) Error() string {
	if e.Cause != nil {
		return e.Problem + e.Cause.Error()
	}
	return e.Problem
}

// Checked is an answer that passed the check.
type Checked struct {
	// Data is the answer's data with nulls propagated: what genqlient's
	// decoder reads as the member data of an answer without errors[]
	// (which is in Errors).
	Data []byte
	// HasData: the answer's data is an object (after null propagation).
	HasData bool
	// Errors is the answer's errors[], nil for none.
	Errors Errors
	// Objects is how many elements the answer's counted lists (the
	// accounts of the SDK's operations) hold, for sizing the decode.
	Objects int
}

// Check checks raw, the answer to op.
//
// Partial data: when errors[] is not empty, a null where the schema
// forbids one is accepted if an entry's path is at that position or below
// it (the entry says why the value is missing), and it then nulls the
// nearest enclosing position that may be null, as the GraphQL
// specification's null propagation does: a balance whose at is null
// becomes a nil balance; an account whose id is null nulls the whole list,
// whose elements are non-null. Any other null where the schema forbids one
// makes the answer invalid, errors[] or not.
//
// The error is an *Invalid.
func Check(raw []byte, op *Operation) (*Checked, error) {
	l, err := checkAnswer(raw, op.shape)
	var errs []Entry
	if l.nErrors > 0 {
		errs = make([]Entry, 0, l.nErrors)
		if uerr := json.Unmarshal(raw[l.errs.start:l.errs.end], &errs); uerr != nil {
			return nil, &Invalid{Problem: "errors[]: ", Cause: uerr}
		}
	}
	if err != nil {
		return nil, &Invalid{Problem: err.Error(), Errs: errs}
	}
	for _, n := range l.nulls {
		if !errorAtOrBelow(n.at, errs) {
			return nil, &Invalid{
				Problem: pathText(n.at) + " is null, which the schema forbids, and no entry of errors[] is at or below it",
				Errs:    errs,
			}
		}
	}
	c := &Checked{Objects: l.accounts}
	if len(errs) > 0 {
		c.Errors = errs
	}
	data := []byte("null")
	if l.hasData && !l.dataNull {
		data = propagate(raw, l.data, l.nulls)
		c.HasData = !bytes.Equal(data, []byte("null"))
	}
	c.Data = data
	return c, nil
}

// propagate returns the data span of raw with each null's target position
// replaced by null.
func propagate(raw []byte, data span, nulls []answerNull) []byte {
	if len(nulls) == 0 {
		return raw[data.start:data.end]
	}
	// Targets nest or are apart: in order of start, the outer first, each
	// one inside a target already nulled is passed over.
	targets := slices.Clone(nulls)
	slices.SortFunc(targets, func(a, b answerNull) int {
		if a.start != b.start {
			return cmp.Compare(a.start, b.start)
		}
		return cmp.Compare(b.end, a.end)
	})
	var out []byte
	at := data.start
	for _, n := range targets {
		if n.target == 0 {
			return []byte("null")
		}
		if n.start < at {
			continue // inside a position already nulled
		}
		out = append(append(out, raw[at:n.start]...), "null"...)
		at = n.end
	}
	return append(out, raw[at:data.end]...)
}

// errorAtOrBelow reports whether an entry of errs has a path that starts
// with at.
func errorAtOrBelow(at []pathElem, errs []Entry) bool {
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

// Read reads a whole answer: in one allocation when the server sent its
// length, else with io.ReadAll. The caller has capped the body at max
// bytes; a body that ends before its length is a read error.
func Read(resp *http.Response, max int64) ([]byte, error) {
	n := resp.ContentLength
	if n <= 0 || n > max {
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
