#!/usr/bin/env bash
# snapshots.sh KT_RECORD INDEX OUTDIR — re-record the fuzz snapshots (see fuzz/snapshot.h)
# from the dump factory's index: healthy, storm, corrupt, and the RHEL 8 unit fixture.
set -euo pipefail
rec=$1 index=$2 out=$3
mkdir -p "$out"
"$rec" --fixture-rhel8 "$out/rhel8-fixture.snap"
for name in healthy storm corrupt; do
  args=$(python3 - "$index" "$name" <<'PY'
import json, shlex, sys
idx = json.load(open(sys.argv[1]))
for s in idx["scenarios"]:
    if s["name"] == sys.argv[2]:
        a = ["--vmlinux", s["vmlinux"]]
        for m, p in s.get("modules", {}).items():
            a += ["--module", f"{m}={p}"]
        print(shlex.join(a + [s["vmcore"]]))
PY
)
  [ -n "$args" ] || { echo "snapshots: no $name in $index" >&2; exit 1; }
  eval "\"$rec\" $args \"$out/$name.snap\""
done
gzip -9f "$out"/*.snap
ls -l "$out"
