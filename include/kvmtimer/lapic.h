/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Local APIC register decoding and KVM's timer conversions (arch/x86/kvm/lapic.[ch]). */
#ifndef KVMTIMER_LAPIC_H
#define KVMTIMER_LAPIC_H
#include <stdbool.h>
#include <stdint.h>

/* Register offsets in the APIC page (apic->regs). */
#define KT_APIC_ID	0x20
#define KT_APIC_SPIV	0xF0
#define KT_APIC_LVTT	0x320
#define KT_APIC_TMICT	0x380
#define KT_APIC_TMCCT	0x390
#define KT_APIC_TDCR	0x3E0
#define KT_APIC_PAGE	0x400	/* bytes of regs we read */

#define KT_APIC_LVT_MASKED	(1u << 16)
#define KT_APIC_VECTOR_MASK	0xFFu
#define KT_APIC_SPIV_ENABLED	(1u << 8)
#define KT_X2APIC_ENABLE	(1ull << 10)	/* MSR_IA32_APICBASE_EXTD */

/* lapic.h: timer_mode values of LVTT bits 17-18. */
#define KT_LVTT_ONESHOT		(0u << 17)
#define KT_LVTT_PERIODIC	(1u << 17)
#define KT_LVTT_TSCDEADLINE	(2u << 17)
#define KT_LVTT_MODE_MASK	(3u << 17)

enum kt_timer_mode { KT_MODE_ONESHOT, KT_MODE_PERIODIC, KT_MODE_TSCDEADLINE, KT_MODE_RESERVED };

/* Mode as KVM sees it: LVTT & timer_mode_mask (lapic.c apic_update_lvtt). */
enum kt_timer_mode kt_timer_mode_decode(uint32_t timer_mode);
const char *kt_timer_mode_name(enum kt_timer_mode m);
static inline bool kt_lvt_masked(uint32_t lvt) { return lvt & KT_APIC_LVT_MASKED; }
static inline uint8_t kt_lvt_vector(uint32_t lvt) { return lvt & KT_APIC_VECTOR_MASK; }

/* lapic.c update_divide_count(): TDCR -> divide_count (1..128). */
uint32_t kt_tdcr_to_divide_count(uint32_t tdcr);

/* lapic.c tmict_to_ns(): TMICT * APIC bus cycle (ns) * divide_count, in u64. */
uint64_t kt_tmict_to_ns(uint32_t tmict, uint64_t bus_cycle_ns, uint32_t divide_count);

/* lapic.c limit_periodic_timer_frequency(): periodic periods below
 * min_timer_period_us * 1000 are raised to it; other modes unchanged. */
int64_t kt_limit_periodic_timer_frequency(int64_t period_ns, bool periodic,
					  uint64_t min_timer_period_us);

#endif
