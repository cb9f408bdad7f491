// Package graphql holds the GraphQL operations of the balances slice and the
// code genqlient generates from them. It is internal: the quiltt package maps
// the generated types onto its own public types.
package graphql

//go:generate go tool genqlient ../../genqlient.yaml
