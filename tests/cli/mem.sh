#!/usr/bin/env bash
# mem.sh — cli-mem suite: see tests/cli/cli_tests.py
cd "$(dirname "$0")/../.." || exit 1
command -v python3 >/dev/null || { echo "ok 1 - cli-mem # SKIP python3 missing"; exit 77; }
exec python3 tests/cli/cli_tests.py mem
