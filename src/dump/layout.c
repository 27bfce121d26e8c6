// SPDX-License-Identifier: GPL-2.0-or-later
/* Resolve every member of layout.def once, through the reader. */
#include "dump/layout.h"

void kt_layout_resolve(const struct kt_reader *r, struct kt_layout *l)
{
	const struct kt_reader_ops *o = r->ops;
#define KT_M(t, m) \
	l->t##__##m.off = o->member_offset(r->ctx, #t, #m); \
	l->t##__##m.size = l->t##__##m.off >= 0 ? o->member_size(r->ctx, #t, #m) : -1;
#define KT_S(t) l->sizeof_##t = o->type_size(r->ctx, #t);
#define KT_GM(g, t, m) l->t##__##m.off = l->t##__##m.size = -1;
#define KT_GS(g, t) l->sizeof_##t = -1;
#include "layout.def"
#undef KT_M
#undef KT_S
#undef KT_GM
#undef KT_GS
	memset(l->group_resolved, 0, sizeof(l->group_resolved));
	l->have_kvm = l->sizeof_kvm > 0 && l->sizeof_kvm_vcpu > 0 && l->sizeof_kvm_lapic > 0 &&
		      kt_has(l->kvm_timer__period) && kt_has(l->kvm__vm_list);
	l->have_hrtimer = l->sizeof_hrtimer > 0 && l->sizeof_hrtimer_cpu_base > 0 &&
			  l->sizeof_hrtimer_clock_base > 0 && kt_has(l->hrtimer_clock_base__active);
	/* The span of struct kvm_vcpu that decode_vcpu() reads. */
	const struct kt_field vf[] = {
		l->kvm_vcpu__kvm, l->kvm_vcpu__cpu, l->kvm_vcpu__vcpu_id, l->kvm_vcpu__mode,
		l->kvm_vcpu__pid,
#define A(m) kt_nest(l->kvm_vcpu__arch, l->kvm_vcpu_arch__##m)
		A(apic), A(apic_base), A(mp_state), A(l1_tsc_offset), A(tsc_offset),
		A(l1_tsc_scaling_ratio), A(tsc_scaling_ratio), A(virtual_tsc_khz),
		A(virtual_tsc_mult), A(virtual_tsc_shift), A(last_guest_tsc), A(last_host_tsc),
		A(this_tsc_nsec), A(this_tsc_write), A(last_tsc_nsec),
#undef A
	};
	l->vcpu_read_len = 0;
	for (size_t i = 0; i < sizeof(vf) / sizeof(vf[0]); i++)
		if (vf[i].off >= 0 && vf[i].off + vf[i].size > l->vcpu_read_len)
			l->vcpu_read_len = vf[i].off + vf[i].size;
	if (l->vcpu_read_len > l->sizeof_kvm_vcpu || l->vcpu_read_len <= 0)
		l->vcpu_read_len = l->sizeof_kvm_vcpu;
	l->in_hrtirq_bit = l->hang_detected_bit = l->hres_active_bit = -1;
	if (o->member_bit_offset) {
		l->in_hrtirq_bit = o->member_bit_offset(r->ctx, "hrtimer_cpu_base", "in_hrtirq");
		l->hang_detected_bit = o->member_bit_offset(r->ctx, "hrtimer_cpu_base", "hang_detected");
		l->hres_active_bit = o->member_bit_offset(r->ctx, "hrtimer_cpu_base", "hres_active");
	}
}

void kt_layout_need(const struct kt_reader *r, struct kt_layout *l, enum kt_layout_group g)
{
	const struct kt_reader_ops *o = r->ops;

	if (g >= KT_LG_COUNT || l->group_resolved[g])
		return;
	l->group_resolved[g] = true;
#define KT_M(t, m)
#define KT_S(t)
#define KT_GM(grp, t, m) \
	if (g == KT_LG_##grp) { \
		l->t##__##m.off = o->member_offset(r->ctx, #t, #m); \
		l->t##__##m.size = l->t##__##m.off >= 0 ? o->member_size(r->ctx, #t, #m) : -1; \
	}
#define KT_GS(grp, t) \
	if (g == KT_LG_##grp) \
		l->sizeof_##t = o->type_size(r->ctx, #t);
#include "layout.def"
#undef KT_M
#undef KT_S
#undef KT_GM
#undef KT_GS
}
