/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The analysis of one decoded host: what analyze/ derives from the state of
 * kvmtimer/state.h (which it never changes), in one struct made by one call,
 * kt_analyze().  Per vCPU: derived values (delta to now, guest TSC at now,
 * the recomputed tscdeadline), the model's predictions and the findings;
 * for the host: its findings (damage, VM damage) and the register evidence
 * the verdicts cite.  Renderers read state + analysis and compute nothing.
 * Layer analyze/.
 */
#ifndef KVMTIMER_ANALYSIS_H
#define KVMTIMER_ANALYSIS_H
#include <stdbool.h>
#include <stdint.h>
#include "kvmtimer/model.h"
#include "kvmtimer/state.h"

#define KT_MAX_FINDINGS 12

enum kt_finding_severity { KT_SEV_INFO, KT_SEV_WARNING, KT_SEV_CRITICAL };

/* Flags (names are part of the output interface: defined once, in detect.c). */
enum kt_flag {
	KT_FLAG_BEHIND, KT_FLAG_RUNAWAY, KT_FLAG_STORMING, KT_FLAG_BACKWARDS,
	KT_FLAG_HV_ERANGE, KT_FLAG_DESYNC, KT_FLAG_LOST, KT_FLAG_CORRUPT,
	KT_FLAG_COUNT
};

/* A number behind a finding: which one (finding.def) and its value. */
enum kt_qty {
#define KT_Q(name, kind) KT_Q_##name,
#include "kvmtimer/finding.def"
#undef KT_Q
	KT_Q_COUNT
};
#define KT_FINDING_NUMS 6
struct kt_finding {
	enum kt_flag flag;
	enum kt_finding_severity severity;
	char reason[200];
	/* The numbers behind the verdict, in the order they were set (nnum used). */
	struct { enum kt_qty q; int64_t value; } num[KT_FINDING_NUMS];
	int nnum;
};

/* Thresholds; every one settable (kvmlapic/kvmtriage -T name=value). */
struct kt_thresholds {
	/* BEHIND for one-shot / TSC-deadline: how late an armed timer may be. */
	int64_t oneshot_slack_ns;		/* default 1 s; BEHIND: how late any expiry may be (periodic: or one period) */
	/* RUNAWAY: catch-up expiries left, pre-fix algorithm, at least this many. */
	uint64_t runaway_min_iterations;	/* default 1000 */
	/* Cost of one catch-up expiry with IRQs off (time estimates only). */
	int64_t iteration_cost_ns;		/* default 300 (TCG measured ~300, HW less) */
	/* DESYNC: |hrtimer expiry - target_expiration| allowed beyond one period. */
	int64_t desync_slack_ns;		/* default 1 ms */
	/* BACKWARDS: this_tsc_nsec may be after now by this much (clock granularity). */
	int64_t future_slack_ns;		/* default 1 s */
};

/* What the model predicts for a vCPU's periodic timer at now: the next step
 * under the pre-fix and the fixed algorithm (renderers show it, never run it). */
struct kt_vcpu_model {
	struct kt_model_input input;
	struct kt_prediction prefix, fixed;
	uint64_t period_cycles;		/* one period in guest TSC cycles */
};

/* One vCPU's analysis. */
struct kt_vcpu_analysis {
	/* Derived values. */
	int64_t delta_ns;	/* target_expiration - now */
	uint64_t tscdeadline_recomputed; bool has_tscdeadline_recomputed;
	uint64_t guest_tsc_now; bool has_guest_tsc_now;
	/* The model's view (has_model: a periodic timer, the model ran). */
	struct kt_vcpu_model model;
	bool has_model;
	/* Every detector that fired, and the vCPU's damage as a CORRUPT finding. */
	struct kt_finding findings[KT_MAX_FINDINGS];
	int nfindings;
};

/* The registers as evidence, one per CPU context (analyze/regs_evidence.c):
 * cross-checks of what a CPU's registers hold against the decoded host. */
struct kt_regs_evidence {
	int cpu;
	bool checked;		/* its variables were decoded: the checks below ran */
	bool in_catchup;	/* the context is in the catch-up path */
	struct {
		bool has;
		const char *var;	/* name of the variable holding it */
		uint64_t addr;		/* struct hrtimer * */
		bool is_running;	/* == a clock base's running of this CPU */
		int running_base;
		int vm_pid, vcpu_id;	/* owner (-1 none) */
		uint64_t lapic;
		int64_t softexpires_ns, period_ns;
	} timer;
	struct {
		bool has;
		int64_t basenow_ns, now_ns;
		char how[120];		/* where basenow came from */
		bool has_left;		/* timer and period known */
		uint64_t expiries_left;	/* every expiry <= basenow, from the stored one */
	} basenow;
	struct {
		bool has;		/* now and delta both live, target read */
		int64_t now_ns, delta_ns, target_ns;
		bool exact;
	} delta;
};

struct kt_analysis {
	struct kt_thresholds th;	/* the thresholds it was made with */
	/* One per vCPU of the host, in host order (VM 0's vCPUs, VM 1's, ...);
	 * vm_first[i]: the index of VM i's first.  kt_vcpu_analysis_of() finds one. */
	struct kt_vcpu_analysis *vcpus;
	int nvcpus;
	int *vm_first;
	/* Host-level findings: the damage the walkers met, VM damage. */
	struct kt_finding findings[KT_MAX_FINDINGS];
	int nfindings;
	/* The register evidence of each CPU context given to kt_analyze, in
	 * its order (regs[i] is of contexts->cpu[i]); nregs 0 without. */
	struct kt_regs_evidence *regs;
	int nregs;
	/* Register evidence cited by the verdicts: one sentence, "" when no CPU's
	 * registers show the catch-up loop (kt_regs_in_loop); the kvm_lapic it names. */
	char register_evidence[480];
	uint64_t register_evidence_lapic;
};

struct kt_contexts;

/* The analysis step: state (and, when given, the CPUs' decoded and
 * cross-checked register contexts, analyze/regs_evidence.h) -> a.  The only
 * way to make an analysis; KT_ENOMEM with a left empty.  Free with
 * kt_analysis_free. */
int kt_analyze(const struct kt_host *h, const struct kt_contexts *contexts,
	       const struct kt_thresholds *th, struct kt_analysis *a);
void kt_analysis_free(struct kt_analysis *a);
/* The analysis of vCPU v of host h (v points into h->vms[].vcpus); never
 * NULL: an empty one (nothing derived, no findings) for any other v. */
const struct kt_vcpu_analysis *kt_vcpu_analysis_of(const struct kt_analysis *a,
						   const struct kt_host *h,
						   const struct kt_vcpu *v);

void kt_thresholds_default(struct kt_thresholds *t);
/* Set one threshold by name ("runaway_min_iterations=5000"); KT_EINVAL if unknown. */
int kt_thresholds_set(struct kt_thresholds *t, const char *assignment);

/* The first CPU in the catch-up path with a vCPU's hrtimer in its
 * registers (the one register_evidence cites), or NULL. */
const struct kt_regs_evidence *kt_regs_in_loop(const struct kt_analysis *a);

const char *kt_flag_name(enum kt_flag f);
const char *kt_severity_name(enum kt_finding_severity s);

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
/* The first finding of a vCPU with that flag, or NULL. */
const struct kt_finding *kt_vcpu_finding(const struct kt_vcpu_analysis *va, enum kt_flag flag);
bool kt_vcpu_has_flag(const struct kt_vcpu_analysis *va, enum kt_flag flag);

#endif
