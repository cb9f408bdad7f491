#!/usr/bin/env bash
# Runs the fleet simulation (internal/fleet, TestFleet and its restart phase) under the race
# detector and shows its one summary line; when it fails, its output. Where
# redis-server is missing (and CI is not "true") the test skips: the skip
# message is shown instead.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! go test -race -count=1 -timeout 5m -run '^TestFleet(LimiterAfterEmptyRedisRestart)?$' -v ./internal/fleet >"$out" 2>&1; then
  grep -vE '^=== RUN' "$out" | head -200
  exit 1
fi
if ! grep -E '^fleet( restart)?:' "$out"; then
  grep -vE '^(=== RUN|PASS$|ok )' "$out" || true
fi
tail -1 "$out"
