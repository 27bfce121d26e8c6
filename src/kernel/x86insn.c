// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * x86-64 instruction decoder (see x86insn.h).  Lengths follow the opcode maps
 * of the Intel SDM vol. 2 appendix A (one-byte, 0F, 0F38, 0F3A, VEX); the
 * operand forms decoded are the ones compilers emit for kernel C.
 */
#include <string.h>
#include "kernel/x86insn.h"

struct cur {
	const unsigned char *p;
	size_t left, i;
	unsigned rex;
	bool opsize, adsize;
};

static bool need(const struct cur *c, size_t n)
{
	return c->i + n <= c->left;
}

static int64_t take(struct cur *c, unsigned n)	/* little-endian, sign-extended */
{
	uint64_t v = 0;
	for (unsigned k = 0; k < n; k++)
		v |= (uint64_t)c->p[c->i + k] << (8 * k);
	c->i += n;
	if (n < 8 && (v >> (8 * n - 1)) & 1)
		v |= ~0ULL << (8 * n);
	return (int64_t)v;
}

/* ModRM (+SIB, +displacement): rm into *rm, the reg field (with REX.R) into *reg. */
static bool modrm(struct cur *c, struct kt_xopnd *rm, int *reg)
{
	if (!need(c, 1))
		return false;
	unsigned m = c->p[c->i++];
	unsigned mod = m >> 6, r = (m >> 3) & 7, b = m & 7;
	*reg = (int)(r | ((c->rex & 4) << 1));
	memset(rm, 0, sizeof(*rm));
	if (mod == 3) {
		rm->kind = KT_XO_REG;
		rm->reg = (int)(b | ((c->rex & 1) << 3));
		return true;
	}
	rm->kind = KT_XO_MEM;
	rm->index = -1;
	rm->scale = 1;
	if (b == 4) {	/* SIB */
		if (!need(c, 1))
			return false;
		unsigned sib = c->p[c->i++];
		unsigned idx = ((sib >> 3) & 7) | ((c->rex & 2) << 2);
		rm->index = idx == 4 ? -1 : (int)idx;
		rm->scale = 1 << (sib >> 6);
		b = sib & 7;
		rm->base = (int)(b | ((c->rex & 1) << 3));
		if (b == 5 && mod == 0) {
			rm->base = -1;
			if (!need(c, 4))
				return false;
			rm->disp = take(c, 4);
			return true;
		}
	} else if (b == 5 && mod == 0) {
		rm->base = KT_XREG_RIP;
		if (!need(c, 4))
			return false;
		rm->disp = take(c, 4);
		return true;
	} else {
		rm->base = (int)(b | ((c->rex & 1) << 3));
	}
	unsigned dn = mod == 1 ? 1 : mod == 2 ? 4 : 0;
	if (!need(c, dn))
		return false;
	if (dn)
		rm->disp = take(c, dn);
	return true;
}

static bool imm(struct cur *c, struct kt_xopnd *o, unsigned n)
{
	if (!need(c, n))
		return false;
	o->kind = KT_XO_IMM;
	o->disp = take(c, n);
	return true;
}

static struct kt_xopnd reg_opnd(int r)
{
	return (struct kt_xopnd){ .kind = KT_XO_REG, .reg = r, .base = -1, .index = -1 };
}

static const enum kt_xop alu[8] = {
	KT_X_ADD, KT_X_OR, KT_X_ADC, KT_X_SBB, KT_X_AND, KT_X_SUB, KT_X_XOR, KT_X_CMP,
};

/* The rest of an instruction after 0F. */
static bool map0f(struct cur *c, struct kt_xinsn *in, uint64_t addr)
{
	struct kt_xopnd rm;
	int reg;
	if (!need(c, 1))
		return false;
	unsigned op = c->p[c->i++];
	switch (op) {
	case 0x05: case 0x06: case 0x07: case 0x08: case 0x09: case 0x0E:
	case 0x30: case 0x32: case 0x33: case 0x34: case 0x35: case 0x37:
	case 0x77: case 0xA2: case 0xAA:
		in->op = KT_X_OTHER;
		if (op == 0x32 || op == 0x33 || op == 0xA2)
			in->dst_reg = 0;
		return true;
	case 0xA0: case 0xA8:
		in->op = KT_X_PUSH;
		return true;
	case 0xA1: case 0xA9:
		in->op = KT_X_OTHER;
		return true;
	case 0x0B:
		in->op = KT_X_UD;
		return true;
	case 0x31:
		in->op = KT_X_RDTSC;
		return true;
	case 0x38:	/* three-byte map 0F 38: opcode, ModRM */
		if (!need(c, 1))
			return false;
		c->i++;
		in->op = KT_X_OTHER;
		if (!modrm(c, &rm, &reg))
			return false;
		in->dst_reg = reg;
		return true;
	case 0x3A:	/* 0F 3A: opcode, ModRM, imm8 */
		if (!need(c, 1))
			return false;
		c->i++;
		in->op = KT_X_OTHER;
		if (!modrm(c, &rm, &reg) || !need(c, 1))
			return false;
		c->i++;
		in->dst_reg = reg;
		return true;
	case 0x0F:	/* 3DNow!: ModRM + imm8 suffix */
		in->op = KT_X_OTHER;
		if (!modrm(c, &rm, &reg) || !need(c, 1))
			return false;
		c->i++;
		return true;
	}
	if (op >= 0x80 && op <= 0x8F) {
		if (!need(c, 4))
			return false;
		int64_t rel = take(c, 4);
		in->op = KT_X_JCC;
		in->cc = op & 15;
		in->target = addr + c->i + (uint64_t)rel;
		return true;
	}
	if (op >= 0xC8 && op <= 0xCF) {	/* bswap */
		in->op = KT_X_OTHER;
		in->dst_reg = (int)((op & 7) | ((c->rex & 1) << 3));
		return true;
	}
	/* Invalid or unassigned in 64-bit mode. */
	if (op == 0x04 || op == 0x0A || op == 0x0C || (op >= 0x24 && op <= 0x27) ||
	    op == 0x36 || op == 0x39 || (op >= 0x3B && op <= 0x3F) || op == 0x7A || op == 0x7B ||
	    op == 0xA6 || op == 0xA7)
		return false;
	/* Everything else has a ModRM byte. */
	if (!modrm(c, &rm, &reg))
		return false;
	bool imm8 = (op >= 0x70 && op <= 0x73) || op == 0xA4 || op == 0xAC || op == 0xBA ||
		    op == 0xC2 || (op >= 0xC4 && op <= 0xC6);
	if (imm8) {
		if (!need(c, 1))
			return false;
		c->i++;
	}
	in->op = KT_X_OTHER;
	if (op >= 0x40 && op <= 0x4F) {
		in->op = KT_X_CMOV;
		in->cc = op & 15;
		in->dst = reg_opnd(reg);
		in->src = rm;
	} else if (op >= 0x90 && op <= 0x9F) {
		in->op = KT_X_SETCC;
		in->cc = op & 15;
		in->dst = rm;
	} else if (op == 0xB6 || op == 0xB7 || op == 0xBE || op == 0xBF) {
		in->op = KT_X_MOVX;
		in->dst = reg_opnd(reg);
		in->src = rm;
	} else if (op == 0xAF) {
		in->op = KT_X_IMUL;
		in->dst = reg_opnd(reg);
		in->src = rm;
	} else if (op == 0xB9 || op == 0xFF) {	/* ud1, ud0 */
		in->op = KT_X_UD;
	} else if (op == 0x1F || op == 0x18 || op == 0x1E || op == 0x0D) {
		in->op = KT_X_NOP;	/* nopl, prefetch hints, endbr64 */
	} else if (op == 0xA3 || op == 0xBA) {	/* bt: reads only */
		in->op = KT_X_OTHER;
	} else if (op == 0x11 || op == 0x13 || op == 0x17 || op == 0x29 || op == 0x2B ||
		   op == 0x7E || op == 0x7F || op == 0xC3 || op == 0xD6 || op == 0xE7 ||
		   op == 0xB0 || op == 0xB1 || op == 0xC0 || op == 0xC1 || op == 0xAB ||
		   op == 0xB3 || op == 0xBB || op == 0xA4 || op == 0xA5 || op == 0xAC ||
		   op == 0xAD || op == 0x00 || op == 0x01 || op == 0xAE || op == 0xC7 ||
		   op == 0x78) {
		/* Destination is r/m (stores, xadd, cmpxchg, bts, shld ...). */
		in->dst = rm;
		if (op == 0xB0 || op == 0xB1 || op == 0xC7)
			in->dst_reg = 0;	/* cmpxchg writes rax; rdrand etc. write rm */
		if (op == 0xC0 || op == 0xC1)
			in->dst_reg = reg;	/* xadd */
	} else {
		in->dst_reg = reg;
	}
	return true;
}

/* VEX (C4/C5): map select, opcode, ModRM, imm8 for map 3. */
static bool vex(struct cur *c, unsigned first, struct kt_xinsn *in)
{
	unsigned map = 1;
	if (first == 0xC5) {
		if (!need(c, 1))
			return false;
		unsigned b = c->p[c->i++];
		c->rex = (b & 0x80) ? 0 : 4;
	} else {
		if (!need(c, 2))
			return false;
		unsigned b1 = c->p[c->i++];
		c->rex = ((~b1 >> 5) & 7);
		map = b1 & 0x1F;
		c->i++;
	}
	if (!need(c, 1) || map < 1 || map > 3)
		return false;
	c->i++;	/* opcode */
	struct kt_xopnd rm;
	int reg;
	if (!modrm(c, &rm, &reg))
		return false;
	if (map == 3) {
		if (!need(c, 1))
			return false;
		c->i++;
	}
	in->op = KT_X_OTHER;
	in->dst_reg = reg;
	return true;
}

static bool decode(struct cur *c, struct kt_xinsn *in, uint64_t addr)
{
	struct kt_xopnd rm;
	int reg;
	/* Legacy prefixes, then REX. */
	for (int n = 0; n < 14 && need(c, 1); n++) {
		unsigned b = c->p[c->i];
		if (b == 0x66)
			c->opsize = true;
		else if (b == 0x67)
			c->adsize = true;
		else if (b != 0xF0 && b != 0xF2 && b != 0xF3 && b != 0x2E && b != 0x36 &&
			 b != 0x3E && b != 0x26 && b != 0x64 && b != 0x65)
			break;
		c->i++;
	}
	if (need(c, 1) && (c->p[c->i] & 0xF0) == 0x40)
		c->rex = c->p[c->i++];
	if (!need(c, 1))
		return false;
	unsigned op = c->p[c->i++];
	bool w = c->rex & 8;
	unsigned zsz = c->opsize ? 2 : 4;	/* imm16/imm32 */
	in->width = w ? 8 : c->opsize ? 2 : 4;

	if (op < 0x40 && (op & 7) < 6) {	/* add/or/adc/sbb/and/sub/xor/cmp */
		in->op = alu[op >> 3];
		switch (op & 7) {
		case 0: case 1: case 2: case 3:
			if (!modrm(c, &rm, &reg))
				return false;
			if (!(op & 1))
				in->width = 1;
			if (op & 2) {
				in->dst = reg_opnd(reg);
				in->src = rm;
			} else {
				in->dst = rm;
				in->src = reg_opnd(reg);
			}
			return true;
		case 4:
			in->width = 1;
			in->dst = reg_opnd(0);
			return imm(c, &in->src, 1);
		default:
			in->dst = reg_opnd(0);
			return imm(c, &in->src, zsz);
		}
	}
	if (op == 0x0F)
		return map0f(c, in, addr);
	if (op == 0xC4 || op == 0xC5)
		return vex(c, op, in);
	if (op >= 0x50 && op <= 0x57) {
		in->op = KT_X_PUSH;
		in->src = reg_opnd((int)((op & 7) | ((c->rex & 1) << 3)));
		return true;
	}
	if (op >= 0x58 && op <= 0x5F) {
		in->op = KT_X_POP;
		in->dst = reg_opnd((int)((op & 7) | ((c->rex & 1) << 3)));
		return true;
	}
	if (op >= 0x70 && op <= 0x7F) {
		if (!need(c, 1))
			return false;
		int64_t rel = take(c, 1);
		in->op = KT_X_JCC;
		in->cc = op & 15;
		in->target = addr + c->i + (uint64_t)rel;
		return true;
	}
	if (op >= 0x91 && op <= 0x97) {	/* xchg eax, r */
		in->op = KT_X_OTHER;
		in->dst = reg_opnd(0);
		in->dst_reg = (int)((op & 7) | ((c->rex & 1) << 3));
		return true;
	}
	if (op >= 0xB0 && op <= 0xBF) {	/* mov r, imm */
		in->op = KT_X_MOV;
		in->dst = reg_opnd((int)((op & 7) | ((c->rex & 1) << 3)));
		if (op < 0xB8) {
			in->width = 1;
			return imm(c, &in->src, 1);
		}
		return imm(c, &in->src, w ? 8 : zsz);
	}
	switch (op) {
	case 0x63:
		in->op = KT_X_MOVX;
		if (!modrm(c, &rm, &reg))
			return false;
		in->dst = reg_opnd(reg);
		in->src = rm;
		return true;
	case 0x68: case 0x6A:
		in->op = KT_X_PUSH;
		return imm(c, &in->src, op == 0x68 ? 4 : 1);
	case 0x69: case 0x6B:
		in->op = KT_X_IMUL;
		if (!modrm(c, &rm, &reg))
			return false;
		in->dst = reg_opnd(reg);
		in->src = rm;
		{
			struct kt_xopnd i2;
			return imm(c, &i2, op == 0x69 ? zsz : 1);
		}
	case 0x6C: case 0x6D: case 0x6E: case 0x6F:
	case 0xA4: case 0xA5: case 0xA6: case 0xA7: case 0xAA: case 0xAB:
	case 0xAC: case 0xAD: case 0xAE: case 0xAF:
	case 0x9B: case 0x9C: case 0x9E: case 0xD7:
	case 0xEC: case 0xED: case 0xEE: case 0xEF:
	case 0xF1: case 0xF4: case 0xF5: case 0xF8: case 0xF9: case 0xFA: case 0xFB:
	case 0xFC: case 0xFD: case 0xCF: case 0xCB:
		in->op = KT_X_OTHER;
		if (op == 0xAC || op == 0xAD || op == 0xEC || op == 0xED)
			in->dst_reg = 0;
		return true;
	case 0x9D:
		in->op = KT_X_POP;
		return true;
	case 0x9F: case 0x98:
		in->op = KT_X_OTHER;
		in->dst_reg = 0;
		return true;
	case 0x99:
		in->op = KT_X_OTHER;
		in->dst_reg = 2;
		return true;
	case 0x80: case 0x81: case 0x83:
		if (!modrm(c, &rm, &reg))
			return false;
		in->op = alu[reg & 7];
		in->dst = rm;
		if (op == 0x80)
			in->width = 1;
		return imm(c, &in->src, op == 0x81 ? zsz : 1);
	case 0x84: case 0x85:
		if (!modrm(c, &rm, &reg))
			return false;
		in->op = KT_X_TEST;
		in->width = op == 0x84 ? 1 : in->width;
		in->dst = rm;
		in->src = reg_opnd(reg);
		return true;
	case 0x86: case 0x87:
		if (!modrm(c, &rm, &reg))
			return false;
		in->op = KT_X_OTHER;
		in->dst = rm;
		in->dst_reg = reg;
		return true;
	case 0x88: case 0x89: case 0x8A: case 0x8B:
		if (!modrm(c, &rm, &reg))
			return false;
		in->op = KT_X_MOV;
		if (!(op & 1))
			in->width = 1;
		if (op & 2) {
			in->dst = reg_opnd(reg);
			in->src = rm;
		} else {
			in->dst = rm;
			in->src = reg_opnd(reg);
		}
		return true;
	case 0x8C:
		if (!modrm(c, &rm, &reg))
			return false;
		in->op = KT_X_OTHER;
		in->dst = rm;
		return true;
	case 0x8D:
		if (!modrm(c, &rm, &reg) || rm.kind != KT_XO_MEM)
			return false;
		in->op = KT_X_LEA;
		in->dst = reg_opnd(reg);
		in->src = rm;
		return true;
	case 0x8E:
		in->op = KT_X_OTHER;
		return modrm(c, &rm, &reg);
	case 0x8F:
		if (!modrm(c, &rm, &reg))
			return false;
		in->op = KT_X_POP;
		in->dst = rm;
		return true;
	case 0x90:
		in->op = (c->rex & 1) ? KT_X_OTHER : KT_X_NOP;
		if (c->rex & 1) {
			in->dst = reg_opnd(0);
			in->dst_reg = 8;
		}
		return true;
	case 0xA0: case 0xA1: case 0xA2: case 0xA3:	/* mov with a 64-bit moffs */
		in->op = KT_X_OTHER;
		if (op < 0xA2)
			in->dst_reg = 0;
		{
			struct kt_xopnd o;
			return imm(c, &o, c->adsize ? 4 : 8);
		}
	case 0xA8: case 0xA9:
		in->op = KT_X_TEST;
		in->dst = reg_opnd(0);
		if (op == 0xA8)
			in->width = 1;
		return imm(c, &in->src, op == 0xA8 ? 1 : zsz);
	case 0xC0: case 0xC1: case 0xD0: case 0xD1: case 0xD2: case 0xD3:
		if (!modrm(c, &rm, &reg))
			return false;
		in->op = KT_X_SHIFT;
		in->dst = rm;
		if (!(op & 1))
			in->width = 1;
		if (op <= 0xC1) {
			struct kt_xopnd o;
			return imm(c, &o, 1);
		}
		return true;
	case 0xC2: case 0xCA:
		in->op = KT_X_RET;
		{
			struct kt_xopnd o;
			return imm(c, &o, 2);
		}
	case 0xC3:
		in->op = KT_X_RET;
		return true;
	case 0xC6: case 0xC7:
		if (!modrm(c, &rm, &reg))
			return false;
		if (rm.kind == KT_XO_REG && reg == 7 && rm.reg == 0) {	/* xabort / xbegin */
			in->op = KT_X_OTHER;
			struct kt_xopnd o;
			return imm(c, &o, op == 0xC6 ? 1 : zsz);
		}
		in->op = KT_X_MOV;
		in->dst = rm;
		if (op == 0xC6)
			in->width = 1;
		return imm(c, &in->src, op == 0xC6 ? 1 : zsz);
	case 0xC8:
		in->op = KT_X_OTHER;
		{
			struct kt_xopnd o;
			return imm(c, &o, 3);
		}
	case 0xC9:
		in->op = KT_X_OTHER;	/* leave */
		in->dst_reg = 5;
		return true;
	case 0xCC:
		in->op = KT_X_INT3;
		return true;
	case 0xCD: case 0xE4: case 0xE5: case 0xE6: case 0xE7:
		in->op = KT_X_OTHER;
		if (op == 0xE4 || op == 0xE5)
			in->dst_reg = 0;
		{
			struct kt_xopnd o;
			return imm(c, &o, 1);
		}
	case 0xD8: case 0xD9: case 0xDA: case 0xDB: case 0xDC: case 0xDD: case 0xDE: case 0xDF:
		in->op = KT_X_OTHER;	/* x87 */
		return modrm(c, &rm, &reg);
	case 0xE0: case 0xE1: case 0xE2: case 0xE3: case 0xEB:
		if (!need(c, 1))
			return false;
		{
			int64_t rel = take(c, 1);
			in->op = op == 0xEB ? KT_X_JMP : KT_X_JCC;
			in->cc = 16;	/* loop/jrcxz: not a flags condition */
			in->target = addr + c->i + (uint64_t)rel;
		}
		return true;
	case 0xE8: case 0xE9:
		if (!need(c, 4))
			return false;
		{
			int64_t rel = take(c, 4);
			in->op = op == 0xE8 ? KT_X_CALL : KT_X_JMP;
			in->target = addr + c->i + (uint64_t)rel;
		}
		return true;
	case 0xF6: case 0xF7:
		if (!modrm(c, &rm, &reg))
			return false;
		if (op == 0xF6)
			in->width = 1;
		if ((reg & 7) < 2) {
			in->op = KT_X_TEST;
			in->dst = rm;
			return imm(c, &in->src, op == 0xF6 ? 1 : zsz);
		}
		in->op = KT_X_OTHER;	/* not/neg write rm; mul/div write rax:rdx */
		in->dst = rm;
		in->dst_reg = (reg & 7) >= 4 ? 0 : -1;
		return true;
	case 0xFE: case 0xFF:
		if (!modrm(c, &rm, &reg))
			return false;
		switch (reg & 7) {
		case 0: case 1:
			in->op = KT_X_OTHER;	/* inc/dec */
			in->dst = rm;
			return true;
		case 2: case 3:
			in->op = KT_X_CALL_IND;
			in->src = rm;
			return op == 0xFF;
		case 4: case 5:
			in->op = KT_X_JMP_IND;
			in->src = rm;
			return op == 0xFF;
		case 6:
			in->op = KT_X_PUSH;
			in->src = rm;
			return op == 0xFF;
		default:
			return false;
		}
	}
	return false;	/* invalid in 64-bit mode (06, 27, 60, 62, 9A, D4, EA ...) */
}

unsigned kt_x86_decode(const unsigned char *code, size_t left, uint64_t addr,
		       struct kt_xinsn *in)
{
	struct cur c = { .p = code, .left = left > 15 ? 15 : left };
	memset(in, 0, sizeof(*in));
	in->dst_reg = -1;
	in->dst.base = in->dst.index = in->src.base = in->src.index = -1;
	if (!decode(&c, in, addr) || c.i == 0 || c.i > 15) {
		in->op = KT_X_BAD;
		in->len = 0;
		return 0;
	}
	in->len = (unsigned)c.i;
	/* Relative targets were computed from the bytes consumed so far, which is
	 * the full length for every rel8/rel32 form (no immediate follows them). */
	return in->len;
}
