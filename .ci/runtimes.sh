#!/usr/bin/env bash
# Runs the module's runtime-agnostic tests (tests/support/agnostic.ts) on Node
# or Bun: Deno bundles them (it resolves the npm: imports), esbuild lowers the
# bundle to Node 22's syntax (`await using`), and node:test or `bun test` runs
# it, Deno.test and Deno.serve coming from tests/support/runtime_shim.ts.
#
# usage: bash .ci/runtimes.sh node|bun
# ESIKIT_NODE, ESIKIT_BUN and ESIKIT_ESBUILD name the binaries; by default they come through npx.
set -euo pipefail
cd "$(dirname "$0")/.."
runtime=${1:?usage: bash .ci/runtimes.sh node|bun}
read -r -a node <<<"${ESIKIT_NODE:-npx -y node@22}"
read -r -a bun <<<"${ESIKIT_BUN:-npx -y bun@1}"
read -r -a esbuild <<<"${ESIKIT_ESBUILD:-npx -y esbuild@0.28}"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
deno bundle --quiet --frozen --platform=deno -o "$dir/deno.mjs" tests/support/agnostic.ts
"${esbuild[@]}" "$dir/deno.mjs" --log-level=warning --format=esm --platform=node \
  --target=node22 --outfile="$dir/agnostic.mjs"

case "$runtime" in
node)
  "${node[@]}" --version
  set +e
  "${node[@]}" --test-reporter=tap "$dir/agnostic.mjs" >"$dir/out" 2>&1
  status=$?
  set -e
  # The failures in full, then node:test's totals (subtests included).
  grep -E -A30 '^ *not ok ' "$dir/out" || true
  grep -E '^# (tests|pass|fail|cancelled|skipped) ' "$dir/out" || cat "$dir/out"
  grep -qE '^# pass [1-9]' "$dir/out" && grep -qE '^# fail 0$' "$dir/out" &&
    grep -qE '^# cancelled 0$' "$dir/out" && [ "$status" = 0 ]
  ;;
bun)
  echo "bun $("${bun[@]}" --version)"
  set +e
  (cd "$dir" && "${bun[@]}" test ./agnostic.mjs) >"$dir/out" 2>&1
  status=$?
  set -e
  grep -E -B30 '^\(fail\) ' "$dir/out" | head -n 300 || true
  grep -E '^ *[0-9]+ (pass|fail)$|^Ran ' "$dir/out" || cat "$dir/out"
  grep -qE '^ *[1-9][0-9]* pass$' "$dir/out" && grep -qE '^ *0 fail$' "$dir/out" &&
    [ "$status" = 0 ]
  ;;
*)
  echo "Cannot run the tests on \"$runtime\": expected node or bun" >&2
  exit 2
  ;;
esac
