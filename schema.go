package quiltt

import _ "embed"

//go:embed schema.graphql
var schemaSDL string

// Schema returns the GraphQL schema slice (SDL) that the SDK's operations are
// generated from and checked against: Quiltt's Profile API, trimmed to what
// balances need. quilttest validates incoming queries against it; users can
// validate their own documents against it too. It cannot fail.
func Schema() string { return schemaSDL }
