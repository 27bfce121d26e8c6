// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VMs and vCPUs: walk kvm.ko's vm_list, each VM's vcpu_array (xarray, v5.17+)
 * or vcpus[] (before), and decode each vCPU's LAPIC timer and TSC state.
 * Every read is checked; damage becomes a CORRUPT note on the VM or vCPU and
 * the walk goes on with what it can still reach.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/addrset.h"
#include "kernel/host.h"

#define KT_MAX_VMS 4096
#define KT_MAX_VCPUS 4096	/* KVM_MAX_VCPUS is 1024 (4096 with MAXSMP) */
#define XA_CHUNK_MAX 64
#define XA_MAX_DEPTH 12

/* ---- tasks: vcpu->pid -> task_struct -> tid, comm ---------------------- */

static uint64_t pid_to_task(struct kt_session *s, uint64_t pid, int *nr, struct kt_damage *dmg)
{
	const struct kt_layout *l = &s->layout;
	uint64_t first = 0;
	uint32_t v = 0;

	*nr = 0;
	if (!pid || !kt_has(l->pid__numbers) || !kt_has(l->upid__nr))
		return 0;
	/* numbers[0] is the pid in the initial namespace.  Unreadable: the thread
	 * id is unknown, not 0 (seen: makedumpfile 1.7.2 -d 31 on a 6.12 host
	 * drops slab pages, crash too says "cannot read pid struct"). */
	uint64_t at = pid + (uint64_t)l->pid__numbers.off + (uint64_t)l->upid__nr.off;
	if (kt_read_u32(&s->reader, at, &v) != KT_OK) {
		if (dmg)
			kt_damage_note(dmg, KT_DAMAGE_UNREADABLE, at,
				       "vcpu->pid 0x%llx: struct pid unreadable (page not in the dump?): thread id unknown",
				       (unsigned long long)pid);
		return 0;
	}
	*nr = (int)v;
	/* tasks[PIDTYPE_PID].first -> task_struct.pid_links[PIDTYPE_PID] (v4.19+),
	 * or task_struct.pids[PIDTYPE_PID].node (struct pid_link, node first). */
	long links = kt_has(l->task_struct__pid_links) ? l->task_struct__pid_links.off
						       : l->task_struct__pids.off;
	if (links < 0 || !kt_has(l->pid__tasks) ||
	    kt_read_u64(&s->reader, pid + l->pid__tasks.off, &first) != KT_OK || !first)
		return 0;
	return first - (uint64_t)links;
}

static void task_comm(struct kt_session *s, uint64_t task, char *comm)
{
	const struct kt_layout *l = &s->layout;
	comm[0] = 0;
	if (!task || !kt_has(l->task_struct__comm))
		return;
	char buf[KT_COMM_LEN];
	if (kt_read(&s->reader, task + l->task_struct__comm.off, buf, sizeof(buf)) != KT_OK)
		return;
	buf[KT_COMM_LEN - 1] = 0;
	memcpy(comm, buf, KT_COMM_LEN);
}

/* ---- one vCPU ------------------------------------------------------------ */

static void decode_lapic(struct kt_session *s, struct kt_vcpu *v, uint64_t apic)
{
	const struct kt_layout *l = &s->layout;
	const struct kt_reader *r = &s->reader;
	struct kt_timer *t = &v->timer;
	size_t sz = (size_t)l->sizeof_kvm_lapic;
	unsigned char *b = malloc(sz);

	t->lapic_addr = apic;
	if (!b)
		return;
	if (kt_read(r, apic, b, sz) != KT_OK) {
		kt_damage_note(&v->damage, KT_DAMAGE_UNREADABLE, apic,
				"kvm_lapic 0x%llx unreadable",
		     (unsigned long long)apic);
		free(b);
		return;
	}
	v->has_lapic = true;
	uint64_t back = kt_get(b, sz, l->kvm_lapic__vcpu);
	if (kt_has(l->kvm_lapic__vcpu) && back != v->addr)
		kt_damage_note(&v->damage, KT_DAMAGE_INCONSISTENT, apic,
		     "kvm_lapic 0x%llx .vcpu = 0x%llx, not this vCPU",
		     (unsigned long long)apic, (unsigned long long)back);

	struct kt_field T = l->kvm_lapic__lapic_timer;
#define TF(m) kt_nest(T, l->kvm_timer__##m)
	t->period_ns = kt_gets(b, sz, TF(period));
	t->target_expiration_ns = kt_gets(b, sz, TF(target_expiration));
	t->timer_mode = (uint32_t)kt_get(b, sz, TF(timer_mode));
	t->timer_mode_mask = (uint32_t)kt_get(b, sz, TF(timer_mode_mask));
	t->tscdeadline = kt_get(b, sz, TF(tscdeadline));
	t->expired_tscdeadline = kt_get(b, sz, TF(expired_tscdeadline));
	t->has_timer_advance_ns = kt_has(l->kvm_timer__timer_advance_ns);
	t->timer_advance_ns = (uint32_t)kt_get(b, sz, TF(timer_advance_ns));
	t->has_advance_expire_delta = kt_has(l->kvm_timer__advance_expire_delta);
	t->advance_expire_delta = kt_gets(b, sz, TF(advance_expire_delta));
	t->pending = (int32_t)kt_gets(b, sz, TF(pending));
	t->hv_timer_in_use = kt_get(b, sz, TF(hv_timer_in_use)) != 0;
	t->divide_count = (uint32_t)kt_get(b, sz, l->kvm_lapic__divide_count);

	/* The embedded hrtimer: lapic_timer.timer. */
	struct kt_field H = TF(timer);
#undef TF
	/* Decoded by the one hrtimer decoder (hrtimer.c), from the bytes in hand. */
	size_t hoff = H.off >= 0 && (size_t)H.off < sz ? (size_t)H.off : sz;
	kt_hrtimer_decode(s, apic + (uint64_t)(H.off >= 0 ? H.off : 0), b + hoff, sz - hoff,
			  &t->hrtimer);

	/* The register page: one read of the timer registers' span. */
	uint64_t regs = kt_get(b, sz, l->kvm_lapic__regs);
	free(b);
	unsigned char page[KT_APIC_PAGE];
	if (!regs || kt_read(r, regs, page, sizeof(page)) != KT_OK) {
		kt_damage_note(&v->damage, KT_DAMAGE_UNREADABLE, regs,
				"APIC register page 0x%llx unreadable",
		     (unsigned long long)regs);
		return;
	}
#define REG(off) (*(const uint32_t *)(page + (off)))
	t->regs_ok = true;
	t->lvtt = REG(KT_APIC_LVTT);
	t->tmict = REG(KT_APIC_TMICT);
	t->tmcct = REG(KT_APIC_TMCCT);
	t->tdcr = REG(KT_APIC_TDCR);
	t->spiv = REG(KT_APIC_SPIV);
#undef REG
	t->sw_enabled = t->spiv & KT_APIC_SPIV_ENABLED;
	t->masked = kt_lvt_masked(t->lvtt);
	t->vector = kt_lvt_vector(t->lvtt);
	/* KVM's view of the mode: timer_mode (LVTT & timer_mode_mask). */
	t->mode = kt_timer_mode_decode(kt_has(l->kvm_timer__timer_mode) ? t->timer_mode
								   : t->lvtt & KT_LVTT_MODE_MASK);
	if (!t->divide_count)
		t->divide_count = kt_tdcr_to_divide_count(t->tdcr);
}

static void decode_vcpu(struct kt_session *s, struct kt_vm *vm, struct kt_vcpu *v,
			unsigned char *b, size_t sz)
{
	const struct kt_layout *l = &s->layout;
	struct kt_field A = l->kvm_vcpu__arch;
#define AF(m) kt_nest(A, l->kvm_vcpu_arch__##m)

	uint64_t kvm = kt_get(b, sz, l->kvm_vcpu__kvm);
	if (kt_has(l->kvm_vcpu__kvm) && kvm != vm->addr)
		kt_damage_note(&v->damage, KT_DAMAGE_INCONSISTENT, v->addr,
				"kvm_vcpu 0x%llx .kvm = 0x%llx, not its VM",
		     (unsigned long long)v->addr, (unsigned long long)kvm);
	v->vcpu_id = (int)kt_gets(b, sz, l->kvm_vcpu__vcpu_id);
	v->cpu = (int)kt_gets(b, sz, l->kvm_vcpu__cpu);
	v->mode = (int)kt_gets(b, sz, l->kvm_vcpu__mode);
	v->mp_state = (uint32_t)kt_get(b, sz, AF(mp_state));
	v->apic_base = kt_get(b, sz, AF(apic_base));
	v->x2apic = v->apic_base & KT_X2APIC_ENABLE;

	struct kt_vcpu_tsc *t = &v->tsc;
	t->l1_tsc_offset = kt_get(b, sz, AF(l1_tsc_offset));
	t->tsc_offset = kt_get(b, sz, AF(tsc_offset));
	if (!kt_has(l->kvm_vcpu_arch__l1_tsc_offset))
		t->l1_tsc_offset = t->tsc_offset;
	t->has_l1_tsc_scaling_ratio = kt_has(l->kvm_vcpu_arch__l1_tsc_scaling_ratio);
	t->l1_tsc_scaling_ratio = kt_get(b, sz, AF(l1_tsc_scaling_ratio));
	t->tsc_scaling_ratio = kt_get(b, sz, AF(tsc_scaling_ratio));
	t->virtual_tsc_khz = (uint32_t)kt_get(b, sz, AF(virtual_tsc_khz));
	t->virtual_tsc_mult = (uint32_t)kt_get(b, sz, AF(virtual_tsc_mult));
	t->virtual_tsc_shift = (int8_t)kt_gets(b, sz, AF(virtual_tsc_shift));
	if (t->virtual_tsc_shift < -32 || t->virtual_tsc_shift > 32)
		kt_damage_note(&v->damage, KT_DAMAGE_INCONSISTENT, v->addr,
		     "virtual_tsc_shift = %d, beyond what kvm_get_time_scale makes",
		     t->virtual_tsc_shift);
	t->last_guest_tsc = kt_get(b, sz, AF(last_guest_tsc));
	t->last_host_tsc = kt_get(b, sz, AF(last_host_tsc));
	t->this_tsc_nsec = kt_get(b, sz, AF(this_tsc_nsec));
	t->this_tsc_write = kt_get(b, sz, AF(this_tsc_write));
	t->last_tsc_nsec = kt_get(b, sz, AF(last_tsc_nsec));

	uint64_t pid = kt_get(b, sz, l->kvm_vcpu__pid);
	uint64_t task = pid_to_task(s, pid, &v->tid, &v->damage);
	task_comm(s, task, v->comm);

	uint64_t apic = kt_get(b, sz, AF(apic));
#undef AF
	if (apic)
		decode_lapic(s, v, apic);
	else
		kt_damage_note(&v->damage, KT_DAMAGE_MISSING, 0,
				"no in-kernel LAPIC (vcpu->arch.apic = NULL)");
}

/* ---- vCPU lists ---------------------------------------------------------- */

struct vcpu_slot { uint64_t index, addr; };

/* Collect xarray leaves, depth- and count-bounded; damage noted on the VM. */
static void xa_collect(struct kt_session *s, struct kt_vm *vm, uint64_t entry, uint64_t base,
		       int depth, struct vcpu_slot *out, int *n, int max, int *nodes)
{
	const struct kt_layout *l = &s->layout;
	if (!entry || *n >= max)
		return;
	if ((entry & 3) == 2 && entry > 4096) {	/* xa_is_node */
		uint64_t node = entry - 2;
		unsigned char shift = 0;
		uint64_t slots[XA_CHUNK_MAX];
		long nslots = l->xa_node__slots.size / 8;
		if (nslots <= 0 || nslots > XA_CHUNK_MAX)
			nslots = XA_CHUNK_MAX;
		if (depth >= XA_MAX_DEPTH || ++*nodes > 4096) {
			kt_damage_note(&vm->damage, KT_DAMAGE_BOUND, node,
			     "vcpu_array: xa_node 0x%llx too deep (cycle?)", (unsigned long long)node);
			return;
		}
		if (kt_read(&s->reader, node + l->xa_node__shift.off, &shift, 1) != KT_OK ||
		    kt_read(&s->reader, node + l->xa_node__slots.off, slots,
			    (size_t)nslots * 8) != KT_OK) {
			kt_damage_note(&vm->damage, KT_DAMAGE_UNREADABLE, node,
					"vcpu_array: xa_node 0x%llx unreadable",
			     (unsigned long long)node);
			return;
		}
		if (shift > 60 || shift % 6) {
			kt_damage_note(&vm->damage, KT_DAMAGE_INCONSISTENT, node,
			     "vcpu_array: xa_node 0x%llx has shift %u", (unsigned long long)node, shift);
			return;
		}
		for (long i = 0; i < nslots; i++)
			xa_collect(s, vm, slots[i], base + ((uint64_t)i << shift), depth + 1, out,
				   n, max, nodes);
		return;
	}
	if ((entry & 3) == 2 || (entry & 1))	/* sibling/retry/value: not a vCPU */
		return;
	out[*n].index = base;
	out[*n].addr = entry;
	(*n)++;
}

static int find_vcpus(struct kt_session *s, struct kt_vm *vm, const unsigned char *kb, size_t ksz,
		      struct vcpu_slot *out, int max)
{
	const struct kt_layout *l = &s->layout;
	int n = 0;

	if (kt_has(l->kvm__vcpu_array)) {
		uint64_t head = kt_get(kb, ksz, kt_nest(l->kvm__vcpu_array, l->xarray__xa_head));
		int nodes = 0;
		xa_collect(s, vm, head, 0, 0, out, &n, max, &nodes);
		if (n == max)
			kt_damage_note(&vm->damage, KT_DAMAGE_BOUND, vm->addr,
			     "vcpu_array: %d vCPUs or more, the rest not read", max);
	} else if (kt_has(l->kvm__vcpus)) {
		/* struct kvm_vcpu *vcpus[KVM_MAX_VCPUS] before v5.17: only the array's
		 * own slots, never the members after it. */
		long slots = l->kvm__vcpus.size / 8;
		if (slots > 0 && slots < max)
			max = (int)slots;
		for (int i = 0; i < max; i++) {
			uint64_t p = kt_get(kb, ksz, (struct kt_field){ l->kvm__vcpus.off + 8 * i, 8 });
			if (p) {
				out[n].index = (uint64_t)i;
				out[n++].addr = p;
			}
		}
	}
	return n;
}

static void load_vm(struct kt_session *s, struct kt_host *h, struct kt_vm *vm)
{
	const struct kt_layout *l = &s->layout;
	size_t ksz = (size_t)l->sizeof_kvm;
	unsigned char *kb = malloc(ksz);

	if (!kb)
		return;
	if (kt_read(&s->reader, vm->addr, kb, ksz) != KT_OK) {
		kt_damage_note(&vm->damage, KT_DAMAGE_UNREADABLE, vm->addr,
				"struct kvm 0x%llx unreadable",
		     (unsigned long long)vm->addr);
		free(kb);
		return;
	}
	vm->online_vcpus = (int)kt_gets(kb, ksz, l->kvm__online_vcpus);
	vm->userspace_pid = (int)kt_gets(kb, ksz, l->kvm__userspace_pid);
	if (kt_has(l->kvm__stats_id)) {
		size_t n = l->kvm__stats_id.size > 0 ? (size_t)l->kvm__stats_id.size : 0;
		if (n >= sizeof(vm->stats_id))
			n = sizeof(vm->stats_id) - 1;
		if ((size_t)l->kvm__stats_id.off + n <= ksz)
			memcpy(vm->stats_id, kb + l->kvm__stats_id.off, n);
		vm->stats_id[n] = 0;
	}
	/* The TMICT -> ns scale: per VM since 6.11, the constant 1 ns before. */
	vm->apic_bus_cycle_ns = 1;
	if (kt_has(l->kvm__arch) && kt_has(l->kvm_arch__apic_bus_cycle_ns)) {
		struct kt_field f = kt_nest(l->kvm__arch, l->kvm_arch__apic_bus_cycle_ns);
		if ((size_t)f.off + (size_t)f.size <= ksz) {
			vm->apic_bus_cycle_ns = kt_get(kb, ksz, f);
			vm->has_apic_bus_cycle = true;
		}
	}
	int want = vm->online_vcpus;
	if (want < 0 || want > KT_MAX_VCPUS) {
		kt_damage_note(&vm->damage, KT_DAMAGE_INCONSISTENT, vm->addr,
				"online_vcpus = %d out of range", want);
		want = KT_MAX_VCPUS;
	}
	struct vcpu_slot *slots = calloc(KT_MAX_VCPUS, sizeof(*slots));
	int n = slots ? find_vcpus(s, vm, kb, ksz, slots, KT_MAX_VCPUS) : 0;
	free(kb);
	if (n != vm->online_vcpus && vm->online_vcpus >= 0 && vm->online_vcpus <= KT_MAX_VCPUS)
		kt_damage_note(&vm->damage, KT_DAMAGE_INCONSISTENT, vm->addr,
				"found %d vCPUs of online_vcpus %d", n,
		     vm->online_vcpus);

	vm->vcpus = calloc(n ? (size_t)n : 1, sizeof(*vm->vcpus));
	size_t vsz = (size_t)l->vcpu_read_len;
	unsigned char *vb = malloc(vsz);
	for (int i = 0; vm->vcpus && vb && i < n; i++) {
		if (!kt_budget_take(h, KT_COST_VCPU, "vCPUs")) {
			kt_damage_note(&vm->damage, KT_DAMAGE_BOUND, vm->addr,
				       "%d of %d vCPUs not read (budget)",
			     n - i, n);
			break;
		}
		struct kt_vcpu *v = &vm->vcpus[vm->nvcpus++];
		v->addr = slots[i].addr;
		v->index = (int)slots[i].index;
		v->vcpu_id = -1;	/* unknown until struct kvm_vcpu is read */
		v->cpu = -1;
		v->timer.hrtimer.cpu = -1;
		if (kt_read(&s->reader, v->addr, vb, vsz) != KT_OK) {
			kt_damage_note(&v->damage, KT_DAMAGE_UNREADABLE, v->addr,
					"struct kvm_vcpu 0x%llx unreadable",
			     (unsigned long long)v->addr);
			continue;
		}
		decode_vcpu(s, vm, v, vb, vsz);
	}
	free(vb);
	free(slots);
	/* VM comm: the thread group leader of its first vCPU thread. */
	for (int i = 0; i < vm->nvcpus && !vm->comm[0]; i++) {
		uint64_t task = 0, leader = 0;
		int nr;
		uint64_t pid = 0;
		if (kt_read_u64(&s->reader, vm->vcpus[i].addr + l->kvm_vcpu__pid.off, &pid) != KT_OK)
			continue;
		task = pid_to_task(s, pid, &nr, NULL);	/* said on the vCPU */
		if (task && kt_has(l->task_struct__group_leader) &&
		    kt_read_u64(&s->reader, task + l->task_struct__group_leader.off, &leader) == KT_OK)
			task_comm(s, leader, vm->comm);
	}
}

enum kt_status kt_load_vms(struct kt_session *s, struct kt_host *h, struct kt_err *err)
{
	const struct kt_layout *l = &s->layout;
	uint64_t head;

	if (kt_symbol(&s->reader, "vm_list", &head) != KT_OK)
		return kt_err_set(err, KT_ENODATA, 0,
				  "no KVM in this dump: symbol vm_list not found (kvm.ko not loaded?)");
	/* Walk forward from the head; on a broken link, walk backward from the
	 * head to recover the VMs behind the damage.  Both directions bounded and
	 * cycle-safe, and every step checks the back-link (next->prev == cur), so
	 * a wild pointer into memory that merely looks like list nodes stops the
	 * walk instead of inventing VMs. */
	uint64_t addrs[KT_MAX_VMS];
	int n = 0;
	struct kt_addrset seen = { 0 };
	long off = l->kvm__vm_list.off;
	bool broken = false;
	uint64_t bad = 0;	/* where the forward walk stopped: said once */
	for (int dir = 0; dir < 2; dir++) {
		uint64_t cur = head;
		long link = dir == 0 ? l->list_head__next.off : l->list_head__prev.off;
		long back = dir == 0 ? l->list_head__prev.off : l->list_head__next.off;
		const char *fwd = dir ? "prev" : "next", *bwd = dir ? "next" : "prev";
		if (dir == 1 && !broken)
			break;
		for (int steps = 0;; steps++) {
			uint64_t next, back_ptr;
			if (steps == KT_MAX_VMS || n == KT_MAX_VMS) {
				kt_host_damage(h, KT_DAMAGE_BOUND, cur,
					       "vm_list: more than %d VMs (walking by %s): the rest not read",
					       KT_MAX_VMS, fwd);
				break;
			}
			if (kt_read_u64(&s->reader, cur + (uint64_t)link, &next) != KT_OK) {
				kt_host_damage(h, KT_DAMAGE_UNREADABLE, cur + (uint64_t)link,
					       "vm_list: %s pointer at 0x%llx unreadable",
					       fwd, (unsigned long long)(cur + link));
				broken = true;
				break;
			}
			if (next == head)
				break;
			/* Walking back, a node the forward walk reached ends the walk:
			 * its damage, if any, was said then. */
			if (dir == 1 && (kt_addrset_has(&seen, next) || next == bad))
				break;
			if (kt_read_u64(&s->reader, next + (uint64_t)back, &back_ptr) != KT_OK) {
				kt_host_damage(h, KT_DAMAGE_WILD, next,
					       "vm_list: %s of 0x%llx is 0x%llx, unreadable (wild pointer)",
					       fwd, (unsigned long long)cur, (unsigned long long)next);
				bad = next;
				broken = true;
				break;
			}
			if (back_ptr != cur) {
				kt_host_damage(h, KT_DAMAGE_INCONSISTENT, next,
					       "vm_list: %s of 0x%llx is 0x%llx, whose %s is 0x%llx (broken link)",
					       fwd, (unsigned long long)cur, (unsigned long long)next, bwd,
					       (unsigned long long)back_ptr);
				broken = true;
				break;
			}
			if (!kt_addrset_add(&seen, next)) {
				if (dir == 0) {
					kt_host_damage(h, KT_DAMAGE_CYCLE, next,
						       "vm_list: cycle at 0x%llx (not back to the head)",
						       (unsigned long long)next);
					broken = true;
				}
				break;
			}
			addrs[n++] = next - (uint64_t)off;
			cur = next;
		}
	}
	kt_addrset_free(&seen);

	h->vms = calloc(n ? (size_t)n : 1, sizeof(*h->vms));
	if (!h->vms)
		return kt_err_set(err, KT_ENOMEM, head, "vm_list: out of memory for %d VMs", n);
	for (int i = 0; i < n; i++) {
		if (!kt_budget_take(h, KT_COST_VM, "VMs"))
			break;
		struct kt_vm *vm = &h->vms[h->nvms++];
		vm->addr = addrs[i];
		load_vm(s, h, vm);
	}
	return KT_OK;
}
