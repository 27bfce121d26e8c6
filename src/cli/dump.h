/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A vmcore through libkdumpfile: kdump-compressed (makedumpfile, QEMU
 * dump-guest-memory -z/-l/-s) and ELF (QEMU dump-guest-memory, /proc/vmcore
 * copies).  libkdumpfile translates kernel virtual addresses itself (direct
 * map, kernel text with phys_base, page-table walk for vmalloc and module
 * space) from VMCOREINFO.  Pages excluded from the dump read as KT_EFAULT,
 * never as zeros.
 */
#ifndef KT_CLI_DUMP_H
#define KT_CLI_DUMP_H
#include <stddef.h>
#include <stdint.h>
#include "kvmtimer/error.h"
#include "kvmtimer/file.h"

struct kt_dump;


/* Open path: KT_OK, KT_ENOENT (no such file), KT_EINVAL (not a dump), each
 * with a one-line message. */
enum kt_status kt_dump_open(const char *path, struct kt_dump **out, struct kt_err *err);
void kt_dump_close(struct kt_dump *d);

/* Read len bytes at kernel virtual address addr: KT_OK or KT_EFAULT (any
 * byte unreadable: not in the dump, excluded, or no translation). */
enum kt_status kt_dump_read(struct kt_dump *d, uint64_t addr, void *buf, size_t len);
/* Same, physical address. */
enum kt_status kt_dump_read_phys(struct kt_dump *d, uint64_t addr, void *buf, size_t len);

/* VMCOREINFO value for key ("OSRELEASE", "KERNELOFFSET", "SYMBOL(_stext)"):
 * KT_OK or KT_ENOENT. */
enum kt_status kt_dump_vmcoreinfo(struct kt_dump *d, const char *key, char *buf, size_t len);
/* The format libkdumpfile detected ("elf", "diskdump"...). */
const char *kt_dump_format(struct kt_dump *d);
/* The dump's ELF notes (every PT_NOTE of an ELF core, or a kdump-compressed
 * file's note area) in one malloc'd buffer the caller frees.  KT_ENOENT: the
 * format has none; KT_ECORRUPT: the headers point outside the file. */
enum kt_status kt_dump_notes(struct kt_dump *d, unsigned char **buf, size_t *len,
			     struct kt_err *err);
/* Last libkdumpfile error text, for messages. */
const char *kt_dump_errmsg(struct kt_dump *d);

#endif
