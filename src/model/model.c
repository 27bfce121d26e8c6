// SPDX-License-Identifier: GPL-2.0-or-later
/* Model of KVM's periodic LAPIC timer, pre-fix and fixed: see model.h. */
#include "kvmtimer/model.h"

const char *kt_algo_name(enum kt_algo a)
{
	return a == KT_ALGO_FIXED ? "fixed (18ab3fc8e880)" : "pre-fix (d8f2f498d9ed)";
}

uint64_t kt_catchup_iterations(int64_t expires_ns, int64_t basenow_ns, int64_t period_ns)
{
	if (period_ns <= 0 || basenow_ns < expires_ns)
		return 0;
	/* Unsigned: the span can exceed INT64_MAX when expires is negative garbage. */
	uint64_t span = (uint64_t)basenow_ns - (uint64_t)expires_ns;
	uint64_t n = span / (uint64_t)period_ns;
	return n == UINT64_MAX ? n : n + 1;	/* saturate, never wrap to 0 */
}

void kt_model_advance(const struct kt_model_input *in, enum kt_algo algo,
		      int64_t target_ns, struct kt_advance *out)
{
	/* ktime_add_ns / ktime_sub are plain s64 arithmetic (wrapping, as u64). */
	int64_t target = (int64_t)((uint64_t)target_ns + (uint64_t)in->period_ns);

	if (algo == KT_ALGO_FIXED && target < in->now_ns)	/* 18ab3fc8e880 clamp */
		target = in->now_ns;
	out->target_expiration_ns = target;
	out->delta_ns = (int64_t)((uint64_t)target - (uint64_t)in->now_ns);
	out->delta_negative = out->delta_ns < 0;
	out->guest_tsc = kt_kvm_read_l1_tsc(&in->caps, in->l1_tsc_offset,
					    in->l1_tsc_scaling_ratio, in->host_tsc);
	out->delta_cycles = kt_nsec_to_cycles((uint64_t)out->delta_ns, in->virtual_tsc_mult,
					      in->virtual_tsc_shift);
	out->tscdeadline = out->guest_tsc + out->delta_cycles;
	out->hv_in_range = in->hv_capable &&
		kt_vmx_hv_timer_in_range(out->tscdeadline, out->guest_tsc,
					 in->preemption_timer_multi);
}

void kt_model_predict(const struct kt_model_input *in, enum kt_algo algo,
		      struct kt_prediction *out)
{
	out->algo = algo;
	kt_model_advance(in, algo, in->target_expiration_ns, &out->next);
	out->uses_sw_timer = !out->next.hv_in_range;
	out->lag_ns = (int64_t)((uint64_t)in->now_ns - (uint64_t)in->hrtimer_expires_ns);

	uint64_t behind = kt_catchup_iterations(in->hrtimer_expires_ns, in->now_ns,
						in->period_ns);
	if (algo == KT_ALGO_FIXED) {
		/* 9633f180ce99: expiry := target_expiration, clamped to now, which is
		 * past __hrtimer_run_queues' basenow: the timer fires once, late. */
		out->catchup_iterations = 0;
		out->late_expiries = behind ? 1 : 0;
		out->next_hrtimer_expires_ns = out->next.target_expiration_ns;
	} else {
		out->catchup_iterations = behind > 1 ? behind : 0;
		out->late_expiries = behind;
		out->next_hrtimer_expires_ns =
			(int64_t)((uint64_t)in->hrtimer_expires_ns + (uint64_t)in->period_ns);
	}
	out->catchup_seconds = (double)out->catchup_iterations *
			       (double)in->iteration_cost_ns / 1e9;
}
