// SPDX-License-Identifier: GPL-2.0-or-later
/* KVM TSC math, bit-exact with the kernel: see include/kvmtimer/tsc.h. */
#include "kvmtimer/tsc.h"

uint64_t kt_mul_u64_u64_shr(uint64_t a, uint64_t mul, unsigned int shift)
{
	return (uint64_t)(((unsigned __int128)a * mul) >> shift);
}

uint64_t kt_kvm_scale_tsc(const struct kt_tsc_caps *caps, uint64_t tsc, uint64_t ratio)
{
	if (ratio == caps->default_ratio)
		return tsc;
	return kt_mul_u64_u64_shr(tsc, ratio, caps->frac_bits);
}

uint64_t kt_kvm_read_l1_tsc(const struct kt_tsc_caps *caps, uint64_t l1_tsc_offset,
			    uint64_t l1_ratio, uint64_t host_tsc)
{
	return l1_tsc_offset + kt_kvm_scale_tsc(caps, host_tsc, l1_ratio);
}

uint64_t kt_pvclock_scale_delta(uint64_t delta, uint32_t mul_frac, int shift)
{
	/* x86-64 pvclock_scale_delta: shift as u64, then "mulq; shrd $32".
	 * KVM's shifts are small (kvm_get_time_scale: about -32..32); one of 64
	 * or more comes only from a damaged dump and shifts every bit out (the
	 * CPU would mask the count: no answer is right, 0 is at least defined). */
	if (shift <= -64 || shift >= 64)
		return 0;
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return (uint64_t)(((unsigned __int128)delta * mul_frac) >> 32);
}

uint64_t kt_cycles_to_ns(uint64_t cycles, uint32_t tsc_khz)
{
	if (!tsc_khz)
		return 0;
	return (uint64_t)(((unsigned __int128)cycles * 1000000u) / tsc_khz);
}

bool kt_vmx_hv_timer_in_range(uint64_t guest_deadline_tsc, uint64_t guest_tsc,
			      unsigned int preemption_timer_multi)
{
	uint64_t hi = guest_deadline_tsc > guest_tsc ? guest_deadline_tsc : guest_tsc;
	uint64_t delta_tsc = hi - guest_tsc;
	unsigned int sh = preemption_timer_multi + 32;

	if (sh >= 64)
		return true;
	return (delta_tsc >> sh) == 0;
}
