/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Types from DWARF (libdw): vmlinux and module debug files (kvm.ko, kvm-amd.ko),
 * src/dump/debuginfo.c: the CLI's reader and the crash extension's (which
 * hands it the files crash opened) share it.
 *
 * Lookups are by name and lazy: the first lookup of a name scans compile units
 * (top-level DIEs only) until it finds a definition, indexing every named type
 * and variable on the way, so later lookups are one hash probe and a file is
 * scanned at most once.  Results of member lookups are cached by "type.member":
 * 1,000 vCPUs cost no more DWARF work than one.
 *
 * Absent is -1 everywhere, never 0.  Type names may be "kvm_lapic",
 * "struct kvm_lapic" or "union ..." or a typedef/base type name ("ktime_t").
 * Member names may be dotted paths ("arch.apic", "battr.attr.name"); members of
 * anonymous structs and unions are found at any depth.
 */
#ifndef KVMTIMER_DEBUGINFO_H
#define KVMTIMER_DEBUGINFO_H
#include <stdbool.h>
#include <gelf.h>
#include "kvmtimer/error.h"

struct kt_di;

struct kt_di *kt_di_new(void);
void kt_di_free(struct kt_di *di);

/* Add a debug file: modname NULL for vmlinux, else the module's name as the
 * kernel spells it ("kvm_amd").  ET_REL module files get their DWARF
 * relocations applied (libdwfl).  KT_ENOENT/KT_EINVAL with a message. */
enum kt_status kt_di_add(struct kt_di *di, const char *path, const char *modname,
			 struct kt_err *err);

/* Number of files added, and each one's ELF (symbol tables), path and module
 * name (NULL: vmlinux). */
int kt_di_nfiles(const struct kt_di *di);
Elf *kt_di_elf(const struct kt_di *di, int i);
const char *kt_di_path(const struct kt_di *di, int i);
const char *kt_di_modname(const struct kt_di *di, int i);
/* Index of the file for module `name` ('-' and '_' equal), -1 if none. */
int kt_di_find_module(const struct kt_di *di, const char *name);

/* Index first the compile unit of file fi holding the code of `function`
 * (an ELF symbol of that file), for a type or static variable defined in one
 * .c file only, that the in-order scan would reach late (module_sect_attrs:
 * kernel/module/sysfs.c, a fifth of vmlinux in).  Only the order of the scan
 * changes: nothing happens when the symbol or its unit is not found, and a
 * name the unit lacks is still found by the scan.  Each unit once. */
void kt_di_index_unit_of(struct kt_di *di, int fi, const char *function);

/* kt_di_index_unit_of(vmlinux, ...) for each vmlinux-only name the core's
 * layout (src/dump/layout.def) looks up: both readers call it once, after
 * adding their files.  An ordering hint only (see the list in debuginfo.c). */
void kt_di_index_core_units(struct kt_di *di);

/*
 * An ELF file's .symtab, read in place when it is a 64-bit file with a
 * NUL-terminated string table: the Elf64_Sym array as elf_getdata() hands it
 * out (already in the host's layout); any other file through gelf_getsym()
 * and elf_strptr(), which per symbol were a third of reading vmlinux's
 * 150,000 symbols.
 */
struct kt_elf_symtab {
	Elf *elf;
	Elf_Data *data;
	size_t strndx;
	size_t count;		/* entries, the null symbol 0 included */
	const Elf64_Sym *raw;	/* NULL: the gelf path */
	const char *str;
	size_t nstr;
};
/* false: no symbol table. */
bool kt_elf_symtab_open(Elf *elf, struct kt_elf_symtab *t);
/* Symbol i and its name (NULL: none); false when unreadable. */
bool kt_elf_symtab_get(const struct kt_elf_symtab *t, size_t i, GElf_Sym *sym, const char **name);

/* Address of a symbol in the ELF file itself (unrelocated): 0 when absent. */
uint64_t kt_elf_symbol(Elf *elf, const char *name);

/* Byte offset of member (dotted path) in type: -1 when absent. */
long kt_di_member_offset(struct kt_di *di, const char *type, const char *member);
/* Bit offset of member from the start of type (bit-fields exact): -1 absent. */
long kt_di_member_bit_offset(struct kt_di *di, const char *type, const char *member);
/* Size of that member (arrays: the whole array): -1 when absent. */
long kt_di_member_size(struct kt_di *di, const char *type, const char *member);
/* sizeof(type): -1 when absent. */
long kt_di_type_size(struct kt_di *di, const char *type);
/* Offset of member inside the type of global variable var: -1 when absent. */
long kt_di_var_member_offset(struct kt_di *di, const char *var, const char *member);
/* Number of elements of global array variable var (first dimension): -1 when
 * absent or not an array. */
long kt_di_var_array_len(struct kt_di *di, const char *var);

#endif
