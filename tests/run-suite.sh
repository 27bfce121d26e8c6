#!/usr/bin/env bash
# run-suite.sh NAME LOGDIR CMD... — run one test suite, keep its output in LOGDIR/NAME.log.
# Suites print TAP-style lines: "ok N - what", "not ok N - what", "ok N - what # SKIP why".
# A suite that exits non-zero without reporting a failure is itself counted as one failure;
# exit status 77 means "whole suite skipped" and must say why on its output.
name=$1; logdir=$2; shift 2
mkdir -p "$logdir"
log="$logdir/$name.log"
echo "== $name"
"$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
if [ "$rc" = 77 ]; then
  grep -q '# SKIP' "$log" || echo "ok - $name # SKIP (suite skipped, no reason given)" | tee -a "$log"
elif [ "$rc" != 0 ] && ! grep -q '^not ok' "$log"; then
  echo "not ok - $name exited with status $rc" | tee -a "$log"
fi
exit 0
