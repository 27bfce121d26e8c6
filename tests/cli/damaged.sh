#!/usr/bin/env bash
# damaged.sh — cli-damaged suite: see tests/cli/damaged.py
cd "$(dirname "$0")/../.." || exit 1
command -v python3 >/dev/null || { echo "not ok 1 - cli-damaged: python3 missing"; exit 1; }
exec python3 tests/cli/damaged.py
