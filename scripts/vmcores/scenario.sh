#!/usr/bin/env bash
# scenario.sh NAME — produce (or reuse) one scenario's dump and print its index entry
# (one JSON object per line; healthy prints a second one for its ELF copy).
# Steps: kernel (debian-kernel.sh | refkernel.sh) -> initramfs -> QEMU (TCG, q35,
# vmcoreinfo device, QMP socket, gdbstub, kernel log on ttyS0, results on ttyS1) ->
# wait for refvmm's "ready" -> action (plain | stale | storm | corrupt) -> dump -> manifest.
# CAPTURE=kdump: the dump is not QEMU's but the guest's own: after the action the host
# sends QMP inject-nmi, the kernel panics (unknown_nmi_panic=1), the capture kernel runs
# makedumpfile KDUMP_ARGS on /proc/vmcore, written flattened to an NVMe disk (dump.img)
# and rebuilt here with makedumpfile -R.
# The result is cached in $CACHE/dumps/NAME/KEY, KEY = hash of everything that shapes it.
# (Body in braces: bash parses it whole before running, so editing this file
# cannot break a run in progress.)
{
. "$(dirname "$0")/lib.sh"
. "$FACTORY_DIR/scenarios.sh"
name=$1
KIND= REF_CC=gcc REF_FIX=reverted MEM=1G SMP=2 APPEND= REFVMM_ARGS= ACTION=plain SETTLE=5 D=0 FORMATS=kdump-zlib READY_TIMEOUT=600
SERIES=6.1 PAGING=4 CLOCK=tsc CAPTURE=snapshot KDUMP_ARGS= FAMILY=$name
"scenario_${name//-/_}" || die "unknown scenario $name"
# The host's shape, on the kernel command line and QEMU's CPU model.
case $CLOCK in tsc) APPEND="$APPEND clocksource=tsc tsc=reliable" ;; hpet) APPEND="$APPEND clocksource=hpet" ;;
  *) die "CLOCK=$CLOCK" ;; esac
case $PAGING in 4) cpu=max,la57=off ;; 5) cpu=max ;; *) die "PAGING=$PAGING" ;; esac
[ $CAPTURE = snapshot ] || [ $CAPTURE = kdump ] || die "CAPTURE=$CAPTURE"
[ $CAPTURE = kdump ] && APPEND="$APPEND crashkernel=384M unknown_nmi_panic=1"
lock "scenario-$name"
REFVMM_ARGS=$(echo $REFVMM_ARGS)          # one line
REFVMM=${REFVMM:-$REPO/build/refvmm-static}
[ -x "$REFVMM" ] || [ -n "${ALLOW_NO_REFVMM:-}" ] || die "$REFVMM missing (make build/refvmm-static)"

# ---- kernel ------------------------------------------------------------------------
if [ $KIND = debian ]; then
  kdir=$(timed "kernel debian $SERIES" "$FACTORY_DIR/debian-kernel.sh" "$SERIES")
  bzimage=$kdir/vmlinuz; vmlinux=$kdir/vmlinux; fixed=true
  mods=$(printf '{"kvm":"%s","kvm_amd":"%s"}' "$kdir/debug/kvm.ko" "$kdir/debug/kvm-amd.ko")
else
  kdir=$(export REF_CC REF_FIX; timed "kernel ref $SERIES $REF_CC $REF_FIX" "$FACTORY_DIR/refkernel.sh" "$SERIES")
  bzimage=$kdir/bzImage; vmlinux=$kdir/vmlinux; mods='{}'
  fixed=false; [ $REF_FIX = reverted ] || fixed=true
fi
kversion=$(cat "$kdir/version")
# Debian 12's crash 8.0.2 cannot open 6.4+ kernels: the 6.12 dumps use crash 8.0.6
# (scripts/crash-build.sh: built once from Debian 13's source, cached).
# The factory itself needs it only to check a storm or a kdump capture; vmcores.sh builds
# it in the background meanwhile, and waits for it before it finishes.
CRASH=crash
if [ $SERIES != 6.1 ]; then
  CRASH=$CACHE/crash/8.0.6/crash
  if [ $ACTION = storm ] || [ $CAPTURE = kdump ]; then
    CRASH=$(timed "crash 8.0.6" "$REPO/scripts/crash-build.sh" 8.0.6)/crash || die "crash 8.0.6 build failed"
  fi
fi
export CRASH

# ---- cache key & initramfs ------------------------------------------------------------
envf=$(mktemp); trap 'rm -f "$envf"' EXIT
printf 'SCENARIO=%q\nREFVMM_ARGS=%q\nREADY_TIMEOUT=%q\nKDUMP_ARGS=%q\n' "$name" "$REFVMM_ARGS" "$READY_TIMEOUT" "$KDUMP_ARGS" > "$envf"
# kdump: the capture kernel is Debian's kernel of the series (relocatable, NVMe built
# in, /proc/vmcore), also for the reference kernel, as a distro's kdump would load.
kd=()
if [ $CAPTURE = kdump ]; then
  capdir=$kdir; [ $KIND = debian ] || capdir=$(timed "kernel debian $SERIES" "$FACTORY_DIR/debian-kernel.sh" "$SERIES")
  kd=(kdump "$capdir/vmlinuz")
fi
initrd=$(timed "initramfs $name" "$FACTORY_DIR/initramfs.sh" "$kdir" "$KIND" "$REFVMM" "$name" "$envf" "${kd[@]}")
# Key: the scenario's resolved settings (scenario functions may build on each other).
key=$( { for v in KIND REF_CC REF_FIX MEM SMP APPEND REFVMM_ARGS ACTION SETTLE D FORMATS READY_TIMEOUT SERIES PAGING CLOCK \
                  CAPTURE KDUMP_ARGS FAMILY; do printf '%s=%q\n' $v "${!v}"; done; echo "$kversion $initrd"; \
         cat "$FACTORY_DIR"/scenario.sh "$FACTORY_DIR"/gdbfactory.py "$FACTORY_DIR"/crashcheck.sh "$FACTORY_DIR"/mkmanifest.py; } | sha256sum | cut -c1-12)
out=$CACHE/dumps/$name/$key
entry() {  # index entries for a finished result directory
  local f first=1
  for f in $FORMATS; do
    local v=$out/vmcore n=$name; [ $first = 1 ] || { v=$out/vmcore.$f; n=$name-$f; }
    printf '{"name":"%s","vmcore":"%s","format":"%s","vmlinux":"%s","modules":%s,"manifest":"%s","kernel":"%s","fixed":%s,' \
      "$n" "$v" "$f" "$vmlinux" "$mods" "$out/manifest.json" "$(cut -d' ' -f1 <<<"$kversion")" "$fixed"
    printf '"family":"%s","series":"%s","capture":"%s","paging":%d,"clock":"%s","crash":"%s"}\n' \
      "$FAMILY" "$SERIES" "$CAPTURE" "$PAGING" "$CLOCK" "$CRASH"
    first=0
  done
}
if [ -s "$out/manifest.json" ]; then entry; exit 0; fi

# Leftovers of interrupted runs of this scenario go first.
rm -rf "$CACHE/dumps/$name"/*.tmp
run=$out.tmp; mkdir -p "$run"
exec 3>>"$run/factory.log"
flog() { echo "$(date +%T) $*" >&3; log "$name: $*"; }
t_start=$SECONDS

# ---- QEMU ------------------------------------------------------------------------------
gport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
qmp() { "$FACTORY_DIR/qmp.py" "$run/qmp.sock" "$@"; }
cmdline="console=ttyS0 panic=-1 $APPEND"
qemu=(qemu-system-x86_64 -machine q35 -accel tcg -cpu "$cpu" -smp "$SMP" -m "$MEM"
  -display none -monitor none -no-reboot -nodefaults
  -serial "file:$run/console.log" -serial "file:$run/data.log"
  -kernel "$bzimage" -initrd "$initrd" -append "$cmdline"
  -device vmcoreinfo -qmp "unix:$run/qmp.sock,server=on,wait=off"
  -gdb "tcp:127.0.0.1:$gport" -pidfile "$run/qemu.pid" -daemonize)
if [ $CAPTURE = kdump ]; then
  truncate -s "$MEM" "$run/dump.img"
  qemu+=(-drive "file=$run/dump.img,if=none,format=raw,id=dumpdisk" -device nvme,drive=dumpdisk,serial=kvmtdump)
fi
flog "starting QEMU: ${qemu[*]}"
$NICE "${qemu[@]}" {LOCK_FD}>&-      # the daemon must not inherit our lock
qpid=$(cat "$run/qemu.pid")
cleanup() { kill "$qpid" 2>/dev/null || true; rm -f "$envf"; }
trap cleanup EXIT

# Wait for KVMT READY on ttyS1 (the guest's init prints it after refvmm is ready).
t0=$SECONDS
until grep -q '^KVMT READY' "$run/data.log" 2>/dev/null; do
  kill -0 "$qpid" 2>/dev/null || die "$name: QEMU died (see $run/console.log)"
  [ $((SECONDS - t0)) -lt $((READY_TIMEOUT + 300)) ] || die "$name: guest not ready (see $run/console.log, data.log)"
  sleep 1
done
tr -d '\r' < "$run/data.log" > "$run/data.txt"
flog "guest ready after $((SECONDS - t0))s"
grep '^KVMT ERROR' "$run/data.txt" >&2 && [ -z "${ALLOW_NO_REFVMM:-}" ] && die "$name: guest reported errors"
sleep "$SETTLE"
# The workload must still be alive: init reports the number of VMs once a second.
nvm_want=$(grep -o -- '--vm ' <<<"$REFVMM_ARGS" | wc -l)
alive=$(tr -d '\r' < "$run/data.log" | awk '$2=="ALIVE"{n=$3} END{print n+0}')
if [ -z "${ALLOW_NO_REFVMM:-}" ] && [ "$alive" != "$nvm_want" ]; then
  tr -d '\r' < "$run/data.log" | grep '^KVMT REFVMM' >&2 || true
  die "$name: $alive VMs alive in the guest, want $nvm_want (see $run/data.log, console.log)"
fi
flog "$alive VMs alive"

# gdb on the gdbstub.  Kernel symbols are relocated by the KASLR slide (guest _text -
# vmlinux _text); kvm.ko debuginfo is placed where the guest loaded it.
text=$(awk '$2=="TEXT"{print $3}' "$run/data.txt")
vtext=$(nm "$vmlinux" 2>/dev/null | awk '$3=="_text"{print $1}')
slide=$(( 0x$text - 0x$vtext ))
gdbrun() {  # gdbrun ACTION [extra gdb -ex commands...]
  local act=$1; shift
  # (add-symbol-file must come after `target remote`: before it gdb truncates addresses.)
  local sym=("symbol-file -o $slide $vmlinux")
  if [ $KIND = debian ]; then
    local t=$(awk '$2=="SECTION" && $3=="kvm" && $4==".text"{print $5}' "$run/data.txt")
    local d=$(awk '$2=="SECTION" && $3=="kvm" && $4==".data"{print $5}' "$run/data.txt")
    local b=$(awk '$2=="SECTION" && $3=="kvm" && $4==".bss"{print $5}' "$run/data.txt")
    sym+=(-ex "add-symbol-file $kdir/debug/kvm.ko $t -s .data $d -s .bss $b")
  fi
  KVMT_ACTION=$act KVMT_OUT=$run/$act.json D=$D $NICE timeout "${GDB_TIMEOUT:-600}" gdb -batch -nx -q \
    -ex 'set pagination off' -ex 'set confirm off' -ex "${sym[0]}" \
    -ex "target remote 127.0.0.1:$gport" "${sym[@]:1}" -x "$FACTORY_DIR/gdbfactory.py" "$@" -ex detach \
    >> "$run/gdb.log" 2>&1
  [ -s "$run/$act.json" ] || die "$name: gdb action $act failed (see $run/gdb.log)"
}
dumpfmt_hmp() { case $1 in kdump-zlib) echo -z ;; elf) echo ;; esac; }
qmpdump() {  # qmpdump FORMAT FILE
  qmp dump-guest-memory "{\"paging\":false,\"protocol\":\"file:$2\",\"format\":\"$1\"}" >&3
}
primary=${FORMATS%% *}
dumpnote=
# kdump: NMI panic, capture kernel, makedumpfile.  Which CPU panicked and (storm) which
# CPU was inside the catch-up loop come from crash on the captured dump.
kdump_capture() {
  grep -q '^KVMT KEXEC loaded 1' "$run/data.txt" || die "$name: capture kernel not loaded (see $run/data.txt)"
  local t0=$SECONDS
  qmp inject-nmi >&3
  flog "kdump: QMP inject-nmi sent"
  until grep -aq '^KVMT CAPTURED' "$run/data.log" 2>/dev/null; do
    kill -0 "$qpid" 2>/dev/null || break
    [ $((SECONDS - t0)) -lt 900 ] || die "$name: no capture after 900 s (see $run/console.log)"
    sleep 1
  done
  local t1=$SECONDS
  for _ in $(seq 30); do kill -0 "$qpid" 2>/dev/null || break; sleep 1; done
  kill "$qpid" 2>/dev/null || true
  tr -d '\r' < "$run/data.log" > "$run/data.txt"
  local rc=$(awk '$2=="CAPTURED"{print $3}' "$run/data.txt" | tail -1)
  [ "$rc" = 0 ] || die "$name: makedumpfile in the capture kernel failed (rc '$rc'; see $run/data.txt, console.log)"
  # (No panic on the console: printk from NMI context is deferred, and the capture kernel
  # boots before anything flushes it.  crash reads the panic from the dump below.)
  makedumpfile -R "$run/vmcore" < "$run/dump.img" >> "$run/factory.log" 2>&1 || die "$name: makedumpfile -R failed"
  flog "kdump: vmcore $(stat -c %s "$run/vmcore") bytes, $((t1 - t0))s from NMI to capture"
  "$FACTORY_DIR/crashcheck.sh" panic "$vmlinux" "$run/vmcore" > "$run/panic.json" 2>>"$run/crash.log" \
    || die "$name: crash finds no panic in the capture (see $run/crash.log)"
  python3 - "$run/panic.json" "$KDUMP_ARGS" $((t1 - t0)) > "$run/kdump.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
print(json.dumps({"kdump": dict(p, trigger="QMP inject-nmi (unknown_nmi_panic=1): the 'NMI button'",
    makedumpfile="makedumpfile -F %s /proc/vmcore (capture kernel), makedumpfile -R (host)" % sys.argv[2],
    seconds_nmi_to_capture=int(sys.argv[3]))}, indent=1))
PY
  rm -f "$run/dump.img"
}
case $CAPTURE/$ACTION in
kdump/plain)
  kdump_capture; cp "$run/kdump.json" "$run/action.json"
  dumpnote="NMI panic ${SETTLE}s after refvmm ready; kdump capture kernel, makedumpfile $KDUMP_ARGS" ;;
kdump/storm)
  gdbrun tk-cycles
  sleep 3
  kdump_capture
  "$FACTORY_DIR/crashcheck.sh" storm "$vmlinux" "$run/vmcore" > "$run/storm.json" 2>>"$run/crash.log" \
    || die "$name: the NMI did not land while a CPU was inside the catch-up loop"
  flog "storm: $(cat "$run/storm.json")"
  python3 - "$run/tk-cycles.json" "$run/storm.json" "$run/kdump.json" > "$run/action.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); a["storm"] = json.load(open(sys.argv[2]))
a["storm"]["attempt"] = 1; a.update(json.load(open(sys.argv[3]))); print(json.dumps(a, indent=1))
PY
  dumpnote="gdb moved cycle_last back, detached (guest resumed), QMP inject-nmi ~3 s later; kdump capture kernel, makedumpfile $KDUMP_ARGS" ;;
kdump/*) die "$name: CAPTURE=kdump with ACTION=$ACTION is not supported" ;;
*/plain)
  qmp stop >&3
  for f in $FORMATS; do
    dst=$run/vmcore; [ $f = $primary ] || dst=$run/vmcore.$f
    t0=$SECONDS; qmpdump $f "$dst"; flog "dump $f: $(stat -c %s "$dst") bytes in $((SECONDS - t0))s"
  done
  dumpnote="QMP stop ${SETTLE}s after refvmm ready, then dump-guest-memory" ;;
*/stale|*/corrupt|*/pt-hole)
  # gdb holds the guest halted from the injection through the dump: nothing runs in between.
  act=$([ $ACTION = stale ] && echo tk-base || echo $ACTION)
  gdbrun $act -ex "monitor dump-guest-memory $(dumpfmt_hmp $primary) $run/vmcore"
  [ -s "$run/vmcore" ] || die "$name: dump failed (see $run/gdb.log)"
  cp "$run/$act.json" "$run/action.json"
  dumpnote="guest halted by gdb; $act written; HMP dump-guest-memory through gdb's monitor before resuming" ;;
*/storm)
  # Jump the clock (cycle_last), let the guest run 1 s into the catch-up loop, then stop
  # it with gdb on apic_timer_fn's first instruction for a timer far behind the clock
  # (gdbfactory.py catch-storm), dump while gdb holds it, and check with crash that the
  # CPU's hrtimer base is running apic_timer_fn; else let the guest recover and retry.
  for attempt in 1 2 3; do
    gdbrun tk-cycles
    sleep 1
    if ( GDB_TIMEOUT=300 gdbrun catch-storm -ex "monitor dump-guest-memory $(dumpfmt_hmp $primary) $run/vmcore" ) \
       && [ -s "$run/vmcore" ] \
       && "$FACTORY_DIR/crashcheck.sh" storm "$vmlinux" "$run/vmcore" > "$run/storm.json" 2>>"$run/crash.log"; then
      flog "storm: attempt $attempt: $(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["catch"]))' "$run/catch-storm.json") $(cat "$run/storm.json")"; break
    fi
    flog "storm: attempt $attempt: not caught inside apic_timer_fn (see $run/gdb.log, crash.log), retrying"
    rm -f "$run/vmcore" "$run/storm.json" "$run/catch-storm.json"; qmp cont >&3 || true; sleep 60
  done
  [ -s "$run/storm.json" ] || die "$name: never caught a CPU inside the catch-up loop"
  python3 - "$run/tk-cycles.json" "$run/storm.json" "$attempt" "$run/catch-storm.json" > "$run/action.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); a["storm"] = json.load(open(sys.argv[2]))
a["storm"]["attempt"] = int(sys.argv[3]); a["storm"]["caught"] = json.load(open(sys.argv[4]))["catch"]
print(json.dumps(a, indent=1))
PY
  dumpnote="gdb moved cycle_last back, detached (guest resumed); ~1 s later gdb stopped the guest at apic_timer_fn for a timer > D/2 behind; HMP dump-guest-memory through gdb's monitor" ;;
esac
qmp quit >/dev/null 2>&1 || true
sleep 1; kill "$qpid" 2>/dev/null || true

# ---- manifest ------------------------------------------------------------------------
tr -d '\r' < "$run/data.log" > "$run/data.txt"     # everything init said, up to the dump
python3 "$FACTORY_DIR/mkmanifest.py" "$run" \
  --scenario "$name" --kind $KIND --kernel "$kversion" --vmlinux "$vmlinux" --modules "$mods" \
  --fixed $fixed --formats "$FORMATS" --cmdline "$cmdline" --qemu "${qemu[*]}" \
  --refvmm-args "$REFVMM_ARGS" --dump-note "$dumpnote" --slide $slide \
  --seconds $((SECONDS - t_start)) --final-dir "$out" \
  --host "{\"series\":\"$SERIES\",\"capture\":\"$CAPTURE\",\"paging\":$PAGING,\"clock\":\"$CLOCK\",\"family\":\"$FAMILY\",\"cpu\":\"$cpu\"}" \
  > "$run/manifest.json"
exec 3>&-
rm -f "$run/qmp.sock" "$run/data.log" "$run/dump.img"
# QEMU writes dumps mode 0400; ELF dumps are mostly zero pages: make them sparse.
chmod 0644 "$run"/vmcore*
for f in "$run"/vmcore.elf; do [ -f "$f" ] && fallocate -d "$f" 2>/dev/null || true; done
rm -rf "$out" && mv "$run" "$out"
# Keep the two newest results per scenario (dumps are big; the previous one may still be
# in use by a test reading the old index).
ls -dt "$CACHE/dumps/$name"/*/ | tail -n +3 | xargs -r rm -rf
printf '%s %-28s %4ds\n' "$(date -u +%FT%TZ)" "scenario $name (qemu..dump)" $((SECONDS - t_start)) >> "$CACHE/times.log"
entry
exit
}
