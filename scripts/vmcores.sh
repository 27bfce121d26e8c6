#!/usr/bin/env bash
# vmcores.sh [SCENARIO...] — the dump factory's front door (`make vmcores`).
# Builds or reuses, in $CACHE (default ~/.cache/kvmtimer): the Debian test kernel, the
# reference kernel (timer fix reverted), one initramfs and one dump per scenario; then
# writes vmcores/index.json (absolute paths into the cache).  Scenarios: see
# scripts/vmcores/scenarios.sh and vmcores/README.md.  Default: all of them.
# Env: REFVMM (path to refvmm-static, default build/refvmm-static), JOBS (kernel build
# parallelism, default nproc), DEBIAN_KERNEL_ABI (e.g. 6.1.0-56), CACHE, VMCORES_INDEX.
# (Body in braces: bash parses it whole before running, so editing this file
# cannot break a run in progress.)
{
. "$(dirname "$0")/vmcores/lib.sh"
. "$FACTORY_DIR/scenarios.sh"
want=${*:-$ALL_SCENARIOS}
index=${VMCORES_INDEX:-$REPO/vmcores/index.json}
lock vmcores
t0=$SECONDS

# On a cold cache the three builds (reference kernels 6.1 and 6.12, crash 8.0.6) are
# most of the time, and only storm, storm-kdump and storm-612 need them: the Debian
# kernels (downloads) come first, then the scenarios on them run while the builds go on
# in the background at nice 19, below QEMU's nice 10, so the builds take the CPU the
# dumps leave idle (booting, settling, waiting on the guest).  The scenarios that need a
# build run last, each after its build has ended.
declare -A kernels=() kpid=() skernel=()
need_crash=0 first=() later=()
for s in $want; do
  KIND= SERIES=6.1 REF_CC=gcc REF_FIX=reverted ACTION= CAPTURE=snapshot; "scenario_${s//-/_}" || die "unknown scenario $s"
  k="$KIND $SERIES"; [ $KIND = ref ] && k+=" $REF_CC $REF_FIX"
  kernels["$k"]=1; skernel[$s]=$k
  [ "$SERIES" = 6.1 ] || need_crash=1
  # (scenario.sh needs crash 8.0.6 for a 6.12 storm or kdump capture: those wait too.)
  if [ $KIND = ref ] || { [ "$SERIES" != 6.1 ] && { [ "$ACTION" = storm ] || [ $CAPTURE = kdump ]; }; }
  then later+=("$s"); else first+=("$s"); fi
done
crash_pid=
if [ $need_crash = 1 ]; then
  { timed "crash 8.0.6" "$REPO/scripts/crash-build.sh" 8.0.6 >/dev/null {LOCK_FD}>&- & } ; crash_pid=$!
fi
dpids=()
for k in "${!kernels[@]}"; do
  set -- $k
  if [ "$1" = ref ]; then
    { REF_CC=$3 REF_FIX=$4 timed "kernel ref $2" "$FACTORY_DIR/refkernel.sh" "$2" >/dev/null {LOCK_FD}>&- & }
    kpid["$k"]=$!
  else
    { timed "kernel debian $2" "$FACTORY_DIR/debian-kernel.sh" "$2" >/dev/null {LOCK_FD}>&- & }
    dpids+=($!)
  fi
done
for p in "${dpids[@]}"; do wait "$p" || die "Debian kernel preparation failed"; done

# Scenarios one after another (each QEMU already keeps two host threads busy).
entries=$(mktemp); trap 'rm -f "$entries"' EXIT
failed=()
declare -A kfailed=()
for s in "${first[@]}" "${later[@]}"; do
  ts=$SECONDS
  k=${skernel[$s]}
  if [ -n "${kpid[$k]:-}" ]; then
    # This kernel's build: wait for it once; a failed build fails its scenarios (no retry).
    wait "${kpid[$k]}" || kfailed["$k"]=1
    unset "kpid[$k]"
  fi
  if [ -n "${kfailed[$k]:-}" ]; then failed+=("$s"); log "$s: FAILED (kernel $k did not build)"; continue; fi
  # Two retries: TCG runs are not perfectly repeatable (a workload can die, a storm be
  # missed; a refvmm vCPU triple-faulted at start in 2 of 13 scenario runs of one CI under
  # TCG's nested SVM: with one retry, ~2 % per scenario of failing CI).
  if "$FACTORY_DIR/scenario.sh" "$s" >> "$entries" || { log "$s: failed, retrying (2 of 3)"; \
     "$FACTORY_DIR/scenario.sh" "$s" >> "$entries"; } || { log "$s: failed, retrying (3 of 3)"; \
     "$FACTORY_DIR/scenario.sh" "$s" >> "$entries"; }; then
    log "$s: ok ($((SECONDS - ts))s)"
  else
    failed+=("$s"); log "$s: FAILED"
  fi
done
# Builds no scenario waited for (none of the wanted ones needed them) still end here.
for k in "${!kpid[@]}"; do wait "${kpid[$k]}" || failed+=("kernel $k"); done

# Each kernel's vmlinux with a gdb index, for the tests' crash sessions (gdb-index.sh).
while read -r v; do
  d=${v%/*}; timed "gdb index ${d##*/}" "$FACTORY_DIR/gdb-index.sh" "$v" >/dev/null || failed+=("gdb index $v")
done < <(python3 -c 'import json, sys; print("\n".join(sorted({json.loads(l)["vmlinux"] for l in open(sys.argv[1]) if l.strip()})))' "$entries")

# Merge with the index entries of scenarios not rebuilt this time (vmcores.sh storm).
mkdir -p "$(dirname "$index")"
python3 - "$index" "$entries" <<'PY'
import json, os, sys
index, new = sys.argv[1], [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
old = []
if os.path.exists(index):
    try: old = json.load(open(index)).get("scenarios", [])
    except Exception: old = []
for e in new:
    if os.path.exists(e["vmlinux"] + ".gdb-index"):
        e["crash_vmlinux"] = e["vmlinux"] + ".gdb-index"
names = {e["name"] for e in new}
keep = [e for e in old if e["name"] not in names and os.path.exists(e.get("vmcore", ""))]
order = {n: i for i, n in enumerate(["healthy", "healthy-elf", "stale-fixed", "storm", "scale", "corrupt", "pt-hole",
                                      "healthy-kdump", "storm-kdump", "healthy-5lvl"])}
all_ = sorted(keep + new, key=lambda e: (order.get(e["name"], 99), e["name"]))
tmp = index + ".tmp"
json.dump({"scenarios": all_}, open(tmp, "w"), indent=1); os.replace(tmp, index)
PY
[ -z "$crash_pid" ] || wait "$crash_pid" || failed+=("crash-8.0.6-build")
printf '%s %-28s %4ds\n' "$(date -u +%FT%TZ)" "make vmcores ($want)" $((SECONDS - t0)) >> "$CACHE/times.log"
log "index: $index ($((SECONDS - t0))s; times in $CACHE/times.log)"
[ ${#failed[@]} = 0 ] || die "failed scenarios: ${failed[*]}"
exit
}
