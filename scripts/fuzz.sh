#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (default 3s), on top
# of its seed corpus and testdata/fuzz. Crashers that go test finds are
# written to the package's testdata/fuzz/<Target>/ and fail the run: commit
# them as regression seeds once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-3s}
total=0
for file in $(grep -rlE '^func Fuzz[A-Za-z0-9_]*\(' --include='*_test.go' . | sort); do
  pkg=./$(dirname "${file#./}")
  for target in $(grep -oE '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //'); do
    echo "fuzz: $pkg $target for $fuzztime"
    out=$(go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" "$pkg" 2>&1) || { echo "$out"; exit 1; }
    execs=$(echo "$out" | grep -oE 'execs: [0-9]+' | tail -1 | grep -oE '[0-9]+' || echo 0)
    total=$((total + execs))
    echo "fuzz: $target: $execs executions, no failure"
  done
done
echo "fuzz: $total executions in all"
