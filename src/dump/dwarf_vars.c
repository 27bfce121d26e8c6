// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Variables live at a PC (include/kvmtimer/dwarf_vars.h): libdwfl opens each
 * debug file offline once (relocating an ET_REL module's DWARF), the PC is
 * function symbol + offset, dwarf_getscopes gives the nested scopes at it
 * (inlined instances included) and each variable's location expression at
 * that PC is evaluated by a small DWARF stack machine against the registers.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kvmtimer/dwarf_vars.h"

#define KT_DWARF_FILES 4
#define KT_DWARF_STACK 16
#define KT_DWARF_DEPTH 32	/* scopes nested at one PC */

struct dwarf_file {
	char path[4096];
	Dwfl *dwfl;
	Dwfl_Module *mod;
	bool failed;
	char why[160];
};

struct kt_dwarf {
	struct dwarf_file f[KT_DWARF_FILES];
	int n;
};

static int no_debuginfo(Dwfl_Module *m, void **ud, const char *mn, Dwarf_Addr b,
			const char *f, const char *dl, GElf_Word crc, char **dfn)
{
	(void)m; (void)ud; (void)mn; (void)b; (void)f; (void)dl; (void)crc; (void)dfn;
	return -1;	/* the file itself carries the DWARF */
}

static const Dwfl_Callbacks callbacks = {
	.find_debuginfo = no_debuginfo,
	.section_address = dwfl_offline_section_address,
};

struct kt_dwarf *kt_dwarf_new(void)
{
	return calloc(1, sizeof(struct kt_dwarf));
}

void kt_dwarf_free(struct kt_dwarf *d)
{
	if (!d)
		return;
	for (int i = 0; i < d->n; i++)
		if (d->f[i].dwfl)
			dwfl_end(d->f[i].dwfl);
	free(d);
}

static struct dwarf_file *open_file(struct kt_dwarf *d, const char *path)
{
	struct dwarf_file *f;
	Dwarf_Addr bias;

	for (int i = 0; i < d->n; i++)
		if (!strcmp(d->f[i].path, path))
			return &d->f[i];
	if (d->n == KT_DWARF_FILES) {	/* evict the oldest */
		if (d->f[0].dwfl)
			dwfl_end(d->f[0].dwfl);
		memmove(&d->f[0], &d->f[1], sizeof(d->f[0]) * (KT_DWARF_FILES - 1));
		d->n--;
	}
	f = &d->f[d->n++];
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->dwfl = dwfl_begin(&callbacks);
	if (!f->dwfl)
		goto bad;
	f->mod = dwfl_report_offline(f->dwfl, "debug", path, -1);
	if (!f->mod || dwfl_report_end(f->dwfl, NULL, NULL) != 0 ||
	    !dwfl_module_getdwarf(f->mod, &bias))
		goto bad;
	return f;
bad:
	f->failed = true;
	snprintf(f->why, sizeof(f->why), "%s: no DWARF (%s)", path, dwfl_errmsg(-1));
	return f;
}

/* name, or name + a compiler clone suffix (".isra.0", ".part.0.constprop.0",
 * ".cold"): crash's symbol table strips those suffixes, so the extension may
 * ask for "do_execveat_common" where the ELF symbol is "do_execveat_common.isra.0". */
static bool symbol_is(const char *s, const char *name, bool clones)
{
	size_t n = strlen(name);
	return !strncmp(s, name, n) && (s[n] == 0 || (clones && s[n] == '.'));
}

/* The file's address of function `name` (a FUNC symbol, or its clone), 0 if none. */
static Dwarf_Addr function_addr(Dwfl_Module *mod, const char *name, uint64_t offset)
{
	int n = dwfl_module_getsymtab(mod);

	/* The exact name first; a clone of it only when no exact one exists. */
	for (int pass = 0; pass < 2; pass++) {
		Dwarf_Addr best = 0;
		for (int i = 1; i < n; i++) {
			GElf_Sym sym;
			GElf_Addr addr;
			const char *s = dwfl_module_getsym_info(mod, i, &sym, &addr, NULL, NULL, NULL);
			if (!s || GELF_ST_TYPE(sym.st_info) != STT_FUNC || !symbol_is(s, name, pass))
				continue;
			/* Static functions (and clones) may share a name: prefer the one
			 * the offset fits. */
			if (!best || offset < sym.st_size)
				best = addr;
			if (offset < sym.st_size)
				break;
		}
		if (best)
			return best;
	}
	return 0;
}

static Dwarf_Die *peel(Dwarf_Die *t, Dwarf_Die *mem)
{
	Dwarf_Attribute a;
	for (int i = 0; i < 16; i++) {
		int tag = dwarf_tag(t);
		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type &&
		    tag != DW_TAG_restrict_type && tag != DW_TAG_atomic_type)
			return t;
		if (!dwarf_attr_integrate(t, DW_AT_type, &a) || !dwarf_formref_die(&a, mem))
			return NULL;
		t = mem;
	}
	return t;
}

static void describe_type(Dwarf_Die *var, struct kt_var *v)
{
	Dwarf_Attribute a;
	Dwarf_Die type, mem, *t;

	if (!dwarf_attr_integrate(var, DW_AT_type, &a) || !dwarf_formref_die(&a, &type))
		return;
	const char *tn = dwarf_diename(&type);
	t = peel(&type, &mem);
	if (!t)
		return;
	Dwarf_Word sz;
	if (dwarf_tag(t) == DW_TAG_pointer_type) {
		Dwarf_Die pt, pm, *p = NULL;
		v->is_pointer = true;
		v->byte_size = 8;
		if (dwarf_attr_integrate(t, DW_AT_type, &a) && dwarf_formref_die(&a, &pt))
			p = peel(&pt, &pm);
		const char *pn = p ? dwarf_diename(p) : NULL;
		int ptag = p ? dwarf_tag(p) : 0;
		snprintf(v->type, sizeof(v->type), "%s%s *",
			 ptag == DW_TAG_structure_type ? "struct " : ptag == DW_TAG_union_type ? "union " : "",
			 pn ? pn : "void");
		return;
	}
	if (dwarf_aggregate_size(t, &sz) == 0)
		v->byte_size = (unsigned)sz;
	Dwarf_Word enc;
	if (dwarf_tag(t) == DW_TAG_base_type && dwarf_attr(t, DW_AT_encoding, &a) &&
	    dwarf_formudata(&a, &enc) == 0)
		v->is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
	if (dwarf_tag(t) == DW_TAG_enumeration_type)
		v->is_signed = false;
	snprintf(v->type, sizeof(v->type), "%s%s",
		 dwarf_tag(t) == DW_TAG_structure_type && tn == dwarf_diename(t) ? "struct " : "",
		 tn ? tn : "?");
}

/* Evaluation state: the DWARF expression stack and what the result is. */
struct eval {
	const struct kt_dwarf_env *env;
	uint64_t cfa;
	bool has_cfa;
	uint64_t stack[KT_DWARF_STACK];
	int sp;
};

static bool push(struct eval *e, uint64_t v)
{
	if (e->sp == KT_DWARF_STACK)
		return false;
	e->stack[e->sp++] = v;
	return true;
}

static bool reg_value(const struct eval *e, int dwreg, uint64_t *v)
{
	int r = kt_reg_from_dwarf(dwreg);
	if (r < 0 || !e->env->regs || (e->env->regs->unknown >> r & 1))
		return false;
	*v = e->env->regs->r[r];
	return true;
}

/* Evaluate one location expression into v. */
static void evaluate(struct eval *e, const Dwarf_Op *ops, size_t nops, Dwarf_Attribute *attr,
		     struct kt_var *v)
{
	bool stack_value = false;
	char where[48] = "";

	e->sp = 0;
	v->reg = -1;
	for (size_t i = 0; i < nops; i++) {
		const Dwarf_Op *op = &ops[i];
		uint8_t atom = op->atom;
		uint64_t a, b, r;

		if (atom >= DW_OP_reg0 && atom <= DW_OP_reg31 && nops == 1) {
			v->kind = KT_VAR_REGISTER;
			v->reg = kt_reg_from_dwarf(atom - DW_OP_reg0);
			snprintf(v->where, sizeof(v->where), "%s", kt_reg_name(v->reg));
			v->has_value = reg_value(e, atom - DW_OP_reg0, &v->value);
			return;
		}
		if (atom == DW_OP_regx && nops == 1) {
			v->kind = KT_VAR_REGISTER;
			v->reg = kt_reg_from_dwarf((int)op->number);
			snprintf(v->where, sizeof(v->where), "%s", kt_reg_name(v->reg));
			v->has_value = reg_value(e, (int)op->number, &v->value);
			return;
		}
		if (atom >= DW_OP_lit0 && atom <= DW_OP_lit31) {
			if (!push(e, atom - DW_OP_lit0))
				goto unsupported;
			snprintf(where, sizeof(where), "constant");
			continue;
		}
		if (atom >= DW_OP_breg0 && atom <= DW_OP_breg31) {
			if (!reg_value(e, atom - DW_OP_breg0, &r) || !push(e, r + op->number))
				goto unsupported;
			snprintf(where, sizeof(where), "%s%+" PRId64,
				 kt_reg_name(kt_reg_from_dwarf(atom - DW_OP_breg0)), (int64_t)op->number);
			continue;
		}
		switch (atom) {
		case DW_OP_bregx:
			if (!reg_value(e, (int)op->number, &r) || !push(e, r + op->number2))
				goto unsupported;
			snprintf(where, sizeof(where), "%s%+" PRId64,
				 kt_reg_name(kt_reg_from_dwarf((int)op->number)), (int64_t)op->number2);
			break;
		case DW_OP_fbreg:
			if (!e->has_cfa || !push(e, e->cfa + op->number))
				goto unsupported;
			snprintf(where, sizeof(where), "CFA%+" PRId64, (int64_t)op->number);
			break;
		case DW_OP_call_frame_cfa:
			if (!e->has_cfa || !push(e, e->cfa))
				goto unsupported;
			snprintf(where, sizeof(where), "CFA");
			break;
		case DW_OP_addr:
		case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u: case DW_OP_const8u:
		case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s: case DW_OP_const8s:
		case DW_OP_constu: case DW_OP_consts:
			if (!push(e, op->number))
				goto unsupported;
			if (!where[0])
				snprintf(where, sizeof(where), "constant");
			break;
		case DW_OP_plus_uconst:
			if (!e->sp)
				goto unsupported;
			e->stack[e->sp - 1] += op->number;
			break;
		case DW_OP_plus: case DW_OP_minus: case DW_OP_and: case DW_OP_or:
		case DW_OP_xor: case DW_OP_shl: case DW_OP_shr: case DW_OP_shra: case DW_OP_mul:
			if (e->sp < 2)
				goto unsupported;
			b = e->stack[--e->sp];
			a = e->stack[e->sp - 1];
			switch (atom) {
			case DW_OP_plus: r = a + b; break;
			case DW_OP_minus: r = a - b; break;
			case DW_OP_and: r = a & b; break;
			case DW_OP_or: r = a | b; break;
			case DW_OP_xor: r = a ^ b; break;
			case DW_OP_mul: r = a * b; break;
			case DW_OP_shl: r = b < 64 ? a << b : 0; break;
			case DW_OP_shr: r = b < 64 ? a >> b : 0; break;
			default: r = b < 64 ? (uint64_t)((int64_t)a >> b) : 0; break;
			}
			e->stack[e->sp - 1] = r;
			snprintf(where, sizeof(where), "computed");
			break;
		case DW_OP_neg:
			if (!e->sp)
				goto unsupported;
			e->stack[e->sp - 1] = -e->stack[e->sp - 1];
			break;
		case DW_OP_not:
			if (!e->sp)
				goto unsupported;
			e->stack[e->sp - 1] = ~e->stack[e->sp - 1];
			break;
		case DW_OP_deref: case DW_OP_deref_size: {
			unsigned size = atom == DW_OP_deref ? 8 : (unsigned)op->number;
			uint64_t val = 0;
			if (!e->sp || size > 8 || !e->env->read ||
			    e->env->read(e->env->ctx, e->stack[e->sp - 1], &val, size) != KT_OK)
				goto unsupported;
			e->stack[e->sp - 1] = val;
			snprintf(where, sizeof(where), "computed (memory)");
			break;
		}
		case DW_OP_stack_value:
			stack_value = true;
			break;
		case DW_OP_implicit_value: {
			Dwarf_Block blk;
			v->kind = KT_VAR_IMPLICIT;
			snprintf(v->where, sizeof(v->where), "implicit value");
			if (attr && dwarf_getlocation_implicit_value(attr, op, &blk) == 0 &&
			    blk.length <= 8) {
				v->value = 0;
				memcpy(&v->value, blk.data, blk.length);
				v->has_value = true;
			}
			return;
		}
		case DW_OP_piece:
			/* A composite: say where the first piece is when it is a whole
			 * register; the rest is beyond what a one-line value shows. */
			v->kind = KT_VAR_UNAVAILABLE;
			snprintf(v->where, sizeof(v->where), "pieces (composite location)");
			if (i == 1 && ops[0].atom >= DW_OP_reg0 && ops[0].atom <= DW_OP_reg31 &&
			    op->number >= v->byte_size) {
				v->kind = KT_VAR_REGISTER;
				v->reg = kt_reg_from_dwarf(ops[0].atom - DW_OP_reg0);
				snprintf(v->where, sizeof(v->where), "%s", kt_reg_name(v->reg));
				v->has_value = reg_value(e, ops[0].atom - DW_OP_reg0, &v->value);
			}
			return;
		case DW_OP_entry_value:
		case DW_OP_GNU_entry_value:
			v->kind = KT_VAR_UNAVAILABLE;
			snprintf(v->where, sizeof(v->where), "entry value (gone at this PC)");
			return;
		case DW_OP_implicit_pointer:
		case DW_OP_GNU_implicit_pointer:
			v->kind = KT_VAR_UNAVAILABLE;
			snprintf(v->where, sizeof(v->where), "implicit pointer");
			return;
		default:
			goto unsupported;
		}
	}
	if (!e->sp)
		goto unsupported;
	if (stack_value) {
		v->kind = KT_VAR_VALUE;
		v->value = e->stack[e->sp - 1];
		v->has_value = true;
		snprintf(v->where, sizeof(v->where), "%s", where[0] ? where : "computed");
		if (nops == 2 && ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31)
			snprintf(v->where, sizeof(v->where), "value %s", where);
		return;
	}
	v->kind = KT_VAR_MEMORY;
	v->addr = e->stack[e->sp - 1];
	snprintf(v->where, sizeof(v->where), "[%s]", where[0] ? where : "computed");
	unsigned size = v->byte_size && v->byte_size <= 8 ? v->byte_size : 8;
	uint64_t val = 0;
	if (e->env->read && e->env->read(e->env->ctx, v->addr, &val, size) == KT_OK) {
		v->value = val;
		v->has_value = true;
	}
	return;
unsupported:
	v->kind = KT_VAR_UNAVAILABLE;
	snprintf(v->where, sizeof(v->where), "DWARF op 0x%02x not evaluated", ops[0].atom);
}

/* CFA at pc from .debug_frame or .eh_frame (for DW_OP_fbreg locations). */
static bool cfa_at(Dwfl_Module *mod, Dwarf_Addr pc, struct eval *e)
{
	Dwarf_Addr bias;
	Dwarf_CFI *cfis[2] = { dwfl_module_dwarf_cfi(mod, &bias), NULL };
	Dwarf_Addr bias2;
	cfis[1] = dwfl_module_eh_cfi(mod, &bias2);
	for (int i = 0; i < 2; i++) {
		Dwarf_Frame *fr;
		Dwarf_Op *ops;
		size_t nops;
		if (!cfis[i] || dwarf_cfi_addrframe(cfis[i], pc - (i ? bias2 : bias), &fr) != 0)
			continue;
		/* libdw states a CFA rule as DW_OP_bregx reg, offset. */
		bool ok = dwarf_frame_cfa(fr, &ops, &nops) == 0 && nops == 1;
		uint64_t r = 0;
		if (ok && ops[0].atom == DW_OP_bregx && reg_value(e, (int)ops[0].number, &r)) {
			e->cfa = r + ops[0].number2;
			e->has_cfa = true;
		} else if (ok && ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31 &&
			   reg_value(e, ops[0].atom - DW_OP_breg0, &r)) {
			e->cfa = r + ops[0].number;
			e->has_cfa = true;
		}
		free(fr);
		if (e->has_cfa)
			return true;
	}
	return false;
}

/* scope: the function or inlined instance the variable belongs to (a lexical
 * block's is the nearest one around it). */
static void add_var(Dwarf_Die *die, Dwarf_Die *scope, Dwarf_Addr pc, struct eval *e,
		    struct kt_var *vars, int max, int *n)
{
	Dwarf_Attribute attr;
	const char *name = dwarf_diename(die);
	struct kt_var *v;

	if (!name || *n >= max)
		return;
	const char *sn = dwarf_diename(scope);
	for (int i = 0; i < *n; i++)	/* one entry per name and scope */
		if (!strcmp(vars[i].name, name) && !strcmp(vars[i].scope, sn ? sn : "{block}"))
			return;
	v = &vars[(*n)++];
	memset(v, 0, sizeof(*v));
	v->reg = -1;
	v->frame = e->env->regs ? e->env->regs->frame : 0;
	snprintf(v->name, sizeof(v->name), "%s", name);
	snprintf(v->scope, sizeof(v->scope), "%s", sn ? sn : "{block}");
	v->inlined = dwarf_tag(scope) == DW_TAG_inlined_subroutine;
	v->param = dwarf_tag(die) == DW_TAG_formal_parameter;
	describe_type(die, v);
	if (!dwarf_attr(die, DW_AT_location, &attr)) {
		Dwarf_Attribute cv;
		if (dwarf_attr_integrate(die, DW_AT_const_value, &cv)) {
			Dwarf_Word w;
			Dwarf_Sword sw;
			v->kind = KT_VAR_VALUE;
			snprintf(v->where, sizeof(v->where), "constant");
			if (dwarf_formudata(&cv, &w) == 0) {
				v->value = w;
				v->has_value = true;
			} else if (dwarf_formsdata(&cv, &sw) == 0) {
				v->value = (uint64_t)sw;
				v->has_value = true;
			}
			return;
		}
		v->kind = KT_VAR_OPTIMIZED_OUT;
		snprintf(v->where, sizeof(v->where), "optimized out");
		return;
	}
	Dwarf_Op *expr;
	size_t len;
	int k = dwarf_getlocation_addr(&attr, pc, &expr, &len, 1);
	if (k <= 0 || len == 0) {
		v->kind = KT_VAR_OPTIMIZED_OUT;
		snprintf(v->where, sizeof(v->where), "optimized out");
		return;
	}
	evaluate(e, expr, len, &attr, v);
}

enum kt_status kt_dwarf_vars_at(struct kt_dwarf *d, const char *path, const char *function,
				uint64_t offset, const struct kt_dwarf_env *env,
				struct kt_var *vars, int max, int *n, char *chain, size_t chainlen,
				struct kt_err *err)
{
	struct dwarf_file *f = open_file(d, path);
	Dwarf_Addr bias, fn, pc;
	Dwarf_Die *cu, *scopes = NULL;
	struct eval e = { .env = env };

	*n = 0;
	if (chainlen)
		chain[0] = 0;
	if (f->failed)
		return kt_err_set(err, KT_ENOENT, 0, "%s", f->why);
	fn = function_addr(f->mod, function, offset);
	if (!fn)
		return kt_err_set(err, KT_ENOENT, 0, "%s: no function %s in its symbol table", path,
				  function);
	pc = fn + offset;
	cu = dwfl_module_addrdie(f->mod, pc, &bias);
	if (!cu)
		return kt_err_set(err, KT_ENODATA, 0, "%s: no DWARF compile unit covers %s+%#" PRIx64,
				  path, function, offset);
	/* The concrete nesting at the PC, outermost first: the out-of-line
	 * function, its blocks, the inlined instances inside it.  (dwarf_getscopes
	 * continues an inlined instance with its abstract origin's scopes, which
	 * would lose the caller's variables: basenow of __hrtimer_run_queues
	 * around an inlined __run_hrtimer.) */
	Dwarf_Die nest[KT_DWARF_DEPTH];
	int ns = 0;
	Dwarf_Die cur = *cu, child;
	for (bool found = true; found && ns < KT_DWARF_DEPTH;) {
		found = false;
		if (dwarf_child(&cur, &child) != 0)
			break;
		do {
			int t = dwarf_tag(&child);
			if ((t == DW_TAG_subprogram || t == DW_TAG_inlined_subroutine ||
			     t == DW_TAG_lexical_block) && dwarf_haspc(&child, pc - bias) > 0) {
				nest[ns++] = child;
				cur = child;
				found = true;
				break;
			}
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	if (!ns)
		return kt_err_set(err, KT_ENODATA, 0, "%s: no DWARF scope at %s+%#" PRIx64, path,
				  function, offset);
	scopes = malloc(sizeof(*scopes) * (size_t)ns);
	if (!scopes)
		return kt_err_set(err, KT_ENOMEM, 0, "out of memory");
	for (int i = 0; i < ns; i++)	/* innermost first */
		scopes[i] = nest[ns - 1 - i];
	cfa_at(f->mod, pc, &e);
	size_t used = 0;
	for (int i = 0; i < ns; i++) {
		Dwarf_Die *s = &scopes[i], child;
		int tag = dwarf_tag(s);
		if (tag == DW_TAG_compile_unit)
			continue;
		if ((tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) && chainlen) {
			const char *sn = dwarf_diename(s);
			int w = snprintf(chain + used, chainlen - used, "%s%s%s", used ? " <- " : "",
					 sn ? sn : "?", tag == DW_TAG_inlined_subroutine ? " (inlined)" : "");
			if (w > 0 && (size_t)w < chainlen - used)
				used += (size_t)w;
		}
		if (dwarf_child(s, &child) != 0)
			continue;
		Dwarf_Die *owner = s;
		for (int k = i; k < ns && dwarf_tag(owner) == DW_TAG_lexical_block; k++)
			owner = &scopes[k];
		do {
			int ct = dwarf_tag(&child);
			if (ct == DW_TAG_variable || ct == DW_TAG_formal_parameter)
				add_var(&child, owner, pc - bias, &e, vars, max, n);
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	free(scopes);
	return KT_OK;
}

/* The CFI row at pc, from .debug_frame else .eh_frame; the caller frees it. */
static Dwarf_Frame *frame_at(Dwfl_Module *mod, Dwarf_Addr pc)
{
	Dwarf_Addr bias;
	Dwarf_CFI *cfi = dwfl_module_dwarf_cfi(mod, &bias);
	Dwarf_Frame *fr;

	if (cfi && dwarf_cfi_addrframe(cfi, pc - bias, &fr) == 0)
		return fr;
	cfi = dwfl_module_eh_cfi(mod, &bias);
	if (cfi && dwarf_cfi_addrframe(cfi, pc - bias, &fr) == 0)
		return fr;
	return NULL;
}

enum kt_status kt_dwarf_unwind(struct kt_dwarf *d, const char *path, const char *function,
			       uint64_t offset, const struct kt_dwarf_env *env,
			       struct kt_regs *caller, struct kt_err *err)
{
	struct dwarf_file *f = open_file(d, path);
	struct eval e = { .env = env };
	Dwarf_Frame *fr;
	Dwarf_Addr fn;

	if (f->failed)
		return kt_err_set(err, KT_ENOENT, 0, "%s", f->why);
	fn = function_addr(f->mod, function, offset);
	if (!fn)
		return kt_err_set(err, KT_ENOENT, 0, "%s: no function %s", path, function);
	if (!cfa_at(f->mod, fn + offset, &e) || !(fr = frame_at(f->mod, fn + offset)))
		return kt_err_set(err, KT_ENOENT, 0, "no CFI for %s+%#" PRIx64 " in %s", function,
				  offset, path);
	*caller = *env->regs;
	caller->frame = env->regs->frame + 1;
	caller->unknown = 0;
	for (int dw = 0; dw <= 16; dw++) {
		Dwarf_Op mem[3], *ops;
		size_t nops;
		int r = kt_reg_from_dwarf(dw);
		if (dw == 7)	/* RSP: the CFA, below */
			continue;
		/* A register the CFI leaves unspecified: a callee-saved one (rbx,
		 * rbp, r12-r15 in the x86-64 psABI) the frame did not touch keeps
		 * the caller's value, as gdb takes it; any other is lost. */
		bool callee_saved = dw == 3 || dw == 6 || (dw >= 12 && dw <= 15);
		if (dwarf_frame_register(fr, dw, mem, &ops, &nops) != 0 || (nops == 0 && ops)) {
			if (!callee_saved || (env->regs->unknown >> r & 1))
				caller->unknown |= 1u << r;	/* undefined: call-clobbered */
			continue;
		}
		if (nops == 0) {	/* same value */
			if (env->regs->unknown >> r & 1)
				caller->unknown |= 1u << r;
			continue;
		}
		struct kt_var tmp = { .byte_size = 8 };
		evaluate(&e, ops, nops, NULL, &tmp);
		if (!tmp.has_value) {
			caller->unknown |= 1u << r;
			if (dw == 16) {
				free(fr);
				return kt_err_set(err, KT_EFAULT, tmp.addr, "return address of %s+%#" PRIx64
						  " unreadable at %#" PRIx64, function, offset, tmp.addr);
			}
			continue;
		}
		caller->r[r] = tmp.value;
	}
	free(fr);
	caller->r[KT_RSP] = e.cfa;
	return KT_OK;
}
