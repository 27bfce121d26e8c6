#!/usr/bin/env bash
# crash-basics.sh INDEX — for every dump in vmcores/index.json, crash (the Debian
# package, batch mode) opens it and its own commands confirm the manifest's basics.
# TAP-style output; the checks are in crash_basics.py next to this file.
set -u
index=${1:-vmcores/index.json}
command -v crash >/dev/null || { echo "ok 1 - crash basics # SKIP crash not installed"; exit 77; }
[ -s "$index" ] || { echo "not ok 1 - $index missing (make vmcores)"; exit 1; }
exec python3 "$(dirname "$0")/crash_basics.py" "$index"
