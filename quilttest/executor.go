package quilttest

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
)

// executor runs one validated operation over the store. The caller holds
// the server's read lock for the whole execution.
type executor struct {
	schema  *ast.Schema
	doc     *ast.QueryDocument
	vars    map[string]any
	profile *profileData
	st      *store
	errs    []gqlError
}

// rootValue is the Query object.
type rootValue struct{}

// object is a JSON object that keeps its keys in selection order.
type object struct {
	keys []string
	vals []any
}

// MarshalJSON writes the object's members in order.
func (o *object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// fieldGroup is the fields of one response key, merged as the
// specification's CollectFields does.
type fieldGroup struct {
	key    string
	fields []*ast.Field
}

// execute runs op and returns its data: an *object, or nil when a
// non-null root field failed.
func (e *executor) execute(op *ast.OperationDefinition) any {
	obj, ok := e.selectObject("Query", rootValue{}, op.SelectionSet, nil)
	if !ok {
		return nil
	}
	return obj
}

func (e *executor) collect(typeName string, set ast.SelectionSet, visited map[string]bool, groups []*fieldGroup) []*fieldGroup {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if !e.included(sel.Directives) {
				continue
			}
			key := sel.Alias
			if key == "" {
				key = sel.Name
			}
			found := false
			for _, g := range groups {
				if g.key == key {
					g.fields = append(g.fields, sel)
					found = true
					break
				}
			}
			if !found {
				groups = append(groups, &fieldGroup{key: key, fields: []*ast.Field{sel}})
			}
		case *ast.FragmentSpread:
			if !e.included(sel.Directives) || visited[sel.Name] {
				continue
			}
			visited[sel.Name] = true
			frag := e.doc.Fragments.ForName(sel.Name)
			if frag == nil || !e.applies(frag.TypeCondition, typeName) {
				continue
			}
			groups = e.collect(typeName, frag.SelectionSet, visited, groups)
		case *ast.InlineFragment:
			if !e.included(sel.Directives) || (sel.TypeCondition != "" && !e.applies(sel.TypeCondition, typeName)) {
				continue
			}
			groups = e.collect(typeName, sel.SelectionSet, visited, groups)
		}
	}
	return groups
}

// applies reports whether a fragment on typeCondition applies to an object
// of type typeName.
func (e *executor) applies(typeCondition, typeName string) bool {
	if typeCondition == typeName {
		return true
	}
	def := e.schema.Types[typeCondition]
	if def == nil {
		return false
	}
	for _, t := range e.schema.GetPossibleTypes(def) {
		if t.Name == typeName {
			return true
		}
	}
	return false
}

// included applies @skip and @include.
func (e *executor) included(dirs ast.DirectiveList) bool {
	for _, d := range dirs {
		if d.Name != "skip" && d.Name != "include" {
			continue
		}
		arg := d.Arguments.ForName("if")
		if arg == nil || arg.Value == nil {
			continue
		}
		v, _ := e.value(arg.Value)
		b, _ := v.(bool)
		if (d.Name == "skip" && b) || (d.Name == "include" && !b) {
			return false
		}
	}
	return true
}

// selectObject executes set on v, an object of type typeName. It reports
// false when a non-null field was null, for the caller to propagate.
func (e *executor) selectObject(typeName string, v any, set ast.SelectionSet, path []any) (*object, bool) {
	groups := e.collect(typeName, set, map[string]bool{}, nil)
	out := &object{keys: make([]string, 0, len(groups)), vals: make([]any, 0, len(groups))}
	for _, g := range groups {
		fpath := append(path[:len(path):len(path)], g.key)
		var subs ast.SelectionSet
		for _, f := range g.fields {
			subs = append(subs, f.SelectionSet...)
		}
		val, ok := e.field(typeName, v, g.fields[0], subs, fpath)
		if !ok {
			return nil, false
		}
		out.keys = append(out.keys, g.key)
		out.vals = append(out.vals, val)
	}
	return out, true
}

func (e *executor) field(typeName string, parent any, f *ast.Field, subs ast.SelectionSet, path []any) (any, bool) {
	if f.Name == "__typename" {
		return typeName, true
	}
	if f.Definition == nil || f.Definition.Type == nil {
		e.addError(fmt.Sprintf("Unknown field %s.%s.", typeName, f.Name), f, path)
		return nil, true
	}
	v, err := e.resolve(typeName, parent, f.Name, e.args(f))
	if err != nil {
		e.addError(err.Error(), f, path)
		return nullFor(f.Definition.Type)
	}
	return e.complete(f.Definition.Type, v, f, subs, path)
}

// nullFor is the outcome of a null for type t: fine when t is nullable,
// to propagate when not.
func nullFor(t *ast.Type) (any, bool) { return nil, !t.NonNull }

func (e *executor) complete(t *ast.Type, v any, f *ast.Field, subs ast.SelectionSet, path []any) (any, bool) {
	if v == nil {
		if t.NonNull {
			e.addError(fmt.Sprintf("Cannot return null for non-nullable field %s.%s.", f.ObjectDefinition.Name, f.Name), f, path)
		}
		return nullFor(t)
	}
	if t.Elem != nil {
		items, ok := v.([]any)
		if !ok {
			e.addError(fmt.Sprintf("Internal error: %s.%s is not a list.", f.ObjectDefinition.Name, f.Name), f, path)
			return nullFor(t)
		}
		out := make([]any, 0, len(items))
		for i, it := range items {
			c, ok := e.complete(t.Elem, it, f, subs, append(path[:len(path):len(path)], i))
			if !ok {
				return nullFor(t)
			}
			out = append(out, c)
		}
		return out, true
	}
	def := e.schema.Types[t.NamedType]
	if def != nil && def.Kind == ast.Object {
		obj, ok := e.selectObject(def.Name, v, subs, path)
		if !ok {
			return nullFor(t)
		}
		return obj, true
	}
	return v, true // leaves are resolved to JSON-ready values
}

func (e *executor) addError(msg string, f *ast.Field, path []any) {
	g := gqlError{Message: msg, Path: append([]any(nil), path...), Extensions: map[string]any{"code": codeInternal}}
	if f != nil && f.Position != nil {
		g.Locations = []gqlLocation{{Line: f.Position.Line, Column: f.Position.Column}}
	}
	e.errs = append(e.errs, g)
}

// args evaluates a field's arguments; an argument bound to an unset
// variable is absent.
func (e *executor) args(f *ast.Field) map[string]any {
	out := map[string]any{}
	for _, a := range f.Arguments {
		if v, ok := e.value(a.Value); ok {
			out[a.Name] = v
		}
	}
	for _, d := range f.Definition.Arguments {
		if _, ok := out[d.Name]; !ok && d.DefaultValue != nil {
			if v, ok := e.value(d.DefaultValue); ok {
				out[d.Name] = v
			}
		}
	}
	return out
}

// value evaluates a literal or variable without ever failing: numbers stay
// their JSON text, enums are strings. It reports false for an unset
// variable.
func (e *executor) value(v *ast.Value) (any, bool) {
	if v == nil {
		return nil, false
	}
	switch v.Kind {
	case ast.Variable:
		x, ok := e.vars[v.Raw]
		return x, ok
	case ast.IntValue, ast.FloatValue:
		return json.Number(v.Raw), true
	case ast.StringValue, ast.BlockValue, ast.EnumValue:
		return v.Raw, true
	case ast.BooleanValue:
		return v.Raw == "true", true
	case ast.NullValue:
		return nil, true
	case ast.ListValue:
		list := make([]any, 0, len(v.Children))
		for _, c := range v.Children {
			x, _ := e.value(c.Value)
			list = append(list, x)
		}
		return list, true
	case ast.ObjectValue:
		m := make(map[string]any, len(v.Children))
		for _, c := range v.Children {
			if x, ok := e.value(c.Value); ok {
				m[c.Name] = x
			}
		}
		return m, true
	}
	return nil, false
}
