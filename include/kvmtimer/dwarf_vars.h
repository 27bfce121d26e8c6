/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The variables live at a PC, from the DWARF of vmlinux or a module (libdw).
 *
 * Given the debug file, the function and the offset of a PC into it, list the
 * parameters and locals of every scope containing that PC, inlined
 * subroutines included (innermost first), each with its location at that PC
 * (DW_AT_location, location lists through dwarf_getlocation_addr) evaluated
 * against a register set and memory: a register, register + offset (memory
 * read through the caller's reader), a constant, an implicit value, or
 * "optimized out" when the compiler kept it nowhere at that PC.
 *
 * The PC is mapped into the file as function symbol + offset, so KASLR and the
 * placement of a module's sections in memory do not matter (ET_REL modules are
 * laid out by libdwfl, their relocations applied).  Both front-ends share this
 * code: the CLI and the crash extension hand over the path of the file they
 * read types from (reader op debuginfo_path).
 */
#ifndef KVMTIMER_DWARF_VARS_H
#define KVMTIMER_DWARF_VARS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kvmtimer/error.h"
#include "kvmtimer/regs.h"

enum kt_var_kind {
	KT_VAR_REGISTER,	/* in a register: value exact */
	KT_VAR_MEMORY,		/* at an address computed from registers: value read */
	KT_VAR_VALUE,		/* computed value (DW_OP_stack_value, constants) */
	KT_VAR_IMPLICIT,	/* DW_OP_implicit_value bytes */
	KT_VAR_OPTIMIZED_OUT,	/* no location at this PC */
	KT_VAR_UNAVAILABLE,	/* a location we cannot evaluate (entry value, ...) */
};

#define KT_VAR_NAME 48
struct kt_var {
	char name[KT_VAR_NAME];
	char scope[KT_VAR_NAME];	/* function or inlined subroutine it belongs to */
	bool inlined;			/* scope is an inlined instance */
	bool param;
	char type[KT_VAR_NAME];		/* "ktime_t", "struct hrtimer *" */
	unsigned byte_size;		/* of the type (0 unknown) */
	bool is_signed, is_pointer;
	enum kt_var_kind kind;
	char where[48];			/* "RCX", "[RBP+0x68]", "constant", why unavailable */
	int reg;			/* enum kt_reg for KT_VAR_REGISTER, else -1 */
	uint64_t addr;			/* KT_VAR_MEMORY */
	uint64_t value;			/* valid when has_value */
	bool has_value;
	unsigned frame;			/* the frame it lives in (0: RIP's) */
};

/* Memory for DW_OP_breg/deref locations. */
struct kt_dwarf_env {
	const struct kt_regs *regs;
	enum kt_status (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	void *ctx;
};

struct kt_dwarf;	/* opened debug files, cached */
struct kt_dwarf *kt_dwarf_new(void);
void kt_dwarf_free(struct kt_dwarf *d);

/*
 * Variables at function+offset in debug file `path`.  Fills at most max,
 * innermost scope first, and the chain of scopes ("__run_hrtimer <-
 * __hrtimer_run_queues") into chain.  KT_ENOENT: file without DWARF, or the
 * function is not in it; KT_ENODATA: no DWARF scope covers the PC.
 */
enum kt_status kt_dwarf_vars_at(struct kt_dwarf *d, const char *path, const char *function,
				uint64_t offset, const struct kt_dwarf_env *env,
				struct kt_var *vars, int max, int *n, char *chain, size_t chainlen,
				struct kt_err *err);

/*
 * One frame up, from the CFI (.debug_frame, else .eh_frame) at
 * function+offset: the caller's registers — RIP the return address, RSP the
 * CFA, callee-saved registers where the frame saved them; the others marked
 * in caller->unknown.  For a caller frame pass offset - 1 (the call
 * instruction), as for its variables.  KT_ENOENT: no CFI for that PC (an
 * assembly entry point: where a backtrace ends); KT_EFAULT: a saved value
 * unreadable.
 */
enum kt_status kt_dwarf_unwind(struct kt_dwarf *d, const char *path, const char *function,
			       uint64_t offset, const struct kt_dwarf_env *env,
			       struct kt_regs *caller, struct kt_err *err);

#endif
