#!/usr/bin/env bash
# demo.sh [SCENARIO] — the one-command story behind `make demo`: make (or reuse) the
# storm dump, open it in crash in batch mode, load kvmtimer.so and run kvmtriage.
# Without the storm dump (the factory could not build it) it falls back to the first
# scenario of vmcores/index.json and says so.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
want=${1:-storm}
index=vmcores/index.json
so=$BUILD/kvmtimer.so

have() {  # have NAME: the index lists NAME and its files exist
  python3 - "$index" "$1" <<'PY'
import sys; sys.path.insert(0, "tests/ext")
import crashrun
e = crashrun.find(crashrun.load_index(sys.argv[1]), sys.argv[2])
sys.exit(0 if e and not crashrun.usable(e) else 1)
PY
}

[ -f "$so" ] || { echo "demo: $so missing (make)" >&2; exit 1; }
command -v crash >/dev/null || { echo "demo: crash not installed (make deps)" >&2; exit 1; }
if ! have "$want"; then
  echo "demo: making the $want dump (make vmcores; cached after the first time) ..." >&2
  $MAKE --no-print-directory vmcores VMCORES="$want" >&2 || echo "demo: make vmcores failed" >&2
fi
name=$want
if ! have "$want"; then
  name=$(python3 -c 'import sys; sys.path.insert(0, "tests/ext"); import crashrun
ix = [e for e in crashrun.load_index(sys.argv[1]) if not crashrun.usable(e)]
print(ix[0]["name"] if ix else "")' "$index")
  [ -n "$name" ] || { echo "demo: no scenario dump available (see make vmcores)" >&2; exit 1; }
  echo "demo: NOTE: the $want dump is not available; showing scenario '$name' instead" >&2
fi
read -r vmcore vmlinux < <(python3 -c 'import sys; sys.path.insert(0, "tests/ext"); import crashrun
e = crashrun.find(crashrun.load_index(sys.argv[1]), sys.argv[2]); print(e["vmcore"], e["vmlinux"])' "$index" "$name")
cat <<EOF
== kvmtimer demo: scenario '$name'
   crash -s $vmlinux $vmcore
   crash> extend $so
   crash> kvmtriage
EOF
tests/ext/crashrun.py --index "$index" --so "$so" "$name" kvmtriage | sed -n '/^crash> kvmtriage$/,$p' | tail -n +2
