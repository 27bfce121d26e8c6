#!/usr/bin/env bash
# e2e.sh — end-to-end tests of kvmtimer.so in crash on every scenario dump (tests/ext/e2e.py).
cd "$(dirname "$0")/../.."
command -v python3 >/dev/null || { echo "ok 1 - ext-e2e # SKIP python3 missing"; exit 77; }
exec python3 tests/ext/e2e.py --so "${BUILD:-build}/kvmtimer.so" "$@"
