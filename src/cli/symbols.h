/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel and module symbols from ELF symbol tables, relocated to where they
 * are in the dump: vmlinux by the KASLR offset (per-CPU symbols, which are
 * offsets into the per-CPU area, are not moved), module symbols from their
 * section-relative values plus each section's load address in the dump.
 */
#ifndef KT_CLI_SYMBOLS_H
#define KT_CLI_SYMBOLS_H
#include <gelf.h>
#include <stddef.h>
#include <stdint.h>
#include "kvmtimer/debuginfo.h"
#include "kvmtimer/error.h"

struct kt_syms;

/* Where a module's sections are: name -> address, from the dump. */
struct kt_modsect {
	char name[64];
	uint64_t addr;
};

struct kt_syms *kt_syms_new(void);
void kt_syms_free(struct kt_syms *s);

/* Add vmlinux's .symtab; kaslr is added to every address in the kernel image
 * (>= __START_KERNEL_map), not to per-CPU offsets. */
enum kt_status kt_syms_add_vmlinux(struct kt_syms *s, Elf *elf, uint64_t kaslr,
				   struct kt_err *err);
/* Add a module's .symtab (ET_REL: values relative to their section), placing
 * each section at the address sects gives it; symbols in sections absent from
 * sects (freed .init.*, not loaded) are skipped. */
enum kt_status kt_syms_add_module(struct kt_syms *s, Elf *elf, const char *modname,
				  const struct kt_modsect *sects, int nsects,
				  struct kt_err *err);

/* Address of a symbol: KT_OK, KT_ENOENT (or KT_ENOMEM building the index of
 * names).  vmlinux first, globals first. */
enum kt_status kt_syms_lookup(struct kt_syms *s, const char *name, uint64_t *addr);
/* Symbol containing addr (within its size; 4 KiB past a sizeless one):
 * name, offset and module (NULL: vmlinux).  NULL when none. */
const char *kt_syms_name(struct kt_syms *s, uint64_t addr, uint64_t *offset,
			 const char **module);

#endif
