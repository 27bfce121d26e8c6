// SPDX-License-Identifier: GPL-2.0-or-later
/* KVM's TSC scaling capabilities and timer parameters: kvm_caps (v6.0+) or the
 * pre-6.0 globals, the VMX preemption timer rate, min_timer_period_us. */
#include "kernel/host.h"

void kt_load_caps(struct kt_session *s, struct kt_host *h)
{
	const struct kt_reader *r = &s->reader;
	const struct kt_layout *l = &s->layout;
	uint64_t a, v = 0;
	unsigned char u8;

	h->is_vmx = kt_symbol(r, "vmx_x86_ops", &a) == KT_OK ||
		    kt_symbol(r, "cpu_preemption_timer_multi", &a) == KT_OK;
	h->caps.frac_bits = h->is_vmx ? KT_VMX_TSC_FRAC_BITS : KT_SVM_TSC_FRAC_BITS;
	h->caps.default_ratio = 1ULL << h->caps.frac_bits;
	if (kt_symbol(r, "kvm_caps", &a) == KT_OK &&	/* v6.0+ */
	    kt_has(l->kvm_caps__default_tsc_scaling_ratio)) {
		if (kt_read_u64(r, a + l->kvm_caps__default_tsc_scaling_ratio.off, &v) == KT_OK && v)
			h->caps.default_ratio = v;
		if (kt_read(r, a + l->kvm_caps__tsc_scaling_ratio_frac_bits.off, &u8, 1) == KT_OK &&
		    u8 && u8 < 64)
			h->caps.frac_bits = u8;
	} else {
		if (kt_symbol(r, "kvm_default_tsc_scaling_ratio", &a) == KT_OK &&
		    kt_read_u64(r, a, &v) == KT_OK && v)
			h->caps.default_ratio = v;
		if (kt_symbol(r, "kvm_tsc_scaling_ratio_frac_bits", &a) == KT_OK &&
		    kt_read(r, a, &u8, 1) == KT_OK && u8 && u8 < 64)
			h->caps.frac_bits = u8;
	}
	uint32_t u32 = 5;	/* the usual IA32_VMX_MISC[4:0]; read when kvm_intel is there */
	if (kt_symbol(r, "cpu_preemption_timer_multi", &a) == KT_OK)
		kt_read_u32(r, a, &u32);
	h->preemption_timer_multi = u32;
	h->min_timer_period_us = 200;	/* kvm.ko default */
	if (kt_symbol(r, "min_timer_period_us", &a) == KT_OK && kt_read_u32(r, a, &u32) == KT_OK)
		h->min_timer_period_us = u32;
}
