// Package stripecmp compares the SDK's webhook path with stripe-go's on a
// delivery of the same size: its benchmarks run beside each other in one
// process, and scripts/bench.sh writes their ratio into BENCHMARKS.md.
//
// It is a module of its own, so that stripe-go is never a dependency of
// github.com/quiltt-go/quiltt: `go test ./...` at the repository's root
// does not descend into it. Its go.sum pins stripe-go; it uses the SDK from
// this checkout (replace ../../..), so run `go mod tidy` here when the
// root package gains a dependency. Run it with `make bench-stripe` (or
// `make bench`, which writes BENCHMARKS.md), or `go test -run '^$' -bench .
// -benchmem` here.
package stripecmp
