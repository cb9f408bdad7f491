#!/usr/bin/env bash
# Runs every fuzz target of the module on top of its seed corpus and
# testdata/fuzz, for FUZZTIME each: an execution count such as 20000x (the
# default, what `make test` runs) or a duration such as 5m (`make fuzz`).
#
# Crashers that go test finds are written to the package's
# testdata/fuzz/<Target>/ and fail the run: commit them as regression seeds
# once fixed.
#
# Go 1.26's fuzz coordinator can end a duration-bounded run with a bare
# "context deadline exceeded" and no crasher (golang/go#75804, fixed in Go
# 1.27). A count bounds the run without that deadline, so `make test` never
# meets the race. For duration runs, a failure whose only complaint is that
# line and that wrote no crasher is reported as the known toolchain race and
# does not fail the run; anything else, and every written crasher, does.
#
# The targets of one package share one instrumented build: the package's
# test binary is built once with -fuzz (go test -c) and run once per target,
# with go test's fuzz cache directory, from the package's folder (where its
# testdata/fuzz corpus is), as go test -fuzz would run it.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-20000x}
count_files() { if [ -d "$1" ]; then find "$1" -type f | wc -l; else echo 0; fi; }
bindir=$(mktemp -d)
trap 'rm -rf "$bindir"' EXIT
gocache=$(go env GOCACHE)
total=0
for dir in $(grep -rlE '^func Fuzz[A-Za-z0-9_]*\(' --include='*_test.go' . | xargs -n1 dirname | sed 's|^\./||' | sort -u); do
  pkg=./$dir
  targets=$(grep -hoE '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go | sed 's/^func //' | sort)
  importpath=$(go list "$pkg")
  bin=$bindir/$(echo "$importpath" | tr '/' '_').test
  echo "fuzz: $pkg: one instrumented build for $(echo $targets | wc -w) target(s)"
  go test -c -fuzz=. -o "$bin" "$pkg"
  for target in $targets; do
    echo "fuzz: $pkg $target for $fuzztime"
    corpus="$dir/testdata/fuzz/$target"
    before=$(count_files "$corpus")
    if ! out=$(cd "$dir" && "$bin" -test.run='^$' -test.fuzz="^${target}\$" -test.fuzztime="$fuzztime" \
        -test.fuzzcachedir="$gocache/fuzz/$importpath" 2>&1); then
      after=$(count_files "$corpus")
      complaints=$(echo "$out" | grep -vE '^(fuzz: |--- FAIL: |FAIL|exit status |ok )' | grep -v '^\s*$' || true)
      if [[ "$fuzztime" != *x && "$after" == "$before" && "$complaints" == *"context deadline exceeded" && $(echo "$complaints" | wc -l) == 1 ]]; then
        echo "fuzz: $target: ended by Go's fuzz-coordinator race (golang/go#75804), no crasher written: not a failure"
      else
        echo "$out"
        exit 1
      fi
    fi
    execs=$(echo "$out" | grep -oE 'execs: [0-9]+' | tail -1 | grep -oE '[0-9]+' || echo 0)
    total=$((total + execs))
    echo "fuzz: $target: $execs executions, no failure"
  done
done
echo "fuzz: $total executions in all"
