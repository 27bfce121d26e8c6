/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small x86-64 instruction decoder: the length of any instruction of the
 * general-purpose, system, SSE and VEX maps, and the operands of the few
 * classes the fix-status reader follows data through (mov, add/sub/cmp,
 * lea, cmov, jcc, call, ud2 ...).  Everything else is KT_X_OTHER with its
 * ModRM destination register, so a reader can forget what that register held.
 * Internal to the core; never reads outside the buffer it is given.
 */
#ifndef KT_X86INSN_H
#define KT_X86INSN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kt_xop {
	KT_X_BAD,	/* not decodable: stop */
	KT_X_OTHER,	/* decoded length; dst_reg (if >= 0) is clobbered */
	KT_X_MOV, KT_X_MOVX,	/* movx: movzx/movsx/movsxd */
	KT_X_ADD, KT_X_SUB, KT_X_AND, KT_X_OR, KT_X_XOR, KT_X_ADC, KT_X_SBB,
	KT_X_CMP, KT_X_TEST, KT_X_LEA, KT_X_CMOV, KT_X_SETCC, KT_X_IMUL, KT_X_SHIFT,
	KT_X_JCC, KT_X_JMP, KT_X_JMP_IND, KT_X_CALL, KT_X_CALL_IND, KT_X_RET,
	KT_X_UD,	/* ud2 / ud1: BUG() and WARN() */
	KT_X_RDTSC, KT_X_PUSH, KT_X_POP, KT_X_NOP, KT_X_INT3,
};

enum kt_xopnd_kind { KT_XO_NONE, KT_XO_REG, KT_XO_MEM, KT_XO_IMM };

struct kt_xopnd {
	enum kt_xopnd_kind kind;
	int reg;		/* REG: 0..15 (rax..r15) */
	int base, index;	/* MEM: -1 none; base 16 = rip */
	int scale;
	int64_t disp;		/* MEM displacement; IMM value */
};

#define KT_XREG_RIP 16
#define KT_XREG_RSP 4

struct kt_xinsn {
	unsigned len;
	enum kt_xop op;
	int width;		/* operand size in bytes (1, 2, 4, 8) */
	struct kt_xopnd dst, src;	/* Intel order: dst is the first operand */
	int dst_reg;		/* KT_X_OTHER: register written per ModRM (-1 none) */
	uint64_t target;	/* JCC/JMP/CALL: absolute target */
	unsigned cc;		/* JCC/CMOV/SETCC condition nibble */
};

/* Decode the instruction at code[0..left) that sits at address addr.
 * Returns its length (> 0) or 0 when it cannot be decoded. */
unsigned kt_x86_decode(const unsigned char *code, size_t left, uint64_t addr,
		       struct kt_xinsn *in);

#endif
