/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CLI's reader backend: a dump (libkdumpfile) plus types and symbols from
 * vmlinux and module debug files (libdw/libelf), behind struct kt_reader_ops.
 */
#ifndef KT_CLI_READER_DWARF_H
#define KT_CLI_READER_DWARF_H
#include <stdbool.h>
#include <stdio.h>
#include "kvmtimer/reader.h"

struct kt_cli_module {
	const char *name;	/* as the kernel spells it: "kvm_amd" */
	const char *path;	/* its debug file */
};

struct kt_cli_reader;

/* Open dump + debuginfo.  On failure *out is NULL and err says why:
 *   KT_ENOENT  a file does not exist
 *   KT_EINVAL  a file is not a dump / not ELF with DWARF
 *   KT_ENODATA vmlinux does not match the dump, or the dump lacks what every
 *              command needs (per-CPU offsets)
 * A module that is not loaded in the dump is no error: it is noted (see
 * kt_cli_reader_notes) and its symbols are absent. */
enum kt_status kt_cli_reader_open(const char *vmlinux, const struct kt_cli_module *mods,
				  int nmods, const char *dump, struct kt_cli_reader **out,
				  struct kt_err *err);
/* Same, with debuginfo the caller opened (vmlinux first, then modules) and
 * keeps: one struct kt_di serves many dumps of the same kernel, so its type
 * index and relocated module DWARF are built once.  Modules loaded later on
 * demand are added to it. */
struct kt_di;
enum kt_status kt_cli_reader_open_di(struct kt_di *di, const char *dump,
				     struct kt_cli_reader **out, struct kt_err *err);
void kt_cli_reader_close(struct kt_cli_reader *r);
/* The kt_reader to hand to the core. */
const struct kt_reader *kt_cli_reader_get(struct kt_cli_reader *r);
/* Print notes gathered while opening (module not loaded, KASLR source...),
 * one per line with the prefix given. */
void kt_cli_reader_notes(struct kt_cli_reader *r, FILE *fp, const char *prefix);
/* Whether the KVM types (struct kvm_vcpu, kvm_lapic) are available, loading
 * kvm.ko's debuginfo from the standard places if needed.  false with err
 * saying why: KT_ENODATA no KVM in the dump, KT_ENOENT no debuginfo found. */
bool kt_cli_reader_have_kvm(struct kt_cli_reader *r, struct kt_err *err);
/* Facts for tests and --verbose. */
uint64_t kt_cli_reader_kaslr(struct kt_cli_reader *r);
const char *kt_cli_reader_format(struct kt_cli_reader *r);

extern const struct kt_reader_ops kt_dwarf_reader_ops;

#endif
