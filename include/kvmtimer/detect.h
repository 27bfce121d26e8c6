/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Detectors: pure functions over decoded state.  Each returns true and fills a
 * finding (flag, severity, one-line reason, the numbers) when it fires.
 */
#ifndef KVMTIMER_DETECT_H
#define KVMTIMER_DETECT_H
#include <stdbool.h>
#include "kvmtimer/model.h"
#include "kvmtimer/state.h"

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

/* Thresholds; every one settable (kvmlapic/kvmtriage -T name=value). */
struct kt_thresholds {
	/* BEHIND for one-shot / TSC-deadline: how late an armed timer may be. */
	int64_t oneshot_slack_ns;		/* default 1 s */
	/* RUNAWAY: catch-up expiries left, pre-fix algorithm, at least this many. */
	uint64_t runaway_min_iterations;	/* default 1000 */
	/* Cost of one catch-up expiry with IRQs off (time estimates only). */
	int64_t iteration_cost_ns;		/* default 300 (TCG measured ~300, HW less) */
	/* DESYNC: |hrtimer expiry - target_expiration| allowed beyond one period. */
	int64_t desync_slack_ns;		/* default 1 ms */
	/* BACKWARDS: this_tsc_nsec may be after now by this much (clock granularity). */
	int64_t future_slack_ns;		/* default 1 s */
};

void kt_thresholds_default(struct kt_thresholds *t);
/* Set one threshold by name ("runaway_min_iterations=5000"); KT_EINVAL if unknown. */
int kt_thresholds_set(struct kt_thresholds *t, const char *assignment);

const char *kt_flag_name(enum kt_flag f);
const char *kt_severity_name(enum kt_finding_severity s);
/* Alarm flags are all but INFO-severity findings. */

/* Everything a detector may look at for one vCPU. */
struct kt_detect_in {
	const struct kt_host *host;
	const struct kt_vcpu *vcpu;
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

/* Fill the derived fields of v (delta, guest TSC now, recomputed tscdeadline)
 * and run every detector, appending findings to v->findings. */
/* What the model predicts for a vCPU's periodic timer at now: the next step
 * under the pre-fix and the fixed algorithm (renderers show it, never run it). */
struct kt_vcpu_model {
	struct kt_model_input input;
	struct kt_prediction prefix, fixed;
	uint64_t period_cycles;		/* one period in guest TSC cycles */
};

void kt_analyze_vcpu(const struct kt_host *h, const struct kt_thresholds *th, struct kt_vcpu *v);
void kt_analyze_host(struct kt_host *h, const struct kt_thresholds *th);

/* Append a finding (bounded by KT_MAX_FINDINGS); returns the slot or NULL. */
struct kt_finding *kt_finding_add(struct kt_finding *arr, int *n, enum kt_flag flag,
				  enum kt_finding_severity sev, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Set number q of a finding (its kind, signed, unsigned or address, is q's). */
void kt_finding_set(struct kt_finding *f, enum kt_qty q, int64_t value);
/* Number q of a finding: true and *value when it has one. */
bool kt_finding_get(const struct kt_finding *f, enum kt_qty q, int64_t *value);
/* Its JSON key and label; whether it prints unsigned, and as an address. */
const char *kt_qty_name(enum kt_qty q);
bool kt_qty_unsigned(enum kt_qty q);
bool kt_qty_addr(enum kt_qty q);
/* A kernel address: "0x…" in JSON and tables. */
bool kt_vcpu_has_flag(const struct kt_vcpu *v, enum kt_flag flag);

#endif
