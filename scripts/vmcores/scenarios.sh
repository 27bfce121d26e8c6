# scenarios.sh — the scenario table (sourced by scenario.sh).  scenario_NAME sets:
#   KIND      debian | ref          kernel under test (ref = fix reverted, KVM built in)
#   REF_CC REF_FIX  ref only: gcc|clang, reverted|fixed (refkernel.sh; default gcc, reverted)
#   MEM SMP   guest RAM and CPUs;  APPEND  extra kernel command-line words
#   REFVMM_ARGS                    the workload (refvmm-static flags; ground truth = its manifest)
#   ACTION    plain | stale | storm | corrupt | pt-hole   what the factory does before dumping
#   SETTLE    seconds between "refvmm: ready" and the action
#   D         clock jump in seconds (stale, storm);  FORMATS  dump formats (first = primary)
#   READY_TIMEOUT  seconds to wait for refvmm
# Shape of the host (defaults in scenario.sh: a real host's shape):
#   SERIES    6.1 | 6.12            kernel generation (Debian stock or reference of that series)
#   PAGING    4 | 5                 paging levels (-cpu max,la57=off | -cpu max)
#   CLOCK     tsc | hpet            clocksource (tsc: tsc=reliable clocksource=tsc)
#   CAPTURE   snapshot | kdump      QEMU dump-guest-memory, or NMI panic + capture kernel
#   KDUMP_ARGS                      makedumpfile flags in the capture kernel (kdump only)
#   FAMILY    what the tests expect of it (healthy, stale-fixed, storm, scale, corrupt)
scenario_healthy() {
  KIND=debian MEM=1G SMP=2 ACTION=plain SETTLE=5 FORMATS="kdump-zlib elf"
  # every timer mode, xAPIC and x2APIC, halted / cli-halted / spinning vCPUs, masked,
  # two processes (--fork), one vCPU pinned.
  REFVMM_ARGS="--fork
    --vm name=web,vcpus=4,mode=periodic/oneshot/tscdeadline/periodic,period_us=1000/1000/1000/2000,deadline_ms=400000,divide=16/128/16/16,x2apic=0/1,masked=0,run=hlt
    --vm name=db,vcpus=3,mode=periodic/tscdeadline/periodic,period_us=10000,divide=1/2/128,x2apic=1,masked=0/0/1,run=hlt/cli-hlt/spin,pin=1
    --vm name=batch,vcpus=2,mode=oneshot/periodic,period_us=100000,deadline_ms=60000,divide=16,x2apic=0,masked=1/0,run=hlt"
}
# quiet: a masked periodic vCPU (0), and two whose threads stop calling KVM_RUN at
# ready (a 10-minute pause event, refvmm's longest): their next expiry sets
# lapic_timer.pending = 1 and nothing clears it, yet apic_timer_fn keeps re-arming
# (vCPU 1 unmasked, vCPU 2 masked as well).
STALE_QUIET="--vm name=quiet,vcpus=3,mode=periodic,period_us=10000,divide=16,masked=1/0/1,run=hlt
    --event at_ms=0,vm=quiet,vcpu=1,pause_ms=600000 --event at_ms=0,vm=quiet,vcpu=2,pause_ms=600000"
scenario_stale_fixed() {
  KIND=debian MEM=1G SMP=2 ACTION=stale SETTLE=5 D=300 FORMATS=kdump-zlib
  REFVMM_ARGS="--vm name=ticker,vcpus=2,mode=periodic,period_us=1000/10000,divide=16,x2apic=0/1,run=hlt
    --vm name=slow,vcpus=2,mode=periodic/tscdeadline,period_us=100000,divide=16,x2apic=1,run=hlt
    $STALE_QUIET"
}
scenario_storm() {
  KIND=ref MEM=1G SMP=2 ACTION=storm SETTLE=3 D=900 FORMATS=kdump-zlib
  # TSC clocksource (CLOCK=tsc, the default): the jump is written as TSC cycles.
  APPEND="kvm.min_timer_period_us=5"
  # No --fork: it needs socketpair(), and the reference kernel is built without NET.
  REFVMM_ARGS="--vm name=storm,vcpus=1,mode=periodic,period_us=10,divide=1,x2apic=0,run=hlt,pin=0
    --vm name=calm,vcpus=2,mode=periodic,period_us=1000000,divide=16,x2apic=1,run=hlt"
}
# The reference kernel built with clang 14 (LLVM=-14), both KVM vendors built in: the
# fix-status reader on another compiler's code, reverted (storm-clang) and as shipped,
# fix present (stale-clang); on an AMD (SVM) host with kvm_intel built in too.
scenario_storm_clang() { scenario_storm; FAMILY=storm REF_CC=clang REF_FIX=reverted; }
scenario_stale_clang() {
  KIND=ref FAMILY=stale-fixed REF_CC=clang REF_FIX=fixed MEM=1G SMP=2 ACTION=stale SETTLE=5 D=300 FORMATS=kdump-zlib
  REFVMM_ARGS="--vm name=ticker,vcpus=2,mode=periodic,period_us=1000/10000,divide=16,x2apic=0/1,run=hlt
    $STALE_QUIET"
}
# scale: 1,024 vCPUs (8 VMs x 128), the size issue #16's targets are stated at.
scenario_scale() {
  KIND=debian MEM=2G SMP=2 ACTION=plain SETTLE=10 FORMATS=kdump-zlib READY_TIMEOUT=1200
  REFVMM_ARGS="--fork"
  for i in $(seq 0 7); do
    REFVMM_ARGS+=" --vm name=scale$i,vcpus=128,mode=periodic,period_us=1000000,divide=16,x2apic=$((i % 2)),run=hlt"
  done
}
# corrupt: gdbfactory.py damages VMs by their position on vm_list (the last one gets the
# wild vm_list.next so the others stay reachable); the manifest names them by pid.
scenario_corrupt() {
  KIND=debian MEM=1G SMP=2 ACTION=corrupt SETTLE=5 FORMATS=kdump-zlib
  REFVMM_ARGS="--fork --vm name=red,vcpus=2,mode=periodic,period_us=2000,divide=16,run=hlt
    --vm name=green,vcpus=3,mode=periodic/tscdeadline/oneshot,period_us=5000,deadline_ms=400000,divide=128,x2apic=1,run=hlt
    --vm name=blue,vcpus=2,mode=periodic,period_us=10000,divide=16,run=hlt"
}
# pt-hole: the first VM's struct kvm sits behind a page-table page outside RAM
# (gdbfactory.py pt_hole): readers must fail on the page-table read and go on.
scenario_pt_hole() {
  KIND=debian MEM=1G SMP=2 ACTION=pt-hole SETTLE=5 FORMATS=kdump-zlib
  REFVMM_ARGS="--vm name=hole,vcpus=2,mode=periodic,period_us=1000,divide=16,run=hlt"
}

# ---- kdump captures: the host panicked by an NMI (QMP inject-nmi, unknown_nmi_panic=1),
# a capture kernel (loaded with kexec -p) runs makedumpfile on /proc/vmcore.
scenario_healthy_kdump() {
  scenario_healthy
  FAMILY=healthy MEM=1536M CAPTURE=kdump KDUMP_ARGS="-l -d 31" FORMATS=kdump-lzo
}
# The catch-up loop runs on CPU 1 (the 8 us vCPU pinned there) when the NMI lands 3 s
# after the clock jump; the capture kernel is Debian's 6.1 (kexec -p from the reference).
scenario_storm_kdump() {
  KIND=ref FAMILY=storm MEM=1536M SMP=2 ACTION=storm SETTLE=3 D=800
  CAPTURE=kdump KDUMP_ARGS="-c -d 31" FORMATS=kdump-zlib
  APPEND="kvm.min_timer_period_us=5"
  REFVMM_ARGS="--vm name=storm,vcpus=1,mode=periodic,period_us=8,divide=1,x2apic=0,run=hlt,pin=1
    --vm name=calm,vcpus=2,mode=periodic,period_us=1000000,divide=16,x2apic=1,run=hlt"
}
# ---- the 6.12 generation: the same workloads on Debian's stock 6.12 (and a 6.12
# reference kernel for the storm).
scenario_healthy_612()     { scenario_healthy;     FAMILY=healthy     SERIES=6.12 FORMATS=kdump-zlib; }
scenario_stale_fixed_612() { scenario_stale_fixed; FAMILY=stale-fixed SERIES=6.12; }
scenario_storm_612()       { scenario_storm;       FAMILY=storm       SERIES=6.12; }
scenario_scale_612()       { scenario_scale;       FAMILY=scale       SERIES=6.12; }
scenario_corrupt_612()     { scenario_corrupt;     FAMILY=corrupt     SERIES=6.12; }
scenario_healthy_kdump_612() { scenario_healthy_kdump; SERIES=6.12; }
# ---- the old shape kept once: 5-level paging (-cpu max turns LA57 on) and the hpet
# clocksource TCG picks by itself, so the unknown-TSC path stays tested.
scenario_healthy_5lvl()    { scenario_healthy;     FAMILY=healthy PAGING=5 CLOCK=hpet FORMATS=kdump-zlib; }

# The 6.12 set is in the default list (its suites run in crash 8.0.6), storm-612 too
# (its reference kernel: ~12 min to build here, once).  Made by name only:
# healthy-kdump-612 (makedumpfile 1.7.2 -d 31 drops 6.12 slab pages: one VM's struct
# pids are not in the dump), and the clang pair (two more kernels, ~11 min each: a cold
# make check could not afford them).
ALL_SCENARIOS="healthy stale-fixed storm scale corrupt pt-hole healthy-kdump storm-kdump healthy-5lvl
  healthy-612 stale-fixed-612 scale-612 corrupt-612 storm-612"

# scale-4k: a big host, 4,096 vCPUs (32 VMs x 128), for the benchmark's per-vCPU cost
# (make bench builds it by name into its own index; not in ALL_SCENARIOS, so the test
# suites never wait for it).  More guest memory and patience than scale.  Made since
# refvmm restarts a vCPU that triple-faults (TCG's nested SVM; before, one vCPU of the
# 4,096 did so in each of 4 tries on 2 busy cores): 58 s on an idle machine.
scenario_scale_4k() {
  scenario_scale
  MEM=6G READY_TIMEOUT=2400 FAMILY=scale
  REFVMM_ARGS="--fork"
  for i in $(seq 0 31); do
    REFVMM_ARGS+=" --vm name=scale$i,vcpus=128,mode=periodic,period_us=1000000,divide=16,x2apic=$((i % 2)),run=hlt"
  done
}
