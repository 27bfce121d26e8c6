/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Model of KVM's periodic LAPIC timer: from a decoded state, a `now` and a host
 * TSC, what KVM computes at the next expiry and how many catch-up expiries
 * __hrtimer_run_queues() will run before the hrtimer is in the future again.
 *
 * Two algorithms, each the behaviour of named upstream commits:
 *  KT_ALGO_PREFIX: d8f2f498d9ed (v4.19 .. v6.18): advance_periodic_target_expiration()
 *    does target += period with no clamp; apic_timer_fn() does
 *    hrtimer_add_expires_ns(period).  A timer behind by L ns expires L/period
 *    times in one __hrtimer_run_queues() pass, with IRQs off.
 *  KT_ALGO_FIXED: 18ab3fc8e880 + 9633f180ce99 (v6.19, stable): target clamped to now,
 *    apic_timer_fn() sets the hrtimer expiry to target_expiration: one late expiry.
 */
#ifndef KVMTIMER_MODEL_H
#define KVMTIMER_MODEL_H
#include <stdbool.h>
#include <stdint.h>
#include "kvmtimer/tsc.h"

enum kt_algo { KT_ALGO_PREFIX, KT_ALGO_FIXED };
const char *kt_algo_name(enum kt_algo a);

struct kt_model_input {
	int64_t period_ns;
	int64_t target_expiration_ns;
	int64_t hrtimer_expires_ns;	/* softexpires of lapic_timer.timer */
	int64_t now_ns;
	uint64_t host_tsc;		/* rdtsc() at now */
	/* vcpu->arch */
	uint64_t l1_tsc_offset;
	uint64_t l1_tsc_scaling_ratio;
	uint32_t virtual_tsc_mult;
	int8_t virtual_tsc_shift;
	struct kt_tsc_caps caps;
	/* hv timer (VMX preemption timer) */
	bool hv_capable;
	unsigned int preemption_timer_multi;
	/* cost of one catch-up expiry, for the time estimate */
	int64_t iteration_cost_ns;
};

/* advance_periodic_target_expiration() at `now`: the values it stores. */
struct kt_advance {
	int64_t target_expiration_ns;
	int64_t delta_ns;		/* target - now, as the kernel's ktime_sub */
	uint64_t guest_tsc;		/* kvm_read_l1_tsc(vcpu, host_tsc) */
	uint64_t delta_cycles;		/* nsec_to_cycles((u64)delta) */
	uint64_t tscdeadline;		/* guest_tsc + delta_cycles (wraps like u64) */
	bool delta_negative;
	bool hv_in_range;		/* vmx_set_hv_timer would accept tscdeadline */
};

struct kt_prediction {
	enum kt_algo algo;
	struct kt_advance next;		/* at the next expiry */
	int64_t next_hrtimer_expires_ns;
	int64_t lag_ns;			/* now - hrtimer expiry (>0: in the past) */
	uint64_t catchup_iterations;	/* expiries before expiry > now (0: none) */
	uint64_t late_expiries;		/* expiries that fire late (fixed: at most 1) */
	double catchup_seconds;		/* catchup_iterations * iteration_cost_ns */
	bool uses_sw_timer;		/* hv timer refused (or not capable) */
};

/* One call of advance_periodic_target_expiration() under `algo` from `target`. */
void kt_model_advance(const struct kt_model_input *in, enum kt_algo algo,
		      int64_t target_ns, struct kt_advance *out);

/* The next steps of KVM for this timer under `algo`. */
void kt_model_predict(const struct kt_model_input *in, enum kt_algo algo,
		      struct kt_prediction *out);

/* Catch-up expiries __hrtimer_run_queues() runs for a periodic hrtimer whose
 * expiry is `expires` at `basenow` under the pre-fix algorithm: the loop
 * re-runs the timer while basenow >= expires, expires += period each time. */
uint64_t kt_catchup_iterations(int64_t expires_ns, int64_t basenow_ns, int64_t period_ns);

#endif
