/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KVM time math, bit-exact with the kernel (arch/x86/kvm/x86.c, x86.h,
 * arch/x86/include/asm/pvclock.h, include/linux/math64.h).  All arithmetic is
 * done on u64 bit patterns exactly as the kernel does: a negative delta is used
 * as its two's-complement u64, which is how the seed's tscdeadline wrapped.
 */
#ifndef KVMTIMER_TSC_H
#define KVMTIMER_TSC_H
#include <stdbool.h>
#include <stdint.h>
#include "kvmtimer/kvm_caps.h"

/* Defaults of kvm_caps.tsc_scaling_ratio_frac_bits (kvm_tsc_scaling_ratio_frac_bits < v6.0). */

/* include/linux/math64.h: (a * mul) >> shift over 128 bits, truncated to u64. */
uint64_t kt_mul_u64_u64_shr(uint64_t a, uint64_t mul, unsigned int shift);

/* x86.c kvm_scale_tsc(): identity at the default ratio, else mul_u64_u64_shr. */
uint64_t kt_kvm_scale_tsc(const struct kt_tsc_caps *caps, uint64_t tsc, uint64_t ratio);

/* x86.c kvm_read_l1_tsc() (>= v5.14): l1_tsc_offset + kvm_scale_tsc(host_tsc, l1 ratio).
 * Older kernels use the vendor offset and vcpu->arch.tsc_scaling_ratio: pass those. */
uint64_t kt_kvm_read_l1_tsc(const struct kt_tsc_caps *caps, uint64_t l1_tsc_offset,
			    uint64_t l1_ratio, uint64_t host_tsc);

/* pvclock.h pvclock_scale_delta(): shift (either sign) then bits 32..95 of delta*mul. */
uint64_t kt_pvclock_scale_delta(uint64_t delta, uint32_t mul_frac, int shift);

/* x86.h nsec_to_cycles(): pvclock_scale_delta(nsec, virtual_tsc_mult, virtual_tsc_shift). */
static inline uint64_t kt_nsec_to_cycles(uint64_t nsec, uint32_t virtual_tsc_mult,
					 int8_t virtual_tsc_shift)
{
	return kt_pvclock_scale_delta(nsec, virtual_tsc_mult, virtual_tsc_shift);
}

/* Guest cycles to ns at virtual_tsc_khz (for display; KVM itself never does this). */
uint64_t kt_cycles_to_ns(uint64_t cycles, uint32_t tsc_khz);

/*
 * vmx.c vmx_set_hv_timer(): delta_tsc = max(deadline, guest_tsc) - guest_tsc; the VMX
 * preemption timer takes it only if delta_tsc >> (cpu_preemption_timer_multi + 32) == 0,
 * else -ERANGE and KVM keeps the sw hrtimer.  Returns true when in range.
 * (lapic_timer_advance cycles and the scaled-ratio division are ignored: they only
 * shrink delta_tsc, and the seed's wrapped deadlines are out by 2^60.)
 */
bool kt_vmx_hv_timer_in_range(uint64_t guest_deadline_tsc, uint64_t guest_tsc,
			      unsigned int preemption_timer_multi);

#endif
