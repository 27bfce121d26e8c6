// SPDX-License-Identifier: GPL-2.0-or-later
/* kvmregs: each CPU's interrupted context, table and JSON (cpus[].context). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "render/report.h"
#include "render/report_regs.h"

static const char *state_name(enum kt_ctx_state s)
{
	switch (s) {
	case KT_CTX_USER: return "user";
	case KT_CTX_IDLE: return "idle";
	case KT_CTX_KERNEL: return "kernel";
	case KT_CTX_GUEST: return "guest";
	default: return "unknown";
	}
}

static const char *kind_name(enum kt_var_kind k)
{
	switch (k) {
	case KT_VAR_REGISTER: return "register";
	case KT_VAR_MEMORY: return "memory";
	case KT_VAR_VALUE: return "value";
	case KT_VAR_IMPLICIT: return "implicit";
	case KT_VAR_OPTIMIZED_OUT: return "optimized_out";
	default: return "unavailable";
	}
}

static void print_value(FILE *out, const struct kt_var *v)
{
	if (!v->has_value) {
		fputs(v->kind == KT_VAR_OPTIMIZED_OUT ? "<optimized out>" :
		      v->kind == KT_VAR_MEMORY ? "<unreadable>" : "<unavailable>", out);
		return;
	}
	uint64_t x = v->value;
	unsigned sz = v->byte_size && v->byte_size < 8 ? v->byte_size : 8;
	if (sz < 8)
		x &= (1ULL << (8 * sz)) - 1;
	if (v->is_pointer)
		fprintf(out, "0x%016" PRIx64, x);
	else if (v->is_signed) {
		int64_t sv = (int64_t)x;
		if (sz < 8) {
			unsigned sh = 64 - 8 * sz;
			sv = (int64_t)(x << sh) >> sh;
		}
		fprintf(out, "%" PRId64 " (0x%" PRIx64 ")", sv, x);
	} else
		fprintf(out, "%" PRIu64 " (0x%" PRIx64 ")", x, x);
}

static void print_regs(FILE *out, const struct kt_regs *r)
{
	static const int order[] = {
		KT_RIP, KT_RSP, KT_RFLAGS, KT_RAX, KT_RBX, KT_RCX, KT_RDX, KT_RSI, KT_RDI,
		KT_RBP, KT_R8, KT_R9, KT_R10, KT_R11, KT_R12, KT_R13, KT_R14, KT_R15,
		KT_ORIG_RAX, KT_CS, KT_SS,
	};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		fprintf(out, "%s%8s: %016" PRIx64, i % 3 ? "  " : "        ", kt_reg_name(order[i]),
			r->r[order[i]]);
		if (i % 3 == 2 || i + 1 == sizeof(order) / sizeof(order[0]))
			fputc('\n', out);
	}
}

/* The evidence of context i (NULL when the analysis has none for it). */
static const struct kt_regs_evidence *evidence(const struct kt_analysis *a, int i)
{
	return a && i < a->nregs ? &a->regs[i] : NULL;
}

static void print_checks(FILE *out, const struct kt_regs_evidence *e)
{
	if (!e)
		return;
	if (e->timer.has) {
		fprintf(out, "        hrtimer  %s = 0x%" PRIx64 " %s", kt_tab(e->timer.var), e->timer.addr,
			e->timer.is_running ? "is this CPU's running timer" : "is NOT a running timer of this CPU");
		if (e->timer.is_running)
			fprintf(out, " (clock base %d)", e->timer.running_base);
		if (e->timer.vm_pid >= 0)
			fprintf(out, ": the lapic hrtimer of VM pid %d vCPU %d (kvm_lapic 0x%" PRIx64 ")",
				e->timer.vm_pid, e->timer.vcpu_id, e->timer.lapic);
		fputc('\n', out);
	}
	if (e->basenow.has) {
		fprintf(out, "        basenow  %" PRId64 " ns from %s; timekeeper now %" PRId64 " ns (basenow - now = %+" PRId64 " ns)\n",
			e->basenow.basenow_ns, kt_tab(e->basenow.how), e->basenow.now_ns,
			e->basenow.basenow_ns - e->basenow.now_ns);
		if (e->basenow.has_left)
			fprintf(out, "                 expires %" PRId64 ", period %" PRId64 " ns: (basenow - expires) / period + 1 = %" PRIu64
				" expiries left before the loop ends\n", e->timer.softexpires_ns,
				e->timer.period_ns, e->basenow.expiries_left);
	}
	if (e->delta.has)
		fprintf(out, "        delta    %" PRId64 " = target_expiration %" PRId64 " - now %" PRId64 ": %s\n",
			e->delta.delta_ns, e->delta.target_ns, e->delta.now_ns,
			e->delta.exact ? "holds to the bit" : "DOES NOT HOLD");
}

void kt_print_contexts(FILE *out, const struct kt_host *h, const struct kt_contexts *cs,
		       const struct kt_analysis *a)
{
	(void)h;
	if (!cs->n)
		fprintf(out, "no CPU register sets in this dump (no ELF notes, no NMI frames)\n");
	for (int i = 0; i < cs->n; i++) {
		const struct kt_cpu_context *c = &cs->cpu[i];
		if (i)
			fputc('\n', out);
		if (c->state == KT_CTX_GUEST || c->state == KT_CTX_USER)
			fprintf(out, "CPU %-3d %-6s RIP %016" PRIx64 " (%s)  [%s]\n", c->cpu,
				state_name(c->state), c->regs->r[KT_RIP],
				c->state == KT_CTX_GUEST ? "a VM's guest code: the host context is in the VMCB/VMCS"
							 : "user space",
				kt_regs_source_name(c->regs->source));
		else
			fprintf(out, "CPU %-3d %-6s RIP %016" PRIx64 " %s%s+%" PRIu64 "%s%s%s  [%s]%s\n", c->cpu,
				state_name(c->state), c->regs->r[KT_RIP], c->func[0] ? "" : "?",
				kt_tab(c->func), c->func_off, c->module[0] ? " [" : "", kt_tab(c->module),
				c->module[0] ? "]" : "", kt_regs_source_name(c->regs->source),
				c->in_catchup ? "  IN CATCH-UP PATH" : "");
		if (c->has_nmi)
			fprintf(out, "        NMI frame (pt_regs) at 0x%" PRIx64 " on the NMI stack%s\n",
				c->nmi.where, c->has_note ? "; the ELF note holds the NMI handler's own registers" : "");
		else
			fprintf(out, "        NMI stack: %s\n", kt_tab(c->nmi_damage.what));
		if (!c->has_note)
			fprintf(out, "        ELF note: %s\n", kt_tab(c->note_damage.what));
		else if (c->has_nmi)
			fprintf(out, "        ELF note RIP %016" PRIx64 "\n", c->note.r[KT_RIP]);
		print_regs(out, c->regs);
		if (!c->vars_done)
			continue;
		if (c->vars_damage.what[0])
			fprintf(out, "        DWARF: %s\n", kt_tab(c->vars_damage.what));
		else
			fprintf(out, "        scopes at RIP: %s\n", c->chain[0] ? kt_tab(c->chain) : "?");
		if (c->code_note[0])
			fprintf(out, "        code: %s\n", kt_tab(c->code_note));
		for (int k = 0; k < c->nframes; k++)
			fprintf(out, "        #%d %s+%" PRIu64 "%s%s%s (%016" PRIx64 ")\n", k,
				kt_tab(c->frames[k].func), c->frames[k].off,
				c->frames[k].module[0] ? " [" : "", kt_tab(c->frames[k].module),
				c->frames[k].module[0] ? "]" : "", c->frames[k].pc);
		if (c->nframes && c->unwind_end.what[0])
			fprintf(out, "        (backtrace ends: %s)\n", kt_tab(c->unwind_end.what));
		if (!c->nvars) {
			print_checks(out, evidence(a, i));
			continue;
		}
		fprintf(out, "        %-14s %-26s %-22s %s\n", "variable", "type", "location", "value");
		for (int k = 0; k < c->nvars; k++) {
			const struct kt_var *v = &c->vars[k];
			fprintf(out, "        %-14s %-26s %-22s ", kt_tab(v->name), kt_tab(v->type), kt_tab(v->where));
			print_value(out, v);
			if (v->scope[0] == '=')	/* "=code FN": read from the machine code */
				fprintf(out, "  (#%u, machine code of %s)\n", v->frame, kt_tab(v->scope + 6));
			else
				fprintf(out, "  (#%u %s%s%s)\n", v->frame, v->param ? "param of " : "",
					kt_tab(v->scope), v->inlined ? ", inlined" : "");
		}
		print_checks(out, evidence(a, i));
	}
}

void kt_json_context(struct kt_json *j, const struct kt_cpu_context *c,
		     const struct kt_regs_evidence *e)
{
	kt_json_obj_begin(j);
	kt_json_kstr(j, K(source), c->regs->source == KT_REGS_NMI ? "nmi_stack" :
		     c->regs->source == KT_REGS_NOTE ? "elf_note" : "fixture");
	kt_json_kstr(j, K(state), state_name(c->state));
	kt_json_kaddr(j, K(rip), c->regs->r[KT_RIP]);
	kt_json_kstr(j, K(function), c->func);
	kt_json_kuint(j, K(offset), c->func_off);
	kt_json_kstr(j, K(module), c->module);
	kt_json_kbool(j, K(in_catchup_path), c->in_catchup);
	if (c->in_catchup)
		kt_json_kstr(j, K(catchup_function), c->catchup_fn);
	kt_json_key(j, K(registers));
	kt_json_obj_begin(j);
	for (int r = 0; r < KT_NREGS; r++)
		kt_json_kaddr(j, kt_reg_key(r), c->regs->r[r]);
	kt_json_obj_end(j);
	kt_json_key(j, K(note));
	kt_json_obj_begin(j);
	kt_json_kbool(j, K(found), c->has_note);
	if (c->has_note)
		kt_json_kaddr(j, K(rip), c->note.r[KT_RIP]);
	else
		kt_json_kstr(j, K(error), c->note_damage.what);
	kt_json_obj_end(j);
	kt_json_key(j, K(nmi_frame));
	kt_json_obj_begin(j);
	kt_json_kbool(j, K(found), c->has_nmi);
	if (c->has_nmi)
		kt_json_kaddr(j, K(pt_regs), c->nmi.where);
	else
		kt_json_kstr(j, K(error), c->nmi_damage.what);
	kt_json_obj_end(j);
	if (c->vars_done) {
		if (c->vars_damage.what[0])
			kt_json_kstr(j, K(variables_error), c->vars_damage.what);
		if (c->code_note[0])
			kt_json_kstr(j, K(code_reading), c->code_note);
		kt_json_kstr(j, K(scopes), c->chain);
		kt_json_key(j, K(frames));
		kt_json_arr_begin(j);
		for (int k = 0; k < c->nframes; k++) {
			kt_json_obj_begin(j);
			kt_json_kaddr(j, K(pc), c->frames[k].pc);
			kt_json_kstr(j, K(function), c->frames[k].func);
			kt_json_kuint(j, K(offset), c->frames[k].off);
			kt_json_kstr(j, K(module), c->frames[k].module);
			kt_json_obj_end(j);
		}
		kt_json_arr_end(j);
		if (c->unwind_end.what[0])
			kt_json_kstr(j, K(frames_end), c->unwind_end.what);
		kt_json_key(j, K(variables));
		kt_json_arr_begin(j);
		for (int k = 0; k < c->nvars; k++) {
			const struct kt_var *v = &c->vars[k];
			kt_json_obj_begin(j);
			kt_json_kstr(j, K(name), v->name);
			kt_json_kint(j, K(frame), v->frame);
			kt_json_kstr(j, K(scope), v->scope[0] == '=' ? v->scope + 6 : v->scope);
			kt_json_kstr(j, K(from), v->scope[0] == '=' ? "machine_code" : "dwarf");
			kt_json_kbool(j, K(inlined), v->inlined);
			kt_json_kbool(j, K(param), v->param);
			kt_json_kstr(j, K(type), v->type);
			kt_json_kstr(j, K(kind), kind_name(v->kind));
			kt_json_kstr(j, K(location), v->where);
			if (v->kind == KT_VAR_MEMORY)
				kt_json_kaddr(j, K(address), v->addr);
			if (v->has_value) {
				/* exact twin for readers that hold numbers in doubles */
				kt_json_kaddr(j, K(value_hex), v->value);
				if (v->is_signed)
					kt_json_kint(j, K(value), (int64_t)v->value);
				else if (v->is_pointer)
					kt_json_kaddr(j, K(value), v->value);
				else
					kt_json_kuint(j, K(value), v->value);
			} else {
				kt_json_key(j, K(value));
				kt_json_null(j);
			}
			kt_json_obj_end(j);
		}
		kt_json_arr_end(j);
		kt_json_key(j, K(checks));
		kt_json_obj_begin(j);
		if (e && e->timer.has) {
			kt_json_key(j, K(hrtimer));
			kt_json_obj_begin(j);
			kt_json_kstr(j, K(variable), e->timer.var);
			kt_json_kaddr(j, K(hrtimer), e->timer.addr);
			kt_json_kbool(j, K(is_running), e->timer.is_running);
			kt_json_kint(j, K(clock_base), e->timer.running_base);
			kt_json_kint(j, K(vm_pid), e->timer.vm_pid);
			kt_json_kint(j, K(vcpu_id), e->timer.vcpu_id);
			if (e->timer.vm_pid >= 0) {
				kt_json_kaddr(j, K(kvm_lapic), e->timer.lapic);
				kt_json_kint(j, K(softexpires_ns), e->timer.softexpires_ns);
				kt_json_kint(j, K(period_ns), e->timer.period_ns);
			}
			kt_json_obj_end(j);
		}
		if (e && e->basenow.has) {
			kt_json_key(j, K(basenow));
			kt_json_obj_begin(j);
			kt_json_kint(j, K(basenow_ns), e->basenow.basenow_ns);
			kt_json_kstr(j, K(from), e->basenow.how);
			kt_json_kint(j, K(now_ns), e->basenow.now_ns);
			kt_json_kint(j, K(basenow_minus_now_ns), e->basenow.basenow_ns - e->basenow.now_ns);
			if (e->basenow.has_left)
				kt_json_kuint(j, K(expiries_left), e->basenow.expiries_left);
			kt_json_obj_end(j);
		}
		if (e && e->delta.has) {
			kt_json_key(j, K(delta));
			kt_json_obj_begin(j);
			kt_json_kint(j, K(delta_ns), e->delta.delta_ns);
			kt_json_kint(j, K(target_expiration_ns), e->delta.target_ns);
			kt_json_kint(j, K(now_ns), e->delta.now_ns);
			kt_json_kbool(j, K(exact), e->delta.exact);
			kt_json_obj_end(j);
		}
		kt_json_obj_end(j);
	}
	kt_json_obj_end(j);
}

void kt_json_contexts(struct kt_json *j, const struct kt_contexts *cs, const struct kt_analysis *a)
{
	kt_json_key(j, K(cpus));
	kt_json_arr_begin(j);
	for (int i = 0; i < cs->n; i++) {
		kt_json_obj_begin(j);
		kt_json_kint(j, K(cpu), cs->cpu[i].cpu);
		kt_json_key(j, K(context));
		kt_json_context(j, &cs->cpu[i], evidence(a, i));
		kt_json_obj_end(j);
	}
	kt_json_arr_end(j);
}
