/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Detectors: pure functions over decoded state and the vCPU's derived values.
 * Each returns true and fills a finding (flag, severity, one-line reason, the
 * numbers) when it fires.  kt_analyze (analysis.h) runs them.
 */
#ifndef KVMTIMER_DETECT_H
#define KVMTIMER_DETECT_H
#include <stdbool.h>
#include "kvmtimer/analysis.h"

/* Differences of dump values (any int64) without signed overflow: the result
 * saturates at INT64_MIN/INT64_MAX, which still reads as "very far". */
static inline int64_t kt_sub_sat(int64_t a, int64_t b)
{
	int64_t r;
	return __builtin_sub_overflow(a, b, &r) ? (b < 0 ? INT64_MAX : INT64_MIN) : r;
}

static inline int64_t kt_add_sat(int64_t a, int64_t b)
{
	int64_t r;
	return __builtin_add_overflow(a, b, &r) ? (b > 0 ? INT64_MAX : INT64_MIN) : r;
}

static inline int64_t kt_neg_sat(int64_t a) { return kt_sub_sat(0, a); }

/* Everything a detector may look at for one vCPU. */
struct kt_detect_in {
	const struct kt_host *host;
	const struct kt_vcpu *vcpu;
	const struct kt_vcpu_analysis *derived;	/* its derived values (findings not used) */
};

bool kt_timer_armed(const struct kt_host *h, const struct kt_vcpu *v);

bool kt_detect_behind(const struct kt_detect_in *in, const struct kt_thresholds *th, struct kt_finding *f);
bool kt_detect_runaway(const struct kt_detect_in *in, const struct kt_thresholds *th, struct kt_finding *f);
bool kt_detect_storming(const struct kt_detect_in *in, const struct kt_thresholds *th, struct kt_finding *f);
bool kt_detect_backwards(const struct kt_detect_in *in, const struct kt_thresholds *th, struct kt_finding *f);
bool kt_detect_hv_erange(const struct kt_detect_in *in, const struct kt_thresholds *th, struct kt_finding *f);
bool kt_detect_desync(const struct kt_detect_in *in, const struct kt_thresholds *th, struct kt_finding *f);
bool kt_detect_lost(const struct kt_detect_in *in, const struct kt_thresholds *th, struct kt_finding *f);

/* Model input for a vCPU at the host's now / host TSC. */
void kt_vcpu_model_input(const struct kt_host *h, const struct kt_vcpu *v,
			 const struct kt_thresholds *th, struct kt_model_input *mi);

/* The derived values of v at the host's now (delta, guest TSC now,
 * recomputed tscdeadline) into va, then every detector, appending findings
 * to va->findings (after v's damage as a CORRUPT one).  kt_analyze's step
 * for one vCPU. */
void kt_analyze_vcpu(const struct kt_host *h, const struct kt_thresholds *th,
		     const struct kt_vcpu *v, struct kt_vcpu_analysis *va);

#endif
