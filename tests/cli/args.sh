#!/usr/bin/env bash
# args.sh — cli-args suite: see tests/cli/cli_tests.py
cd "$(dirname "$0")/../.." || exit 1
command -v python3 >/dev/null || { echo "ok 1 - cli-args # SKIP python3 missing"; exit 77; }
exec python3 tests/cli/cli_tests.py args
