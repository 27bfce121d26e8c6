// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Register sets from bytes: ELF notes (NT_PRSTATUS), struct pt_regs, and the
 * NMI entry frame.  Pure functions over buffers, every length checked: the
 * bytes come from a dump that may be damaged (fuzz/fuzz_regs.c).
 */
#include <elf.h>
#include <stddef.h>
#include <string.h>
#include <sys/procfs.h>
#include "kvmtimer/regs.h"

static const char *const reg_names[KT_NREGS] = {
	"R15", "R14", "R13", "R12", "RBP", "RBX", "R11", "R10", "R9", "R8",
	"RAX", "RCX", "RDX", "RSI", "RDI", "ORIG_RAX", "RIP", "CS", "RFLAGS", "RSP", "SS",
};

const char *kt_reg_name(int reg)
{
	return reg >= 0 && reg < KT_NREGS ? reg_names[reg] : "?";
}

int kt_reg_from_dwarf(int dwreg)
{
	/* System V x86-64 psABI, DWARF register number mapping. */
	static const int map[17] = {
		KT_RAX, KT_RDX, KT_RCX, KT_RBX, KT_RSI, KT_RDI, KT_RBP, KT_RSP,
		KT_R8, KT_R9, KT_R10, KT_R11, KT_R12, KT_R13, KT_R14, KT_R15, KT_RIP,
	};
	return dwreg >= 0 && dwreg < 17 ? map[dwreg] : -1;
}

const char *kt_regs_source_name(enum kt_regs_source s)
{
	switch (s) {
	case KT_REGS_NOTE: return "ELF NT_PRSTATUS note";
	case KT_REGS_NMI: return "NMI stack pt_regs";
	case KT_REGS_FIXTURE: return "FIXTURE";
	default: return "none";
	}
}

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

enum kt_status kt_notes_prstatus(const void *notes, size_t len, int n, size_t *desc_off,
				 size_t *desc_len, struct kt_err *err)
{
	const unsigned char *p = notes;
	size_t pos = 0;
	int seen = 0;

	while (len - pos >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		memcpy(&nh, p + pos, sizeof(nh));
		size_t name = align4(nh.n_namesz), desc = align4(nh.n_descsz);
		size_t body = pos + sizeof(nh);
		/* A zero header is padding at the end of a note area (kdump's
		 * per-CPU note buffers are zero-filled). */
		if (!nh.n_namesz && !nh.n_descsz && !nh.n_type)
			break;
		if (name > len - body || desc > len - body - name || nh.n_descsz > desc)
			return kt_err_set(err, KT_ECORRUPT, pos,
					  "ELF note at offset %zu: name %u + descriptor %u bytes run past the "
					  "note area (%zu bytes)", pos, nh.n_namesz, nh.n_descsz, len);
		if (nh.n_type == NT_PRSTATUS) {
			if (seen == n) {
				*desc_off = body + name;
				*desc_len = nh.n_descsz;
				return KT_OK;
			}
			seen++;
		}
		pos = body + name + desc;
	}
	return kt_err_set(err, KT_ENOENT, 0, "no NT_PRSTATUS note %d (the dump has %d)", n, seen);
}

int kt_notes_count_prstatus(const void *notes, size_t len)
{
	struct kt_err e;
	size_t off, dl;
	int n = 0;

	while (kt_notes_prstatus(notes, len, n, &off, &dl, &e) == KT_OK)
		n++;
	return n;
}

enum kt_status kt_prstatus_decode(const void *desc, size_t len, struct kt_regs *out,
				  struct kt_err *err)
{
	struct elf_prstatus ps;

	memset(out, 0, sizeof(*out));
	out->pid = -1;
	/* The ABI's size; the kernel's struct ends with pr_fpvalid (+ padding). */
	if (len < offsetof(struct elf_prstatus, pr_fpvalid))
		return kt_err_set(err, KT_ECORRUPT, 0,
				  "NT_PRSTATUS descriptor of %zu bytes, x86-64 needs %zu", len,
				  offsetof(struct elf_prstatus, pr_fpvalid));
	memset(&ps, 0, sizeof(ps));
	memcpy(&ps, desc, len < sizeof(ps) ? len : sizeof(ps));
	/* user_regs_struct's first 21 words are pt_regs' order (enum kt_reg). */
	_Static_assert(sizeof(ps.pr_reg) >= KT_NREGS * sizeof(uint64_t), "elf_gregset_t");
	memcpy(out->r, &ps.pr_reg, KT_NREGS * sizeof(uint64_t));
	out->pid = ps.pr_pid;
	out->source = KT_REGS_NOTE;
	return KT_OK;
}

enum kt_status kt_ptregs_decode(const void *buf, size_t len, const struct kt_ptregs_layout *l,
				struct kt_regs *out, struct kt_err *err)
{
	memset(out->r, 0, sizeof(out->r));
	for (int i = 0; i < KT_NREGS; i++) {
		if (l->off[i] < 0 || (size_t)l->off[i] > len || len - (size_t)l->off[i] < 8)
			return kt_err_set(err, KT_ECORRUPT, 0,
					  "pt_regs.%s at offset %ld is outside the %zu bytes read",
					  kt_reg_name(i), l->off[i], len);
		memcpy(&out->r[i], (const char *)buf + l->off[i], 8);
	}
	/* cs and ss are 16-bit selectors in 64-bit slots (6.9+: a union with FRED
	 * bits above): keep the selector. */
	out->r[KT_CS] &= 0xffff;
	out->r[KT_SS] &= 0xffff;
	return KT_OK;
}

static uint64_t word_from_top(const unsigned char *tail, size_t len, unsigned k)
{
	uint64_t v;
	memcpy(&v, tail + len - 8 * (size_t)k, 8);
	return v;
}

enum kt_status kt_nmi_frame_decode(const void *tail, size_t len, uint64_t top,
				   const struct kt_ptregs_layout *l, struct kt_regs *out,
				   struct kt_err *err)
{
	const unsigned char *t = tail;
	long ip = l->off[KT_RIP];

	memset(out, 0, sizeof(*out));
	out->pid = -1;
	if (ip < 0 || l->size <= 0 || l->off[KT_SS] != ip + 32 || l->off[KT_CS] != ip + 8 ||
	    l->off[KT_RFLAGS] != ip + 16 || l->off[KT_RSP] != ip + 24)
		return kt_err_set(err, KT_ENOENT, 0,
				  "struct pt_regs does not end in the hardware frame ip, cs, flags, sp, ss");
	size_t base_from_top = KT_NMI_FRAME_WORDS * 8 + (size_t)ip;	/* top - &pt_regs */
	if (len < base_from_top || (size_t)l->size > base_from_top)
		return kt_err_set(err, KT_ENOENT, 0, "NMI stack tail of %zu bytes is too short", len);
	/* Words counted from the top: 1 ss .. 5 rip (hardware), 6 rdx, 7 "NMI executing". */
	uint64_t executing = word_from_top(t, len, 7);
	if (executing != 1)
		return kt_err_set(err, KT_ENOENT, top - 56,
				  "\"NMI executing\" is %llu: the CPU was not in an NMI",
				  (unsigned long long)executing);
	const unsigned char *pr = t + len - base_from_top;
	enum kt_status st = kt_ptregs_decode(pr, (size_t)l->size, l, out, err);
	if (st != KT_OK)
		return st;
	out->source = KT_REGS_NMI;
	out->where = top - base_from_top;
	if (out->r[KT_ORIG_RAX] != UINT64_MAX)
		return kt_err_set(err, KT_ECORRUPT, out->where,
				  "NMI frame at %#llx: orig_ax is %#llx, the entry code pushes -1",
				  (unsigned long long)out->where,
				  (unsigned long long)out->r[KT_ORIG_RAX]);
	/* pt_regs.ip..ss is the "outermost" copy of the hardware frame. */
	static const int hw[5] = { KT_RIP, KT_CS, KT_RFLAGS, KT_RSP, KT_SS };
	for (unsigned k = 0; k < 5; k++) {
		uint64_t orig = word_from_top(t, len, 5 - k);
		if (k == 1 || k == 4)
			orig &= 0xffff;
		if (orig != out->r[hw[k]])
			return kt_err_set(err, KT_ECORRUPT, out->where,
					  "NMI frame at %#llx: pt_regs.%s %#llx differs from the hardware "
					  "frame's %#llx", (unsigned long long)out->where,
					  kt_reg_name(hw[k]), (unsigned long long)out->r[hw[k]],
					  (unsigned long long)orig);
	}
	return KT_OK;
}
