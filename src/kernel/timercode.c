// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Data flow through one compiled function (see timercode.h).  One linear pass,
 * in address order: every register (and stack slot) carries a set of tags
 * saying which followed values it was computed from, and what it points to
 * when it is a kvm_lapic/kvm_vcpu pointer.  Control flow is not followed: both
 * arms of a branch are seen in turn, which is what a merge would give for the
 * questions asked here ("was the stored value computed from X").
 */
#include <string.h>
#include "kernel/timercode.h"
#include "kernel/x86insn.h"

enum { T_NOW = 1, T_TARGET = 2, T_PERIOD = 4, T_EXPIRY = 8 };
enum { P_NONE, P_LAPIC, P_VCPU };

struct val {
	unsigned tags;
	int ptr;		/* P_LAPIC: points into struct kvm_lapic at off */
	long off;
};

#define NSLOT 16
struct state {
	struct val r[16];
	long rsp;		/* rsp relative to entry */
	long rbp_frame;		/* rsp value copied to rbp, or 1 (none) */
	struct { long key; struct val v; } slot[NSLOT];
	int nslot;
	/* The last flag-setting instruction, if it compared two followed values. */
	bool cmp_valid;
	unsigned cmp_a, cmp_b;
	bool cmp_zero_period;
};

static const bool caller_saved[16] = {
	[0] = true, [1] = true, [2] = true, [6] = true, [7] = true,
	[8] = true, [9] = true, [10] = true, [11] = true,
};

/* Which followed field a memory operand names (T_*), or 0. */
static unsigned field_of(const struct state *s, const struct kt_timer_fields *f,
			 const struct kt_xopnd *m)
{
	if (m->kind != KT_XO_MEM || m->base < 0 || m->base >= 16 || m->index >= 0 ||
	    m->base == KT_XREG_RSP)
		return 0;
	const struct val *b = &s->r[m->base];
	long fields[4] = { f->target, f->period, f->expires, f->softexpires };
	const unsigned tags[4] = { T_TARGET, T_PERIOD, T_EXPIRY, T_EXPIRY };
	if (b->ptr == P_LAPIC) {
		for (int i = 0; i < 4; i++)
			if (fields[i] >= 0 && b->off + m->disp == fields[i])
				return tags[i];
		return 0;
	}
	if (b->ptr != P_NONE)
		return 0;
	/* Unknown base (a clone's argument): the displacement must name one field
	 * under exactly one of the frames a pointer could have (kvm_lapic, the
	 * kvm_timer, the hrtimer inside it). */
	const long frames[3] = { 0, f->ktimer, f->timer };
	unsigned found = 0;
	int hits = 0;
	for (int fr = 0; fr < 3; fr++) {
		if (frames[fr] < 0)
			continue;
		for (int i = 0; i < 4; i++)
			if (fields[i] >= 0 && fields[i] - frames[fr] == m->disp) {
				if (found != tags[i])
					hits++;
				found = tags[i];
			}
	}
	return hits == 1 ? found : 0;
}

static long slot_key(const struct state *s, const struct kt_xopnd *m, bool *ok)
{
	*ok = false;
	if (m->kind != KT_XO_MEM || m->index >= 0)
		return 0;
	if (m->base == KT_XREG_RSP) {
		*ok = true;
		return s->rsp + (long)m->disp;
	}
	if (m->base == 5 && s->rbp_frame != 1) {
		*ok = true;
		return s->rbp_frame + (long)m->disp;
	}
	return 0;
}

static struct val load(struct state *s, const struct kt_timer_fields *f, const struct kt_xopnd *o)
{
	struct val v = { 0, P_NONE, 0 };
	if (o->kind == KT_XO_REG && o->reg < 16)
		return s->r[o->reg];
	if (o->kind != KT_XO_MEM)
		return v;
	bool ok;
	long key = slot_key(s, o, &ok);
	if (ok) {
		for (int i = 0; i < s->nslot; i++)
			if (s->slot[i].key == key)
				return s->slot[i].v;
		return v;
	}
	v.tags = field_of(s, f, o);
	/* vcpu->arch.apic: a kvm_lapic pointer. */
	if (o->base >= 0 && o->base < 16 && o->index < 0 && s->r[o->base].ptr == P_VCPU &&
	    f->vcpu_apic >= 0 && s->r[o->base].off + o->disp == f->vcpu_apic) {
		v.ptr = P_LAPIC;
		v.off = 0;
	}
	return v;
}

static void store_slot(struct state *s, const struct kt_xopnd *o, struct val v)
{
	bool ok;
	long key = slot_key(s, o, &ok);
	if (!ok)
		return;
	for (int i = 0; i < s->nslot; i++)
		if (s->slot[i].key == key) {
			s->slot[i].v = v;
			return;
		}
	if (s->nslot < NSLOT) {
		s->slot[s->nslot].key = key;
		s->slot[s->nslot++].v = v;
	}
}

static void set_reg(struct state *s, int reg, struct val v)
{
	if (reg < 0 || reg >= 16)
		return;
	if (reg == KT_XREG_RSP)
		return;	/* rsp is tracked as a number */
	s->r[reg] = v;
}

static void clobber(struct state *s, const struct kt_xopnd *o)
{
	if (o->kind == KT_XO_REG)
		set_reg(s, o->reg, (struct val){ 0, P_NONE, 0 });
	else if (o->kind == KT_XO_MEM)
		store_slot(s, o, (struct val){ 0, P_NONE, 0 });
}

/* A store of value v into memory operand o. */
static void store(struct state *s, const struct kt_timer_fields *f, const struct kt_xopnd *o,
		  struct val v, long at, struct kt_code_facts *out)
{
	unsigned fld = field_of(s, f, o);
	if (fld == T_EXPIRY) {
		if ((v.tags & T_TARGET) && !(v.tags & T_EXPIRY)) {
			if (out->expiry_copy < 0)
				out->expiry_copy = at;
			out->nexpiry_copy++;
		} else if ((v.tags & T_EXPIRY) && (v.tags & T_PERIOD)) {
			if (out->expiry_add < 0)
				out->expiry_add = at;
			out->nexpiry_add++;
		}
	} else if (fld == T_TARGET && (v.tags & T_TARGET) && (v.tags & T_PERIOD)) {
		if (out->target_advance < 0)
			out->target_advance = at;
	}
	store_slot(s, o, v);
}

static void add_u64(uint64_t *arr, int *n, uint64_t v)
{
	if (*n < KT_CODE_MAX)
		arr[(*n)++] = v;
}

static bool is_zero_imm(const struct kt_xopnd *o)
{
	return o->kind == KT_XO_IMM && o->disp == 0;
}

void kt_code_scan(const unsigned char *code, size_t len, uint64_t addr,
		  enum kt_code_entry entry, const struct kt_timer_fields *f,
		  kt_code_namer namer, void *ctx, struct kt_code_facts *out)
{
	struct state s;
	memset(&s, 0, sizeof(s));
	memset(out, 0, sizeof(*out));
	out->expiry_copy = out->expiry_add = out->target_advance = out->clamp = -1;
	out->ktime_call = out->period_zero_test = -1;
	s.rbp_frame = 1;
	if (entry == KT_ENTRY_HRTIMER && f->timer >= 0)
		s.r[7] = (struct val){ 0, P_LAPIC, f->timer };
	else if (entry == KT_ENTRY_LAPIC)
		s.r[7] = (struct val){ 0, P_LAPIC, 0 };
	else if (entry == KT_ENTRY_VCPU)
		s.r[7] = (struct val){ 0, P_VCPU, 0 };
	bool pending_zero_branch = false;

	size_t i = 0;
	while (i < len) {
		struct kt_xinsn in;
		unsigned n = kt_x86_decode(code + i, len - i, addr + i, &in);
		if (!n)
			break;
		long at = (long)i;
		i += n;
		out->decoded = i;
		struct val a, b;
		bool flags = false;	/* this instruction sets the flags */
		switch (in.op) {
		case KT_X_MOV: case KT_X_MOVX:
			a = load(&s, f, &in.src);
			if (in.src.kind == KT_XO_IMM)
				a = (struct val){ 0, P_NONE, 0 };
			if (in.dst.kind == KT_XO_REG) {
				if (in.dst.reg == 5 && in.src.kind == KT_XO_REG && in.src.reg == KT_XREG_RSP)
					s.rbp_frame = s.rsp;
				set_reg(&s, in.dst.reg, a);
			} else {
				store(&s, f, &in.dst, a, at, out);
			}
			break;
		case KT_X_LEA:
			a = (struct val){ 0, P_NONE, 0 };
			if (in.src.base >= 0 && in.src.base < 16) {
				a = s.r[in.src.base];
				if (in.src.index >= 0) {
					a.tags |= s.r[in.src.index].tags;
					a.ptr = P_NONE;
				}
				a.off += (long)in.src.disp;
			}
			set_reg(&s, in.dst.reg, a);
			break;
		case KT_X_ADD: case KT_X_SUB: case KT_X_ADC: case KT_X_SBB:
		case KT_X_AND: case KT_X_OR: case KT_X_XOR: case KT_X_IMUL:
			flags = true;
			if (in.dst.kind == KT_XO_REG && in.dst.reg == KT_XREG_RSP &&
			    in.src.kind == KT_XO_IMM) {
				s.rsp += in.op == KT_X_SUB ? -(long)in.src.disp :
					 in.op == KT_X_ADD ? (long)in.src.disp : 0;
				break;
			}
			a = load(&s, f, &in.dst);
			b = load(&s, f, &in.src);
			if (in.src.kind == KT_XO_IMM)
				b = (struct val){ 0, P_NONE, 0 };
			/* sub sets the flags of a compare of its operands. */
			s.cmp_valid = in.op == KT_X_SUB;
			s.cmp_a = a.tags;
			s.cmp_b = b.tags;
			s.cmp_zero_period = false;
			{
				struct val r = a;
				if (in.op == KT_X_XOR && in.dst.kind == KT_XO_REG &&
				    in.src.kind == KT_XO_REG && in.dst.reg == in.src.reg) {
					r = (struct val){ 0, P_NONE, 0 };
				} else if ((in.op == KT_X_ADD || in.op == KT_X_SUB) &&
					   in.src.kind == KT_XO_IMM && a.ptr != P_NONE) {
					r.off += in.op == KT_X_ADD ? (long)in.src.disp : -(long)in.src.disp;
				} else {
					r.tags |= b.tags;
					r.ptr = P_NONE;
				}
				if (in.dst.kind == KT_XO_REG)
					set_reg(&s, in.dst.reg, r);
				else
					store(&s, f, &in.dst, r, at, out);
			}
			break;
		case KT_X_CMP: case KT_X_TEST:
			a = load(&s, f, &in.dst);
			b = load(&s, f, &in.src);
			if (in.src.kind == KT_XO_IMM)
				b = (struct val){ 0, P_NONE, 0 };
			flags = true;
			s.cmp_valid = true;
			s.cmp_a = a.tags;
			s.cmp_b = b.tags;
			/* period == 0: test r,r / cmp x,0 on the period alone. */
			s.cmp_zero_period =
				(a.tags == T_PERIOD) &&
				((in.op == KT_X_TEST && in.src.kind == KT_XO_REG && in.dst.kind == KT_XO_REG &&
				  in.src.reg == in.dst.reg) ||
				 (in.op == KT_X_CMP && is_zero_imm(&in.src)));
			if (s.cmp_zero_period && out->period_zero_test < 0)
				out->period_zero_test = at;
			break;
		case KT_X_CMOV: case KT_X_JCC: case KT_X_SETCC:
			if (s.cmp_valid && in.cc < 16 &&
			    (((s.cmp_a & T_NOW) && (s.cmp_b & T_TARGET)) ||
			     ((s.cmp_b & T_NOW) && (s.cmp_a & T_TARGET))) && out->clamp < 0)
				out->clamp = at;
			if (in.op == KT_X_JCC && s.cmp_zero_period && s.cmp_valid) {
				add_u64(out->zero_branch, &out->nzero_branch, in.target);
				add_u64(out->zero_branch, &out->nzero_branch, addr + i);
				pending_zero_branch = true;
			}
			if (in.op == KT_X_CMOV) {
				a = s.r[in.dst.reg];
				b = load(&s, f, &in.src);
				a.tags |= b.tags;
				a.ptr = P_NONE;
				set_reg(&s, in.dst.reg, a);
			} else if (in.op == KT_X_SETCC) {
				clobber(&s, &in.dst);
			}
			break;
		case KT_X_CALL:
			add_u64(out->calls, &out->ncalls, in.target);
			{
				char name[64] = "";
				if (namer)
					namer(ctx, in.target, name, sizeof(name));
				for (int r = 0; r < 16; r++)
					if (caller_saved[r])
						s.r[r] = (struct val){ 0, P_NONE, 0 };
				if (!strcmp(name, "ktime_get")) {
					s.r[0].tags = T_NOW;
					if (out->ktime_call < 0)
						out->ktime_call = at;
				}
			}
			flags = true;
			s.cmp_valid = false;
			break;
		case KT_X_CALL_IND:
			for (int r = 0; r < 16; r++)
				if (caller_saved[r])
					s.r[r] = (struct val){ 0, P_NONE, 0 };
			flags = true;
			s.cmp_valid = false;
			break;
		case KT_X_PUSH:
			s.rsp -= 8;
			if (in.src.kind == KT_XO_REG) {
				struct kt_xopnd top = { KT_XO_MEM, 0, KT_XREG_RSP, -1, 1, 0 };
				store_slot(&s, &top, s.r[in.src.reg]);
			}
			break;
		case KT_X_POP:
			if (in.dst.kind == KT_XO_REG) {
				struct kt_xopnd top = { KT_XO_MEM, 0, KT_XREG_RSP, -1, 1, 0 };
				set_reg(&s, in.dst.reg, load(&s, f, &top));
			} else {
				clobber(&s, &in.dst);
			}
			s.rsp += 8;
			break;
		case KT_X_RDTSC:
			s.r[0] = s.r[2] = (struct val){ 0, P_NONE, 0 };
			break;
		case KT_X_UD:
			add_u64(out->ud, &out->nud, addr + (uint64_t)at);
			break;
		case KT_X_SHIFT:
			flags = true;
			s.cmp_valid = false;
			a = load(&s, f, &in.dst);
			a.ptr = P_NONE;
			if (in.dst.kind == KT_XO_REG)
				set_reg(&s, in.dst.reg, a);
			break;
		case KT_X_NOP: case KT_X_JMP: case KT_X_JMP_IND: case KT_X_RET: case KT_X_INT3:
			break;
		case KT_X_OTHER: case KT_X_BAD: default:
			/* Unknown effect: forget what it may have written. */
			flags = true;
			s.cmp_valid = false;
			clobber(&s, &in.dst);
			if (in.dst_reg >= 0)
				set_reg(&s, in.dst_reg, (struct val){ 0, P_NONE, 0 });
			break;
		}
		if (flags && in.op != KT_X_CMP && in.op != KT_X_TEST && in.op != KT_X_SUB &&
		    in.op != KT_X_ADD && in.op != KT_X_AND && in.op != KT_X_OR &&
		    in.op != KT_X_XOR && in.op != KT_X_ADC && in.op != KT_X_SBB &&
		    in.op != KT_X_IMUL)
			s.cmp_valid = false;
		if (flags && in.op != KT_X_CMP && in.op != KT_X_TEST)
			s.cmp_zero_period = false;
		(void)pending_zero_branch;
	}
}

bool kt_code_starts_with_ud(const unsigned char *code, size_t len, uint64_t addr,
			    uint64_t *ud_addr)
{
	size_t i = 0;
	for (int k = 0; k < 4 && i < len; k++) {
		struct kt_xinsn in;
		unsigned n = kt_x86_decode(code + i, len - i, addr + i, &in);
		if (!n)
			return false;
		if (in.op == KT_X_UD) {
			*ud_addr = addr + i;
			return true;
		}
		/* A WARN's slow path may start with a nop or a counter bump, no more. */
		if (in.op == KT_X_JMP || in.op == KT_X_RET || in.op == KT_X_CALL ||
		    in.op == KT_X_JCC)
			return false;
		i += n;
	}
	return false;
}
