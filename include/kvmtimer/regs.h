/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A CPU's saved register set, and where it came from.
 *
 * Two sources, both from the dump:
 *  - the ELF NT_PRSTATUS note of the CPU (QEMU's dump-guest-memory writes one
 *    per vCPU with its live registers; kdump's crash_save_cpu() writes the
 *    panicking CPU's registers in panic() and, for every other CPU, the
 *    registers its shoot-down NMI interrupted);
 *  - the pt_regs the NMI entry code saved on the CPU's NMI exception stack
 *    (arch/x86/entry/entry_64.S, the `end_repeat_nmi` frame): the context an
 *    NMI interrupted, when the CPU was inside an NMI as the dump was taken.
 *
 * Parsers here work on bytes (no reader): they are what fuzz/fuzz_regs feeds.
 */
#ifndef KVMTIMER_REGS_H
#define KVMTIMER_REGS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kvmtimer/error.h"

/* struct pt_regs / user_regs_struct order (x86-64), the first 21 entries. */
enum kt_reg {
	KT_R15, KT_R14, KT_R13, KT_R12, KT_RBP, KT_RBX, KT_R11, KT_R10, KT_R9, KT_R8,
	KT_RAX, KT_RCX, KT_RDX, KT_RSI, KT_RDI, KT_ORIG_RAX, KT_RIP, KT_CS, KT_RFLAGS,
	KT_RSP, KT_SS, KT_NREGS
};

enum kt_regs_source {
	KT_REGS_NONE,
	KT_REGS_NOTE,		/* ELF NT_PRSTATUS note of the dump */
	KT_REGS_NMI,		/* pt_regs on the CPU's NMI exception stack */
	KT_REGS_FIXTURE,	/* tests only */
};

struct kt_regs {
	uint64_t r[KT_NREGS];
	enum kt_regs_source source;
	uint64_t where;		/* NMI: address of the pt_regs; note: its index */
	int pid;		/* NT_PRSTATUS pr_pid (-1 unknown) */
	/* Registers an unwound (caller) frame cannot recover: bit (1 << enum
	 * kt_reg) set when CFI says the caller's value is lost (call-clobbered). */
	uint32_t unknown;
	unsigned frame;		/* 0: the interrupted context; k: k calls up */
};

/* "RAX".."SS"; "?" out of range. */
const char *kt_reg_name(int reg);
/* DWARF x86-64 register number (0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi,
 * 6 rbp, 7 rsp, 8..15 r8..r15, 16 return address) -> enum kt_reg, -1 if none. */
int kt_reg_from_dwarf(int dwreg);
/* "ELF note" / "NMI stack" / ... */
const char *kt_regs_source_name(enum kt_regs_source s);

/* The n-th (0-based) NT_PRSTATUS note in an ELF note buffer (Elf64_Nhdr
 * records, 4-byte aligned, as in a PT_NOTE segment or a kdump-compressed
 * file's note area).  KT_OK with its descriptor's place, KT_ENOENT when there
 * are fewer, KT_ECORRUPT (err names the offset) when a record runs past the
 * buffer.  *count, if given, gets the number of PRSTATUS notes seen up to the
 * stop. */
enum kt_status kt_notes_prstatus(const void *notes, size_t len, int n, size_t *desc_off,
				 size_t *desc_len, struct kt_err *err);
/* Number of NT_PRSTATUS notes (stops at the first damaged record). */
int kt_notes_count_prstatus(const void *notes, size_t len);

/* struct elf_prstatus (x86-64 ELF core ABI, <sys/procfs.h>) -> registers.
 * KT_ECORRUPT when the descriptor is shorter than the ABI's. */
enum kt_status kt_prstatus_decode(const void *desc, size_t len, struct kt_regs *out,
				  struct kt_err *err);

/* Offsets of struct pt_regs members, from the kernel's debuginfo (-1 absent). */
struct kt_ptregs_layout {
	long off[KT_NREGS];
	long size;		/* sizeof(struct pt_regs) */
};
/* pt_regs bytes -> registers, with the offsets above.  KT_ECORRUPT when an
 * offset is outside len. */
enum kt_status kt_ptregs_decode(const void *buf, size_t len, const struct kt_ptregs_layout *l,
				struct kt_regs *out, struct kt_err *err);

/*
 * The NMI frame on an NMI stack whose top (one past the last byte) is at
 * `top`, given the stack's last `len` bytes in `tail` (tail[len-1] is the byte
 * at top-1).  The entry code (entry_64.S `nmi`, since 3.3's "nested NMI"
 * rework) lays out, from the top down: the hardware iret frame (5 words),
 * saved RDX, the "NMI executing" word, the "iret" frame (5), the "outermost"
 * frame (5), then pt_regs whose ip..ss are the outermost frame.  Found when
 * "NMI executing" is 1 and pt_regs' orig_ax is -1 and its ip..ss equal the
 * hardware frame's; KT_ENOENT (not in an NMI, or the slot holds something
 * else), KT_ECORRUPT (NMI executing set but the frame inconsistent).
 */
#define KT_NMI_FRAME_WORDS 17	/* words above pt_regs.ip (5+1+1+5+5) */
enum kt_status kt_nmi_frame_decode(const void *tail, size_t len, uint64_t top,
				   const struct kt_ptregs_layout *l, struct kt_regs *out,
				   struct kt_err *err);

#endif
