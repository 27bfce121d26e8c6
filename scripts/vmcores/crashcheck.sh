#!/usr/bin/env bash
# crashcheck.sh storm VMLINUX VMCORE — ask crash itself whether a CPU of the dump is
# inside the LAPIC timer catch-up loop: some CPU's hrtimer_cpu_base.clock_base[i].running
# is an hrtimer whose function is apic_timer_fn.  Prints {"cpu":…,"clock_base":…,
# "hrtimer":…,"function":"apic_timer_fn",…} and exits 0 when true, exits 1 otherwise.
# crashcheck.sh panic VMLINUX VMCORE — which CPU panicked (panic_cpu) and crash's PANIC
# line: {"panic_cpu":…,"panic":"…"}; exits 1 when the dump shows no panic.
# $CRASH: the crash binary (default crash; 8.0.6 for 6.12 kernels).
# (Body in braces: bash parses it whole before running, so editing this file
# cannot break a run in progress.)
{
set -euo pipefail
mode=$1 vmlinux=$2 vmcore=$3
crash() { command "${CRASH:-crash}" "$@"; }
if [ "$mode" = panic ]; then
  rc=0; out=$(printf 'sys\np panic_cpu\nquit\n' | crash -s "$vmlinux" "$vmcore" 2>&1) || rc=$?
  echo "$out" >&2
  [ $rc = 0 ] || { echo "crashcheck: crash exited $rc" >&2; exit 1; }
  pc=$(sed -n 's/.*counter = \(-\{0,1\}[0-9]*\).*/\1/p' <<<"$out" | head -1)
  pn=$(sed -n 's/^ *PANIC: *//p' <<<"$out" | head -1 | tr -d '"\\')
  [ -n "$pc" ] && [ "$pc" -ge 0 ] && [ -n "$pn" ] || exit 1
  printf '{"panic_cpu":%d,"panic":"%s"}\n' "$pc" "$pn"
  exit 0
fi
[ "$mode" = storm ] || { echo "usage: $0 storm|panic VMLINUX VMCORE" >&2; exit 2; }
# Per-CPU hrtimer_cpu_base, printed whole for every CPU; crash marks each CPU's block.
# crash's output is logged before its status is judged (set -e would exit unlogged).
rc=0; out=$(printf 'p hrtimer_bases:a\nquit\n' | crash -s "$vmlinux" "$vmcore" 2>&1) || rc=$?
echo "$out" >&2
[ $rc = 0 ] || { echo "crashcheck: crash exited $rc" >&2; exit 1; }
# Lines: "per_cpu(hrtimer_bases, N) = {" ... "running = 0xffff..., " (one per clock_base).
cands=$(awk '
  /^per_cpu\(hrtimer_bases, [0-9]+\)/ { cpu = $2; sub(/\)/, "", cpu); base = -1 }
  /index = / { base++ }
  /running = 0x[0-9a-f]+/ { match($0, /running = 0x[0-9a-f]+/); v = substr($0, RSTART + 10, RLENGTH - 10);
                            if (v != "0x0") print cpu, base, v }' <<<"$out")
[ -n "$cands" ] || exit 1
while read -r cpu base hr; do
  f=$(printf 'struct hrtimer.function,state %s\nsym %s\nquit\n' "$hr" "$hr" | crash -s "$vmlinux" "$vmcore" 2>&1) || true
  echo "$f" >&2
  fn=$(sed -n 's/.*function = 0x[0-9a-f]* <\([^>+]*\)>.*/\1/p' <<<"$f" | head -1)
  if [ "$fn" = apic_timer_fn ]; then
    # The owning kvm_lapic (container_of via debuginfo offsets) and its timer numbers.
    o=$(printf 'p/x &((struct kvm_lapic *)0)->lapic_timer.timer\np/x &((struct kvm_lapic *)0)->lapic_timer\nquit\n' \
        | crash -s "$vmlinux" "$vmcore" 2>/dev/null | sed -n 's/^\$[0-9]* = .*\(0x[0-9a-f]*\)$/\1/p')
    ot=$(sed -n 1p <<<"$o"); ok=$(sed -n 2p <<<"$o")
    lapic=$(printf '0x%x' $(( hr - ot )))
    t=$(printf 'struct kvm_timer.target_expiration,period,tscdeadline %x\np tk_core.timekeeper.tkr_mono.base\np hrtimer_bases:%d\np ((struct kvm_lapic *)%s)->vcpu->vcpu_id\np ((struct kvm_lapic *)%s)->vcpu->kvm->userspace_pid\nquit\n' \
        $(( lapic + ok )) "$cpu" "$lapic" "$lapic" | crash -s "$vmlinux" "$vmcore" 2>/dev/null)
    echo "$t" >&2
    g() { sed -n "s/^ *$1 = \([0-9-]*\),*$/\1/p" <<<"$t" | head -1; }
    vals=$(sed -n 's/^\$[0-9]* = \([0-9]*\)$/\1/p' <<<"$t")     # base, vcpu_id, pid
    base_ns=$(sed -n 1p <<<"$vals"); vcpu_id=$(sed -n 2p <<<"$vals"); upid=$(sed -n 3p <<<"$vals")
    printf '{"cpu":%d,"clock_base":%d,"hrtimer":"%s","function":"%s","kvm_lapic":"%s",' "$cpu" "$base" "$hr" "$fn" "$lapic"
    printf '"vcpu_id":%s,"userspace_pid":%s,' "$vcpu_id" "$upid"
    printf '"in_hrtirq":%s,"target_expiration":%s,"period":%s,"tscdeadline":%s,"tkr_mono_base":%s,"lag_ns":%s}\n' \
      "$(g in_hrtirq)" "$(g target_expiration)" "$(g period)" "$(g tscdeadline)" "$base_ns" \
      $(( base_ns - $(g target_expiration) ))
    exit 0
  fi
done <<<"$cands"
exit 1
exit
}
