#!/usr/bin/env bash
# API compatibility check: compares the module's exported API with 0.1.0's,
# read from a checked-in export-data file (internal/tools/api/, written by
# golang.org/x/exp/cmd/apidiff, pinned in internal/tools/go.mod), so that no
# git history is needed. It fails when a change that breaks code written
# against 0.1.0 is not listed in CHANGELOG.md under "### Changed" or
# "### Removed" of a release after 0.1.0 (or [Unreleased]), by its name in
# backquotes, e.g. `WebhookHandler.Seen` or `quilttest.Server.Foo`.
#
# Not checked: internal packages (apidiff ignores them), package main
# (examples and commands: nothing can import them), and unexported names
# (code outside the module cannot name them).
#
#   scripts/apicheck.sh              check
#   scripts/apicheck.sh -write REV   rewrite the baseline from commit REV
#                                    (0.1.0 is 974ac89, the last commit of
#                                    its release day, 2026-11-25)
set -euo pipefail
cd "$(dirname "$0")/.."
module=github.com/quiltt-go/quiltt
base=internal/tools/api/quiltt-v0.1.0.export
bin=${BIN:-$PWD/bin}
go build -C internal/tools -o "$bin/" golang.org/x/exp/cmd/apidiff
apidiff=$bin/apidiff

if [ "${1:-}" = "-write" ]; then
  rev=${2:?usage: apicheck.sh -write REV}
  tmp=$(mktemp -d)
  trap 'git worktree remove --force "$tmp" >/dev/null 2>&1 || rm -rf "$tmp"' EXIT
  git worktree add -q --detach "$tmp" "$rev"
  (cd "$tmp" && "$apidiff" -m -w "$OLDPWD/$base" "$module")
  echo "apicheck: wrote $base from $rev"
  exit 0
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$apidiff" -m -incompatible "$base" "$module" 2>/dev/null >"$out" || {
  "$apidiff" -m -incompatible "$base" "$module"
  exit 1
}
mains=$(go list -f '{{if eq .Name "main"}}{{.ImportPath}}{{end}}' ./... | sed "s|^$module/|./|")

# What CHANGELOG.md says about every release since 0.1.0: its Changed and
# Removed sections, where a breaking change belongs.
listed=$(awk '
  /^## \[0\.1\.0\]/ { exit }
  /^### / { keep = ($0 ~ /^### (Changed|Removed)/) ; next }
  /^## / { keep = 0; next }
  keep' CHANGELOG.md)

missing=()
checked=0
while IFS= read -r line; do
  [[ "$line" == "- "* ]] || continue
  change=${line#- }
  name=${change%%: *}
  pkg="" ident=$name
  if [[ "$name" == ./* ]]; then # a package other than the root: ./quilttest.Name
    pkg=${name%%.[A-Z(]*}
    ident=${name#"$pkg".}
    skip=0
    for m in $mains; do [ "$pkg" = "$m" ] && skip=1; done
    [ $skip = 1 ] && continue
    pkg=${pkg#./}
  fi
  ident=$(sed -E 's/\(\*?([A-Za-z0-9_]+)\)/\1/' <<<"$ident") # (*Server).Foo -> Server.Foo
  [[ "$ident" =~ ^[a-z_] ]] && continue # unexported: no one outside can name it
  checked=$((checked + 1))
  want="$ident"
  [ -n "$pkg" ] && want="${pkg##*/}.$ident"
  # Listed as `Name` (or, in another package, `pkg.Name`), followed by a
  # backquote, a dot, a parenthesis or a space.
  if ! grep -qE "\`($(sed 's/[.()*]/\\&/g' <<<"$want"))([\`.( ]|$)" <<<"$listed"; then
    missing+=("$change|$want")
  fi
done <"$out"

if [ ${#missing[@]} -gt 0 ]; then
  echo "apicheck: ${#missing[@]} change(s) break code written against 0.1.0 and CHANGELOG.md does not list them:" >&2
  for m in "${missing[@]}"; do
    echo "  - ${m%%|*}" >&2
  done
  echo "List each under \"### Changed\" or \"### Removed\" of [Unreleased] in CHANGELOG.md, by its name in backquotes, with what to do instead:" >&2
  for m in "${missing[@]}"; do
    echo "  - **Breaking (0.x):** \`${m##*|}\` …: use … instead." >&2
  done
  echo "(Or keep the old API: a 0.x release may break it, but only when it says so.)" >&2
  exit 1
fi
echo "apicheck: $checked incompatible change(s) since 0.1.0, each listed in CHANGELOG.md"
