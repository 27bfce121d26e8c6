# SPDX-License-Identifier: GPL-2.0-or-later
# collect.drgn.py — the fields `kvmlapic -a` and `kvmhrtimer` show, collected with
# drgn (Debian python3-drgn) for scripts/bench/bench.py:
#   drgn -q -c VMCORE -s VMLINUX -s KVM.KO [-s KVM-AMD.KO] collect.drgn.py [OUT.json]
# Walks vm_list, each VM's vcpu_array (xarray), each vCPU's kvm_lapic / kvm_timer /
# APIC register page (LVTT, TMICT, TDCR), and every CPU's hrtimer bases.  Prints one
# JSON line: the time the walk took (after drgn loaded the debuginfo) and counts;
# OUT.json gets per-vCPU addresses (vcpu, lapic, regs) for the crash manual recipe.
import json, sys, time
from drgn import Object, cast
from drgn.helpers.linux.list import list_for_each_entry
from drgn.helpers.linux.xarray import xa_for_each
from drgn.helpers.linux.percpu import per_cpu
from drgn.helpers.linux.cpumask import for_each_possible_cpu
from drgn.helpers.linux.rbtree import rbtree_inorder_for_each_entry

t0 = time.perf_counter()
vcpus = []
kvm_t = prog.type("struct kvm")
for kvm in list_for_each_entry(kvm_t, prog["vm_list"].address_of_(), "vm_list"):
    for _, entry in xa_for_each(kvm.vcpu_array.address_of_()):
        v = cast("struct kvm_vcpu *", entry)
        apic = v.arch.apic
        t = apic.lapic_timer
        regs = apic.regs.value_()
        lvtt = prog.read_u32(regs + 0x320)
        tmict = prog.read_u32(regs + 0x380)
        tdcr = prog.read_u32(regs + 0x3E0)
        vcpus.append({
            "kvm": hex(kvm.value_()), "pid": int(kvm.userspace_pid), "vcpu": hex(v.value_()),
            "id": int(v.vcpu_id), "cpu": int(v.cpu), "mode": int(v.mode),
            "lapic": hex(apic.value_()), "regs": hex(regs),
            "period": int(t.period), "target_expiration": int(t.target_expiration),
            "tscdeadline": int(t.tscdeadline), "timer_mode": int(t.timer_mode),
            "hv_timer_in_use": bool(t.hv_timer_in_use), "pending": int(t.pending.counter),
            "expires": int(t.timer.node.expires), "state": int(t.timer.state),
            "lvtt": lvtt, "tmict": tmict, "tdcr": tdcr,
            "l1_tsc_offset": int(v.arch.l1_tsc_offset),
        })
t1 = time.perf_counter()
timers = 0
for cpu in for_each_possible_cpu(prog):
    base = per_cpu(prog["hrtimer_bases"], cpu)
    for i in range(len(base.clock_base)):
        cb = base.clock_base[i]
        for h in rbtree_inorder_for_each_entry("struct hrtimer", cb.active.rb_root.rb_root.address_of_(),
                                               "node.node"):
            timers += 1
            _ = (int(h.node.expires), h.function.value_())
        _ = cb.running.value_()
t2 = time.perf_counter()
if len(sys.argv) > 1:
    json.dump(vcpus, open(sys.argv[1], "w"))
print(json.dumps({"lapic_s": t1 - t0, "hrtimer_s": t2 - t1, "vcpus": len(vcpus),
                  "hrtimers": timers}))
