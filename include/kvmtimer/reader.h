/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reader interface: everything the core needs from a dump, as a const ops
 * table with two backends — crash's API (ext/reader_crash.c) and elfutils/libdw
 * + libkdumpfile (src/cli/).  Each op returns errors as values; "absent" (a
 * member the kernel does not have) is -1, never 0, so callers can tell.
 */
#ifndef KVMTIMER_READER_H
#define KVMTIMER_READER_H
#include <stddef.h>
#include <stdint.h>
#include "kvmtimer/error.h"

struct kt_regs;
struct kt_var;

struct kt_reader_ops {
	/* Read len bytes at kernel virtual address addr: KT_OK or KT_EFAULT.
	 * Must never longjmp/abort (crash: RETURN_ON_ERROR|QUIET). */
	enum kt_status (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	/* Address of a kernel or loaded-module symbol: KT_OK or KT_ENOENT. */
	enum kt_status (*symbol)(void *ctx, const char *name, uint64_t *addr);
	/* Name of the symbol containing addr (text or data) and the offset into it;
	 * KT_ENOENT when none.  buf gets "" then. */
	enum kt_status (*symbol_name)(void *ctx, uint64_t addr, char *buf, size_t len,
				      uint64_t *offset);
	/* Byte offset of `member` in `struct type`; members of anonymous structs and
	 * unions inside it are found too.  -1: type or member absent. */
	long (*member_offset)(void *ctx, const char *type, const char *member);
	/* Size of that member (arrays: the whole array); -1 when absent. */
	long (*member_size)(void *ctx, const char *type, const char *member);
	/* sizeof(struct type); -1 when absent. */
	long (*type_size)(void *ctx, const char *type);
	/* Offset of `member` inside the (possibly anonymous) type of global variable
	 * `var`, e.g. ("tk_core", "timekeeper"); -1 when absent.  May be NULL. */
	long (*var_member_offset)(void *ctx, const char *var, const char *member);
	/* Bit offset of a bitfield member from the start of `struct type` (e.g.
	 * hrtimer_cpu_base.in_hrtirq); -1 when absent.  May be NULL (then unknown). */
	long (*member_bit_offset)(void *ctx, const char *type, const char *member);
	/* Number of possible CPU slots (per-CPU offsets 0..n-1). */
	int (*nr_cpus)(void *ctx);
	/* __per_cpu_offset[cpu]: KT_OK, or KT_ENOENT for an absent CPU. */
	enum kt_status (*percpu_offset)(void *ctx, int cpu, uint64_t *offset);
	/* VMCOREINFO value for key ("CRASHTIME"), KT_ENOENT if absent.  May be NULL. */
	enum kt_status (*vmcoreinfo)(void *ctx, const char *key, char *buf, size_t len);
	/* Make module debuginfo (types) available, as crash's `mod -s` does: called
	 * when KVM types are missing.  KT_ENOENT with a message naming what to run.
	 * May be NULL. */
	enum kt_status (*load_module_debuginfo)(void *ctx, const char *module,
						struct kt_err *err);
	/* The descriptor of the dump's NT_PRSTATUS note for `cpu` (struct
	 * elf_prstatus, see kvmtimer/regs.h), up to len bytes into buf, *got the
	 * note's size.  KT_ENOENT: no note for that CPU (or none at all);
	 * KT_ECORRUPT: the note area is damaged (err says where).  May be NULL. */
	enum kt_status (*cpu_prstatus)(void *ctx, int cpu, void *buf, size_t len, size_t *got,
				       struct kt_err *err);
	/* Path of the debug file with DWARF for the code at addr: vmlinux's, or
	 * the loaded module's (kvm.ko...).  KT_ENOENT when none.  May be NULL. */
	enum kt_status (*debuginfo_path)(void *ctx, uint64_t addr, char *buf, size_t len);
	/* DWARF answers at function+offset in the debug file `path` (a
	 * debuginfo_path answer) for the register set regs, memory read through
	 * this reader: the variables live there (as kt_dwarf_vars_at) and the
	 * caller's registers (as kt_dwarf_unwind), kvmtimer/dwarf_vars.h.  NULL:
	 * the core asks libdw itself (the CLI, crash); a snapshot of a dump
	 * (tests/snapshot/) answers with what was recorded.  May be NULL. */
	enum kt_status (*dwarf_vars_at)(void *ctx, const char *path, const char *function,
					uint64_t offset, const struct kt_regs *regs,
					struct kt_var *vars, int max, int *n, char *chain,
					size_t chainlen, struct kt_err *err);
	enum kt_status (*dwarf_unwind)(void *ctx, const char *path, const char *function,
				       uint64_t offset, const struct kt_regs *regs,
				       struct kt_regs *caller, struct kt_err *err);
};

struct kt_reader {
	const struct kt_reader_ops *ops;
	void *ctx;
};

/* Convenience wrappers (src/core/reader.c). */
enum kt_status kt_read(const struct kt_reader *r, uint64_t addr, void *buf, size_t len);
enum kt_status kt_read_u64(const struct kt_reader *r, uint64_t addr, uint64_t *v);
enum kt_status kt_read_u32(const struct kt_reader *r, uint64_t addr, uint32_t *v);
enum kt_status kt_symbol(const struct kt_reader *r, const char *name, uint64_t *addr);

#endif
