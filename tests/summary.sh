#!/usr/bin/env bash
# summary.sh LOGDIR — tally the TAP-style lines of every suite log; exit 1 on any failure.
logdir=$1
pass=0; fail=0; skip=0
for f in "$logdir"/*.log; do
  [ -e "$f" ] || continue
  p=$(grep -E '^ok ' "$f" | grep -vc '# SKIP')
  s=$(grep -E '^ok ' "$f" | grep -c '# SKIP')
  x=$(grep -cE '^not ok ' "$f")
  pass=$((pass + p)); skip=$((skip + s)); fail=$((fail + x))
  if [ "$x" != 0 ]; then grep -E '^not ok ' "$f" | sed "s|^|  $(basename "$f" .log): |"; fi
done
[ $((pass + fail + skip)) = 0 ] && { echo "no test ran"; fail=1; }
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
