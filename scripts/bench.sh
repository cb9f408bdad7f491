#!/usr/bin/env bash
# Runs every benchmark of the module beside its baseline, the comparison
# with stripe-go (internal/benchcmp/stripe, a module of its own) and the
# observer's cost (otelquiltt, a side module),
# and writes the medians and ratios into BENCHMARKS.md. BENCHCOUNT rounds
# (default 5): each round runs every benchmark once, so that a benchmark and
# the one it is compared with share the machine's load of the moment.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${BENCHCOUNT:-5}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for round in $(seq "$count"); do
  echo "bench: round $round of $count"
  go test -run='^$' -bench=. -benchmem -count=1 -timeout 30m ./... | tee -a "$out"
  (cd internal/benchcmp/stripe && go test -run='^$' -bench=. -benchmem -count=1 -timeout 10m ./...) | tee -a "$out"
  # otelquiltt (a side module): Accounts observed, beside its own interleaved baseline.
  (cd otelquiltt && go test -run='^$' -bench=. -benchmem -count=1 -timeout 10m ./...) | tee -a "$out"
done
go run ./internal/benchreport < "$out" > BENCHMARKS.md
echo "bench: wrote BENCHMARKS.md"
cat BENCHMARKS.md
