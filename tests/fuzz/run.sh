#!/usr/bin/env bash
# run.sh TARGET... — the libFuzzer targets of fuzz/ (built by mk/fuzz.mk into $FUZZ_OUT):
# per target, replay every regression input (fuzz/regress/TARGET/*, one test each)
# and the seed corpus (fuzz/corpus/TARGET), then fuzz for $FUZZ_SECONDS.  New
# crashes land in $FUZZ_OUT/artifacts/ and are printed; FUZZ_KEEP=1 keeps the
# grown corpus in $FUZZ_OUT/corpus/TARGET (fuzz-long), else it is thrown away.
set -u
out=${FUZZ_OUT:-build/fuzz}
secs=${FUZZ_SECONDS:-5}
# A fixed seed by default: make check explores the same inputs on every run, so
# a red CI means a regression, not luck.  fuzz-long sets FUZZ_SEED=0 (random).
seed=${FUZZ_SEED:-1}
root=$(cd "$(dirname "$0")/../.." && pwd)
export LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp:print_suppressions=0"
# A huge allocation asked for by a damaged header fails (NULL) as glibc's malloc
# would, instead of ASan aborting: libkdumpfile sizes buffers from the header.
export ASAN_OPTIONS="allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
n=0
declare -A maxlen=([fuzz_walk]=2048 [fuzz_args]=512 [fuzz_json]=2048 [fuzz_dump]=131072 [fuzz_dwarf]=32768)
mkdir -p "$out/artifacts" "$out/logs"
for t in "$@"; do
  bin=$out/$t
  if [ ! -x "$bin" ]; then
    n=$((n + 1)); echo "not ok $n - $t: $bin not built"; continue
  fi
  for f in "$root"/fuzz/regress/"$t"/*; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    log=$out/logs/$t-regress-$(basename "$f").log
    if timeout 60 "$bin" -timeout=10 "$f" >"$log" 2>&1; then
      echo "ok $n - $t: regression input $(basename "$f") runs clean"
    else
      echo "not ok $n - $t: regression input fuzz/regress/$t/$(basename "$f") fails:"
      grep -m3 -E 'ERROR|runtime error|SUMMARY|invalid JSON' "$log" | sed 's/^/#   /'
    fi
  done
  n=$((n + 1))
  log=$out/logs/$t-corpus.log
  if timeout 300 "$bin" -runs=0 -timeout=10 "$root/fuzz/corpus/$t" >"$log" 2>&1; then
    echo "ok $n - $t: seed corpus ($(ls "$root/fuzz/corpus/$t" | wc -l) inputs) runs clean"
  else
    echo "not ok $n - $t: seed corpus input fails:"
    grep -m3 -E 'ERROR|runtime error|SUMMARY|Running:|invalid JSON' "$log" | sed 's/^/#   /'
  fi
  n=$((n + 1))
  if [ "${FUZZ_KEEP:-0}" = 1 ]; then corpus=$out/corpus/$t; else corpus=$(mktemp -d); fi
  mkdir -p "$corpus"
  log=$out/logs/$t-fuzz.log
  if timeout $((secs + 120)) "$bin" -seed="$seed" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2560 \
       -max_len="${maxlen[$t]:-4096}" -artifact_prefix="$out/artifacts/$t-" -print_final_stats=1 \
       "$corpus" "$root/fuzz/corpus/$t" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
    echo "ok $n - $t: ${secs}s of fuzzing, ${runs:-?} inputs, ${cov:-cov: ?}, no crash, hang or leak"
  else
    art=$(grep -oE "Test unit written to .*" "$log" | tail -1 | sed 's/Test unit written to //')
    echo "not ok $n - $t: fuzzing found a failure: ${art:-see $log}"
    grep -m4 -E 'ERROR|runtime error|SUMMARY|invalid JSON|timeout' "$log" | sed 's/^/#   /'
  fi
  [ "${FUZZ_KEEP:-0}" = 1 ] || rm -rf "$corpus"
done
echo "1..$n"
