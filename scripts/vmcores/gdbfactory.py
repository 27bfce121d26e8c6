# gdbfactory.py — run inside `gdb -batch` attached to QEMU's gdbstub (guest halted).
# Performs one factory action on the live guest kernel and writes what it did as JSON
# to $KVMT_OUT.  Every offset comes from debuginfo through gdb expressions
# (&((struct T *)0)->field), never hard-coded.
#   KVMT_ACTION=tk-base   D=secs  move the timekeepers forward by D seconds (as if the tick
#                                 after a D-second stall had already accumulated it)
#   KVMT_ACTION=tk-cycles D=secs  host clock jumps D at the next read: cycle_last -= D*tsc_khz*1000
#   KVMT_ACTION=catch-storm D=secs  let the guest run until a CPU enters apic_timer_fn for a
#                                 timer more than D/2 s behind the clock (the catch-up loop
#                                 after tk-cycles), and stop it there (see catch_storm())
#   KVMT_ACTION=corrupt           plant the damages listed in corrupt() (needs kvm.ko symbols)
#   KVMT_ACTION=pt-hole           point the PMD entry above the first VM's struct kvm (vmalloc)
#                                 at a page-table page outside RAM (see pt_hole())
import gdb, json, os, struct

INF = gdb.selected_inferior()
U64 = gdb.lookup_type("unsigned long long")

def ev(e):        return gdb.parse_and_eval(e)
def num(e):       return int(ev("(unsigned long long)(%s)" % e)) & (2**64 - 1)
def addr(e):      return num("&(%s)" % e)
def size(e):      return int(ev("sizeof(%s)" % e))
def rd(a, n=8):   return int.from_bytes(bytes(INF.read_memory(a, n)), "little")
def wr(a, v, n=8):
    INF.write_memory(a, (v & (2**(8*n) - 1)).to_bytes(n, "little"))
    assert rd(a, n) == v & (2**(8*n) - 1), "write did not stick at %#x" % a

changes = []
def change(desc, a, new, n=8, **extra):
    """Write NEW (n bytes) at address A; remember old/new for the manifest."""
    old = rd(a, n)
    wr(a, new, n)
    # old/new as hex strings: 64-bit pointers do not survive JSON doubles (jq, JS).
    c = dict(symbol=desc, address="%#x" % a, size=n, old="%#x" % old,
             new="%#x" % (new & (2**(8*n) - 1)),
             delta=((new - old + 2**(8*n-1)) % 2**(8*n)) - 2**(8*n-1))   # signed
    c.update(extra)
    changes.append(c)
    gdb.write("changed %s @%#x: %#x -> %#x\n" % (desc, a, old, new & (2**(8*n) - 1)))

TKS = ["tk_core.timekeeper", "shadow_timekeeper"]

def clock_info():
    tk = TKS[0]
    return dict(
        clocksource=ev("%s.tkr_mono.clock->name" % tk).string(),
        tsc_khz=num("tsc_khz"),
        mult=num("%s.tkr_mono.mult" % tk), shift=num("%s.tkr_mono.shift" % tk),
        mono_now_before_ns=num("%s.tkr_mono.base" % tk)
            + (num("%s.tkr_mono.xtime_nsec" % tk) >> num("%s.tkr_mono.shift" % tk)),
        cycle_last_before=num("%s.tkr_mono.cycle_last" % tk))

def tk_base(d):
    info = clock_info()
    ns = d * 10**9
    for tk in TKS:
        for f, delta in (("tkr_mono.base", ns), ("tkr_raw.base", ns),
                         ("xtime_sec", d), ("ktime_sec", d), ("raw_sec", d)):
            e = "%s.%s" % (tk, f)
            change(e, addr(e), num(e) + delta, size(e))
    info["mono_now_after_ns"] = info["mono_now_before_ns"] + ns
    return dict(method="tk-base", seconds=d, **info)

def tk_cycles(d):
    info = clock_info()
    if info["clocksource"] != "tsc":
        raise gdb.GdbError("clocksource is %s, not tsc" % info["clocksource"])
    cyc = d * info["tsc_khz"] * 1000
    for tk in TKS:
        for f in ("tkr_mono.cycle_last", "tkr_raw.cycle_last"):
            e = "%s.%s" % (tk, f)
            change(e, addr(e), num(e) - cyc, size(e))
    return dict(method="tk-cycles", seconds=d, cycles=cyc, **info)

# ---- catch-storm ---------------------------------------------------------------------
CATCH_TIMEOUT_HITS = 200000        # bound on breakpoint round trips (the shell bounds time)

def catch_storm(d):
    """Stop the guest on the first instruction of apic_timer_fn(struct hrtimer *) when the
    timer it is called for lags the clock by more than D/2 s: the CPU is then inside the
    catch-up loop, with cpu_base->running set to that hrtimer, whatever the loop's speed.
    (Sampling with QMP stop missed the callback in 15 tries on the 6.12 reference kernel:
    between two callbacks `running` is NULL.)  The lag is measured as crashcheck.sh and the
    tests measure it: tkr_mono.base - lapic_timer.target_expiration."""
    o_timer = off("struct kvm_lapic", "lapic_timer.timer")
    want = d * 10**9 // 2
    seen = dict(hits=0, lag=None)

    class Entry(gdb.Breakpoint):
        def stop(self):
            seen["hits"] += 1
            if seen["hits"] > CATCH_TIMEOUT_HITS:
                return True
            lapic = num("$rdi") - o_timer          # first instruction: the argument is in rdi
            te = num("((struct kvm_lapic *)%#x)->lapic_timer.target_expiration" % lapic)
            lag = ((num("tk_core.timekeeper.tkr_mono.base") - te + 2**63) % 2**64) - 2**63
            seen["lag"], seen["lapic"] = lag, lapic
            return lag > want

    bp = Entry("*apic_timer_fn", internal=True)
    gdb.execute("continue")
    bp.delete()
    if seen["hits"] > CATCH_TIMEOUT_HITS:
        raise gdb.GdbError("no apic_timer_fn call %d s behind in %d calls" % (d // 2, CATCH_TIMEOUT_HITS))
    th = gdb.selected_thread()
    # QEMU's gdbstub: one thread per CPU, thread id = CPU index + 1.
    return dict(method="breakpoint *apic_timer_fn, stop when lag > D/2", seconds=d,
                cpu=th.ptid[1] - 1 if th.ptid[1] else th.num - 1, breakpoint_hits=seen["hits"],
                kvm_lapic="%#x" % seen["lapic"], lag_ns=seen["lag"],
                rip="%#x" % num("$pc"))

# ---- corrupt -------------------------------------------------------------------------
UNMAPPED = 0xffff8000deadb000      # x86-64 guard hole: canonical, never mapped by Linux
LIST_POISON1 = 0xdead000000000100

def off(t, f): return num("&((%s *)0)->%s" % (t, f))

def vm_list():
    head = addr("vm_list"); o = off("struct kvm", "vm_list")
    kvms, n = [], rd(head)
    while n != head and len(kvms) < 1000:
        kvms.append(n - o); n = rd(n)
    return kvms

def xa_node_of(kvm):
    """The root xa_node of kvm->vcpu_array, or None if the xarray has no node."""
    h = num("((struct kvm *)%#x)->vcpu_array.xa_head" % kvm)
    return h - 2 if (h & 3) == 2 and h > 4096 else None

def xa_load(kvm, idx):
    e = num("((struct kvm *)%#x)->vcpu_array.xa_head" % kvm)
    if (e & 3) != 2:
        return e if idx == 0 else 0
    while (e & 3) == 2 and e > 4096:
        node = e - 2
        sh = num("((struct xa_node *)%#x)->shift" % node)
        e = num("((struct xa_node *)%#x)->slots[%d]" % (node, (idx >> sh) & 63))
    return e

def rb_leaves(root, depth=0, parent=None, out=None):
    out = [] if out is None else out
    if not root or depth > 64:
        return out
    l = num("((struct rb_node *)%#x)->rb_left" % root)
    r = num("((struct rb_node *)%#x)->rb_right" % root)
    if not l and not r:
        out.append((depth, root))
    rb_leaves(l, depth + 1, root, out); rb_leaves(r, depth + 1, root, out)
    return out

def corrupt():
    damages = []
    kvms = vm_list()
    if len(kvms) < 3:
        raise gdb.GdbError("corrupt needs >= 3 VMs on vm_list, found %d" % len(kvms))
    # 1. hrtimer rbtree cycle: the deepest leaf of the busiest CPU's CLOCK_MONOTONIC tree
    #    gets rb_left = the tree's root (an ancestor): an in-order walk loops forever.
    best = None
    for cpu in range(num("nr_cpu_ids")):
        # Per-CPU symbols are offsets from __per_cpu_start (0 on x86-64); gdb shifted
        # both by the KASLR slide, so take the difference.
        base = addr("hrtimer_bases") - addr("__per_cpu_start") + num("__per_cpu_offset[%d]" % cpu)
        rootp = addr("((struct hrtimer_cpu_base *)%#x)->clock_base[0].active.rb_root.rb_root.rb_node" % base)
        root = rd(rootp)
        leaves = rb_leaves(root)
        if leaves:
            d, leaf = max(leaves)
            if d >= 1 and (best is None or d > best[0]):
                best = (d, leaf, root, cpu)
    if not best:
        raise gdb.GdbError("no hrtimer tree with >= 2 nodes")
    d, leaf, root, cpu = best
    change("hrtimer rb_node.rb_left", addr("((struct rb_node *)%#x)->rb_left" % leaf), root,
           kind="hrtimer_rbtree_cycle", cpu=cpu, clock_base=0, node="%#x" % leaf,
           depth=d, root="%#x" % root,
           hrtimer_function=str(ev("((struct hrtimer *)%#x)->function" % leaf)))
    # 2. kvm_lapic pointer to unmapped memory: first VM on vm_list, its vCPU 1 (or 0).
    kvm = kvms[0]
    nv = num("((struct kvm *)%#x)->online_vcpus.counter" % kvm)
    idx = 1 if nv > 1 else 0
    vcpu = xa_load(kvm, idx)
    change("kvm_vcpu.arch.apic", addr("((struct kvm_vcpu *)%#x)->arch.apic" % vcpu), UNMAPPED,
           kind="lapic_pointer_unmapped", kvm="%#x" % kvm, vcpu="%#x" % vcpu, vcpu_idx=idx,
           userspace_pid=num("((struct kvm *)%#x)->userspace_pid" % kvm))
    # 3. vcpu_array xarray node: second VM; slot 1 of its root node -> unmapped memory.
    kvm = kvms[1]
    node = xa_node_of(kvm)
    if node is None:
        raise gdb.GdbError("second VM's vcpu_array has no xa_node (needs >= 2 vCPUs)")
    slot = addr("((struct xa_node *)%#x)->slots[1]" % node)
    change("xa_node.slots[1]", slot, UNMAPPED, kind="vcpu_array_node", kvm="%#x" % kvm,
           xa_node="%#x" % node, userspace_pid=num("((struct kvm *)%#x)->userspace_pid" % kvm))
    # 4. wild vm_list pointer: the last VM's vm_list.next (should point back to the head).
    kvm = kvms[-1]
    change("kvm.vm_list.next", addr("((struct kvm *)%#x)->vm_list.next" % kvm), LIST_POISON1,
           kind="vm_list_wild", kvm="%#x" % kvm,
           userspace_pid=num("((struct kvm *)%#x)->userspace_pid" % kvm))
    return dict(vms_before=["%#x" % k for k in kvms])

# ---- pt-hole --------------------------------------------------------------------------
PT_PFN = 0x000ffffffffff000        # x86-64 page-table entry: physical address bits
PT_HUGE = 0x80
PT_OUTSIDE_RAM = 1 << 40           # 1 TiB: beyond any factory guest's RAM

def pt_hole():
    """struct kvm is vmalloc'ed (x86 kvm_arch_alloc_vm): reading it walks the kernel page
    tables.  Point the PMD entry of its 2 MiB at a page-table page outside RAM: a reader
    must fail on the page-table read itself (crash: FILL_PTBL, FAULT_ON_ERROR), not on
    the data page.  Everything else stays readable (vCPUs are slab memory)."""
    kvms = vm_list()
    if not kvms:
        raise gdb.GdbError("pt-hole needs a VM on vm_list")
    kvm = kvms[0]
    if kvm < num("vmalloc_base"):
        raise gdb.GdbError("struct kvm %#x is not in vmalloc space" % kvm)
    try:
        l5 = num("__pgtable_l5_enabled")   # QEMU's -cpu max has LA57
    except gdb.error:
        l5 = 0                             # no CONFIG_X86_5LEVEL: 4 levels
    virt = lambda e: (e & PT_PFN) + num("page_offset_base")
    top = rd(addr("init_top_pgt") + 8 * ((kvm >> (48 if l5 else 39)) & 511))
    pgd = rd(virt(top) + 8 * ((kvm >> 39) & 511)) if l5 else top
    pud = rd(virt(pgd) + 8 * ((kvm >> 30) & 511))
    pmd_a = virt(pud) + 8 * ((kvm >> 21) & 511)
    pmd = rd(pmd_a)
    if not (top & pgd & pud & pmd & 1) or (pud | pmd) & PT_HUGE:
        raise gdb.GdbError("struct kvm %#x: not mapped by a 4 KiB page table" % kvm)
    lo, hi = kvm & ~0x1fffff, (kvm | 0x1fffff) + 1
    idle_waits = away_from_hole(lo, hi)
    change("pmd entry of struct kvm", pmd_a, (pmd & ~PT_PFN) | PT_OUTSIDE_RAM,
           kind="pagetable_hole", kvm="%#x" % kvm,
           userspace_pid=num("((struct kvm *)%#x)->userspace_pid" % kvm),
           unreadable_from="%#x" % (kvm & ~0x1fffff), unreadable_to="%#x" % ((kvm | 0x1fffff) + 1),
           pte_page="%#x" % (pmd & PT_PFN), paging_levels=5 if l5 else 4,
           idle_waits=idle_waits)
    return dict(vms_before=["%#x" % k for k in kvms])

def cpus_in(lo, hi):
    """CPUs (QEMU thread ids - 1) whose stack pointer is inside [lo, hi)."""
    here, bad = gdb.selected_thread(), []
    for th in INF.threads():
        th.switch()
        if lo <= num("$rsp") < hi:
            bad.append(th.ptid[1] - 1)
    here.switch()
    return bad

def away_from_hole(lo, hi, tries=200):
    """The 2 MiB made unreadable holds more vmalloc space than struct kvm: refvmm's
    thread stacks (VMAP_STACK) are allocated next to it.  A CPU stopped on one of those
    stacks makes the dump one crash cannot open at all (it reads the active tasks'
    stacks at start-up: "seek error ... page table", seen once in 2026-12-02's runs).
    Let the guest run until every CPU is off the hole (the vCPU threads halt, so their
    CPUs go idle on stacks elsewhere); the number of waits for the manifest."""
    for n in range(tries):
        if not cpus_in(lo, hi):
            return n
        gdb.Breakpoint("do_idle", internal=True, temporary=True)
        gdb.execute("continue")
        for b in gdb.breakpoints():
            b.delete()
    raise gdb.GdbError("a CPU stayed on a stack in %#x..%#x" % (lo, hi))

act = os.environ["KVMT_ACTION"]
if act == "tk-base":
    res = dict(injection=tk_base(int(os.environ["D"])))
elif act == "tk-cycles":
    res = dict(injection=tk_cycles(int(os.environ["D"])))
elif act == "catch-storm":
    res = dict(catch=catch_storm(int(os.environ["D"])))
elif act == "corrupt":
    res = dict(corruption=corrupt())
elif act == "pt-hole":
    res = dict(corruption=pt_hole())
else:
    raise gdb.GdbError("unknown KVMT_ACTION " + act)
key = next(iter(res))
if key != "catch":                 # (catch-storm writes nothing)
    res[key]["fields" if key == "injection" else "damages"] = changes
with open(os.environ["KVMT_OUT"], "w") as f:
    json.dump(res, f, indent=1)
gdb.write("gdbfactory: %s done, %d writes\n" % (act, len(changes)))
