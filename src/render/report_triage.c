// SPDX-License-Identifier: GPL-2.0-or-later
/* kvmtriage: the now estimate and its sources, the fix status, every anomaly
 * ranked, and a verdict in plain words. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render/report.h"

struct ranked {
	const struct kt_vm *vm;
	const struct kt_vcpu *v;
	const struct kt_vcpu_analysis *va;
	const struct kt_finding *f;
};

static int rank_of(const struct kt_finding *f)
{
	/* Critical first; within a severity, the loop before its causes. */
	static const int order[KT_FLAG_COUNT] = {
		[KT_FLAG_STORMING] = 0, [KT_FLAG_RUNAWAY] = 1, [KT_FLAG_CORRUPT] = 2,
		[KT_FLAG_LOST] = 3, [KT_FLAG_BACKWARDS] = 4, [KT_FLAG_HV_ERANGE] = 5,
		[KT_FLAG_BEHIND] = 6, [KT_FLAG_DESYNC] = 7,
	};
	return (2 - (int)f->severity) * 100 + order[f->flag];
}

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	int d = rank_of(x->f) - rank_of(y->f);
	if (d)
		return d;
	return (x->va && y->va) ? (x->va->delta_ns > y->va->delta_ns) - (x->va->delta_ns < y->va->delta_ns) : 0;
}

static struct ranked *collect(const struct kt_host *h, const struct kt_analysis *a, int *n)
{
	int cap = a->nfindings;
	for (int i = 0; i < h->nvms; i++)
		for (int j = 0; j < h->vms[i].nvcpus; j++)
			cap += kt_vcpu_analysis_of(a, h, &h->vms[i].vcpus[j])->nfindings;
	struct ranked *r = calloc((size_t)cap + 1, sizeof(*r));
	*n = 0;
	if (!r)
		return NULL;
	for (int i = 0; i < a->nfindings; i++)
		r[(*n)++] = (struct ranked){ NULL, NULL, NULL, &a->findings[i] };
	for (int i = 0; i < h->nvms; i++)
		for (int j = 0; j < h->vms[i].nvcpus; j++) {
			const struct kt_vcpu_analysis *va = kt_vcpu_analysis_of(a, h, &h->vms[i].vcpus[j]);
			for (int k = 0; k < va->nfindings; k++)
				r[(*n)++] = (struct ranked){ &h->vms[i], &h->vms[i].vcpus[j], va,
							     &va->findings[k] };
		}
	qsort(r, (size_t)*n, sizeof(*r), cmp_ranked);
	return r;
}

/* Number q of a finding, 0 when it has none. */
static int64_t num(const struct kt_finding *f, enum kt_qty q)
{
	int64_t v = 0;
	kt_finding_get(f, q, &v);
	return v;
}

/* The verdict sentence(s), into buf. */
static void verdict(const struct kt_host *h, const struct kt_analysis *a, const struct ranked *r,
		    int n, char *buf, size_t len)
{
	int vcpus = 0, damaged = 0;
	for (int i = 0; i < h->nvms; i++) {
		vcpus += h->vms[i].nvcpus;
		damaged += h->vms[i].damage.what[0] != 0;
		for (int j = 0; j < h->vms[i].nvcpus; j++)
			damaged += h->vms[i].vcpus[j].damage.what[0] != 0;
	}
	if (!n || (r[0].f->severity == KT_SEV_INFO && !damaged)) {
		snprintf(buf, len, "No LAPIC timer anomaly: %d VM(s), %d vCPU(s) checked against now.",
			 h->nvms, vcpus);
		return;
	}
	const struct kt_vcpu *v = r[0].v;
	const struct kt_vcpu_analysis *va = r[0].va;
	const struct kt_vm *vm = r[0].vm;
	const struct kt_finding *f = r[0].f;
	if (v && (f->flag == KT_FLAG_STORMING || f->flag == KT_FLAG_RUNAWAY)) {
		if (a->register_evidence[0]) {	/* the registers first: the strongest evidence */
			int w = snprintf(buf, len, "%s. ", a->register_evidence);
			if (w > 0 && (size_t)w < len) {
				buf += w;
				len -= (size_t)w;
			}
		}
		const struct kt_finding *ra = kt_vcpu_finding(va, KT_FLAG_RUNAWAY);
		const struct kt_finding *st = kt_vcpu_finding(va, KT_FLAG_STORMING);
		uint64_t iters = ra ? (uint64_t)num(ra, KT_Q_iterations_left) : 0;
		double secs = ra ? (double)iters * (double)num(ra, KT_Q_iteration_cost_ns) / 1e9 : 0;
		int used = 0;
		if (st)
			used = snprintf(buf, len,
					h->fix == KT_FIX_VULNERABLE ?
					"CPU %d is inside a periodic LAPIC timer catch-up loop "
					"(__hrtimer_run_queues -> apic_timer_fn) for VM pid %d (%s) vCPU %d "
					"(thread %d, kvm_lapic 0x%llx): " :
					"CPU %d is running a periodic LAPIC timer that is far behind now "
					"(__hrtimer_run_queues -> apic_timer_fn) for VM pid %d (%s) vCPU %d "
					"(thread %d, kvm_lapic 0x%llx): ",
					v->timer.hrtimer.cpu, vm->userspace_pid, vm->comm[0] ? vm->comm : "?",
					v->vcpu_id, v->tid, (unsigned long long)v->timer.lapic_addr);
		else
			used = snprintf(buf, len,
					"VM pid %d vCPU %d has a periodic LAPIC timer that will run away "
					"on its next expiry (CPU %d): ", vm->userspace_pid, v->vcpu_id,
					v->timer.hrtimer.cpu);
		if (used < 0 || (size_t)used >= len)
			return;
		/* A hard lockup is claimed only on positive evidence of the pre-fix code. */
		if (h->fix == KT_FIX_FIXED)
			snprintf(buf + used, len - (size_t)used,
				 "target_expiration is %.1f s behind now with a %" PRId64 " ns period. "
				 "The kernel has the upstream fix (18ab3fc8e880 + 9633f180ce99): one late expiry, no catch-up loop.",
				 kt_neg_sat(va->delta_ns) / 1e9, v->timer.period_ns);
		else if (h->fix == KT_FIX_VULNERABLE)
			snprintf(buf + used, len - (size_t)used,
				 "target_expiration is %.1f s behind now with a %" PRId64 " ns period, "
				 "%.3g iterations left (~%.0f s with IRQs off at %" PRId64 " ns each): a hard lockup. "
				 "The kernel lacks the upstream fix (18ab3fc8e880 + 9633f180ce99, CVE-2025-71104).",
				 kt_neg_sat(va->delta_ns) / 1e9, v->timer.period_ns, (double)iters, secs,
				 ra ? num(ra, KT_Q_iteration_cost_ns) : 0);
		else
			snprintf(buf + used, len - (size_t)used,
				 "target_expiration is %.1f s behind now with a %" PRId64 " ns period, "
				 "%.3g iterations left (~%.0f s with IRQs off at %" PRId64 " ns each) if the kernel "
				 "catches up one period per expiry. Whether it does is unknown (FIX above): "
				 "a hard lockup only if the kernel lacks the upstream fix (18ab3fc8e880 + 9633f180ce99, CVE-2025-71104).",
				 kt_neg_sat(va->delta_ns) / 1e9, v->timer.period_ns, (double)iters, secs,
				 ra ? num(ra, KT_Q_iteration_cost_ns) : 0);
		return;
	}
	if (f->flag == KT_FLAG_CORRUPT) {
		int corrupt = 0, timer = 0;
		for (int i = 0; i < n; i++) {
			corrupt += r[i].f->flag == KT_FLAG_CORRUPT;
			timer += r[i].f->flag != KT_FLAG_CORRUPT && r[i].f->severity != KT_SEV_INFO;
		}
		snprintf(buf, len, "The dump is damaged in %d place(s) (CORRUPT above; first: %s). "
			 "Among the %d VM(s) and %d vCPU(s) that could be read, %d timer anomal%s.",
			 corrupt, f->reason, h->nvms, vcpus, timer, timer == 1 ? "y" : "ies");
		return;
	}
	if (v)
		snprintf(buf, len, "%s on VM pid %d vCPU %d: %s.%s", kt_flag_name(f->flag),
			 vm->userspace_pid, v->vcpu_id, f->reason,
			 f->flag == KT_FLAG_BEHIND && h->fix == KT_FIX_FIXED ?
			 " The kernel has the fix: KVM fires once and re-arms at now, no catch-up loop." : "");
	else
		snprintf(buf, len, "%s: %s", kt_flag_name(f->flag), f->reason);
}

void kt_print_triage(FILE *out, const struct kt_host *h, const struct kt_analysis *a)
{
	int n, vcpus = 0, kvm_timers = 0;
	struct ranked *r = collect(h, a, &n);
	char vbuf[1280];

	for (int i = 0; i < h->nvms; i++)
		vcpus += h->vms[i].nvcpus;
	for (int i = 0; i < h->nvms; i++)
		for (int j = 0; j < h->vms[i].nvcpus; j++)
			kvm_timers += h->vms[i].vcpus[j].timer.hrtimer.queued ||
				      h->vms[i].vcpus[j].timer.hrtimer.running;
	fprintf(out, "NOW      %" PRId64 " ns from %s", h->now.ns, h->now.source);
	if (h->now.timekeeper_where && !strcmp(h->now.source, "timekeeper"))
		fprintf(out, " (%s, last update)", h->now.timekeeper_where);
	fprintf(out, "\n         sources: timekeeper %" PRId64 ", jiffies %" PRId64 " (%+.3f s)",
		h->now.timekeeper_ns, h->now.jiffies_ns,
		h->now.jiffies_ns ? kt_sub_sat(h->now.jiffies_ns, h->now.ns) / 1e9 : 0.0);
	if (h->now.crashtime_s)
		fprintf(out, ", CRASHTIME %" PRId64, h->now.crashtime_s);
	if (h->now.has_host_tsc)
		fprintf(out, ", host TSC %" PRIu64, h->now.host_tsc);
	else
		fprintf(out, ", host TSC unknown");
	fprintf(out, "\n         host TSC: %s", kt_tab(h->now.host_tsc_source[0] ? h->now.host_tsc_source : "unknown"));
	if (h->now.has_host_tsc && h->now.host_tsc_err)
		fprintf(out, "; error bound +-%" PRIu64 " cycles", h->now.host_tsc_err);
	if (h->now.host_tsc_floor)
		fprintf(out, "; latest vcpu last_host_tsc %" PRIu64, h->now.host_tsc_floor);
	if (h->now.jiffies_ns && h->now.timekeeper_ns &&
	    (kt_sub_sat(h->now.jiffies_ns, h->now.timekeeper_ns) > 10000000000LL ||
	     kt_sub_sat(h->now.timekeeper_ns, h->now.jiffies_ns) > 10000000000LL))
		fprintf(out, "\n         timekeeper and jiffies disagree by %.1f s: the monotonic clock jumped (or jiffies stalled)",
			kt_sub_sat(h->now.timekeeper_ns, h->now.jiffies_ns) / 1e9);
	fprintf(out, "\nFIX      %s: %s\n", kt_fix_name(h->fix), kt_tab(h->fix_evidence));
	kt_print_fix_evidence(out, h, "         ");
	fprintf(out, "HOST     %s, %d VM(s), %d vCPU(s), %d LAPIC hrtimers queued or running, min_timer_period_us %" PRIu64 "\n",
		h->vendor == KT_VENDOR_VMX ? "Intel VMX" : h->vendor == KT_VENDOR_SVM ? "AMD SVM" : "vendor unknown",
		h->nvms, vcpus, kvm_timers, h->min_timer_period_us);
	fprintf(out, "         vendor from %s; hv timer %s (%s)\n", kt_tab(h->vendor_evidence),
		h->hv_timer ? "in use" : "not in use", kt_tab(h->hv_timer_evidence));
	for (int c = 0; c < h->ncpus; c++) {
		const struct kt_cpu_hrtimers *cb = &h->cpus[c];
		for (int b = 0; b < cb->nbases; b++)
			if (cb->bases[b].running) {
				const struct kt_vm *vm;
				const struct kt_vcpu *v = kt_hrtimer_owner(h, cb->bases[b].running, &vm);
				fprintf(out, "CPU %-4d running hrtimer %" PRIx64 " on clock base %d", cb->cpu,
					cb->bases[b].running, b);
				if (v)
					fprintf(out, ": apic_timer_fn of VM pid %d vCPU %d", vm->userspace_pid,
						v->vcpu_id);
				if (cb->has_bits)
					fprintf(out, " (in_hrtirq %d)", cb->in_hrtirq);
				fputc('\n', out);
			}
		if (cb->nr_hangs || cb->hang_detected)
			fprintf(out, "CPU %-4d hrtimer hangs %u, hang_detected %d, max_hang_time %u ns\n",
				cb->cpu, cb->nr_hangs, cb->hang_detected, cb->max_hang_time_ns);
	}
	fprintf(out, "\nANOMALIES (%d, most severe first)\n", n);
	for (int i = 0; i < n; i++) {
		if (r[i].v && r[i].v->vcpu_id < 0)	/* struct kvm_vcpu unreadable */
			fprintf(out, "  %2d. %-9s %-8s VM pid %d vCPU at index %d (id unknown): %s\n",
				i + 1, kt_flag_name(r[i].f->flag), kt_severity_name(r[i].f->severity),
				r[i].vm->userspace_pid, r[i].v->index, kt_tab(r[i].f->reason));
		else if (r[i].v)
			fprintf(out, "  %2d. %-9s %-8s VM pid %d vCPU %d (tid %d, cpu %d): %s\n", i + 1,
				kt_flag_name(r[i].f->flag), kt_severity_name(r[i].f->severity),
				r[i].vm->userspace_pid, r[i].v->vcpu_id, r[i].v->tid,
				r[i].v->timer.hrtimer.cpu, kt_tab(r[i].f->reason));
		else
			fprintf(out, "  %2d. %-9s %-8s %s\n", i + 1, kt_flag_name(r[i].f->flag),
				kt_severity_name(r[i].f->severity), kt_tab(r[i].f->reason));
	}
	if (!n)
		fprintf(out, "  none\n");
	verdict(h, a, r, n, vbuf, sizeof(vbuf));
	fprintf(out, "\nVERDICT  %s\n", kt_tab(vbuf));
	free(r);
}

void kt_json_triage(struct kt_json *j, const struct kt_host *h, const struct kt_analysis *a)
{
	int n;
	struct ranked *r = collect(h, a, &n);
	char vbuf[1280];
	kt_json_key(j, K(anomalies));
	kt_json_arr_begin(j);
	for (int i = 0; i < n; i++) {
		kt_json_obj_begin(j);
		kt_json_kint(j, K(rank), i + 1);
		if (r[i].v) {
			kt_json_kint(j, K(vm_pid), r[i].vm->userspace_pid);
			kt_json_kaddr(j, K(kvm), r[i].vm->addr);
			kt_json_kint(j, K(vcpu_id), r[i].v->vcpu_id);
			kt_json_kint(j, K(tid), r[i].v->tid);
			kt_json_kint(j, K(cpu), r[i].v->timer.hrtimer.cpu);
			kt_json_kint(j, K(base_cpu), r[i].v->timer.hrtimer.cpu);
		}
		kt_json_key(j, K(finding));
		kt_json_findings(j, r[i].f, 1);
		kt_json_obj_end(j);
	}
	kt_json_arr_end(j);
	verdict(h, a, r, n, vbuf, sizeof(vbuf));
	kt_json_kstr(j, K(verdict), vbuf);
	if (a->register_evidence[0])
		kt_json_kstr(j, K(register_evidence), a->register_evidence);
	free(r);
}
