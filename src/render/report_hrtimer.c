// SPDX-License-Identifier: GPL-2.0-or-later
/* kvmhrtimer output: every CPU's clock bases in expiry order, running timers,
 * per-CPU counters, lag against now, KVM owner decoding, tree damage. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "render/report.h"

static bool cpu_selected(int cpu, const int *cpus, int n)
{
	if (!n)
		return true;
	for (int i = 0; i < n; i++)
		if (cpus[i] == cpu)
			return true;
	return false;
}

static void owner_str(const struct kt_host *h, const struct kt_hrtimer *t, char *buf, size_t len)
{
	const struct kt_vm *vm;
	const struct kt_vcpu *v = kt_hrtimer_owner(h, t->addr, &vm);
	if (v)
		snprintf(buf, len, "VM pid %d vCPU %d (kvm_lapic %" PRIx64 ")", vm->userspace_pid,
			 v->vcpu_id, v->timer.lapic_addr);
	else
		buf[0] = 0;
}

void kt_print_hrtimers(FILE *out, const struct kt_host *h, const struct kt_analysis *a,
		       const int *cpus, int ncpus)
{
	kt_print_head(out, h);
	for (int c = 0; c < h->ncpus; c++) {
		const struct kt_cpu_hrtimers *cb = &h->cpus[c];
		if (!cpu_selected(cb->cpu, cpus, ncpus))
			continue;
		fprintf(out, "\nCPU %d  hrtimer_cpu_base %" PRIx64, cb->cpu, cb->cpu_base);
		if (cb->has_counters)
			fprintf(out, "  nr_events %u  nr_retries %u  nr_hangs %u  max_hang_time %u ns  expires_next %" PRId64 " (now %+" PRId64 ")",
				cb->nr_events, cb->nr_retries, cb->nr_hangs, cb->max_hang_time_ns,
				cb->expires_next_ns, kt_sub_sat(cb->expires_next_ns, h->now.ns));
		if (cb->has_bits)
			fprintf(out, "  in_hrtirq %d  hang_detected %d  hres_active %d", cb->in_hrtirq,
				cb->hang_detected, cb->hres_active);
		fputc('\n', out);
		for (int b = 0; b < cb->nbases; b++) {
			const struct kt_clock_base *base = &cb->bases[b];
			if (!base->ntimers && !base->running && !base->damage.what[0])
				continue;
			fprintf(out, "  CLOCK %d  hrtimer_clock_base %" PRIx64 "  timers %d\n", b,
				base->addr, base->ntimers);
			if (base->damage.what[0])
				fprintf(out, "    CORRUPT: %s\n", kt_tab(base->damage.what));
			char own[96];
			if (base->running) {
				const struct kt_vm *vm;
				const struct kt_vcpu *v = kt_hrtimer_owner(h, base->running, &vm);
				owner_str(h, &(struct kt_hrtimer){ .addr = base->running }, own, sizeof(own));
				fprintf(out, "    RUNNING %" PRIx64 " %s%s", base->running,
					kt_tab(v ? v->timer.hrtimer.function_name : ""), own[0] ? "  " : "");
				if (v)
					fprintf(out, "%s, expires %" PRId64 " (now %+" PRId64 " ns)", own,
						v->timer.hrtimer.expires_ns,
						kt_sub_sat(v->timer.hrtimer.expires_ns, h->now.ns));
				fputc('\n', out);
			}
			if (base->ntimers)
				fprintf(out, "    %20s %20s %16s  %-16s %s\n", "EXPIRES", "SOFTEXPIRES",
					"LAG_NS", "HRTIMER", "FUNCTION  OWNER");
			for (int i = 0; i < base->ntimers; i++) {
				const struct kt_hrtimer *t = &base->timers[i];
				owner_str(h, t, own, sizeof(own));
				fprintf(out, "    %20" PRId64 " %20" PRId64 " %+16" PRId64 "  %016" PRIx64 " %s  %s\n",
					t->expires_ns, t->softexpires_ns, kt_sub_sat(h->now.ns, t->expires_ns), t->addr,
					kt_tab(t->function_name[0] ? t->function_name : "?"), own);
			}
		}
	}
	for (int i = 0; i < a->nfindings; i++)
		fprintf(out, "%s: %s\n", kt_flag_name(a->findings[i].flag), kt_tab(a->findings[i].reason));
}

void kt_json_hrtimers(struct kt_json *j, const struct kt_host *h, const struct kt_analysis *a,
		      const int *cpus, int ncpus)
{
	kt_json_key(j, K(cpus));
	kt_json_arr_begin(j);
	for (int c = 0; c < h->ncpus; c++) {
		const struct kt_cpu_hrtimers *cb = &h->cpus[c];
		if (!cpu_selected(cb->cpu, cpus, ncpus))
			continue;
		kt_json_obj_begin(j);
		kt_json_kint(j, K(cpu), cb->cpu);
		kt_json_kaddr(j, K(cpu_base), cb->cpu_base);
		if (cb->has_counters) {
			kt_json_kuint(j, K(nr_events), cb->nr_events);
			kt_json_kuint(j, K(nr_retries), cb->nr_retries);
			kt_json_kuint(j, K(nr_hangs), cb->nr_hangs);
			kt_json_kuint(j, K(max_hang_time_ns), cb->max_hang_time_ns);
			kt_json_kint(j, K(expires_next_ns), cb->expires_next_ns);
		}
		if (cb->has_bits) {
			kt_json_kbool(j, K(in_hrtirq), cb->in_hrtirq);
			kt_json_kbool(j, K(hang_detected), cb->hang_detected);
			kt_json_kbool(j, K(hres_active), cb->hres_active);
		}
		kt_json_key(j, K(clock_bases));
		kt_json_arr_begin(j);
		for (int b = 0; b < cb->nbases; b++) {
			const struct kt_clock_base *base = &cb->bases[b];
			kt_json_obj_begin(j);
			kt_json_kint(j, K(index), b);
			kt_json_kaddr(j, K(addr), base->addr);
			kt_json_kaddr(j, K(running), base->running);
			if (base->running) {
				const struct kt_vm *vm;
				const struct kt_vcpu *v = kt_hrtimer_owner(h, base->running, &vm);
				if (v) {
					kt_json_key(j, K(running_owner));
					kt_json_obj_begin(j);
					kt_json_kint(j, K(vm_pid), vm->userspace_pid);
					kt_json_kaddr(j, K(kvm), vm->addr);
					kt_json_kint(j, K(vcpu_id), v->vcpu_id);
					kt_json_kstr(j, K(function), v->timer.hrtimer.function_name);
					kt_json_kstr(j, K(function_name), v->timer.hrtimer.function_name);
					kt_json_obj_end(j);
				}
			}
			if (base->damage.what[0])
				kt_json_kstr(j, K(damage), base->damage.what);
			kt_json_key(j, K(timers));
			kt_json_arr_begin(j);
			for (int i = 0; i < base->ntimers; i++) {
				const struct kt_hrtimer *t = &base->timers[i];
				kt_json_obj_begin(j);
				kt_json_kaddr(j, K(addr), t->addr);
				kt_json_kint(j, K(expires_ns), t->expires_ns);
				kt_json_kint(j, K(softexpires_ns), t->softexpires_ns);
				kt_json_kint(j, K(lag_ns), kt_sub_sat(h->now.ns, t->expires_ns));
				kt_json_kstr(j, K(function), t->function_name);
				kt_json_kstr(j, K(function_name), t->function_name);
				const struct kt_vm *vm;
				const struct kt_vcpu *v = kt_hrtimer_owner(h, t->addr, &vm);
				if (v) {
					kt_json_kint(j, K(vm_pid), vm->userspace_pid);
					kt_json_kint(j, K(vcpu_id), v->vcpu_id);
				}
				kt_json_obj_end(j);
			}
			kt_json_arr_end(j);
			kt_json_obj_end(j);
		}
		kt_json_arr_end(j);
		kt_json_obj_end(j);
	}
	kt_json_arr_end(j);
	kt_json_key(j, K(findings));
	kt_json_findings(j, a->findings, a->nfindings);
}
