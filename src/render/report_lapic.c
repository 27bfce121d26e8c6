// SPDX-License-Identifier: GPL-2.0-or-later
/* kvmlapic output: the sweep table and the one-vCPU analysis. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "render/report.h"

static void vm_line(FILE *out, const struct kt_vm *vm)
{
	fprintf(out, "\nVM %" PRIx64 "  PID %d (%s)  vCPUs %d/%d%s%s\n", vm->addr,
		vm->userspace_pid, kt_tab(vm->comm[0] ? vm->comm : "?"), vm->nvcpus, vm->online_vcpus,
		vm->damage.what[0] ? "  CORRUPT: " : "", kt_tab(vm->damage.what));
}

void kt_print_lapic_table(FILE *out, const struct kt_host *h, const struct kt_analysis *a,
			  const struct kt_vm *only_vm)
{
	kt_print_head(out, h);
	if (!h->nvms)
		fprintf(out, "\nno VMs on vm_list\n");
	for (int i = 0; i < a->nfindings; i++)
		fprintf(out, "%s: %s\n", kt_flag_name(a->findings[i].flag), kt_tab(a->findings[i].reason));
	for (int i = 0; i < h->nvms; i++) {
		const struct kt_vm *vm = &h->vms[i];
		if (only_vm && only_vm != vm)
			continue;
		vm_line(out, vm);
		if (!vm->nvcpus)
			continue;
		fprintf(out, "  %4s %-16s %7s %-15s %3s %-8s %-11s %-4s %3s %-3s %12s %20s %16s %20s %20s %2s %4s %-8s %4s %20s  %s\n",
			"ID", "VCPU", "TID", "COMM", "CPU", "MP", "MODE", "MASK", "VEC", "X2",
			"PERIOD_NS", "TARGET_EXPIRATION", "DELTA_NS", "TSCDEADLINE", "RECOMPUTED",
			"HV", "PEND", "HRTIMER", "HCPU", "HRTIMER_EXPIRES", "FLAGS");
		for (int j = 0; j < vm->nvcpus; j++) {
			const struct kt_vcpu *v = &vm->vcpus[j];
			const struct kt_timer *t = &v->timer;
			const struct kt_vcpu_analysis *va = kt_vcpu_analysis_of(a, h, v);
			char flags[96], rec[24];
			kt_flags_str(va, flags, sizeof(flags));
			if (!v->has_lapic) {
				fprintf(out, "  %4d %016" PRIx64 " %7d %-15s %3d %-8s %-11s  %s  %s\n",
					v->vcpu_id, v->addr, v->tid, kt_tab(v->comm), v->cpu,
					kt_mp_state_name(v->mp_state), "-", flags, kt_tab(v->damage.what));
				continue;
			}
			if (va->has_tscdeadline_recomputed)
				snprintf(rec, sizeof(rec), "%" PRIu64, va->tscdeadline_recomputed);
			else
				snprintf(rec, sizeof(rec), "-");
			/* target_expiration is 0 when unused (TSC-deadline, fired one-shot). */
			char delta[24];
			if (t->target_expiration_ns)
				snprintf(delta, sizeof(delta), "%+" PRId64, va->delta_ns);
			else
				snprintf(delta, sizeof(delta), "-");
			fprintf(out, "  %4d %016" PRIx64 " %7d %-15s %3d %-8s %-11s %-4s %3x %-3s %12" PRId64
				" %20" PRId64 " %16s %20" PRIu64 " %20s %2s %4d %-8s %4d %20" PRId64 "  %s\n",
				v->vcpu_id, v->addr, v->tid, kt_tab(v->comm[0] ? v->comm : "-"), v->cpu,
				kt_mp_state_name(v->mp_state), kt_timer_mode_name(t->mode),
				t->masked ? "yes" : "-", t->vector, v->x2apic ? "yes" : "-", t->period_ns,
				t->target_expiration_ns, delta, t->tscdeadline, rec,
				t->hv_timer_in_use ? "hv" : "sw", t->pending, kt_hrtimer_where(&t->hrtimer),
				t->hrtimer.cpu, t->hrtimer.expires_ns, flags);
			if (v->damage.what[0])
				fprintf(out, "       CORRUPT: %s\n", kt_tab(v->damage.what));
		}
	}
}

/* tsc_known false: the host TSC at now is unknown, and so is everything
 * computed from it (guest TSC, tscdeadline, the hv timer's range check). */
static void print_adv(FILE *out, const char *label, const struct kt_advance *a, bool tsc_known)
{
	fprintf(out, "    %-8s target_expiration = %" PRId64 "\n", label, a->target_expiration_ns);
	fprintf(out, "             delta = target - now = %" PRId64 " ns%s\n", a->delta_ns,
		a->delta_negative ? "  (NEGATIVE: fed to nsec_to_cycles as u64)" : "");
	if (tsc_known)
		fprintf(out, "             kvm_read_l1_tsc(host_tsc) = %" PRIu64 "\n", a->guest_tsc);
	else
		fprintf(out, "             kvm_read_l1_tsc(host_tsc) = unknown (host TSC at now unknown)\n");
	fprintf(out, "             nsec_to_cycles((u64)delta) = %" PRIu64 "\n", a->delta_cycles);
	if (tsc_known)
		fprintf(out, "             tscdeadline = %" PRIu64 " (0x%016" PRIx64 ")%s\n", a->tscdeadline,
			a->tscdeadline, a->tscdeadline >= (1ULL << 63) ? "  past 2^63: wrapped" : "");
	else
		fprintf(out, "             tscdeadline = unknown (guest TSC at now + %" PRIu64 ")%s\n",
			a->delta_cycles, a->delta_negative ? ": the negative delta wraps it whatever the TSC" : "");
}

void kt_print_vcpu_detail(FILE *out, const struct kt_host *h, const struct kt_analysis *a,
			  const struct kt_vm *vm, const struct kt_vcpu *v)
{
	const struct kt_vcpu_analysis *va = kt_vcpu_analysis_of(a, h, v);
	const struct kt_timer *t = &v->timer;
	const struct kt_vcpu_tsc *c = &v->tsc;

	kt_print_head(out, h);
	fprintf(out, "FIX EVIDENCE: %s\n", kt_tab(h->fix_evidence));
	kt_print_fix_evidence(out, h, "  ");
	fprintf(out, "\nVM   struct kvm 0x%" PRIx64 "  pid %d (%s)  online_vcpus %d%s%s\n", vm->addr,
		vm->userspace_pid, kt_tab(vm->comm), vm->online_vcpus, vm->damage.what[0] ? "  CORRUPT: " : "",
		kt_tab(vm->damage.what));
	fprintf(out, "VCPU struct kvm_vcpu 0x%" PRIx64 "  id %d  tid %d (%s)  cpu %d  mode %s  mp_state %s\n",
		v->addr, v->vcpu_id, v->tid, kt_tab(v->comm), v->cpu, kt_vcpu_mode_name(v->mode),
		kt_mp_state_name(v->mp_state));
	if (v->damage.what[0])
		fprintf(out, "CORRUPT: %s\n", kt_tab(v->damage.what));
	if (!v->has_lapic)
		return;
	fprintf(out, "\nLAPIC struct kvm_lapic 0x%" PRIx64 "  apic_base 0x%" PRIx64 " (%s)  SPIV 0x%x (%s)\n",
		t->lapic_addr, v->apic_base, v->x2apic ? "x2APIC" : "xAPIC", t->spiv,
		t->sw_enabled ? "enabled" : "software-disabled");
	fprintf(out, "  LVTT 0x%08x: %s, vector 0x%x, %s\n", t->lvtt,
		kt_timer_mode_name(kt_timer_mode_decode(t->lvtt)), t->vector,
		t->masked ? "masked" : "unmasked");
	fprintf(out, "  TMICT %u  TMCCT %u  TDCR 0x%x (divide %u)\n", t->tmict, t->tmcct, t->tdcr,
		t->divide_count);
	fprintf(out, "\nTIMER struct kvm_timer (lapic_timer)\n");
	fprintf(out, "  timer_mode %u & mask %u -> %s\n", t->timer_mode, t->timer_mode_mask,
		kt_timer_mode_name(t->mode));
	fprintf(out, "  period            %20" PRId64 " ns\n", t->period_ns);
	fprintf(out, "  target_expiration %20" PRId64 " ns  (delta to now %+" PRId64 " ns = %.6f s)\n",
		t->target_expiration_ns, va->delta_ns, va->delta_ns / 1e9);
	fprintf(out, "  tscdeadline       %20" PRIu64 "\n", t->tscdeadline);
	fprintf(out, "  expired_tscdeadline %18" PRIu64 "\n", t->expired_tscdeadline);
	if (t->has_timer_advance_ns)
		fprintf(out, "  timer_advance_ns  %20u\n", t->timer_advance_ns);
	if (t->has_advance_expire_delta)
		fprintf(out, "  advance_expire_delta %17" PRId64 "\n", t->advance_expire_delta);
	fprintf(out, "  pending %d  hv_timer_in_use %s\n", t->pending, t->hv_timer_in_use ? "true" : "false");
	fprintf(out, "  hrtimer 0x%" PRIx64 ": %s", t->hrtimer.addr, kt_hrtimer_where(&t->hrtimer));
	if (t->hrtimer.cpu >= 0)
		fprintf(out, " on CPU %d clock base %d", t->hrtimer.cpu, t->hrtimer.clock_index);
	fprintf(out, ", expires %" PRId64 " (now %+" PRId64 " ns), function %s\n",
		t->hrtimer.expires_ns, kt_sub_sat(t->hrtimer.expires_ns, h->now.ns),
		kt_tab(t->hrtimer.function_name[0] ? t->hrtimer.function_name : "?"));
	fprintf(out, "\nTSC  l1_tsc_offset 0x%016" PRIx64 "  ratio %" PRIu64 " (default %" PRIu64 ", %u frac bits)\n",
		c->l1_tsc_offset, c->has_l1_tsc_scaling_ratio ? c->l1_tsc_scaling_ratio : c->tsc_scaling_ratio,
		h->caps.default_ratio, h->caps.frac_bits);
	fprintf(out, "     virtual_tsc_khz %u  mult %u  shift %d  last_guest_tsc %" PRIu64 "\n",
		c->virtual_tsc_khz, c->virtual_tsc_mult, c->virtual_tsc_shift, c->last_guest_tsc);
	if (h->now.has_host_tsc)
		fprintf(out, "     host TSC at now %" PRIu64 " (%s, +-%" PRIu64 " cycles) -> guest TSC %" PRIu64 "\n",
			h->now.host_tsc, kt_tab(h->now.host_tsc_source), h->now.host_tsc_err, va->guest_tsc_now);
	else
		fprintf(out, "     host TSC at now %s: no TSC recomputation\n",
			kt_tab(h->now.host_tsc_source[0] ? h->now.host_tsc_source : "unknown"));

	if (va->has_model) {	/* a periodic timer: the analysis ran the model */
		const struct kt_prediction pre = va->model.prefix, fix = va->model.fixed;
		fprintf(out, "\nRECOMPUTATION (advance_periodic_target_expiration at now)\n");
		fprintf(out, "    now = %" PRId64 " (%s)\n", h->now.ns, h->now.source);
		fprintf(out, "    stored: target_expiration %" PRId64 ", tscdeadline %" PRIu64 "\n",
			t->target_expiration_ns, t->tscdeadline);
		if (va->has_tscdeadline_recomputed) {
			uint64_t pc = va->model.period_cycles;
			uint64_t d = va->tscdeadline_recomputed - t->tscdeadline;
			int64_t sd = (int64_t)d;
			fprintf(out, "    recomputed from the stored target: tscdeadline %" PRIu64
				" (stored %+" PRId64 " cycles; one period = %" PRIu64 " cycles)\n",
				va->tscdeadline_recomputed, sd, pc);
		}
		fprintf(out, "\nMODEL: next expiry\n");
		print_adv(out, "pre-fix", &pre.next, h->now.has_host_tsc);
		fprintf(out, "             hrtimer expiry += period -> %" PRId64 "; %s\n",
			pre.next_hrtimer_expires_ns,
			h->is_vmx && h->hv_timer && !h->now.has_host_tsc ? "hv timer: range unknown (host TSC unknown)"
			: h->is_vmx && h->hv_timer ? (pre.next.hv_in_range ? "hv timer takes it"
							  : "vmx_set_hv_timer: -ERANGE, sw hrtimer")
				  : h->is_vmx ? "sw hrtimer (VMX preemption timer not in use)"
				  : h->vendor == KT_VENDOR_SVM ? "sw hrtimer (SVM: no preemption timer)"
				  : "sw hrtimer (vendor unknown)");
		fprintf(out, "             catch-up expiries before the hrtimer is in the future: %" PRIu64
			" (lag %.3f s / period %" PRId64 " ns), ~%.3f s with IRQs off at %" PRId64 " ns each\n",
			pre.catchup_iterations, pre.lag_ns / 1e9, t->period_ns, pre.catchup_seconds,
			a->th.iteration_cost_ns);
		print_adv(out, "fixed", &fix.next, h->now.has_host_tsc);
		fprintf(out, "             hrtimer expiry := target -> %" PRId64 "; late expiries %" PRIu64
			", catch-up %" PRIu64 "\n", fix.next_hrtimer_expires_ns, fix.late_expiries,
			fix.catchup_iterations);
		fprintf(out, "    this kernel: %s -> %s\n", kt_fix_name(h->fix),
			h->fix == KT_FIX_FIXED ? "fixed algorithm applies"
			: h->fix == KT_FIX_VULNERABLE ? "pre-fix algorithm applies"
						       : "unknown: both shown");
	}
	fprintf(out, "\nVERDICT: ");
	if (!va->nfindings && !v->damage.what[0]) {
		fprintf(out, "no anomaly\n");
		return;
	}
	fprintf(out, "\n");
	for (int i = 0; i < va->nfindings; i++) {
		const struct kt_finding *f = &va->findings[i];
		fprintf(out, "  %-9s [%s] %s\n", kt_flag_name(f->flag), kt_severity_name(f->severity),
			kt_tab(f->reason));
		for (int k = 0; k < f->nnum; k++) {
			enum kt_qty q = f->num[k].q;
			if (kt_qty_addr(q))
				fprintf(out, "            %s = 0x%" PRIx64 "\n", kt_qty_name(q),
					(uint64_t)f->num[k].value);
			else if (kt_qty_unsigned(q))
				fprintf(out, "            %s = %" PRIu64 "\n", kt_qty_name(q),
					(uint64_t)f->num[k].value);
			else
				fprintf(out, "            %s = %" PRId64 "\n", kt_qty_name(q),
					f->num[k].value);
		}
	}
	if (v->damage.what[0])
		fprintf(out, "  CORRUPT   %s\n", kt_tab(v->damage.what));
	if (a->register_evidence[0] && a->register_evidence_lapic == v->timer.lapic_addr)
		fprintf(out, "  REGISTERS %s\n", kt_tab(a->register_evidence));
}
