#!/usr/bin/env bash
# record.sh KT_RECORD INDEX OUTDIR [NAME...] — re-record snapshots (tests/snapshot/snapshot.h)
# from the dump factory's index (vmcores/index.json): every scenario by default, one
# NAME.snap.gz each, plus the RHEL 8 unit fixture.  `make snapshots` runs it; then
# `make golden-update` shows what the new dumps change in tests/golden/.
set -euo pipefail
rec=$1 index=$2 out=$3; shift 3
mkdir -p "$out"
names=("$@")
if [ ${#names[@]} = 0 ]; then
  mapfile -t names < <(python3 -c 'import json,sys; [print(s["name"]) for s in json.load(open(sys.argv[1]))["scenarios"]]' "$index")
  "$rec" --fixture-rhel8 "$out/rhel8-fixture.snap"
fi
for name in "${names[@]}"; do
  if [ "$name" = rhel8-fixture ]; then "$rec" --fixture-rhel8 "$out/rhel8-fixture.snap"; continue; fi
  mapfile -t args < <(python3 - "$index" "$name" <<'PY'
import json, sys
idx = json.load(open(sys.argv[1]))
for s in idx["scenarios"]:
    if s["name"] == sys.argv[2]:
        print("--vmlinux"); print(s["vmlinux"])
        for m, p in s.get("modules", {}).items():
            print("--module"); print(f"{m}={p}")
        print(s["vmcore"])
PY
)
  [ ${#args[@]} -gt 0 ] || { echo "record: no scenario $name in $index" >&2; exit 1; }
  echo "record: $name" >&2
  "$rec" "${args[@]}" "$out/$name.snap"
done
gzip -9nf "$out"/*.snap
ls -l "$out"
