#!/usr/bin/env bash
# Runs the fault matrices (HTTP/1.1; HTTP/2 over three transports; HTTP/1.1
# over TLS) under the race detector and shows their summary lines (the count
# of cells checked), or every failed cell.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! go test -race -count=1 -run '^TestFaultMatrix(HTTP2|HTTP1TLS)?$' -v . >"$out" 2>&1; then
  grep -vE '^\s+--- PASS|^=== RUN' "$out" | head -200
  exit 1
fi
grep -E '^fault matrix' "$out"
tail -1 "$out"
