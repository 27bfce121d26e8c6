// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The registers as evidence (regs_evidence.h): each CPU's decoded variables
 * cross-checked against the structures — the hrtimer in the registers is the
 * clock base's running one and a vCPU's; basenow against the timekeeper's now
 * and the expiries __hrtimer_run_queues still owes it; delta against
 * target_expiration - now — and the sentence the verdicts cite.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "analyze/regs_evidence.h"
#include "kernel/host.h"

/* The hrtimer the registers hold: a struct hrtimer * variable, else the
 * lapic's timer through apic / ktimer. */
static void check_timer(struct kt_session *s, const struct kt_host *h, struct kt_cpu_context *c)
{
	const struct kt_layout *l = &s->layout;
	const struct kt_var *v = NULL;
	uint64_t addr = 0;

	for (int i = 0; i < c->nvars && !addr; i++) {
		const struct kt_var *x = &c->vars[i];
		if (!x->has_value || !x->value)
			continue;
		if (!strcmp(x->type, "struct hrtimer *")) {
			v = x;
			addr = x->value;
		} else if (!strcmp(x->type, "struct kvm_lapic *") && kt_has(l->kvm_lapic__lapic_timer) &&
			   kt_has(l->kvm_timer__timer)) {
			v = x;
			addr = x->value + (uint64_t)l->kvm_lapic__lapic_timer.off + (uint64_t)l->kvm_timer__timer.off;
		} else if (!strcmp(x->type, "struct kvm_timer *") && kt_has(l->kvm_timer__timer)) {
			v = x;
			addr = x->value + (uint64_t)l->kvm_timer__timer.off;
		}
	}
	if (!addr)
		return;
	c->timer.has = true;
	c->timer.var = v->name;
	c->timer.addr = addr;
	c->timer.vm_pid = c->timer.vcpu_id = -1;
	c->timer.running_base = -1;
	for (int k = 0; k < h->ncpus; k++)
		if (h->cpus[k].cpu == c->cpu)
			for (int b = 0; b < h->cpus[k].nbases; b++)
				if (h->cpus[k].bases[b].running == addr) {
					c->timer.is_running = true;
					c->timer.running_base = b;
				}
	const struct kt_vm *vm;
	const struct kt_vcpu *vc = kt_hrtimer_owner(h, addr, &vm);
	if (vc) {
		c->timer.vm_pid = vm->userspace_pid;
		c->timer.vcpu_id = vc->vcpu_id;
		c->timer.lapic = vc->timer.lapic_addr;
		c->timer.softexpires_ns = vc->timer.hrtimer.softexpires_ns;
		c->timer.period_ns = vc->timer.period_ns;
	}
}

/* A variable with a value, of that name, in that function's scope. */
static const struct kt_var *var_in(const struct kt_cpu_context *c, const char *name,
				   const char *scope)
{
	for (int i = 0; i < c->nvars; i++)
		if (c->vars[i].has_value && !strcmp(c->vars[i].name, name) &&
		    !strcmp(c->vars[i].scope, scope))
			return &c->vars[i];
	return NULL;
}

static void check_basenow(struct kt_session *s, const struct kt_host *h, struct kt_cpu_context *c)
{
	const struct kt_layout *l = &s->layout;
	const struct kt_var *b = kt_context_var(c, "basenow");
	int64_t bn;

	if (b) {
		bn = (int64_t)b->value;
		snprintf(c->basenow.how, sizeof(c->basenow.how), "basenow, %s (DWARF)", b->where);
	} else {
		/* Where the compiler keeps no basenow (it recomputes it), do what
		 * the loop does: basenow = ktime_add(now, base->offset), from
		 * __hrtimer_run_queues' own now and base. */
		const struct kt_var *now = var_in(c, "now", "__hrtimer_run_queues");
		const struct kt_var *base = var_in(c, "base", "__hrtimer_run_queues");
		uint64_t off;
		if (!now || !base || now->is_pointer || !kt_has(l->hrtimer_clock_base__offset) ||
		    kt_read_u64(&s->reader, base->value + (uint64_t)l->hrtimer_clock_base__offset.off,
				&off) != KT_OK)
			return;
		bn = (int64_t)(now->value + off);
		snprintf(c->basenow.how, sizeof(c->basenow.how),
			 "now %s + base->offset %" PRId64 " (DWARF: basenow optimized out here)",
			 now->where, (int64_t)off);
	}
	c->basenow.has = true;
	c->basenow.basenow_ns = bn;
	c->basenow.now_ns = h->now.ns;
	if (c->timer.has && c->timer.vm_pid >= 0 && c->timer.period_ns > 0) {
		/* __hrtimer_run_queues runs the callback for every expiry <= basenow
		 * (basenow is computed once, before the loop): from the stored
		 * expiry E, the expiries E, E+P, ... <= basenow. */
		int64_t e = c->timer.softexpires_ns, bn = c->basenow.basenow_ns;
		c->basenow.has_left = true;
		c->basenow.expiries_left = bn < e ? 0 :
			(uint64_t)(bn - e) / (uint64_t)c->timer.period_ns + 1;
	}
}

static void check_delta(struct kt_session *s, struct kt_cpu_context *c)
{
	const struct kt_layout *l = &s->layout;
	const struct kt_var *now = kt_context_var(c, "now"), *delta = kt_context_var(c, "delta");
	const struct kt_var *apic = kt_context_var(c, "apic");
	uint64_t target;

	if (!now || !delta || !apic || !kt_has(l->kvm_lapic__lapic_timer) ||
	    !kt_has(l->kvm_timer__target_expiration))
		return;
	if (kt_read_u64(&s->reader, apic->value + (uint64_t)l->kvm_lapic__lapic_timer.off +
			(uint64_t)l->kvm_timer__target_expiration.off, &target) != KT_OK)
		return;
	bool exact = delta->value == target - now->value;
	/* A value read from a register that a call since its load may have
	 * clobbered (code reading says "call at +N since") proves the relation
	 * when it holds, but cannot refute it: then nothing is claimed (the
	 * variable is still listed, with where it came from). */
	if (!exact && (strstr(now->where, " since)") || strstr(delta->where, " since)")))
		return;
	c->delta.has = true;
	c->delta.now_ns = (int64_t)now->value;
	c->delta.delta_ns = (int64_t)delta->value;
	c->delta.target_ns = (int64_t)target;
	c->delta.exact = exact;
}

void kt_analyze_contexts(struct kt_session *s, const struct kt_host *h, struct kt_contexts *cs)
{
	for (int i = 0; i < cs->n; i++) {
		struct kt_cpu_context *c = &cs->cpu[i];
		if (!c->vars_done)
			continue;
		check_timer(s, h, c);
		check_basenow(s, h, c);
		check_delta(s, c);
	}
}

const struct kt_cpu_context *kt_context_in_loop(const struct kt_contexts *c)
{
	for (int i = 0; i < c->n; i++)
		if (c->cpu[i].in_catchup && c->cpu[i].timer.has && c->cpu[i].timer.vm_pid >= 0)
			return &c->cpu[i];
	return NULL;
}

void kt_context_cite(const struct kt_cpu_context *c, char *buf, size_t len)
{
	int w = snprintf(buf, len, "CPU %d stopped at %s+%" PRIu64 "%s%s%s (%s) running the lapic hrtimer "
			 "0x%" PRIx64 " of VM %d vCPU %d (%s: %s)", c->cpu, c->func, c->func_off,
			 c->module[0] ? " [" : "", c->module, c->module[0] ? "]" : "",
			 kt_regs_source_name(c->regs->source), c->timer.addr, c->timer.vm_pid,
			 c->timer.vcpu_id, c->timer.var,
			 c->timer.is_running ? "the clock base's running timer" : "NOT the running timer");
	if (w < 0 || (size_t)w >= len)
		return;
	if (c->basenow.has && c->basenow.has_left)
		w += snprintf(buf + w, len - (size_t)w, "; basenow %" PRId64 " ns: %" PRIu64
			      " expiries left before the loop ends", c->basenow.basenow_ns,
			      c->basenow.expiries_left);
	if (w > 0 && (size_t)w < len && c->delta.has)
		snprintf(buf + w, len - (size_t)w, "; delta %" PRId64 " = target_expiration %" PRId64
			 " - now %" PRId64 " %s", c->delta.delta_ns, c->delta.target_ns,
			 c->delta.now_ns, c->delta.exact ? "exactly" : "DOES NOT HOLD");
}
