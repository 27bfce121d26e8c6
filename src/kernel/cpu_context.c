// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Each CPU's interrupted context (cpu_context.h): register sets from the
 * dump's notes and the NMI stack, RIP symbolized and classified, the DWARF
 * variables at RIP, what the machine code says the registers hold, and the
 * memory those variables point at (the hrtimer, base->offset,
 * target_expiration).  The cross-checks against the decoded hrtimers and
 * vCPUs are analyze/'s (regs_evidence.c).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/codeflow.h"
#include "kernel/cpu_context.h"
#include "kernel/host.h"

/* The periodic-timer catch-up path, innermost last (KERNEL-NOTES.md): a CPU
 * whose RIP (or an inlined scope at RIP) is in one of these is in the loop. */
static const char *const catchup_path[] = {
	"advance_periodic_target_expiration", "kvm_read_l1_tsc", "apic_timer_expired",
	"apic_timer_fn", "__run_hrtimer", "__hrtimer_run_queues", "hrtimer_interrupt",
};

static const char *catchup_member(const char *fn)
{
	for (size_t i = 0; i < sizeof(catchup_path) / sizeof(catchup_path[0]); i++)
		if (!strcmp(fn, catchup_path[i]))
			return catchup_path[i];
	return NULL;
}

/* The kind of damage an error from below is. */
static enum kt_damage_kind damage_kind(enum kt_status st)
{
	switch (st) {
	case KT_EFAULT: return KT_DAMAGE_UNREADABLE;
	case KT_ECORRUPT: return KT_DAMAGE_INCONSISTENT;
	case KT_ENODATA: return KT_DAMAGE_ABSENT;
	default: return KT_DAMAGE_MISSING;
	}
}

static void resolve_ptregs(struct kt_session *s)
{
	static const char *const names[KT_NREGS] = {
		"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8",
		"ax", "cx", "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss",
	};
	const struct kt_reader_ops *o = s->reader.ops;

	if (s->ptregs_resolved)
		return;
	s->ptregs_resolved = true;
	for (int i = 0; i < KT_NREGS; i++)
		s->ptregs.off[i] = o->member_offset(s->reader.ctx, "pt_regs", names[i]);
	s->ptregs.size = o->type_size(s->reader.ctx, "pt_regs");
}

/* Tops of the candidate NMI stacks of cpu: cea_exception_stacks->NMI_stack
 * (v5.2+, exact), else every IST entry of the CPU's TSS (cpu_tss_rw, v4.15+)
 * — only the NMI stack holds a frame that passes kt_nmi_frame_decode(). */
static int nmi_stack_tops(struct kt_session *s, uint64_t pcpu, uint64_t *tops, int max,
			  struct kt_damage *why)
{
	const struct kt_reader *r = &s->reader;
	const struct kt_reader_ops *o = r->ops;
	uint64_t sym, p;
	int n = 0;

	if (kt_symbol(r, "cea_exception_stacks", &sym) == KT_OK) {
		long off = o->member_offset(r->ctx, "cea_exception_stacks", "NMI_stack");
		long sz = o->member_size(r->ctx, "cea_exception_stacks", "NMI_stack");
		if (off >= 0 && sz > 0 && kt_read_u64(r, sym + pcpu, &p) == KT_OK && p) {
			tops[n++] = p + (uint64_t)off + (uint64_t)sz;
			return n;
		}
		kt_damage_set(why, KT_DAMAGE_UNREADABLE, sym + pcpu,
			   "cea_exception_stacks of this CPU unreadable");
	}
	if (kt_symbol(r, "cpu_tss_rw", &sym) == KT_OK) {
		long off = o->member_offset(r->ctx, "tss_struct", "x86_tss.ist");
		long sz = o->member_size(r->ctx, "tss_struct", "x86_tss.ist");
		uint64_t ist[8];
		if (off >= 0 && sz > 0 && sz <= (long)sizeof(ist) &&
		    kt_read(r, sym + pcpu + (uint64_t)off, ist, (size_t)sz) == KT_OK) {
			for (long i = 0; i < sz / 8 && n < max; i++)
				if (ist[i])
					tops[n++] = ist[i];
			return n;
		}
		kt_damage_set(why, KT_DAMAGE_UNREADABLE, sym + pcpu + (uint64_t)(off > 0 ? off : 0),
			   "cpu_tss_rw.x86_tss.ist of this CPU unreadable");
	}
	if (!why->what[0])
		kt_damage_set(why, KT_DAMAGE_MISSING, 0,
			   "neither cea_exception_stacks nor cpu_tss_rw in the debuginfo");
	return n;
}

#define KT_NMI_TAIL 512
static void load_nmi_frame(struct kt_session *s, struct kt_cpu_context *c, uint64_t pcpu)
{
	uint64_t tops[8];
	int n;
	unsigned char tail[KT_NMI_TAIL];
	struct kt_err e = { 0 };
	struct kt_damage why = { 0 };

	resolve_ptregs(s);
	if (s->ptregs.size <= 0 || s->ptregs.off[KT_RIP] < 0) {
		kt_damage_set(&c->nmi_damage, KT_DAMAGE_MISSING, 0, "struct pt_regs not in the debuginfo");
		return;
	}
	n = nmi_stack_tops(s, pcpu, tops, 8, &why);
	if (!n) {
		kt_damage_set(&c->nmi_damage, why.kind, why.addr, "NMI stack not found: %s", why.what);
		return;
	}
	kt_damage_set(&c->nmi_damage, KT_DAMAGE_ABSENT, 0, "not in an NMI (no NMI frame on the NMI stack)");
	for (int i = 0; i < n; i++) {
		if (kt_read(&s->reader, tops[i] - KT_NMI_TAIL, tail, sizeof(tail)) != KT_OK) {
			kt_damage_set(&c->nmi_damage, KT_DAMAGE_UNREADABLE, tops[i] - KT_NMI_TAIL,
				   "NMI stack at %#" PRIx64 " unreadable (not in the dump)", tops[i]);
			continue;
		}
		enum kt_status st = kt_nmi_frame_decode(tail, sizeof(tail), tops[i], &s->ptregs,
							&c->nmi, &e);
		if (st == KT_OK) {
			c->has_nmi = true;
			memset(&c->nmi_damage, 0, sizeof(c->nmi_damage));
			return;
		}
		if (st == KT_ECORRUPT)
			kt_damage_set(&c->nmi_damage, KT_DAMAGE_INCONSISTENT, e.addr ? e.addr : tops[i],
				   "damaged NMI frame: %s", e.msg);
	}
}

static void load_note(struct kt_session *s, struct kt_cpu_context *c)
{
	const struct kt_reader_ops *o = s->reader.ops;
	unsigned char desc[1024];
	size_t got = 0;
	struct kt_err e = { 0 };

	if (!o->cpu_prstatus) {
		kt_damage_set(&c->note_damage, KT_DAMAGE_MISSING, 0, "this reader has no ELF notes");
		return;
	}
	if (o->cpu_prstatus(s->reader.ctx, c->cpu, desc, sizeof(desc), &got, &e) != KT_OK ||
	    kt_prstatus_decode(desc, got < sizeof(desc) ? got : sizeof(desc), &c->note, &e) != KT_OK) {
		if (e.msg[0])
			kt_damage_set(&c->note_damage, damage_kind(e.status), e.addr, "%s", e.msg);
		else
			kt_damage_set(&c->note_damage, KT_DAMAGE_ABSENT, 0, "no NT_PRSTATUS note");
		return;
	}
	c->note.where = (uint64_t)c->cpu;
	c->has_note = true;
}

static void classify(struct kt_session *s, struct kt_cpu_context *c)
{
	const struct kt_reader *r = &s->reader;
	uint64_t rip = c->regs->r[KT_RIP];
	unsigned char prev = 0;
	char path[4096];

	if ((c->regs->r[KT_CS] & 3) == 3) {
		c->state = KT_CTX_USER;
		return;
	}
	if (rip >> 63 == 0) {	/* not the kernel's half: a guest's code */
		c->state = KT_CTX_GUEST;
		return;
	}
	c->state = KT_CTX_KERNEL;
	if (r->ops->symbol_name(r->ctx, rip, c->func, sizeof(c->func), &c->func_off) != KT_OK)
		c->func[0] = 0;
	uint64_t stext;
	char vmpath[4096];
	if (r->ops->debuginfo_path && c->func[0] &&
	    r->ops->debuginfo_path(r->ctx, rip, path, sizeof(path)) == KT_OK &&
	    kt_symbol(r, "_stext", &stext) == KT_OK &&
	    r->ops->debuginfo_path(r->ctx, stext, vmpath, sizeof(vmpath)) == KT_OK) {
		/* A module's code (its debug file is not vmlinux's): name it as
		 * crash does ("[kvm]"), from its file. */
		if (strcmp(path, vmpath)) {
			const char *b = strrchr(path, '/');
			snprintf(c->module, sizeof(c->module), "%.31s", b ? b + 1 : path);
			char *dot = strchr(c->module, '.');
			if (dot)
				*dot = 0;
			for (char *p = c->module; *p; p++)
				if (*p == '-')
					*p = '_';
		}
	}
	/* Halted: the instruction before RIP is hlt (sti; hlt in safe_halt). */
	if ((kt_read(r, rip - 1, &prev, 1) == KT_OK && prev == 0xf4) ||
	    strstr(c->func, "idle") || strstr(c->func, "safe_halt"))
		c->state = KT_CTX_IDLE;
	const char *m = catchup_member(c->func);
	if (m) {
		c->in_catchup = true;
		snprintf(c->catchup_fn, sizeof(c->catchup_fn), "%s", m);
	}
}

static enum kt_status env_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return kt_read(ctx, addr, buf, len);
}

/* DWARF questions: to the reader when it answers them itself (a snapshot),
 * else to libdw through the session's cache of opened debug files. */
static enum kt_status vars_at(struct kt_session *s, const char *path, const char *function,
			      uint64_t offset, const struct kt_regs *regs, struct kt_var *vars,
			      int max, int *n, char *chain, size_t chainlen, struct kt_err *err)
{
	const struct kt_reader *r = &s->reader;
	if (r->ops->dwarf_vars_at)
		return r->ops->dwarf_vars_at(r->ctx, path, function, offset, regs, vars, max, n,
					     chain, chainlen, err);
	if (!s->dwarf && !(s->dwarf = kt_dwarf_new()))
		return kt_err_set(err, KT_ENOMEM, 0, "out of memory");
	struct kt_dwarf_env env = { .regs = regs, .read = env_read, .ctx = (void *)r };
	return kt_dwarf_vars_at(s->dwarf, path, function, offset, &env, vars, max, n, chain,
				chainlen, err);
}

static enum kt_status unwind(struct kt_session *s, const char *path, const char *function,
			     uint64_t offset, const struct kt_regs *regs, struct kt_regs *caller,
			     struct kt_err *err)
{
	const struct kt_reader *r = &s->reader;
	if (r->ops->dwarf_unwind)
		return r->ops->dwarf_unwind(r->ctx, path, function, offset, regs, caller, err);
	if (!s->dwarf && !(s->dwarf = kt_dwarf_new()))
		return kt_err_set(err, KT_ENOMEM, 0, "out of memory");
	struct kt_dwarf_env env = { .regs = regs, .read = env_read, .ctx = (void *)r };
	return kt_dwarf_unwind(s->dwarf, path, function, offset, &env, caller, err);
}

const struct kt_var *kt_context_var(const struct kt_cpu_context *c, const char *name)
{
	for (int i = 0; i < c->nvars; i++)
		if (!strcmp(c->vars[i].name, name) && c->vars[i].has_value)
			return &c->vars[i];
	return NULL;
}

const struct kt_var *kt_context_var_in(const struct kt_cpu_context *c, const char *name,
				       const char *scope)
{
	for (int i = 0; i < c->nvars; i++)
		if (c->vars[i].has_value && !strcmp(c->vars[i].name, name) &&
		    !strcmp(c->vars[i].scope, scope))
			return &c->vars[i];
	return NULL;
}

/* The hrtimer the registers hold: a struct hrtimer * variable, else the
 * lapic's timer through apic / ktimer (the first variable that gives one). */
static void decode_hrtimer(const struct kt_layout *l, struct kt_cpu_context *c)
{
	for (int i = 0; i < c->nvars; i++) {
		const struct kt_var *x = &c->vars[i];
		uint64_t addr = 0;
		if (!x->has_value || !x->value)
			continue;
		if (!strcmp(x->type, "struct hrtimer *"))
			addr = x->value;
		else if (!strcmp(x->type, "struct kvm_lapic *") && kt_has(l->kvm_lapic__lapic_timer) &&
			 kt_has(l->kvm_timer__timer))
			addr = x->value + (uint64_t)l->kvm_lapic__lapic_timer.off +
			       (uint64_t)l->kvm_timer__timer.off;
		else if (!strcmp(x->type, "struct kvm_timer *") && kt_has(l->kvm_timer__timer))
			addr = x->value + (uint64_t)l->kvm_timer__timer.off;
		if (addr) {
			c->hrtimer.has = true;
			c->hrtimer.var = x->name;
			c->hrtimer.addr = addr;
			return;
		}
	}
}

/* The symbol that starts exactly at addr (a function pointer's target). */
static bool code_sym(void *ctx, uint64_t addr, char *name, size_t len)
{
	const struct kt_reader *r = ctx;
	uint64_t off;
	return r->ops->symbol_name(r->ctx, addr, name, len, &off) == KT_OK && off == 0;
}

static void read_u64_at(struct kt_session *s, uint64_t addr, struct kt_ctx_u64 *out)
{
	out->addr = addr;
	out->has = kt_read_u64(&s->reader, addr, &out->value) == KT_OK;
}

/* The memory the variables point at that the cross-checks need: the clock
 * base's offset (basenow = now + base->offset where the compiler keeps no
 * basenow) and the lapic timer's target_expiration (delta = target - now). */
static void decode_pointed(struct kt_session *s, struct kt_cpu_context *c)
{
	const struct kt_layout *l = &s->layout;
	const struct kt_var *base = kt_context_var_in(c, "base", "__hrtimer_run_queues");
	const struct kt_var *apic = kt_context_var(c, "apic");

	decode_hrtimer(l, c);
	/* Frames through the hrtimer loop while the CPU runs another timer's
	 * callback (the tick: tick_sched_timer ... trigger_load_balance) are not
	 * the catch-up path: the timer the registers hold says whose callback. */
	if (c->in_catchup && c->hrtimer.has && kt_has(l->hrtimer__function)) {
		char name[KT_SYM_LEN];
		uint64_t fn;

		if (kt_read_u64(&s->reader, c->hrtimer.addr + (uint64_t)l->hrtimer__function.off, &fn) == KT_OK &&
		    code_sym(&s->reader, fn, name, sizeof(name)) && strcmp(name, "apic_timer_fn")) {
			c->in_catchup = false;
			c->catchup_fn[0] = 0;
		}
	}
	if (base && kt_has(l->hrtimer_clock_base__offset))
		read_u64_at(s, base->value + (uint64_t)l->hrtimer_clock_base__offset.off,
			    &c->base_offset);
	if (apic && kt_has(l->kvm_lapic__lapic_timer) && kt_has(l->kvm_timer__target_expiration))
		read_u64_at(s, apic->value + (uint64_t)l->kvm_lapic__lapic_timer.off +
			    (uint64_t)l->kvm_timer__target_expiration.off, &c->target_expiration);
}

static void code_vars(struct kt_session *s, struct kt_cpu_context *c);
static void walk_frames(struct kt_session *s, struct kt_cpu_context *c, const char *path0);

static void load_vars(struct kt_session *s, struct kt_cpu_context *c)
{
	const struct kt_reader *r = &s->reader;
	char path[4096];
	struct kt_err e = { 0 };

	c->vars_done = true;
	if (!c->func[0]) {
		kt_damage_set(&c->vars_damage, KT_DAMAGE_MISSING, c->regs->r[KT_RIP],
			   "RIP %#" PRIx64 " is in no known function", c->regs->r[KT_RIP]);
		return;
	}
	if (!r->ops->debuginfo_path || r->ops->debuginfo_path(r->ctx, c->regs->r[KT_RIP], path,
							      sizeof(path)) != KT_OK) {
		kt_damage_set(&c->vars_damage, KT_DAMAGE_MISSING, c->regs->r[KT_RIP],
			   "no debug file with DWARF for %s%s%s", c->func,
			   c->module[0] ? " in module " : "", c->module);
		if (c->in_catchup)
			code_vars(s, c);
		return;
	}
	if (vars_at(s, path, c->func, c->func_off, c->regs, c->vars, KT_CTX_VARS, &c->nvars,
		    c->chain, sizeof(c->chain), &e) != KT_OK) {
		kt_damage_set(&c->vars_damage, damage_kind(e.status), e.addr ? e.addr : c->regs->r[KT_RIP],
			   "%s", e.msg);
		if (c->in_catchup)
			code_vars(s, c);
		return;
	}
	if (c->in_catchup)
		code_vars(s, c);
	walk_frames(s, c, path);
	/* Inlined into something else, the path still shows in the scopes. */
	if (!c->in_catchup)
		for (int i = 0; i < c->nvars; i++) {
			const char *m = catchup_member(c->vars[i].scope);
			if (m) {
				c->in_catchup = true;
				snprintf(c->catchup_fn, sizeof(c->catchup_fn), "%s", m);
				break;
			}
		}
}

/* First parameters of the catch-up path's functions (their C signatures, in
 * every kernel since the loop exists), for what code reading finds still
 * holding its entry value: x86 rdi, rsi, rdx, rcx. */
static const struct { const char *fn; const char *name[4], *type[4]; } signatures[] = {
	{ "advance_periodic_target_expiration", { "apic" }, { "struct kvm_lapic *" } },
	{ "apic_timer_expired", { "apic", "from_timer_fn" }, { "struct kvm_lapic *", "bool" } },
	{ "apic_timer_fn", { "data" }, { "struct hrtimer *" } },
	{ "kvm_read_l1_tsc", { "vcpu", "host_tsc" }, { "struct kvm_vcpu *", "u64" } },
	{ "__hrtimer_run_queues", { "cpu_base", "now", "flags", "active_mask" },
	  { "struct hrtimer_cpu_base *", "ktime_t", "unsigned long", "unsigned int" } },
	{ "hrtimer_interrupt", { "dev" }, { "struct clock_event_device *" } },
};

static void add_code_var(struct kt_cpu_context *c, const struct kt_codeflow *cf, int x86,
			 const char *name, const char *type, bool is_signed, bool is_pointer,
			 bool param)
{
	int r = kt_x86_reg_to_kt(x86);
	struct kt_var *v = NULL;
	for (int i = 0; i < c->nvars; i++)
		if (!strcmp(c->vars[i].name, name) && c->vars[i].has_value) {
			/* DWARF said it, or a fresher register already did. */
			if (c->vars[i].scope[0] != '=' || !strstr(c->vars[i].where, " since)") ||
			    cf->stale_since[x86] >= 0)
				return;
			v = &c->vars[i];
		}
	if (!v) {
		if (c->nvars == KT_CTX_VARS)
			return;
		v = &c->vars[c->nvars++];
	}
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	/* scope "=code": read from the machine code, not DWARF. */
	snprintf(v->scope, sizeof(v->scope), "=code %.41s", c->func);
	snprintf(v->type, sizeof(v->type), "%s", type);
	v->byte_size = 8;
	v->is_signed = is_signed;
	v->is_pointer = is_pointer;
	v->param = param;
	v->kind = KT_VAR_REGISTER;
	v->reg = r;
	v->value = c->regs->r[r];
	v->has_value = true;
	if (cf->stale_since[x86] >= 0)
		snprintf(v->where, sizeof(v->where), "%s (call at +%d since)", kt_reg_name(r),
			 cf->stale_since[x86]);
	else
		snprintf(v->where, sizeof(v->where), "%s", kt_reg_name(r));
}

static bool is_ret(const struct kt_codeflow *cf, int n, const char *fn)
{
	return n > 0 && cf->node[n].kind == KT_X_RET && !strcmp(cf->node[n].fn, fn);
}

/* tscl = (u64)hi << 32 | lo, from rdtsc. */
static bool is_tscl(const struct kt_codeflow *cf, int n)
{
	const struct kt_xnode *x = &cf->node[n];
	if (n <= 0 || x->kind != KT_X_BIN || x->op != '|')
		return false;
	for (int k = 0; k < 2; k++) {
		int a = k ? x->b : x->a, b = k ? x->a : x->b;
		if (a > 0 && b > 0 && cf->node[b].kind == KT_X_RDTSC_LO &&
		    cf->node[a].kind == KT_X_BIN && cf->node[a].op == '<' &&
		    cf->node[cf->node[a].a].kind == KT_X_RDTSC_HI &&
		    cf->node[cf->node[a].b].kind == KT_X_CONST && cf->node[cf->node[a].b].disp == 32)
			return true;
	}
	return false;
}

/*
 * The seed engineer's reading: from the function's entry to RIP, which
 * register holds ktime_get()'s result (now), kvm_read_l1_tsc()'s (the guest
 * TSC), rdtsc's (tscl), something minus ktime_get() (delta), and which still
 * holds a parameter.  Added where DWARF did not already give the name.
 */
#define KT_CODE_MAX 4096
static void code_vars(struct kt_session *s, struct kt_cpu_context *c)
{
	const struct kt_reader *r = &s->reader;
	unsigned char *code;
	struct kt_codeflow *cf;
	uint64_t entry = c->regs->r[KT_RIP] - c->func_off;

	if (!c->func_off || c->func_off > KT_CODE_MAX)
		return;
	code = malloc(c->func_off);
	cf = malloc(sizeof(*cf));
	if (!code || !cf || kt_read(r, entry, code, c->func_off) != KT_OK) {
		snprintf(c->code_note, sizeof(c->code_note), "code of %s unreadable", c->func);
		goto out;
	}
	if (kt_codeflow_read(code, c->func_off, entry, code_sym, (void *)r, cf) != KT_OK) {
		snprintf(c->code_note, sizeof(c->code_note), "%s", cf->why);
		goto out;
	}
	snprintf(c->code_note, sizeof(c->code_note), "read %" PRIu64 " bytes of %s, straight-line",
		 c->func_off, c->func);
	/* Callee-saved registers first: they survive calls. */
	static const int order[16] = { 3, 5, 12, 13, 14, 15, 0, 1, 2, 6, 7, 8, 9, 10, 11, 4 };
	for (int k = 0; k < 16; k++) {
		int x = order[k], n = cf->reg[x];
		const struct kt_xnode *nd = &cf->node[n];
		if (is_ret(cf, n, "ktime_get"))
			add_code_var(c, cf, x, "now", "ktime_t", true, false, false);
		else if (is_ret(cf, n, "kvm_read_l1_tsc"))
			add_code_var(c, cf, x, "guest_tsc", "u64", false, false, false);
		else if (is_tscl(cf, n))
			add_code_var(c, cf, x, "tscl", "u64", false, false, false);
		else if (nd->kind == KT_X_BIN && nd->op == '-' && is_ret(cf, nd->b, "ktime_get"))
			add_code_var(c, cf, x, "delta", "ktime_t", true, false, false);
		else if (nd->kind == KT_X_ENTRY && cf->stale_since[x] < 0)
			for (size_t i = 0; i < sizeof(signatures) / sizeof(signatures[0]); i++) {
				static const int argreg[4] = { 7, 6, 2, 1 };
				if (strcmp(signatures[i].fn, c->func))
					continue;
				for (int a = 0; a < 4; a++)
					if (signatures[i].name[a] && argreg[a] == nd->reg)
						add_code_var(c, cf, x, signatures[i].name[a], signatures[i].type[a],
							     false, strchr(signatures[i].type[a], '*') != NULL, true);
			}
	}
out:
	free(code);
	free(cf);
}

static bool wanted(const int *cpus, int ncpus, int cpu)
{
	if (!ncpus)
		return true;
	for (int i = 0; i < ncpus; i++)
		if (cpus[i] == cpu)
			return true;
	return false;
}

void kt_load_contexts(struct kt_session *s, const int *cpus, int ncpus, bool with_vars,
		      bool vars_in_loop, struct kt_contexts *out)
{
	const struct kt_reader *r = &s->reader;
	int nr = r->ops->nr_cpus(r->ctx);

	memset(out, 0, sizeof(*out));
	if (nr <= 0)
		return;
	out->cpu = calloc((size_t)nr, sizeof(*out->cpu));
	if (!out->cpu)
		return;
	for (int cpu = 0; cpu < nr; cpu++) {
		uint64_t pcpu;
		if (!wanted(cpus, ncpus, cpu) || r->ops->percpu_offset(r->ctx, cpu, &pcpu) != KT_OK)
			continue;
		struct kt_cpu_context *c = &out->cpu[out->n];
		memset(c, 0, sizeof(*c));
		c->cpu = cpu;
		load_note(s, c);
		load_nmi_frame(s, c, pcpu);
		if (!c->has_note && !c->has_nmi)
			continue;	/* no registers: an offline CPU, or none saved */
		out->n++;
		c->regs = c->has_nmi ? &c->nmi : &c->note;
		classify(s, c);
		if (c->state != KT_CTX_KERNEL || !(with_vars || (vars_in_loop && c->in_catchup)))
			continue;
		load_vars(s, c);
		decode_pointed(s, c);
	}
}

void kt_contexts_free(struct kt_contexts *c)
{
	free(c->cpu);
	memset(c, 0, sizeof(*c));
}


/* "kvm" when pc's debug file is a module's (not vmlinux's), else "". */
static void module_of(struct kt_session *s, const char *path, char *buf, size_t len)
{
	const struct kt_reader *r = &s->reader;
	uint64_t stext;
	char vmpath[4096];

	buf[0] = 0;
	if (kt_symbol(r, "_stext", &stext) != KT_OK ||
	    r->ops->debuginfo_path(r->ctx, stext, vmpath, sizeof(vmpath)) != KT_OK ||
	    !strcmp(path, vmpath))
		return;
	const char *b = strrchr(path, '/');
	snprintf(buf, len, "%.31s", b ? b + 1 : path);
	char *dot = strchr(buf, '.');
	if (dot)
		*dot = 0;
	for (char *p = buf; *p; p++)
		if (*p == '-')
			*p = '_';
}

/*
 * The backtrace from the interrupted context by CFI (as crash's bt walks the
 * stack, but from the registers): each caller's function, and for callers in
 * the catch-up path their variables too — basenow lives in
 * __hrtimer_run_queues' frame while RIP is deeper in apic_timer_fn or
 * advance_periodic_target_expiration.  Ends at an assembly entry (no CFI),
 * an address outside the kernel, or KT_CTX_FRAMES.
 */
static void walk_frames(struct kt_session *s, struct kt_cpu_context *c, const char *path0)
{
	const struct kt_reader *r = &s->reader;
	struct kt_regs fr = *c->regs, next;
	char path[4096];
	struct kt_err e = { 0 };

	snprintf(path, sizeof(path), "%s", path0);
	fr.frame = 0;
	fr.unknown = 0;
	c->frames[0] = (struct kt_frame){ .pc = fr.r[KT_RIP], .off = c->func_off };
	snprintf(c->frames[0].func, sizeof(c->frames[0].func), "%s", c->func);
	snprintf(c->frames[0].module, sizeof(c->frames[0].module), "%s", c->module);
	c->nframes = 1;
	for (;;) {
		struct kt_frame *f = &c->frames[c->nframes - 1];
		/* Caller frames: the call instruction's row (return address - 1). */
		uint64_t look = f->off - (c->nframes > 1);
		if (unwind(s, path, f->func, look, &fr, &next, &e) != KT_OK) {
			kt_damage_set(&c->unwind_end, damage_kind(e.status), e.addr ? e.addr : f->pc,
				   "%s", e.msg);
			return;
		}
		uint64_t pc = next.r[KT_RIP];
		if (c->nframes == KT_CTX_FRAMES) {
			kt_damage_set(&c->unwind_end, KT_DAMAGE_BOUND, pc, "%d frames shown", KT_CTX_FRAMES);
			return;
		}
		if (pc >> 63 == 0 || (next.unknown >> KT_RIP & 1)) {
			kt_damage_set(&c->unwind_end, KT_DAMAGE_ABSENT, pc,
				   "return address %#" PRIx64 " is not kernel code", pc);
			return;
		}
		struct kt_frame *n = &c->frames[c->nframes];
		memset(n, 0, sizeof(*n));
		n->pc = pc;
		/* The call is before the return address: symbolize pc - 1. */
		if (r->ops->symbol_name(r->ctx, pc - 1, n->func, sizeof(n->func), &n->off) != KT_OK ||
		    r->ops->debuginfo_path(r->ctx, pc - 1, path, sizeof(path)) != KT_OK) {
			kt_damage_set(&c->unwind_end, KT_DAMAGE_MISSING, pc,
				   "return address %#" PRIx64 " in no function with debuginfo", pc);
			return;
		}
		n->off += 1;
		module_of(s, path, n->module, sizeof(n->module));
		c->nframes++;
		fr = next;
		/* A caller in the path proper: hrtimer_interrupt alone is every
		 * timer interrupt's, not the loop's (it counts only as RIP's own). */
		const char *m = catchup_member(n->func);
		if (!m || !strcmp(m, "hrtimer_interrupt"))
			continue;
		if (!c->in_catchup) {
			c->in_catchup = true;
			snprintf(c->catchup_fn, sizeof(c->catchup_fn), "%s", m);
		}
		/* The caller's variables, at its call instruction. */
		int got = 0;
		char chain[sizeof(c->chain)];
		if (c->nvars < KT_CTX_VARS &&
		    vars_at(s, path, n->func, n->off - 1, &fr, c->vars + c->nvars,
			    KT_CTX_VARS - c->nvars, &got, chain, sizeof(chain), &e) == KT_OK)
			c->nvars += got;
	}
}
