// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The registers as evidence (regs_evidence.h): each CPU's decoded variables
 * and the memory they point at, cross-checked against the decoded host — the
 * hrtimer in the registers is the clock base's running one and a vCPU's;
 * basenow against the timekeeper's now and the expiries
 * __hrtimer_run_queues still owes it; delta against target_expiration - now
 * — and the sentence the verdicts cite.  Nothing here reads the dump.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "analyze/regs_evidence.h"
#include "kernel/host.h"

/* Whose is the hrtimer the registers hold, and is it the running one. */
static void check_timer(const struct kt_host *h, const struct kt_cpu_context *c,
			struct kt_regs_evidence *e)
{
	uint64_t addr = c->hrtimer.addr;

	if (!c->hrtimer.has)
		return;
	e->timer.has = true;
	e->timer.var = c->hrtimer.var;
	e->timer.addr = addr;
	e->timer.vm_pid = e->timer.vcpu_id = -1;
	e->timer.running_base = -1;
	for (int k = 0; k < h->ncpus; k++)
		if (h->cpus[k].cpu == c->cpu)
			for (int b = 0; b < h->cpus[k].nbases; b++)
				if (h->cpus[k].bases[b].running == addr) {
					e->timer.is_running = true;
					e->timer.running_base = b;
				}
	const struct kt_vm *vm;
	const struct kt_vcpu *vc = kt_hrtimer_owner(h, addr, &vm);
	if (vc) {
		e->timer.vm_pid = vm->userspace_pid;
		e->timer.vcpu_id = vc->vcpu_id;
		e->timer.lapic = vc->timer.lapic_addr;
		e->timer.softexpires_ns = vc->timer.hrtimer.softexpires_ns;
		e->timer.period_ns = vc->timer.period_ns;
	}
}

static void check_basenow(const struct kt_host *h, const struct kt_cpu_context *c,
			  struct kt_regs_evidence *e)
{
	const struct kt_var *b = kt_context_var(c, "basenow");
	int64_t bn;

	if (b) {
		bn = (int64_t)b->value;
		snprintf(e->basenow.how, sizeof(e->basenow.how), "basenow, %s (DWARF)", b->where);
	} else {
		/* Where the compiler keeps no basenow (it recomputes it), do what
		 * the loop does: basenow = ktime_add(now, base->offset), from
		 * __hrtimer_run_queues' own now and base. */
		const struct kt_var *now = kt_context_var_in(c, "now", "__hrtimer_run_queues");
		const struct kt_var *base = kt_context_var_in(c, "base", "__hrtimer_run_queues");
		if (!now || !base || now->is_pointer || !c->base_offset.has)
			return;
		int64_t off = (int64_t)c->base_offset.value;
		bn = (int64_t)(now->value + c->base_offset.value);
		snprintf(e->basenow.how, sizeof(e->basenow.how),
			 "now %s + base->offset %" PRId64 " (DWARF: basenow optimized out here)",
			 now->where, off);
	}
	e->basenow.has = true;
	e->basenow.basenow_ns = bn;
	e->basenow.now_ns = h->now.ns;
	if (e->timer.has && e->timer.vm_pid >= 0 && e->timer.period_ns > 0) {
		/* __hrtimer_run_queues runs the callback for every expiry <= basenow
		 * (basenow is computed once, before the loop): from the stored
		 * expiry E, the expiries E, E+P, ... <= basenow. */
		int64_t x = e->timer.softexpires_ns;
		e->basenow.has_left = true;
		e->basenow.expiries_left = bn < x ? 0 :
			(uint64_t)(bn - x) / (uint64_t)e->timer.period_ns + 1;
	}
}

static void check_delta(const struct kt_cpu_context *c, struct kt_regs_evidence *e)
{
	const struct kt_var *now = kt_context_var(c, "now"), *delta = kt_context_var(c, "delta");
	uint64_t target = c->target_expiration.value;

	if (!now || !delta || !c->target_expiration.has)
		return;
	bool exact = delta->value == target - now->value;
	/* A value read from a register that a call since its load may have
	 * clobbered (code reading says "call at +N since") proves the relation
	 * when it holds, but cannot refute it: then nothing is claimed (the
	 * variable is still listed, with where it came from). */
	if (!exact && (strstr(now->where, " since)") || strstr(delta->where, " since)")))
		return;
	e->delta.has = true;
	e->delta.now_ns = (int64_t)now->value;
	e->delta.delta_ns = (int64_t)delta->value;
	e->delta.target_ns = (int64_t)target;
	e->delta.exact = exact;
}

void kt_regs_evidence_of(const struct kt_host *h, const struct kt_cpu_context *c,
			 struct kt_regs_evidence *e)
{
	memset(e, 0, sizeof(*e));
	e->cpu = c->cpu;
	e->in_catchup = c->in_catchup;
	if (!c->vars_done)
		return;
	e->checked = true;
	check_timer(h, c, e);
	check_basenow(h, c, e);
	check_delta(c, e);
}

const struct kt_regs_evidence *kt_regs_in_loop(const struct kt_analysis *a)
{
	for (int i = 0; i < a->nregs; i++)
		if (a->regs[i].in_catchup && a->regs[i].timer.has && a->regs[i].timer.vm_pid >= 0)
			return &a->regs[i];
	return NULL;
}

void kt_context_cite(const struct kt_cpu_context *c, const struct kt_regs_evidence *e,
		     char *buf, size_t len)
{
	int w = snprintf(buf, len, "CPU %d stopped at %s+%" PRIu64 "%s%s%s (%s) running the lapic hrtimer "
			 "0x%" PRIx64 " of VM %d vCPU %d (%s: %s)", c->cpu, c->func, c->func_off,
			 c->module[0] ? " [" : "", c->module, c->module[0] ? "]" : "",
			 kt_regs_source_name(c->regs->source), e->timer.addr, e->timer.vm_pid,
			 e->timer.vcpu_id, e->timer.var,
			 e->timer.is_running ? "the clock base's running timer" : "NOT the running timer");
	if (w < 0 || (size_t)w >= len)
		return;
	if (e->basenow.has && e->basenow.has_left)
		w += snprintf(buf + w, len - (size_t)w, "; basenow %" PRId64 " ns: %" PRIu64
			      " expiries left before the loop ends", e->basenow.basenow_ns,
			      e->basenow.expiries_left);
	if (w > 0 && (size_t)w < len && e->delta.has)
		snprintf(buf + w, len - (size_t)w, "; delta %" PRId64 " = target_expiration %" PRId64
			 " - now %" PRId64 " %s", e->delta.delta_ns, e->delta.target_ns,
			 e->delta.now_ns, e->delta.exact ? "exactly" : "DOES NOT HOLD");
}
