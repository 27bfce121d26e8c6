/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading a function's machine code from its entry to a PC the way the seed's
 * engineer read `dis -l`: which register holds which call's result, which
 * holds a value loaded from memory or computed from them.  For when DWARF
 * cannot say (no debuginfo for that module, or the variable is not a DWARF
 * variable at all, like the guest TSC kvm_read_l1_tsc() returns).
 *
 * A straight-line reader of a small x86-64 subset (moves, loads, stores,
 * add/sub/or/and/xor/shifts, calls, rdtsc, nops, push/pop): any branch or
 * unknown opcode before the PC ends the reading with a reason, because a
 * straight-line reading is only sound on straight-line code.  Calls clobber
 * the caller-saved registers (System V ABI): a value they held is kept but
 * marked stale, with the call's offset.
 */
#ifndef KT_CODEFLOW_H
#define KT_CODEFLOW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kvmtimer/error.h"

enum kt_xkind {
	KT_X_UNKNOWN, KT_X_ENTRY,	/* a register's value at function entry */
	KT_X_RET,			/* the result of a call (rax after it) */
	KT_X_LOAD,			/* memory at [a + disp] */
	KT_X_CONST, KT_X_BIN,		/* a op b */
	KT_X_RDTSC_LO, KT_X_RDTSC_HI,
};

struct kt_xnode {
	enum kt_xkind kind;
	int reg;		/* KT_X_ENTRY: x86 register number (0 rax .. 15 r15) */
	char op;		/* KT_X_BIN: + - | & ^ < (shl) > (shr) */
	int a, b;		/* operand nodes (-1 none) */
	int64_t disp;		/* KT_X_LOAD displacement, KT_X_CONST value */
	char fn[48];		/* KT_X_RET: the callee's name */
	uint32_t at;		/* offset of the instruction that made it */
};

#define KT_XNODES 256
struct kt_codeflow {
	struct kt_xnode node[KT_XNODES];
	int nnodes;
	int reg[16];		/* node each register holds at the PC (x86 numbering) */
	int32_t stale_since[16];/* offset of the call that may have clobbered it, -1 none */
	char why[120];		/* why the reading stopped early, "" when it reached the PC */
};

/* Name of a call target (symbol at exactly that address), false if none. */
typedef bool (*kt_codeflow_sym)(void *ctx, uint64_t addr, char *name, size_t len);

/* Read code[0..pc_off) (code at address entry).  KT_OK when it reached the
 * PC; KT_ENOENT with cf->why when it stopped (branch, unknown opcode). */
enum kt_status kt_codeflow_read(const unsigned char *code, size_t pc_off, uint64_t entry,
				kt_codeflow_sym sym, void *ctx, struct kt_codeflow *cf);
/* x86 register number (0 rax, 1 rcx, 2 rdx, 3 rbx, 4 rsp, 5 rbp, 6 rsi, 7 rdi,
 * 8..15) -> enum kt_reg. */
int kt_x86_reg_to_kt(int x86);
/* The expression a node stands for, e.g. "[RDI@entry+0x60] + [RDI@entry+0x68] - ktime_get()". */
void kt_codeflow_str(const struct kt_codeflow *cf, int node, char *buf, size_t len);

#endif
