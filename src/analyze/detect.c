// SPDX-License-Identifier: GPL-2.0-or-later
/* Detectors over decoded state: see include/kvmtimer/detect.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kvmtimer/detect.h"
#include "kvmtimer/error.h"

static const char *const flag_names[KT_FLAG_COUNT] = {
	[KT_FLAG_BEHIND] = "BEHIND", [KT_FLAG_RUNAWAY] = "RUNAWAY",
	[KT_FLAG_STORMING] = "STORMING", [KT_FLAG_BACKWARDS] = "BACKWARDS",
	[KT_FLAG_HV_ERANGE] = "HV_ERANGE", [KT_FLAG_DESYNC] = "DESYNC",
	[KT_FLAG_LOST] = "LOST", [KT_FLAG_CORRUPT] = "CORRUPT",
};

const char *kt_flag_name(enum kt_flag f)
{
	return (unsigned)f < KT_FLAG_COUNT ? flag_names[f] : "?";
}

const char *kt_severity_name(enum kt_finding_severity s)
{
	return s == KT_SEV_CRITICAL ? "critical" : s == KT_SEV_WARNING ? "warning" : "info";
}

void kt_thresholds_default(struct kt_thresholds *t)
{
	t->oneshot_slack_ns = 1000000000;
	t->runaway_min_iterations = 1000;
	t->iteration_cost_ns = 300;
	t->desync_slack_ns = 1000000;
	t->future_slack_ns = 1000000000;
}

int kt_thresholds_set(struct kt_thresholds *t, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	if (!eq || eq == assignment || !eq[1])
		return KT_EINVAL;
	char *end;
	long long v = strtoll(eq + 1, &end, 0);
	if (*end || v < 0)
		return KT_EINVAL;
	size_t n = (size_t)(eq - assignment);
#define KT_TH(name) if (n == strlen(#name) && !strncmp(assignment, #name, n)) { t->name = v; return KT_OK; }
	KT_TH(oneshot_slack_ns)
	KT_TH(runaway_min_iterations)
	KT_TH(iteration_cost_ns)
	KT_TH(desync_slack_ns)
	KT_TH(future_slack_ns)
#undef KT_TH
	return KT_EINVAL;
}

struct kt_finding *kt_finding_add(struct kt_finding *arr, int *n, enum kt_flag flag,
				  enum kt_finding_severity sev, const char *fmt, ...)
{
	if (*n >= KT_MAX_FINDINGS)
		return NULL;
	struct kt_finding *f = &arr[(*n)++];
	memset(f, 0, sizeof(*f));
	f->flag = flag;
	f->severity = sev;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof(f->reason), fmt, ap);
	va_end(ap);
	return f;
}

static const struct { const char *name; char kind; } qtys[KT_Q_COUNT] = {
#define KT_Q(name, kind) [KT_Q_##name] = { #name, #kind[0] },
#include "kvmtimer/finding.def"
#undef KT_Q
};

const char *kt_qty_name(enum kt_qty q)
{
	return (unsigned)q < KT_Q_COUNT ? qtys[q].name : "?";
}

bool kt_qty_unsigned(enum kt_qty q)
{
	return (unsigned)q < KT_Q_COUNT && qtys[q].kind != 'S';
}

bool kt_qty_addr(enum kt_qty q)
{
	return (unsigned)q < KT_Q_COUNT && qtys[q].kind == 'A';
}

void kt_finding_set(struct kt_finding *f, enum kt_qty q, int64_t value)
{
	for (int i = 0; i < f->nnum; i++)
		if (f->num[i].q == q) {
			f->num[i].value = value;
			return;
		}
	if (f->nnum < KT_FINDING_NUMS) {
		f->num[f->nnum].q = q;
		f->num[f->nnum++].value = value;
	}
}

bool kt_finding_get(const struct kt_finding *f, enum kt_qty q, int64_t *value)
{
	for (int i = 0; i < f->nnum; i++)
		if (f->num[i].q == q) {
			*value = f->num[i].value;
			return true;
		}
	return false;
}

const struct kt_finding *kt_vcpu_finding(const struct kt_vcpu_analysis *va, enum kt_flag flag)
{
	for (int i = 0; i < va->nfindings; i++)
		if (va->findings[i].flag == flag)
			return &va->findings[i];
	return NULL;
}

bool kt_vcpu_has_flag(const struct kt_vcpu_analysis *va, enum kt_flag flag)
{
	return kt_vcpu_finding(va, flag) != NULL;
}

static void set_reason(struct kt_finding *f, enum kt_flag flag, enum kt_finding_severity sev,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void set_reason(struct kt_finding *f, enum kt_flag flag, enum kt_finding_severity sev,
		       const char *fmt, ...)
{
	memset(f, 0, sizeof(*f));
	f->flag = flag;
	f->severity = sev;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof(f->reason), fmt, ap);
	va_end(ap);
}

void kt_vcpu_model_input(const struct kt_host *h, const struct kt_vcpu *v,
			 const struct kt_thresholds *th, struct kt_model_input *mi)
{
	const struct kt_timer *t = &v->timer;

	memset(mi, 0, sizeof(*mi));
	mi->period_ns = t->period_ns;
	mi->target_expiration_ns = t->target_expiration_ns;
	mi->hrtimer_expires_ns = t->hrtimer.softexpires_ns;
	mi->now_ns = h->now.ns;
	mi->host_tsc = h->now.host_tsc;
	mi->l1_tsc_offset = v->tsc.l1_tsc_offset;
	/* Before v5.14 there is no l1 ratio: kvm_read_l1_tsc scaled by tsc_scaling_ratio. */
	mi->l1_tsc_scaling_ratio = v->tsc.has_l1_tsc_scaling_ratio ?
		v->tsc.l1_tsc_scaling_ratio : v->tsc.tsc_scaling_ratio;
	mi->virtual_tsc_mult = v->tsc.virtual_tsc_mult;
	mi->virtual_tsc_shift = v->tsc.virtual_tsc_shift;
	mi->caps = h->caps;
	mi->hv_capable = h->is_vmx && h->hv_timer;
	mi->preemption_timer_multi = h->preemption_timer_multi;
	mi->iteration_cost_ns = th->iteration_cost_ns;
}

static bool hrtimer_live(const struct kt_timer *t)
{
	return t->hrtimer.queued || t->hrtimer.running || (t->hrtimer.state & 1);
}

/*
 * Will KVM keep re-arming this periodic timer?  That is decided in lapic.c
 * (line numbers: linux-source 6.1.192 / 6.12.117):
 *  - apic_timer_fn (6.1:2651, 6.12:2939) restarts the hrtimer whenever
 *    lapic_is_periodic() (6.1:2603, 6.12:2891: kvm_timer.timer_mode, not the
 *    LVTT mask) and, since 0ea9494be9c9, the period is not 0;
 *  - apic_timer_expired (6.1:1737, 6.12:1917) returns early when
 *    lapic_timer.pending is set (6.1:1742, 6.12:1922) - the injection is
 *    skipped, the re-arm in apic_timer_fn is not;
 *  - a masked LVTT only stops delivery (kvm_apic_local_deliver, 6.1:2624);
 *    a software-disabled APIC masks the LVTs and clears pending (APIC_SPIV
 *    write, 6.1:2179-2193, 6.12:2337) but leaves timer_mode and the hrtimer;
 *  - only a TMICT write of 0 (6.1:2240, 6.12:2398 -> set_target_expiration,
 *    period 0: 6.1:1847, 6.12:2028) or a mode change stops it.
 * So: periodic mode, a period, and an hrtimer (or the hv timer) still armed.
 */
static bool periodic_rearms(const struct kt_vcpu *v)
{
	const struct kt_timer *t = &v->timer;
	return v->has_lapic && t->mode == KT_MODE_PERIODIC && t->period_ns > 0 &&
	       (hrtimer_live(t) || t->hv_timer_in_use);
}

bool kt_timer_armed(const struct kt_host *h, const struct kt_vcpu *v)
{
	const struct kt_timer *t = &v->timer;
	(void)h;
	if (!v->has_lapic || !t->regs_ok || !t->sw_enabled)
		return false;
	switch (t->mode) {
	case KT_MODE_PERIODIC:
		return t->period_ns > 0 && t->tmict != 0;
	case KT_MODE_ONESHOT:	/* target_expiration = 0 once injected */
		return t->tmict != 0 && t->target_expiration_ns != 0;
	case KT_MODE_TSCDEADLINE:	/* tscdeadline = 0 once injected */
		return t->tscdeadline != 0;
	default:
		return false;
	}
}

/* How far behind now the timer's next expiry is (>0: late), and whether known. */
static bool timer_lag(const struct kt_host *h, const struct kt_vcpu *v,
		      const struct kt_vcpu_analysis *d, int64_t *lag)
{
	const struct kt_timer *t = &v->timer;
	if (t->mode == KT_MODE_TSCDEADLINE) {
		if (hrtimer_live(t)) {
			*lag = kt_sub_sat(h->now.ns, t->hrtimer.softexpires_ns);
			return true;
		}
		if (d->has_guest_tsc_now && v->tsc.virtual_tsc_khz &&
		    t->tscdeadline < (1ull << 63) && d->guest_tsc_now > t->tscdeadline) {
			*lag = (int64_t)kt_cycles_to_ns(d->guest_tsc_now - t->tscdeadline,
							v->tsc.virtual_tsc_khz);
			return true;
		}
		return false;
	}
	*lag = kt_neg_sat(d->delta_ns);
	return true;
}

bool kt_detect_behind(const struct kt_detect_in *in, const struct kt_thresholds *th,
		      struct kt_finding *f)
{
	const struct kt_vcpu *v = in->vcpu;
	const struct kt_timer *t = &v->timer;
	int64_t lag;

	/* Periodic: whatever masking, pending or SPIV say, apic_timer_fn re-arms
	 * (periodic_rearms); one-shot and TSC-deadline: armed per the registers. */
	bool armed = t->mode == KT_MODE_PERIODIC ? periodic_rearms(v) : kt_timer_armed(in->host, v);
	if (!armed || !timer_lag(in->host, v, in->derived, &lag))
		return false;
	/* The one-shot slack, or one period if longer.  A periodic expiry a few
	 * periods late is what a busy host shows at the moment of a dump: the
	 * CPU that owns the hrtimer had interrupts off, or the dump stopped it
	 * (seen: 3.4 periods of a 1 ms timer on a healthy host, hpet clock under
	 * TCG); it is also what `pending` leaves while the expiry waits for the
	 * vCPU to run.  A timer that stopped being serviced is far past this. */
	int64_t allowed = th->oneshot_slack_ns;
	if (t->mode == KT_MODE_PERIODIC && t->period_ns > allowed)
		allowed = t->period_ns;
	if (lag <= allowed)
		return false;
	set_reason(f, KT_FLAG_BEHIND, KT_SEV_WARNING,
		   "%s timer expiry is %.3f s behind now (%.1f periods)",
		   kt_timer_mode_name(t->mode), lag / 1e9,
		   t->period_ns ? (double)lag / (double)t->period_ns : 0.0);
	kt_finding_set(f, KT_Q_lag_ns, (int64_t)lag);
	kt_finding_set(f, KT_Q_period_ns, (int64_t)t->period_ns);
	kt_finding_set(f, KT_Q_target_expiration_ns, (int64_t)t->target_expiration_ns);
	kt_finding_set(f, KT_Q_now_ns, (int64_t)in->host->now.ns);
	return true;
}

bool kt_detect_runaway(const struct kt_detect_in *in, const struct kt_thresholds *th,
		       struct kt_finding *f)
{
	const struct kt_vcpu *v = in->vcpu;
	const struct kt_timer *t = &v->timer;
	struct kt_model_input mi;
	struct kt_prediction p;

	if (t->mode != KT_MODE_PERIODIC || in->host->fix == KT_FIX_FIXED)
		return false;
	/* Neither pending nor the LVTT mask stops the loop (see periodic_rearms). */
	if (!periodic_rearms(v) || kt_neg_sat(in->derived->delta_ns) <= t->period_ns)
		return false;
	kt_vcpu_model_input(in->host, v, th, &mi);
	/* The loop re-arms from the hrtimer's expiry; if it is not sane, from target. */
	if (!hrtimer_live(t) && t->hrtimer.softexpires_ns == 0)
		mi.hrtimer_expires_ns = t->target_expiration_ns;
	kt_model_predict(&mi, KT_ALGO_PREFIX, &p);
	if (p.catchup_iterations < th->runaway_min_iterations)
		return false;
	set_reason(f, KT_FLAG_RUNAWAY,
		   in->host->fix == KT_FIX_VULNERABLE ? KT_SEV_CRITICAL : KT_SEV_WARNING,
		   "%s: %.3g catch-up expiries of a %lld ns period left, ~%.1f s with IRQs off%s",
		   in->host->fix == KT_FIX_VULNERABLE ? "kernel lacks the fix (18ab3fc8e880 + 9633f180ce99)"
						      : "fix status unknown",
		   (double)p.catchup_iterations, (long long)t->period_ns, p.catchup_seconds,
		   in->host->fix == KT_FIX_VULNERABLE ? " (hard lockup)"
						      : " if the kernel lacks the fix (a hard lockup then)");
	kt_finding_set(f, KT_Q_iterations_left, (int64_t)p.catchup_iterations);
	kt_finding_set(f, KT_Q_lag_ns, (int64_t)p.lag_ns);
	kt_finding_set(f, KT_Q_period_ns, (int64_t)t->period_ns);
	kt_finding_set(f, KT_Q_iteration_cost_ns, (int64_t)th->iteration_cost_ns);
	kt_finding_set(f, KT_Q_seconds_left, (int64_t)p.catchup_seconds);
	return true;
}

static const struct kt_cpu_hrtimers *cpu_of(const struct kt_host *h, int cpu)
{
	for (int i = 0; i < h->ncpus; i++)
		if (h->cpus[i].cpu == cpu)
			return &h->cpus[i];
	return NULL;
}

bool kt_detect_storming(const struct kt_detect_in *in, const struct kt_thresholds *th,
			struct kt_finding *f)
{
	const struct kt_vcpu *v = in->vcpu;
	const struct kt_hrtimer *hr = &v->timer.hrtimer;
	int64_t lag = kt_sub_sat(in->host->now.ns, hr->softexpires_ns);
	(void)th;

	/* With the fix, apic_timer_fn sets the expiry to the target clamped to
	 * now (6.1:2660, 6.12:2948): a late timer fires once, there is no loop. */
	if (v->timer.mode != KT_MODE_PERIODIC || !v->timer.period_ns ||
	    kt_neg_sat(in->derived->delta_ns) <= v->timer.period_ns || in->host->fix == KT_FIX_FIXED)
		return false;
	const struct kt_cpu_hrtimers *c = cpu_of(in->host, hr->cpu);
	bool leftmost_in_irq = false;
	if (c && hr->queued && c->in_hrtirq && hr->clock_index >= 0 &&
	    hr->clock_index < c->nbases) {
		const struct kt_clock_base *b = &c->bases[hr->clock_index];
		leftmost_in_irq = b->ntimers > 0 && b->timers[0].addr == hr->addr &&
				  lag > v->timer.period_ns;
	}
	if (!hr->running && !leftmost_in_irq)
		return false;
	bool vuln = in->host->fix == KT_FIX_VULNERABLE;
	set_reason(f, KT_FLAG_STORMING, vuln ? KT_SEV_CRITICAL : KT_SEV_WARNING,
		   "CPU %d is %s this vCPU's apic_timer_fn hrtimer %.3f s behind now: %s",
		   hr->cpu, hr->running ? "running" : "about to run (leftmost, in hrtimer interrupt)",
		   in->derived->delta_ns / -1e9, vuln ? "the catch-up loop is in progress"
		   : "a catch-up loop if the kernel lacks the fix (status unknown)");
	kt_finding_set(f, KT_Q_cpu, (int64_t)hr->cpu);
	kt_finding_set(f, KT_Q_hrtimer, (int64_t)hr->addr);
	kt_finding_set(f, KT_Q_lag_ns, (int64_t)kt_neg_sat(in->derived->delta_ns));
	kt_finding_set(f, KT_Q_in_hrtirq, c ? c->in_hrtirq : -1);
	return true;
}

bool kt_detect_backwards(const struct kt_detect_in *in, const struct kt_thresholds *th,
			 struct kt_finding *f)
{
	const struct kt_vcpu *v = in->vcpu;
	const struct kt_timer *t = &v->timer;
	const struct kt_host *h = in->host;

	/* A negative delta fed to nsec_to_cycles: the stored deadline wrapped. */
	if (v->has_lapic && t->mode == KT_MODE_PERIODIC && t->tscdeadline >= (1ull << 63)) {
		set_reason(f, KT_FLAG_BACKWARDS, KT_SEV_WARNING,
			   "tscdeadline %llu is past 2^63: a negative delta (target behind now) went through nsec_to_cycles as u64",
			   (unsigned long long)t->tscdeadline);
		kt_finding_set(f, KT_Q_tscdeadline, (int64_t)t->tscdeadline);
		if (in->derived->has_guest_tsc_now)
			kt_finding_set(f, KT_Q_guest_tsc_now, (int64_t)in->derived->guest_tsc_now);
		kt_finding_set(f, KT_Q_delta_ns, (int64_t)in->derived->delta_ns);
		return true;
	}
	/* The guest TSC went backwards against the last value KVM saw. */
	if (in->derived->has_guest_tsc_now && v->tsc.last_guest_tsc && v->tsc.virtual_tsc_khz) {
		uint64_t slack = kt_nsec_to_cycles((uint64_t)th->future_slack_ns,
						   v->tsc.virtual_tsc_mult, v->tsc.virtual_tsc_shift);
		if (in->derived->guest_tsc_now + slack < v->tsc.last_guest_tsc) {
			set_reason(f, KT_FLAG_BACKWARDS, KT_SEV_WARNING,
				   "guest TSC now %llu is before last_guest_tsc %llu",
				   (unsigned long long)in->derived->guest_tsc_now,
				   (unsigned long long)v->tsc.last_guest_tsc);
			kt_finding_set(f, KT_Q_guest_tsc_now, (int64_t)in->derived->guest_tsc_now);
			kt_finding_set(f, KT_Q_last_guest_tsc, (int64_t)v->tsc.last_guest_tsc);
			return true;
		}
	}
	/* KVM's TSC-write timestamp is after now: the clock ran backwards. */
	if (v->tsc.this_tsc_nsec &&
	    (int64_t)v->tsc.this_tsc_nsec > kt_add_sat(h->now.ns, th->future_slack_ns)) {
		set_reason(f, KT_FLAG_BACKWARDS, KT_SEV_WARNING,
			   "this_tsc_nsec %llu is %.3f s after now",
			   (unsigned long long)v->tsc.this_tsc_nsec,
			   kt_sub_sat((int64_t)v->tsc.this_tsc_nsec, h->now.ns) / 1e9);
		kt_finding_set(f, KT_Q_this_tsc_nsec, (int64_t)v->tsc.this_tsc_nsec);
		kt_finding_set(f, KT_Q_now_ns, (int64_t)h->now.ns);
		return true;
	}
	return false;
}

bool kt_detect_hv_erange(const struct kt_detect_in *in, const struct kt_thresholds *th,
			 struct kt_finding *f)
{
	const struct kt_vcpu *v = in->vcpu;
	const struct kt_timer *t = &v->timer;
	(void)th;

	/* -ERANGE is vmx_set_hv_timer's answer: VMX with the preemption timer in use only. */
	if (!in->host->is_vmx || !in->host->hv_timer || !in->derived->has_guest_tsc_now || !t->tscdeadline ||
	    (t->mode != KT_MODE_PERIODIC && t->mode != KT_MODE_TSCDEADLINE))
		return false;
	if (kt_vmx_hv_timer_in_range(t->tscdeadline, in->derived->guest_tsc_now,
				     in->host->preemption_timer_multi))
		return false;
	uint64_t dist = t->tscdeadline - in->derived->guest_tsc_now;
	set_reason(f, KT_FLAG_HV_ERANGE, KT_SEV_WARNING,
		   "TSC distance to the deadline, %llu cycles, exceeds the VMX preemption timer's %u bits: KVM falls back to the sw hrtimer",
		   (unsigned long long)dist, in->host->preemption_timer_multi + 32);
	kt_finding_set(f, KT_Q_tscdeadline, (int64_t)t->tscdeadline);
	kt_finding_set(f, KT_Q_guest_tsc_now, (int64_t)in->derived->guest_tsc_now);
	kt_finding_set(f, KT_Q_delta_tsc, (int64_t)dist);
	kt_finding_set(f, KT_Q_preemption_timer_bits, (int64_t)in->host->preemption_timer_multi + 32);
	return true;
}

bool kt_detect_desync(const struct kt_detect_in *in, const struct kt_thresholds *th,
		      struct kt_finding *f)
{
	const struct kt_vcpu *v = in->vcpu;
	const struct kt_timer *t = &v->timer;

	/* apic_timer_fn moves both whatever the mask or pending say (periodic_rearms). */
	if (t->mode != KT_MODE_PERIODIC || !periodic_rearms(v) ||
	    t->hv_timer_in_use || !t->hrtimer.queued)
		return false;
	/* Both advance by one period per expiry; mid-update they differ by one. */
	int64_t diff = kt_sub_sat(t->hrtimer.softexpires_ns, t->target_expiration_ns);
	int64_t adiff = diff < 0 ? kt_neg_sat(diff) : diff;
	if (adiff <= kt_add_sat(t->period_ns, th->desync_slack_ns))
		return false;
	set_reason(f, KT_FLAG_DESYNC, KT_SEV_WARNING,
		   "hrtimer expiry and target_expiration differ by %lld ns (period %lld ns)",
		   (long long)diff, (long long)t->period_ns);
	kt_finding_set(f, KT_Q_hrtimer_expires_ns, (int64_t)t->hrtimer.softexpires_ns);
	kt_finding_set(f, KT_Q_target_expiration_ns, (int64_t)t->target_expiration_ns);
	kt_finding_set(f, KT_Q_diff_ns, (int64_t)diff);
	return true;
}

bool kt_detect_lost(const struct kt_detect_in *in, const struct kt_thresholds *th,
		    struct kt_finding *f)
{
	const struct kt_vcpu *v = in->vcpu;
	const struct kt_timer *t = &v->timer;
	(void)th;

	/* Not lost: a masked LVTT never delivers by design (kvm_apic_local_deliver,
	 * 6.1:2624); pending = an expiry waits for the vCPU to run
	 * (kvm_inject_apic_timer_irqs, 6.1:2740); an hv timer has no hrtimer. */
	if (!kt_timer_armed(in->host, v) || t->masked || t->pending || t->hv_timer_in_use ||
	    hrtimer_live(t))
		return false;
	set_reason(f, KT_FLAG_LOST, KT_SEV_WARNING,
		   "%s timer armed and unmasked, but no hrtimer queued or running, no hv timer, nothing pending: the interrupt never comes",
		   kt_timer_mode_name(t->mode));
	kt_finding_set(f, KT_Q_target_expiration_ns, (int64_t)t->target_expiration_ns);
	kt_finding_set(f, KT_Q_tscdeadline, (int64_t)t->tscdeadline);
	kt_finding_set(f, KT_Q_hrtimer, (int64_t)t->hrtimer.addr);
	return true;
}

void kt_analyze_vcpu(const struct kt_host *h, const struct kt_thresholds *th,
		     const struct kt_vcpu *v, struct kt_vcpu_analysis *va)
{
	typedef bool (*detector)(const struct kt_detect_in *, const struct kt_thresholds *,
				 struct kt_finding *);
	static const detector detectors[] = {
		kt_detect_behind, kt_detect_runaway, kt_detect_storming, kt_detect_backwards,
		kt_detect_hv_erange, kt_detect_desync, kt_detect_lost,
	};
	const struct kt_timer *t = &v->timer;

	memset(va, 0, sizeof(*va));
	va->delta_ns = (int64_t)((uint64_t)t->target_expiration_ns - (uint64_t)h->now.ns);
	va->has_guest_tsc_now = h->now.has_host_tsc && v->has_lapic;
	if (va->has_guest_tsc_now) {
		struct kt_model_input mi;
		kt_vcpu_model_input(h, v, th, &mi);
		va->guest_tsc_now = kt_kvm_read_l1_tsc(&mi.caps, mi.l1_tsc_offset,
						       mi.l1_tsc_scaling_ratio, mi.host_tsc);
		if (t->mode == KT_MODE_PERIODIC && t->period_ns) {
			/* What advance_periodic_target_expiration() stores at now with the
			 * current target: tscl + nsec_to_cycles(target - now). */
			va->tscdeadline_recomputed = va->guest_tsc_now +
				kt_nsec_to_cycles((uint64_t)va->delta_ns, mi.virtual_tsc_mult,
						  mi.virtual_tsc_shift);
			va->has_tscdeadline_recomputed = true;
		}
	}
	/* Damage met while reading this vCPU is a finding like any other. */
	if (v->damage.what[0])
		kt_finding_add(va->findings, &va->nfindings, KT_FLAG_CORRUPT, KT_SEV_WARNING,
			       "kvm_vcpu 0x%llx: %s", (unsigned long long)v->addr, v->damage.what);
	if (!v->has_lapic)
		return;
	struct kt_detect_in in = { .host = h, .vcpu = v, .derived = va };
	for (size_t i = 0; i < sizeof(detectors) / sizeof(detectors[0]); i++) {
		struct kt_finding f;
		if (va->nfindings < KT_MAX_FINDINGS && detectors[i](&in, th, &f))
			va->findings[va->nfindings++] = f;
	}
}
