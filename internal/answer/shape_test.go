package answer

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	gql "github.com/quiltt-go/quiltt/internal/graphql"
	"github.com/quiltt-go/quiltt/internal/jsonscan"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// schemaSDL is the root package's schema.graphql.
func schemaSDL(tb testing.TB) string {
	b, err := os.ReadFile("../../schema.graphql")
	require.NoError(tb, err)
	return string(b)
}

// sdkShapes reads the SDK's operations as the root package's client does.
func sdkShapes(tb testing.TB) map[string]*Operation {
	s, err := NewSchema(schemaSDL(tb))
	require.NoError(tb, err)
	ops := map[string]*Operation{}
	for name, query := range map[string]string{
		"Accounts":       gql.Accounts_Operation,
		"Account":        gql.Account_Operation,
		"AccountBalance": gql.AccountBalance_Operation,
	} {
		ops[name], err = s.Operation(query, name)
		require.NoError(tb, err, name)
		assert.Equal(tb, Query, ops[name].Kind, name)
	}
	return ops
}

// TestAnswerShapesMatchQueries checks the shapes read from the queries
// genqlient generated against the same queries validated by gqlparser
// against the schema slice: the same fields, in the same order, with the
// schema's nullability and kinds.
func TestAnswerShapesMatchQueries(t *testing.T) {
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: schemaSDL(t)})
	require.NoError(t, err)
	answerShapes := sdkShapes(t)
	queries := map[string]string{
		"Accounts":       gql.Accounts_Operation,
		"Account":        gql.Account_Operation,
		"AccountBalance": gql.AccountBalance_Operation,
	}
	require.Len(t, answerShapes, len(queries))
	for name, query := range queries {
		doc, errs := gqlparser.LoadQueryWithRules(schema, query, nil) // nil: the specification's rules
		require.Empty(t, errs, name)
		op := doc.Operations.ForName(name)
		require.NotNil(t, op, name)
		s := answerShapes[name].shape
		require.NotNil(t, s, name)
		compareSelection(t, name, op.SelectionSet, s, true)
	}
}

func compareSelection(t *testing.T, at string, set ast.SelectionSet, s *shape, root bool) {
	t.Helper()
	require.Equal(t, vObject, s.kind, at)
	require.Len(t, s.fields, len(set), at)
	require.LessOrEqual(t, len(s.fields), 64, "%s: the checker's seen-set is a uint64", at)
	for i, sel := range set {
		f, ok := sel.(*ast.Field)
		require.True(t, ok, "%s: only plain fields", at)
		sf := s.fields[i]
		where := at + "." + f.Alias
		assert.Equal(t, f.Alias, sf.name, where)
		assert.Equal(t, f.Alias, s.names[i], where)
		assert.Equal(t, f.Definition.Type.NonNull, sf.nonNull, "%s: nullability", where)
		assert.Equal(t, root, sf.required, "%s: only root fields are required when nullable", where)
		typ, r := f.Definition.Type, sf.ref
		if typ.Elem != nil {
			require.Equal(t, vList, r.kind, where)
			assert.Equal(t, root && f.Alias == "accounts", r.counted, "%s: counted", where)
			typ, r = typ.Elem, *r.elem
			assert.Equal(t, typ.NonNull, r.nonNull, "%s: element nullability", where)
		}
		def := f.Definition.Type.Name()
		switch {
		case len(f.SelectionSet) > 0:
			compareSelection(t, where, f.SelectionSet, r.shape, false)
		case def == "Float":
			assert.Equal(t, vNumber, r.kind, where)
		case def == "Boolean":
			assert.Equal(t, vBool, r.kind, where)
		case def == "JSON":
			assert.Equal(t, vAny, r.kind, where)
		default: // ID, String, enums, DateTime, Date
			assert.Equal(t, vString, r.kind, where)
		}
	}
}

// FuzzKeyIndex checks that the checker matches a key to a field exactly as
// encoding/json does: unquoted, then exactly or case-folded.
func FuzzKeyIndex(f *testing.F) {
	for _, k := range []string{`id`, `ID`, `\u0069d`, `\u212aind`, `\u017Fource`, `ſource`, `\ud83d\ude00id`, `\ud800id`, `transactedFirstOn`, `TRANSACTEDFIRSTON`, `x\"y`, `\\n`, "caf\xe9"} {
		f.Add(k)
	}
	names := sdkShapes(f)["Account"].shape.fields[0].shape.names
	f.Fuzz(func(t *testing.T, key string) {
		quoted := []byte(`"` + key + `"`)
		sc := jsonscan.Scanner{Buf: quoted}
		start, end, escaped, err := sc.String()
		if err != nil || sc.Pos != len(quoted) {
			return // not one JSON string
		}
		var s string
		if err := json.Unmarshal(quoted, &s); err != nil {
			t.Fatalf("%q: the scanner accepts, encoding/json says %v", quoted, err)
		}
		want := -1
		for i, n := range names {
			if s == n {
				want = i
				break
			}
		}
		if want < 0 {
			for i, n := range names {
				if strings.EqualFold(s, n) {
					want = i
					break
				}
			}
		}
		if got := keyIndex(quoted, start, end, escaped, names, 0); got != want {
			t.Fatalf("%q: field %d, encoding/json's %d", quoted, got, want)
		}
	})
}

// TestShapesMatchTheHandWrittenTable holds the shapes read from the SDK's
// operations to the table that was written by hand before they were read
// (0.2), field for field.
func TestShapesMatchTheHandWrittenTable(t *testing.T) {
	tJSON := tAny
	balanceShape := handObject(
		nonNull("id", tString), nonNull("at", tString), nonNull("source", tString),
		nullable("available", tNumber), nullable("current", tNumber), nullable("limit", tNumber),
	)
	accountShape := handObject(
		nonNull("id", tString), nonNull("name", tString), nullable("kind", tString),
		nullable("mask", tString), nullable("currencyCode", tString), nonNull("verified", tBool),
		nonNull("state", tString), nonNull("provider", tString),
		nonNull("taxonomy", &shape{kind: vList, elem: &ref{tString, true}}),
		nullable("transactedFirstOn", tString), nullable("transactedLastOn", tString),
		nullable("metadata", tJSON),
		nonNull("institution", handObject(nonNull("id", tString), nonNull("name", tString))),
		nullable("connection", handObject(nonNull("id", tString), nonNull("provider", tString), nonNull("status", tString))),
		nullable("balance", balanceShape),
	)

	// The data shape of each operation, by the
	// operation name genqlient sends.
	handShapes := map[string]*shape{
		"Accounts": handObject(rootField("accounts",
			&shape{kind: vList, elem: &ref{accountShape, true}, counted: true, what: "accounts"})),
		"Account": handObject(rootField("account", accountShape)),
		"AccountBalance": handObject(rootField("account",
			handObject(nonNull("id", tString), nullable("balance", balanceShape)))),
	}

	for name, op := range sdkShapes(t) {
		assert.Equal(t, handShapes[name], op.shape, name)
	}
}

func nonNull(name string, s *shape) shapeField  { return shapeField{name: name, ref: ref{s, true}} }
func nullable(name string, s *shape) shapeField { return shapeField{name: name, ref: ref{s, false}} }
func rootField(name string, s *shape) shapeField {
	return shapeField{name: name, ref: ref{s, false}, required: true}
}
func handObject(fields ...shapeField) *shape {
	s := &shape{kind: vObject, fields: fields, names: make([]string, len(fields))}
	for i, f := range fields {
		s.names[i] = f.name
	}
	return s
}
