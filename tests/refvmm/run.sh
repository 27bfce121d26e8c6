#!/usr/bin/env bash
# tests/refvmm/run.sh BUILD — the reference VMM's test suite (TAP-style lines).
#
# Runs build/refvmm on this machine's /dev/kvm and checks its ground truth two ways:
# the manifest's configured timers against the LAPIC state KVM reports (KVM_GET_LAPIC,
# in each vCPU's "lapic" object), and the guest's tick counters against the elapsed time.
# Tolerances: periodic timers with run=hlt count run_ns/period_ns ticks within +-20%
# (this host is itself a VM); run=spin within -75%/+20% (a spinning vCPU takes its
# interrupts only when the host preempts it); paused vCPUs between 30% and 65%.
# Without /dev/kvm the KVM tests report "# SKIP skipped: no /dev/kvm".
set -u
BUILD=${1:-build}
R=$BUILD/refvmm
RS=$BUILD/refvmm-static
T=$(mktemp -d "${TMPDIR:-/tmp}/refvmm-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0
fails=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
diag() { sed 's/^/# /'; }

# check NAME FILE JQ-EXPR [JQ-DIAG]: ok when the expression is true on FILE.
check() {
	local name=$1 file=$2 expr=$3 dg=${4:-}
	if [ -s "$file" ] && jq -e "$expr" "$file" >/dev/null 2>"$T/jq.err"; then
		ok "$name"
	else
		notok "$name"
		cat "$T/jq.err" | diag
		[ -n "$dg" ] && [ -s "$file" ] && jq -c "$dg" "$file" 2>&1 | head -20 | diag
	fi
}

command -v jq >/dev/null || { echo "not ok 1 - jq is required (scripts/deps.sh all installs it)"; exit 1; }

# ---- bad arguments: exit 2 with exactly one line on stderr (no /dev/kvm needed) ----
bad() {
	local what=$1; shift
	"$R" "$@" >"$T/out" 2>"$T/err"
	local rc=$? lines
	lines=$(wc -l <"$T/err")
	if [ "$rc" = 2 ] && [ "$lines" = 1 ] && grep -q '^refvmm: ' "$T/err" && [ ! -s "$T/out" ]; then
		ok "bad arguments exit 2 with one line: $what ($(cat "$T/err"))"
	else
		notok "bad arguments exit 2 with one line: $what (rc=$rc, $lines lines)"
		diag <"$T/err"
	fi
}
bad "unknown option" --bogus
bad "missing value" --vm
bad "unknown mode" --vm mode=sometimes
bad "zero vcpus" --vm vcpus=0
bad "divide not a power of two" --vm divide=3
bad "tmict and period_us together" --vm tmict=100,period_us=5
bad "key without value" --vm period_us
bad "unknown vm key" --vm name=a,colour=red
bad "event for an unknown vm" --vm name=a --event at_ms=1,vm=b,migrate=1
bad "event without action" --vm name=a --event at_ms=1,vm=a
bad "event vcpu out of range" --vm name=a,vcpus=2 --event vm=a,vcpu=2,pause_ms=1
bad "seconds not a number" --seconds soon
bad "stray argument" --seconds 1 extra
bad "oneshot deadline overflows TMICT" --vm mode=oneshot,divide=1,deadline_ms=10000
bad "missing scenario file" --scenario "$T/nonexistent"
bad "duplicate vm name" --vm name=a --vm name=a
# Hostile input (issue #13): no silent fall-back to the built-in scenario, no
# event that would hang the run.
bad "--scenario on a directory" --scenario "$T"
: >"$T/empty.scn"
bad "--scenario file that defines no vm" --scenario "$T/empty.scn"
bad "event at_ms beyond a day" --vm name=a --event at_ms=86400001,vm=a,pause_ms=1
bad "event pause_ms beyond 10 minutes" --vm name=a --event at_ms=1,vm=a,pause_ms=600001
# The manifest's temporary file and a hung child (tests/refvmm/robust_test.c).
if [ -x "$BUILD/tests/refvmm/robust_test" ]; then
	"$BUILD/tests/refvmm/robust_test" >"$T/robust.out" 2>&1
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok * - }" ;;
		"not ok "*) notok "${line#not ok * - }" ;;
		esac
	done <"$T/robust.out"
else
	notok "$BUILD/tests/refvmm/robust_test built"
fi
if "$R" --help | grep -q '^usage: refvmm'; then ok "--help prints usage, exit 0"; else notok "--help prints usage, exit 0"; fi

# ---- everything below needs /dev/kvm ----
if [ ! -c /dev/kvm ] || [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	skip "refvmm on /dev/kvm" "skipped: no /dev/kvm"
	echo "1..$n"
	exit 0
fi
MIN_US=$(cat /sys/module/kvm/parameters/min_timer_period_us 2>/dev/null || echo 200)

# Checks of one manifest's vCPUs against the LAPIC state KVM reported for them.
LAPIC_MATCH='[.vms[].vcpus[] | select(
	.lapic.lvtt_mode != .mode or .lapic.lvtt_masked != .masked or
	.lapic.lvtt_vector != .vector or .lapic.divide != .divide or .lapic.tdcr != .tdcr or
	(.lapic.svr / 256 | floor) % 2 != 1 or .lapic.x2apic_enabled != .x2apic or
	(.mode != "tscdeadline" and .lapic.tmict != .tmict) or
	(.mode == "tscdeadline" and (.lapic.tmict != 0 or .tmict != 0)))] | length == 0'
LAPIC_DIAG='.vms[] | .name as $n | .vcpus[] | {vm: $n, id, mode, masked, x2apic, tmict, divide, lapic}'
PERIOD_MATCH="[.vms[].vcpus[] | select(
	(.mode == \"periodic\" and .period_ns != ([.tmict * .divide, $MIN_US * 1000] | max)) or
	(.mode == \"oneshot\" and .period_ns != .tmict * .divide) or
	(.mode == \"tscdeadline\" and .period_ns != 0))] | length == 0"
RATE='(.run_ns / .period_ns) as $e | .ticks >= $e * LO and .ticks <= $e * 1.2 + 1'
rate() { echo "${RATE/LO/$1}"; }
RATE_DIAG='.vms[] | .name as $n | .vcpus[] | {vm: $n, id, mode, run, masked, period_ns, run_ns, ticks, expected: (if .period_ns > 0 then .run_ns / .period_ns else null end)}'

# ---- 1. the built-in scenario (forked), 2 s ----
t0=$(date +%s%N)
"$R" --seconds 2 --manifest "$T/d.json" --exit-manifest "$T/dx.json" >"$T/d.out" 2>"$T/d.err"
rc=$?
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
if [ $rc = 0 ] && [ $ms -ge 1900 ] && [ $ms -lt 15000 ]; then
	ok "default scenario: --seconds 2 exits 0 after ${ms} ms"
else
	notok "default scenario: --seconds 2 exits 0 (rc=$rc after ${ms} ms)"; diag <"$T/d.err"
fi
if [ "$(cat "$T/d.out")" = "refvmm: ready" ]; then ok "stdout is exactly 'refvmm: ready'"; else notok "stdout is exactly 'refvmm: ready'"; diag <"$T/d.out"; fi
if jq -e --argjson top "$(jq .pid "$T/d.json")" '(.vms | length) >= 2 and ([.vms[].pid] | unique | length) == (.vms | length) and all(.vms[]; .pid != $top) and .fork == true' "$T/d.json" >/dev/null; then
	ok "default: >= 2 VMs in distinct child processes"
else notok "default: >= 2 VMs in distinct child processes"; fi
check "default: covers periodic, oneshot and tscdeadline" "$T/d.json" '[.vms[].vcpus[].mode] | unique == ["oneshot","periodic","tscdeadline"]'
check "default: covers xAPIC and x2APIC, masked and unmasked" "$T/d.json" \
	'([.vms[].vcpus[].x2apic] | unique == [false,true]) and ([.vms[].vcpus[].masked] | unique == [false,true])'
check "default: covers run=hlt, cli-hlt and spin" "$T/d.json" '[.vms[].vcpus[].run] | unique == ["cli-hlt","hlt","spin"]'
check "default: every vCPU has its own tid" "$T/d.json" '[.vms[].vcpus[].tid] | (unique | length) == length and all(. > 0)'
check "default: KVM_GET_LAPIC matches mode, mask, vector, TMICT, divide, SVR, x2APIC (armed)" "$T/d.json" "$LAPIC_MATCH" "$LAPIC_DIAG"
check "default: KVM_GET_LAPIC still matches after 2 s (exit)" "$T/dx.json" "$LAPIC_MATCH" "$LAPIC_DIAG"
check "default: period_ns = TMICT x divide x 1 ns, clamped to ${MIN_US} us for periodic" "$T/d.json" "$PERIOD_MATCH" \
	'.vms[].vcpus[] | {mode, tmict, divide, period_ns}'
check "default: min_timer_period_us recorded" "$T/d.json" ".min_timer_period_us == $MIN_US"
check "default: a periodic timer below the minimum is clamped (period_ns == ${MIN_US}000)" "$T/d.json" \
	"any(.vms[].vcpus[]; .mode == \"periodic\" and .tmict * .divide < $MIN_US * 1000 and .period_ns == $MIN_US * 1000)"
check "default: TSC-deadline MSR readback equals the deadline the guest wrote" "$T/d.json" \
	'[.vms[].vcpus[] | select(.mode == "tscdeadline")] | length > 0 and all(.tsc_deadline > 0 and .lapic.tscdeadline_msr == .tsc_deadline)' \
	'.vms[].vcpus[] | select(.mode == "tscdeadline") | {tsc_deadline, lapic}'
check "default: long TSC deadline still armed at exit, 0 ticks" "$T/dx.json" \
	'all(.vms[].vcpus[] | select(.mode == "tscdeadline"); .lapic.tscdeadline_msr == .tsc_deadline and .ticks == 0)'
check "default: long one-shot still counting at exit (TMCCT > 0), 0 ticks" "$T/dx.json" \
	'all(.vms[].vcpus[] | select(.mode == "oneshot"); .lapic.tmcct > 0 and .lapic.tmcct < .tmict and .ticks == 0)' \
	'.vms[].vcpus[] | select(.mode == "oneshot") | {ticks, lapic}'
check "default: cli-hlt periodic counts 0 ticks, interrupt pending in IRR" "$T/dx.json" \
	'[.vms[].vcpus[] | select(.run == "cli-hlt" and .mode == "periodic")] | length > 0 and all(.ticks == 0 and .lapic.timer_irr)'
check "default: masked periodic counts 0 ticks, nothing in IRR" "$T/dx.json" \
	'[.vms[].vcpus[] | select(.masked and .mode == "periodic")] | length > 0 and all(.ticks == 0 and (.lapic.timer_irr | not))'
check "default: hlt periodic ticks = run_ns/period_ns +-20%" "$T/dx.json" \
	"[.vms[].vcpus[] | select(.run == \"hlt\" and .mode == \"periodic\" and (.masked | not))] | length > 0 and all($(rate 0.8))" "$RATE_DIAG"
check "default: spin periodic ticks = run_ns/period_ns -75%/+20%" "$T/dx.json" \
	"[.vms[].vcpus[] | select(.run == \"spin\" and .mode == \"periodic\" and (.masked | not))] | length > 0 and all($(rate 0.25))" "$RATE_DIAG"
check "default: no unexpected interrupts" "$T/dx.json" 'all(.vms[].vcpus[]; .other_irqs == 0)'

# ---- 2. one process: firing timers, re-arm, events ----
"$R" --no-fork --seconds 2 --manifest "$T/e.json" --exit-manifest "$T/ex.json" \
	--vm name=ev,vcpus=7,mode=oneshot/tscdeadline/periodic/periodic/oneshot/periodic/tscdeadline,deadline_ms=200/200/0/0/100/0/100,rearm=0/0/0/0/1/0/1,period_us=5000/5000/5000/10000/5000/10000/5000,x2apic=0/1/1/0/0/1/1,pin=-1/-1/0/-1/-1/-1/-1 \
	--event at_ms=300,vm=ev,vcpu=3,pause_ms=1000 --event at_ms=500,vm=ev,vcpu=5,migrate=1 \
	--event at_ms=100,vm=ev,vcpu=0,set_tsc=1000000000000 --event at_ms=100,vm=ev,vcpu=1,tsc_khz=1000000 \
	>"$T/e.out" 2>"$T/e.err"
rc=$?
if [ $rc = 0 ]; then ok "events scenario exits 0"; else notok "events scenario exits 0 (rc=$rc)"; diag <"$T/e.err"; fi
if jq -e --argjson top "$(jq .pid "$T/e.json" 2>/dev/null || echo -1)" '.fork == false and all(.vms[]; .pid == $top)' "$T/e.json" >/dev/null 2>&1; then
	ok "no-fork: the VM runs in the refvmm process"; else notok "no-fork: the VM runs in the refvmm process"; fi
check "events: KVM_GET_LAPIC matches the manifest (armed)" "$T/e.json" "$LAPIC_MATCH" "$LAPIC_DIAG"
check "events: pin recorded (cpu_pinned 0 for vCPU 2, -1 elsewhere)" "$T/e.json" \
	'[.vms[0].vcpus[].cpu_pinned] == [-1,-1,0,-1,-1,-1,-1]'
check "oneshot (200 ms) fired exactly once, TMCCT 0 after" "$T/ex.json" \
	'.vms[0].vcpus[0] | .ticks == 1 and .lapic.tmcct == 0 and .lapic.tmict == .tmict' '.vms[0].vcpus[0]'
check "tscdeadline (200 ms) fired exactly once, MSR 0x6e0 reads 0 after" "$T/ex.json" \
	'.vms[0].vcpus[1] | .ticks == 1 and .lapic.tscdeadline_msr == 0 and .tsc_deadline > 0' '.vms[0].vcpus[1]'
check "periodic 5 ms (x2APIC, pinned): ticks +-20%" "$T/ex.json" ".vms[0].vcpus[2] | $(rate 0.8)" "$RATE_DIAG"
check "paused 1 s of 2 s: ticks between 30% and 65% of an unpaused timer" "$T/ex.json" \
	'.vms[0].vcpus[3] | (.run_ns / .period_ns) as $e | .ticks >= $e * 0.3 and .ticks <= $e * 0.65' "$RATE_DIAG"
check "pause event logged done after >= 1000 ms" "$T/ex.json" \
	'any(.vms[0].event_log[]; .action == "pause_ms" and .vcpu == 3 and .result == "done" and .done_ms >= 1300)' '.vms[0].event_log'
check "oneshot re-armed from its handler every 100 ms: ticks +-20%" "$T/ex.json" \
	'.vms[0].vcpus[4] | (.run_ns / .deadline_ns) as $e | .ticks >= $e * 0.8 and .ticks <= $e * 1.2 + 1' '.vms[0].vcpus[4] | {ticks, run_ns, deadline_ns}'
check "tscdeadline re-armed every 100 ms: ticks +-20%" "$T/ex.json" \
	'.vms[0].vcpus[6] | (.run_ns / .deadline_ns) as $e | .ticks >= $e * 0.8 and .ticks <= $e * 1.2 + 1' '.vms[0].vcpus[6] | {ticks, run_ns, deadline_ns}'
check "migrate (KVM_GET_LAPIC/KVM_SET_LAPIC) done; the periodic timer keeps its rate" "$T/ex.json" \
	"any(.vms[0].event_log[]; .action == \"migrate\" and .result == \"done\") and (.vms[0].vcpus[5] | $(rate 0.8)) and (.vms[0].vcpus[5].lapic.tmict == .vms[0].vcpus[5].tmict)" "$RATE_DIAG"
res=$(jq -r '.vms[0].event_log[] | select(.action == "set_tsc") | .result' "$T/ex.json" 2>/dev/null)
case "$res" in
done) check "set_tsc moved the guest TSC to 1e12 (+ run time)" "$T/ex.json" \
	'.vms[0].vcpus[0] | .lapic.tsc >= 1000000000000 and .lapic.tsc < 1000000000000 + (.run_ns / 1000000 * .tsc_khz * 2)' '.vms[0].vcpus[0]' ;;
ineffective*) skip "set_tsc moved the guest TSC" "this KVM does not offset the guest TSC (refvmm reports: $res)" ;;
*) notok "set_tsc logged a result (got '$res')" ;;
esac
res=$(jq -r '.vms[0].event_log[] | select(.action == "tsc_khz") | .result' "$T/ex.json" 2>/dev/null)
case "$res" in
done) check "tsc_khz=1000000 took effect (KVM_GET_TSC_KHZ)" "$T/ex.json" '.vms[0].vcpus[1].tsc_khz == 1000000' ;;
unsupported*)
	if grep -q 'KVM_CAP_TSC_CONTROL absent' "$T/e.err"; then
		skip "tsc_khz took effect" "KVM_CAP_TSC_CONTROL absent here; refvmm said so on stderr"
	else notok "tsc_khz unsupported but no message on stderr"; fi ;;
*) notok "tsc_khz logged a result (got '$res')" ;;
esac

# ---- 3. until SIGTERM: live pids/tids, pinning, clean exit ----
"$R" --fork --vm name=s1,vcpus=2,pin=0/-1 --vm name=s2,vcpus=1,mode=tscdeadline --manifest "$T/s.json" >"$T/s.out" 2>"$T/s.err" &
pid=$!
for _ in $(seq 100); do grep -q '^refvmm: ready$' "$T/s.out" 2>/dev/null && break; sleep 0.1; done
if grep -q '^refvmm: ready$' "$T/s.out"; then ok "without --seconds: ready"; else notok "without --seconds: ready"; diag <"$T/s.err"; fi
live=1
for p in $(jq -r '.vms[].pid' "$T/s.json" 2>/dev/null); do [ -d /proc/$p ] && [ "$(cat /proc/$p/comm)" != "" ] || live=0; done
for t in $(jq -r '.vms[] | .pid as $p | .vcpus[] | "\($p)/task/\(.tid)"' "$T/s.json" 2>/dev/null); do [ -d /proc/$t ] || live=0; done
if [ $live = 1 ] && [ -s "$T/s.json" ]; then ok "manifest pids and tids are live processes/threads"; else notok "manifest pids and tids are live processes/threads"; fi
ptid=$(jq -r '.vms[0] | "\(.pid)/task/\(.vcpus[0].tid)"' "$T/s.json" 2>/dev/null)
aff=$(awk '/Cpus_allowed_list/ {print $2}' /proc/$ptid/status 2>/dev/null)
if [ "$aff" = 0 ]; then ok "pin=0: the vCPU thread's affinity is CPU 0"; else notok "pin=0: the vCPU thread's affinity is CPU 0 (got '$aff')"; fi
kill -TERM $pid
wait $pid
rc=$?
gone=1
for p in $(jq -r '.vms[].pid' "$T/s.json" 2>/dev/null); do [ -d /proc/$p ] && gone=0; done
if [ $rc = 0 ] && [ $gone = 1 ] && [ ! -s "$T/s.err" ]; then ok "SIGTERM: exit 0, children gone, nothing on stderr"; else notok "SIGTERM: exit 0, children gone (rc=$rc gone=$gone)"; diag <"$T/s.err"; fi

# ---- 4. --scenario file ----
cat >"$T/scn" <<'SCN'
# two VMs from a file
vm name=f1,vcpus=2,mode=periodic/oneshot,period_us=20000
--vm name=f2,vcpus=1,mode=tscdeadline,x2apic=1   # trailing comment
event at_ms=0,vm=f1,vcpu=1,migrate=1
SCN
"$R" --scenario "$T/scn" --seconds 1 --manifest "$T/f.json" >/dev/null 2>"$T/f.err"
rc=$?
if [ $rc = 0 ]; then ok "--scenario FILE runs"; else notok "--scenario FILE runs (rc=$rc)"; diag <"$T/f.err"; fi
check "--scenario FILE: VMs, modes and events as written" "$T/f.json" \
	'[.vms[] | .name] == ["f1","f2"] and [.vms[].vcpus[].mode] == ["periodic","oneshot","tscdeadline"] and .vms[1].vcpus[0].x2apic and (.events | length) == 1 and .events[0].action == "migrate"'

# ---- 5. the static binary ----
if [ -x "$RS" ]; then
	if file "$RS" 2>/dev/null | grep -q 'statically linked' || ! ldd "$RS" >/dev/null 2>&1; then
		ok "refvmm-static is statically linked"; else notok "refvmm-static is statically linked"; fi
	"$RS" --no-fork --seconds 1 --vm vcpus=3,mode=periodic/oneshot/tscdeadline,x2apic=0/1/0 --exit-manifest "$T/st.json" >"$T/st.out" 2>"$T/st.err"
	rc=$?
	if [ $rc = 0 ] && [ "$(cat "$T/st.out")" = "refvmm: ready" ]; then ok "refvmm-static runs a VM and exits 0"; else notok "refvmm-static runs (rc=$rc)"; diag <"$T/st.err"; fi
	check "refvmm-static: KVM_GET_LAPIC matches the manifest" "$T/st.json" "$LAPIC_MATCH" "$LAPIC_DIAG"
else
	notok "refvmm-static built"
fi

echo "# $n tests, $fails failed"
echo "1..$n"
[ $fails = 0 ]
