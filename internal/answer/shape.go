package answer

// The shape of an answer: what an operation's selection, typed by the
// schema, lets its data hold. It is read from the two documents that define
// it, the schema (schema.graphql) and the operation as it is sent, so a new
// field or operation needs no second edit.

import (
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// MaxAccounts is the most objects (accounts, in the SDK's operations) the
// lists of one answer may hold, and the most entries of its errors[]: an
// answer over it is refused before anything is built from it.
const MaxAccounts = 10000

// maxErrorPath bounds the elements of one errors[] entry's path. The
// deepest path of the SDK's queries has four (accounts.3.balance.at).
const maxErrorPath = 32

// maxFields is the most response keys one object's shape checks: the
// checker marks the keys it saw in a 64-bit set. A selection of more reads
// as any JSON value there.
const maxFields = 64

// maxShapeDepth bounds how deep a shape is built: fragments that spread
// each other (an invalid document, sent as written) end there as any value.
const maxShapeDepth = 64

// valueKind is what JSON a selected field holds.
type valueKind uint8

const (
	vString valueKind = iota // ID, String, an enum, DateTime, Date, URL
	vBool                    // Boolean
	vNumber                  // Float, Int: a JSON number (amounts are read by internal/amount)
	vAny                     // JSON, and whatever the schema does not cover: any value
	vObject
	vList
)

// shape is the part of the schema a query selects at one position.
type shape struct {
	kind    valueKind
	fields  []shapeField // vObject: the selection, in the query's order
	names   []string     // vObject: the fields' response keys
	elem    *ref         // vList
	counted bool         // vList: its elements count against MaxAccounts
	what    string       // vList, counted: what its elements are, for errors
}

// ref is a use of a shape: a field's type or a list's element type.
type ref struct {
	*shape
	nonNull bool // the schema's "!"
}

// shapeField is one selected field.
type shapeField struct {
	name string // the response key: the alias, or the field's name
	ref
	required bool // present even though nullable: a root field asked for
}

var (
	tString = &shape{kind: vString}
	tBool   = &shape{kind: vBool}
	tNumber = &shape{kind: vNumber}
	tAny    = &shape{kind: vAny}
)

func (s *Schema) read(query, name string) (*Operation, error) {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return nil, fmt.Errorf("%w does not parse: %s", ErrDocument, err.Error())
	}
	var od *ast.OperationDefinition
	switch {
	case name != "":
		od = doc.Operations.ForName(name)
	case len(doc.Operations) == 1:
		od = doc.Operations[0]
	}
	if od == nil {
		return nil, fmt.Errorf("%w holds no single operation of the name given", ErrDocument)
	}
	b := builder{s: s.s, frags: doc.Fragments}
	var root *ast.Definition
	switch od.Operation {
	case ast.Mutation:
		root = s.s.Mutation
	case ast.Subscription:
		root = s.s.Subscription
	default:
		root = s.s.Query
	}
	sh := b.object(root, []ast.SelectionSet{od.SelectionSet}, true, 0)
	return &Operation{Kind: od.Operation, shape: sh}, nil
}

// builder builds shapes from a document's selections.
type builder struct {
	s     *ast.Schema
	frags ast.FragmentDefinitionList
}

// selected is what one response key gathers from the selections.
type selected struct {
	key         string
	def         *ast.FieldDefinition // nil where the schema does not cover the field
	sets        []ast.SelectionSet
	conditional bool // under @include/@skip, or a fragment on another type
}

// object builds the shape of an object of type parent (nil when the schema
// does not know it) that the selection sets select.
func (b *builder) object(parent *ast.Definition, sets []ast.SelectionSet, root bool, depth int) *shape {
	if depth > maxShapeDepth {
		return tAny
	}
	var keys []*selected
	byKey := map[string]*selected{}
	ok := true
	var collect func(parent *ast.Definition, set ast.SelectionSet, conditional bool, depth int)
	collect = func(parent *ast.Definition, set ast.SelectionSet, conditional bool, depth int) {
		if depth > maxShapeDepth {
			ok = false
			return
		}
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				sf := byKey[sel.Alias]
				if sf == nil {
					sf = &selected{key: sel.Alias, conditional: conditional || len(sel.Directives) > 0}
					if parent != nil {
						sf.def = parent.Fields.ForName(sel.Name)
					}
					byKey[sel.Alias] = sf
					keys = append(keys, sf)
				}
				if sel.Name == "__typename" {
					sf.def = typename
				}
				if len(sel.SelectionSet) > 0 {
					sf.sets = append(sf.sets, sel.SelectionSet)
				}
			case *ast.FragmentSpread:
				f := b.frags.ForName(sel.Name)
				if f == nil {
					ok = false
					return
				}
				collect(b.s.Types[f.TypeCondition], f.SelectionSet,
					conditional || len(sel.Directives) > 0 || parent == nil || f.TypeCondition != parent.Name, depth+1)
			case *ast.InlineFragment:
				t := parent
				if sel.TypeCondition != "" {
					t = b.s.Types[sel.TypeCondition]
				}
				collect(t, sel.SelectionSet,
					conditional || len(sel.Directives) > 0 || t == nil || parent == nil || t.Name != parent.Name, depth+1)
			}
		}
	}
	for _, set := range sets {
		collect(parent, set, false, depth)
	}
	if !ok || len(keys) > maxFields {
		return tAny
	}
	s := &shape{kind: vObject, fields: make([]shapeField, len(keys)), names: make([]string, len(keys))}
	for i, sf := range keys {
		f := shapeField{name: sf.key, ref: ref{tAny, false}}
		if sf.def != nil {
			f.ref = b.ref(sf.def.Type, sf.sets, depth+1)
		}
		if sf.conditional {
			f.nonNull = false
		}
		f.required = root && !sf.conditional && sf.def != nil
		s.fields[i], s.names[i] = f, sf.key
	}
	return s
}

// typename is the meta field every object has.
var typename = &ast.FieldDefinition{Name: "__typename", Type: ast.NonNullNamedType("String", nil)}

// ref is the shape of a value of type t, selected by sets.
func (b *builder) ref(t *ast.Type, sets []ast.SelectionSet, depth int) ref {
	if t.Elem != nil {
		elem := b.ref(t.Elem, sets, depth)
		l := &shape{kind: vList, elem: &elem}
		if elem.kind == vObject {
			l.counted, l.what = true, "objects"
			if t.Elem.Elem == nil && t.Elem.NamedType == "Account" {
				l.what = "accounts"
			}
		}
		return ref{l, t.NonNull}
	}
	def := b.s.Types[t.NamedType]
	if def == nil {
		return ref{tAny, t.NonNull}
	}
	switch def.Kind {
	case ast.Enum:
		return ref{tString, t.NonNull}
	case ast.Scalar:
		switch def.Name {
		case "Boolean":
			return ref{tBool, t.NonNull}
		case "Float", "Int":
			return ref{tNumber, t.NonNull}
		case "String", "ID", "Date", "DateTime", "URL":
			return ref{tString, t.NonNull}
		}
		return ref{tAny, t.NonNull} // JSON, and scalars the SDK does not know
	case ast.Object:
		if len(sets) == 0 {
			return ref{tAny, t.NonNull}
		}
		return ref{b.object(def, sets, false, depth), t.NonNull}
	}
	// An interface or a union: which fields come depends on the type.
	if len(sets) == 0 {
		return ref{tAny, t.NonNull}
	}
	return ref{b.object(def, sets, false, depth), t.NonNull}
}
