package quilttest

import (
	_ "embed"
	"sync"

	"github.com/quiltt-go/quiltt"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// schemaVersion is the API version quiltt.Schema() describes: requests of
// this version or a later one are validated against it alone. The versions
// Quiltt documents (quiltt.dev version upgrade guide) are 2024-01-01 (the
// oldest supported), 2025-04-01 (renames Product and Feature enum values,
// outside the slice) and 2026-04-01 (removes Account.type, Account.origin
// and the members named in schema_pre2026.graphql).
const schemaVersion = "2026-04-01"

//go:embed schema_pre2026.graphql
var pre2026SDL string

// schemas holds the two schemas the fake validates against: quiltt.Schema()
// (API version 2026-04-01), and the same with the members that version
// removed, for requests of earlier versions. Each is parsed once per
// process.
type schemas struct {
	current, pre2026 *ast.Schema
}

var loadSchemas = sync.OnceValues(func() (schemas, error) {
	slice := &ast.Source{Name: "schema.graphql", Input: quiltt.Schema()}
	current, err := gqlparser.LoadSchema(slice)
	if err != nil {
		return schemas{}, err
	}
	pre, err := gqlparser.LoadSchema(slice, &ast.Source{Name: "schema_pre2026.graphql", Input: pre2026SDL})
	if err != nil {
		return schemas{}, err
	}
	return schemas{current: current, pre2026: pre}, nil
})

// forVersion returns the schema of API version v, a YYYY-MM-DD date: dates
// sort as strings, and any date before 2026-04-01 is served as the
// versions before it were.
func (sc schemas) forVersion(v string) *ast.Schema {
	if v < schemaVersion {
		return sc.pre2026
	}
	return sc.current
}
