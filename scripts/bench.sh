#!/usr/bin/env bash
# Runs every benchmark of the module beside its baseline and writes the
# medians and ratios into BENCHMARKS.md. BENCHCOUNT runs each (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
count=${BENCHCOUNT:-5}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test -run='^$' -bench=. -benchmem -count="$count" -timeout 30m ./... | tee "$out"
go run ./internal/benchreport < "$out" > BENCHMARKS.md
echo "bench: wrote BENCHMARKS.md"
cat BENCHMARKS.md
