#!/usr/bin/env bash
# Runs the fault matrix under the race detector and shows its summary line
# (the count of cells checked), or every failed cell.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! go test -race -count=1 -run '^TestFaultMatrix$' -v . >"$out" 2>&1; then
  grep -vE '^\s+--- PASS|^=== RUN' "$out" | head -200
  exit 1
fi
grep -E '^fault matrix:' "$out"
tail -1 "$out"
