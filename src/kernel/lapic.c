// SPDX-License-Identifier: GPL-2.0-or-later
/* Local APIC timer register decoding, after arch/x86/kvm/lapic.c. */
#include "kvmtimer/lapic.h"

enum kt_timer_mode kt_timer_mode_decode(uint32_t timer_mode)
{
	switch (timer_mode & KT_LVTT_MODE_MASK) {
	case KT_LVTT_ONESHOT: return KT_MODE_ONESHOT;
	case KT_LVTT_PERIODIC: return KT_MODE_PERIODIC;
	case KT_LVTT_TSCDEADLINE: return KT_MODE_TSCDEADLINE;
	default: return KT_MODE_RESERVED;
	}
}

const char *kt_timer_mode_name(enum kt_timer_mode m)
{
	static const char *const names[] = {
		[KT_MODE_ONESHOT] = "oneshot", [KT_MODE_PERIODIC] = "periodic",
		[KT_MODE_TSCDEADLINE] = "tscdeadline", [KT_MODE_RESERVED] = "reserved",
	};
	return (unsigned)m < 4 ? names[m] : "reserved";
}

uint32_t kt_tdcr_to_divide_count(uint32_t tdcr)
{
	/* update_divide_count(): bits 0,1,3 form the exponent; 0b111 means 1. */
	uint32_t tmp1 = tdcr & 0xf;
	uint32_t tmp2 = ((tmp1 & 0x3) | ((tmp1 & 0x8) >> 1)) + 1;
	return 1u << (tmp2 & 0x7);
}

uint64_t kt_tmict_to_ns(uint32_t tmict, uint64_t bus_cycle_ns, uint32_t divide_count)
{
	return (uint64_t)tmict * bus_cycle_ns * (uint64_t)divide_count;
}

int64_t kt_limit_periodic_timer_frequency(int64_t period_ns, bool periodic,
					  uint64_t min_timer_period_us)
{
	if (periodic && period_ns) {
		int64_t min_period = (int64_t)(min_timer_period_us * 1000);
		if (period_ns < min_period)
			return min_period;
	}
	return period_ns;
}
