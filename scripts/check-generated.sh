#!/usr/bin/env bash
# Regenerates genqlient's code and fails when it differs from the checked-in
# copy, which is left as it was.
set -euo pipefail
cd "$(dirname "$0")/.."
gen=internal/graphql/generated.go
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cp "$gen" "$tmp"
go generate ./...
if ! cmp -s "$gen" "$tmp"; then
  diff -u "$tmp" "$gen" | head -40 || true
  cp "$tmp" "$gen"
  echo "check-generated: $gen is stale: run 'make generate' and commit the result" >&2
  exit 1
fi
echo "check-generated: $gen is up to date"
