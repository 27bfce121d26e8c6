#!/usr/bin/env bash
# check.sh [--update] KT_GOLDEN — golden tests: replay every tests/snapshots/NAME.snap.gz
# through every command (tests/snapshot/commands.h) and compare each output with
# tests/golden/NAME.SLUG.expect, one TAP line each.  A golden file with no output
# to match fails too.  --update rewrites tests/golden/ instead and shows the diff.
set -uo pipefail
update=0
[ "${1:-}" = --update ] && { update=1; shift; }
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
snaps=$(cd "$here/../snapshots" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for s in "$snaps"/*.snap.gz; do
  name=$(basename "$s" .snap.gz)
  "$bin" "$s" "$name" "$tmp" || { echo "not ok - kt-golden failed on $name"; exit 1; }
done
if [ $update = 1 ]; then
  rm -f "$here"/*.expect
  cp "$tmp"/*.expect "$here"/
  cd "$here" && git add -N . 2>/dev/null
  git --no-pager diff --stat -- .
  git --no-pager diff -- . | head -400
  exit 0
fi
mapfile -t got < <(cd "$tmp" && ls *.expect)
mapfile -t want < <(cd "$here" && ls *.expect 2>/dev/null)
extra=()
for f in "${want[@]}"; do [ -e "$tmp/$f" ] || extra+=("$f"); done
echo "1..$(( ${#got[@]} + ${#extra[@]} ))"
n=0
for f in "${got[@]}"; do
  n=$((n + 1))
  if [ ! -e "$here/$f" ]; then
    echo "not ok $n - $f: no golden file (make golden-update)"
  elif diff -u "$here/$f" "$tmp/$f" > "$tmp/diff"; then
    echo "ok $n - $f"
  else
    echo "not ok $n - $f differs (make golden-update shows it):"
    head -40 "$tmp/diff" | sed 's/^/#   /'
  fi
done
for f in "${extra[@]}"; do
  n=$((n + 1))
  echo "not ok $n - $f: golden file but no snapshot produced it"
done
