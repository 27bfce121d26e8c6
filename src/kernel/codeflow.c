// SPDX-License-Identifier: GPL-2.0-or-later
/* Straight-line reading of x86-64 code from a function's entry (codeflow.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "codeflow.h"
#include "kvmtimer/regs.h"

int kt_x86_reg_to_kt(int x86)
{
	static const int map[16] = {
		KT_RAX, KT_RCX, KT_RDX, KT_RBX, KT_RSP, KT_RBP, KT_RSI, KT_RDI,
		KT_R8, KT_R9, KT_R10, KT_R11, KT_R12, KT_R13, KT_R14, KT_R15,
	};
	return x86 >= 0 && x86 < 16 ? map[x86] : -1;
}

static int node(struct kt_codeflow *cf, struct kt_xnode n)
{
	if (cf->nnodes == KT_XNODES)
		return 0;	/* node 0 is "unknown" */
	cf->node[cf->nnodes] = n;
	return cf->nnodes++;
}

static int unknown(void) { return 0; }

/* A decoded ModRM operand. */
struct operand {
	bool is_reg;
	int reg;		/* is_reg: the register; else the base (-1: none/RIP) */
	int index;		/* -1 none */
	int64_t disp;
};

/* Decode ModRM (+SIB, disp) at p; returns bytes used or 0 when out of code. */
static size_t modrm(const unsigned char *p, size_t avail, unsigned rex, int *regfield,
		    struct operand *o)
{
	if (!avail)
		return 0;
	unsigned m = p[0], mod = m >> 6, rm = m & 7;
	size_t n = 1;
	*regfield = (int)(((m >> 3) & 7) | ((rex & 4) << 1));
	memset(o, 0, sizeof(*o));
	o->index = -1;
	if (mod == 3) {
		o->is_reg = true;
		o->reg = (int)(rm | ((rex & 1) << 3));
		return n;
	}
	o->reg = (int)(rm | ((rex & 1) << 3));
	if (rm == 4) {	/* SIB */
		if (avail < 2)
			return 0;
		unsigned sib = p[1], idx = ((sib >> 3) & 7) | ((rex & 2) << 2), base = sib & 7;
		n = 2;
		o->index = idx == 4 ? -1 : (int)idx;
		o->reg = (int)(base | ((rex & 1) << 3));
		if (base == 5 && mod == 0) {
			o->reg = -1;
			if (avail < n + 4)
				return 0;
			int32_t d;
			memcpy(&d, p + n, 4);
			o->disp = d;
			return n + 4;
		}
	} else if (rm == 5 && mod == 0) {	/* RIP-relative */
		if (avail < 5)
			return 0;
		int32_t d;
		memcpy(&d, p + 1, 4);
		o->reg = -1;
		o->disp = d;
		return 5;
	}
	if (mod == 1) {
		if (avail < n + 1)
			return 0;
		o->disp = (int8_t)p[n];
		n += 1;
	} else if (mod == 2) {
		if (avail < n + 4)
			return 0;
		int32_t d;
		memcpy(&d, p + n, 4);
		o->disp = d;
		n += 4;
	}
	return n;
}

/* The value an r/m operand reads: a register's node, or a load. */
static int read_operand(struct kt_codeflow *cf, const struct operand *o, uint32_t at)
{
	if (o->is_reg)
		return cf->reg[o->reg];
	if (o->reg < 0 || o->index >= 0)
		return node(cf, (struct kt_xnode){ .kind = KT_X_LOAD, .a = unknown(), .b = -1,
						   .disp = o->disp, .at = at });
	return node(cf, (struct kt_xnode){ .kind = KT_X_LOAD, .a = cf->reg[o->reg], .b = -1,
					   .disp = o->disp, .at = at });
}

static void set_reg(struct kt_codeflow *cf, int r, int n)
{
	cf->reg[r] = n;
	cf->stale_since[r] = -1;
}

static int bin(struct kt_codeflow *cf, char op, int a, int b, uint32_t at)
{
	return node(cf, (struct kt_xnode){ .kind = KT_X_BIN, .op = op, .a = a, .b = b, .at = at });
}

static const char alu_ops[8] = { '+', '|', 0, 0, '&', '-', '^', 0 };	/* add or adc sbb and sub xor cmp */

enum kt_status kt_codeflow_read(const unsigned char *code, size_t pc_off, uint64_t entry,
				kt_codeflow_sym sym, void *ctx, struct kt_codeflow *cf)
{
	size_t i = 0;

	memset(cf, 0, sizeof(*cf));
	cf->nnodes = 1;	/* node 0: unknown */
	for (int r = 0; r < 16; r++) {
		cf->reg[r] = node(cf, (struct kt_xnode){ .kind = KT_X_ENTRY, .reg = r, .a = -1, .b = -1 });
		cf->stale_since[r] = -1;
	}
#define STOP(...) do { snprintf(cf->why, sizeof(cf->why), __VA_ARGS__); return KT_ENOENT; } while (0)
	while (i < pc_off) {
		uint32_t at = (uint32_t)i;
		unsigned rex = 0;
		bool opsize = false;
		/* Prefixes: operand size, segment (gs: per-CPU), REX. */
		while (i < pc_off && (code[i] == 0x66 || code[i] == 0x65 || code[i] == 0x2e ||
				      code[i] == 0x3e)) {
			opsize |= code[i] == 0x66;
			i++;
		}
		if (i < pc_off && (code[i] & 0xf0) == 0x40)
			rex = code[i++];
		if (i >= pc_off)
			STOP("instruction at +%u runs past the PC", at);
		unsigned op = code[i++];
		size_t avail = pc_off - i;
		bool w = rex & 8;
		int rf;
		struct operand o;
		size_t n;
		(void)opsize;
		if (op >= 0x50 && op <= 0x57)		/* push */
			continue;
		if (op >= 0x58 && op <= 0x5f) {		/* pop: a value from the stack */
			set_reg(cf, (int)((op & 7) | ((rex & 1) << 3)), unknown());
			continue;
		}
		if (op == 0x90 || op == 0xfa || op == 0xfb || op == 0xcc)	/* nop cli sti int3 */
			continue;
		switch (op) {
		case 0x89: case 0x8b: case 0x8d:
		case 0x01: case 0x03: case 0x09: case 0x0b: case 0x21: case 0x23:
		case 0x29: case 0x2b: case 0x31: case 0x33: case 0x39: case 0x3b: case 0x85: {
			if (!(n = modrm(code + i, avail, rex, &rf, &o)))
				STOP("truncated ModRM at +%u", at);
			i += n;
			if (op == 0x39 || op == 0x3b || op == 0x85)	/* cmp, test: flags only */
				break;
			if (op == 0x89) {	/* mov r -> r/m */
				if (o.is_reg)
					set_reg(cf, o.reg, w ? cf->reg[rf] : bin(cf, 'w', cf->reg[rf], -1, at));
				break;	/* a store: registers unchanged */
			}
			if (op == 0x8b) {
				int v = read_operand(cf, &o, at);
				set_reg(cf, rf, w ? v : bin(cf, 'w', v, -1, at));
				break;
			}
			if (op == 0x8d) {	/* lea: the address, no load */
				int base = o.reg >= 0 && o.index < 0 ? cf->reg[o.reg] : unknown();
				int c = node(cf, (struct kt_xnode){ .kind = KT_X_CONST, .disp = o.disp, .a = -1, .b = -1, .at = at });
				set_reg(cf, rf, bin(cf, '+', base, c, at));
				break;
			}
			char alu = alu_ops[(op >> 3) & 7];
			bool to_reg = op & 2;
			if (!to_reg && !o.is_reg)	/* ALU into memory: registers unchanged */
				break;
			if ((op == 0x31 || op == 0x33) && o.is_reg && o.reg == rf) {	/* xor r,r = 0 */
				set_reg(cf, rf, node(cf, (struct kt_xnode){ .kind = KT_X_CONST, .a = -1, .b = -1, .at = at }));
				break;
			}
			int dst = to_reg ? rf : o.reg;
			int src = to_reg ? read_operand(cf, &o, at) : cf->reg[rf];
			int v = bin(cf, alu, cf->reg[dst], src, at);
			set_reg(cf, dst, w ? v : bin(cf, 'w', v, -1, at));
			break;
		}
		case 0x81: case 0x83: case 0xc1: case 0xc7: {
			if (!(n = modrm(code + i, avail, rex, &rf, &o)))
				STOP("truncated ModRM at +%u", at);
			i += n;
			size_t isz = op == 0x83 || op == 0xc1 ? 1 : 4;
			if (pc_off - i < isz)
				STOP("truncated immediate at +%u", at);
			int64_t imm;
			if (isz == 1)
				imm = (int8_t)code[i];
			else {
				int32_t v32;
				memcpy(&v32, code + i, 4);
				imm = v32;
			}
			i += isz;
			if (!o.is_reg)
				break;	/* into memory */
			int c = node(cf, (struct kt_xnode){ .kind = KT_X_CONST, .disp = imm, .a = -1, .b = -1, .at = at });
			int sub = rf & 7;
			char alu = 0;
			if (op == 0xc7)
				{ set_reg(cf, o.reg, c); break; }
			if (op == 0xc1)
				alu = sub == 4 ? '<' : sub == 5 ? '>' : 0;
			else
				alu = sub == 7 ? 1 : alu_ops[sub];	/* cmp: nothing */
			if (alu == 1)
				break;
			int v = alu ? bin(cf, alu, cf->reg[o.reg], c, at) : unknown();
			set_reg(cf, o.reg, w ? v : bin(cf, 'w', v, -1, at));
			break;
		}
		case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf: {
			size_t isz = w ? 8 : 4;
			if (avail < isz)
				STOP("truncated immediate at +%u", at);
			uint64_t imm = 0;
			memcpy(&imm, code + i, isz);
			i += isz;
			set_reg(cf, (int)((op & 7) | ((rex & 1) << 3)),
				node(cf, (struct kt_xnode){ .kind = KT_X_CONST, .disp = (int64_t)imm, .a = -1, .b = -1, .at = at }));
			break;
		}
		case 0xe8: {	/* call rel32 */
			if (avail < 4)
				STOP("truncated call at +%u", at);
			int32_t rel;
			memcpy(&rel, code + i, 4);
			i += 4;
			struct kt_xnode r = { .kind = KT_X_RET, .a = -1, .b = -1, .at = at };
			if (!sym || !sym(ctx, entry + i + (uint64_t)(int64_t)rel, r.fn, sizeof(r.fn)))
				snprintf(r.fn, sizeof(r.fn), "0x%" PRIx64, entry + i + (uint64_t)(int64_t)rel);
			/* Caller-saved registers: rax rcx rdx rsi rdi r8-r11. */
			static const int clobbered[] = { 0, 1, 2, 6, 7, 8, 9, 10, 11 };
			for (size_t k = 0; k < sizeof(clobbered) / sizeof(clobbered[0]); k++)
				if (cf->stale_since[clobbered[k]] < 0)
					cf->stale_since[clobbered[k]] = (int32_t)at;
			set_reg(cf, 0, node(cf, r));
			break;
		}
		case 0x0f: {
			if (!avail)
				STOP("truncated 0f opcode at +%u", at);
			unsigned op2 = code[i++];
			avail--;
			if (op2 == 0x31) {	/* rdtsc: edx:eax */
				set_reg(cf, 0, node(cf, (struct kt_xnode){ .kind = KT_X_RDTSC_LO, .a = -1, .b = -1, .at = at }));
				set_reg(cf, 2, node(cf, (struct kt_xnode){ .kind = KT_X_RDTSC_HI, .a = -1, .b = -1, .at = at }));
				break;
			}
			if (op2 == 0x1f || op2 == 0xbe || op2 == 0xbf || op2 == 0xb6 || op2 == 0xb7) {
				if (!(n = modrm(code + i, avail, rex, &rf, &o)))
					STOP("truncated ModRM at +%u", at);
				i += n;
				if (op2 != 0x1f)	/* movsx/movzx: a load, narrowed */
					set_reg(cf, rf, bin(cf, 'w', read_operand(cf, &o, at), -1, at));
				break;
			}
			STOP("opcode 0f %02x at +%u is beyond this reader (branch or system instruction)", op2, at);
		}
		default:
			STOP("opcode %02x at +%u is beyond this reader%s", op, at,
			     (op >= 0x70 && op <= 0x7f) || op == 0xeb || op == 0xe9 || op == 0xc3 ?
			     " (a branch: the code before the PC is not straight-line)" : "");
		}
	}
#undef STOP
	return KT_OK;
}

void kt_codeflow_str(const struct kt_codeflow *cf, int n, char *buf, size_t len)
{
	static const char *const x86names[16] = {
		"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
		"R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
	};
	char a[160], b[160];
	if (!len)
		return;
	if (n <= 0 || n >= cf->nnodes) {
		snprintf(buf, len, "?");
		return;
	}
	const struct kt_xnode *x = &cf->node[n];
	switch (x->kind) {
	case KT_X_ENTRY: snprintf(buf, len, "%s@entry", x86names[x->reg & 15]); break;
	case KT_X_RET: snprintf(buf, len, "%s()", x->fn); break;
	case KT_X_CONST: snprintf(buf, len, "%" PRId64, x->disp); break;
	case KT_X_RDTSC_LO: snprintf(buf, len, "rdtsc.lo"); break;
	case KT_X_RDTSC_HI: snprintf(buf, len, "rdtsc.hi"); break;
	case KT_X_LOAD:
		kt_codeflow_str(cf, x->a, a, sizeof(a));
		if (x->disp < 0)
			snprintf(buf, len, "[%s-%#" PRIx64 "]", a, (uint64_t)-x->disp);
		else
			snprintf(buf, len, "[%s+%#" PRIx64 "]", a, (uint64_t)x->disp);
		break;
	case KT_X_BIN:
		kt_codeflow_str(cf, x->a, a, sizeof(a));
		if (x->op == 'w') {
			snprintf(buf, len, "(u32)%s", a);
			break;
		}
		kt_codeflow_str(cf, x->b, b, sizeof(b));
		snprintf(buf, len, "(%s %s %s)", a,
			 x->op == '<' ? "<<" : x->op == '>' ? ">>" : (char[]){ x->op, 0 }, b);
		break;
	default: snprintf(buf, len, "?"); break;
	}
}
