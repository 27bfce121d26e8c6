#!/usr/bin/env bash
# run-suite.sh NAME LOGDIR CMD... — run one test suite, keep its output in LOGDIR/NAME.log.
# Suites print TAP lines: "ok N - what", "not ok N - what", "ok N - what # SKIP why",
# and a plan "1..N" (first or last; a suite made of several programs prints one per
# program and the plans add up).  The suite fails as a whole, with one "not ok" line, when
#  - it exits non-zero without reporting a failure,
#  - it prints no plan, or its tests do not add up to the plan (it died early, or
#    a test went missing), or
#  - it exits 77 ("whole suite skipped: a tool is missing", said on its output) while
#    KT_REQUIRE_TOOLS=1: `make check` (CI) sets it, because there a missing tool is a
#    failure, not a skip.  Elsewhere 77 counts as one SKIP.
name=$1; logdir=$2; shift 2
mkdir -p "$logdir"
log="$logdir/$name.log"
echo "== $name"
"$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
fail() { echo "not ok - $name $*" | tee -a "$log"; }
if [ "$rc" = 77 ]; then
  why=$(grep -m1 -o '# SKIP.*' "$log"); why=${why:-"# SKIP (no reason given)"}
  if [ "${KT_REQUIRE_TOOLS:-0}" = 1 ]; then
    fail "was skipped, and KT_REQUIRE_TOOLS=1 (make check) makes that a failure: ${why#\# SKIP }"
  else
    grep -q '# SKIP' "$log" || echo "ok - $name $why" | tee -a "$log"
  fi
  exit 0
fi
if [ "$rc" != 0 ] && ! grep -q '^not ok' "$log"; then
  fail "exited with status $rc"
fi
planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\)\([[:space:]].*\)\{0,1\}$/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
ran=$(grep -cE '^(not )?ok [0-9]' "$log")
if ! grep -qE '^1\.\.[0-9]+' "$log"; then
  fail "printed no TAP plan (1..N): it cannot show that it ran to the end"
elif [ "$planned" != "$ran" ]; then
  fail "planned $planned tests but ran $ran (died early?)"
fi
exit 0
