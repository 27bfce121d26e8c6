#!/usr/bin/env bash
# agree.sh — cli-agree suite: see tests/cli/cli_tests.py
cd "$(dirname "$0")/../.." || exit 1
command -v python3 >/dev/null || { echo "ok 1 - cli-agree # SKIP python3 missing"; exit 77; }
exec python3 tests/cli/cli_tests.py agree
