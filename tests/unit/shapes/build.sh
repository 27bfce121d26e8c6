#!/usr/bin/env bash
# build.sh OUTDIR — compile shapes.c in every shape and compiler variant into
# OUTDIR/CC-OPT-CET-RET-SHAPE.elf (static, no libc: the symbols and the code
# are all the fix-status reader needs) and list them in OUTDIR/list.txt with the
# status each must get.  A compiler that is missing fails the build: the matrix
# is the test.  clang 14 has no -mfunction-return (clang 16+), so its RET
# variant is not built; the kernel's CONFIG_RETHUNK is off with clang 14 too.
set -euo pipefail
out=$1; here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
CLANG=${CLANG:-clang}
# shape:EXPIRY:CLAMP:WARN:INLINE:expected status
shapes="fixed:1:1:1:0:fixed fixed-inl:1:1:1:1:fixed prefix:2:0:0:0:vulnerable
  prefix-inl:2:0:0:1:vulnerable clamponly:2:1:0:0:vulnerable copyonly:1:0:0:0:unknown
  neither:3:1:1:0:unknown"
base="-fno-pic -mno-red-zone -mno-sse -mno-mmx -fno-stack-protector -fno-asynchronous-unwind-tables -Wall -Wextra -Werror"
gcc -O2 $base -c "$here/stubs.c" -o "$out/stubs.o"
list=$out/list.txt.tmp; : > "$list"
jobs=()
for cc in gcc clang; do
  ccbin=gcc; extra=; [ $cc = clang ] && { ccbin=$CLANG; extra=-Wno-unused-command-line-argument; }
  rets="plain rethunk"; [ $cc = clang ] && rets=plain
  for opt in O2 Os; do for cet in plain cet; do for ret in $rets; do
    flags="-$opt $base"
    [ $cet = cet ] && flags+=" -fcf-protection=full" || flags+=" -fcf-protection=none"
    [ $ret = rethunk ] && flags+=" -mfunction-return=thunk-extern"
    for s in $shapes; do
      IFS=: read -r name e c w i want <<<"$s"
      f=$cc-$opt-$cet-$ret-$name.elf
      $ccbin $flags $extra -DEXPIRY=$e -DCLAMP=$c -DWARN=$w -DINLINE=$i -nostdlib -static -no-pie \
        -Wl,--build-id=none -o "$out/$f" "$here/shapes.c" "$out/stubs.o" &
      jobs+=($!)
      echo "$f $want" >> "$list"
      if [ ${#jobs[@]} -ge 2 ]; then wait "${jobs[0]}"; jobs=("${jobs[@]:1}"); fi
    done
  done; done; done
done
for j in "${jobs[@]}"; do wait "$j"; done
mv "$list" "$out/list.txt"
