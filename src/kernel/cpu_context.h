/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Each CPU's interrupted context as evidence (kvmregs, and the citation in
 * kvmtriage / kvmlapic): the register sets of the dump, RIP as function+offset,
 * whether it lies in the periodic-timer catch-up path, the variables DWARF
 * says are live at that PC, and cross-checks of those variables against the
 * structures (the running hrtimer, basenow vs now, delta = target - now).
 * Layer kernel/ (loading, decoding, the memory the registers point at); the
 * cross-checks are analyze/'s (regs_evidence.h, into struct kt_analysis),
 * the output render/'s (report_regs.h).
 */
#ifndef KT_KERNEL_CPU_CONTEXT_H
#define KT_KERNEL_CPU_CONTEXT_H
#include <stdio.h>
#include "dump/session.h"
#include "kvmtimer/dwarf_vars.h"
#include "kvmtimer/regs.h"
#include "kvmtimer/state.h"

#define KT_CTX_VARS 64
#define KT_CTX_FRAMES 12

/* One frame of the backtrace from the interrupted context (CFI unwinding). */
struct kt_frame {
	uint64_t pc;		/* frame 0: RIP; then return addresses */
	char func[KT_SYM_LEN];
	uint64_t off;
	char module[32];
};

/* guest: ring 0 at an address outside the kernel's half: the CPU was running
 * a VM's guest code (a QEMU snapshot records the registers of whatever the
 * CPU ran, a nested guest's included); the host's context is in the VMCB/VMCS. */
enum kt_ctx_state { KT_CTX_UNKNOWN, KT_CTX_USER, KT_CTX_IDLE, KT_CTX_KERNEL, KT_CTX_GUEST };

struct kt_cpu_context {
	int cpu;
	struct kt_regs note;	/* NT_PRSTATUS */
	bool has_note;
	struct kt_damage note_damage;	/* why has_note is false */
	struct kt_regs nmi;	/* pt_regs on the NMI stack */
	bool has_nmi;
	struct kt_damage nmi_damage;	/* why has_nmi is false */
	const struct kt_regs *regs;	/* the interrupted context: nmi, else note */
	enum kt_ctx_state state;
	char func[KT_SYM_LEN];	/* RIP's function, "" unknown */
	uint64_t func_off;
	char module[32];	/* "kvm" when RIP is in a module ("" vmlinux) */
	bool in_catchup;	/* RIP's function or an inlined scope at RIP is on the path */
	char catchup_fn[KT_VAR_NAME];
	char chain[240];	/* DWARF scopes at RIP, innermost first */
	struct kt_frame frames[KT_CTX_FRAMES];	/* #0 RIP, #1 its caller, ... */
	int nframes;
	struct kt_damage unwind_end;	/* why the backtrace ends there (what "" none) */
	struct kt_var vars[KT_CTX_VARS];
	int nvars;
	bool vars_done;
	struct kt_damage vars_damage;	/* why no variables (what "" none) */
	char code_note[160];	/* how the machine code was read (codeflow.h) */
	/* What the registers point at, decoded (analyze/regs_evidence.c
	 * cross-checks it against the host; kernel/ only reads it). */
	struct {
		bool has;
		const char *var;	/* the variable holding it (vars[].name) */
		uint64_t addr;		/* struct hrtimer *: a struct hrtimer * variable's value,
					 * else the lapic_timer.timer of a kvm_lapic / kvm_timer one */
	} hrtimer;
	/* __hrtimer_run_queues' base->offset (basenow = now + offset), and the
	 * lapic_timer.target_expiration of the variable apic: value and address;
	 * has false when there is no such variable or member, or the read failed. */
	struct kt_ctx_u64 {
		bool has;
		uint64_t addr, value;
	} base_offset, target_expiration;
};

struct kt_contexts {
	struct kt_cpu_context *cpu;
	int n;
};

/* Read every CPU's register sets (only CPUs in `cpus`, all when ncpus 0),
 * symbolize RIP and classify it.  with_vars: also the variables at RIP of
 * every CPU in kernel code; vars_in_loop: of CPUs in the catch-up path.
 * Damage is recorded per CPU as typed records (note_damage, nmi_damage,
 * vars_damage, unwind_end: kind, address, what), never fatal. */
void kt_load_contexts(struct kt_session *s, const int *cpus, int ncpus, bool with_vars,
		      bool vars_in_loop, struct kt_contexts *out);
void kt_contexts_free(struct kt_contexts *c);

/* A variable of the context by name (first with a value, innermost scope first). */
const struct kt_var *kt_context_var(const struct kt_cpu_context *c, const char *name);
/* A variable with a value, of that name, in that function's scope (or NULL). */
const struct kt_var *kt_context_var_in(const struct kt_cpu_context *c, const char *name,
				       const char *scope);

#endif
