/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A snapshot: what the core read from a real dump, replayed behind the reader
 * interface (tests/snapshot/record.c makes them).  Text, gzip-compressed, one answer a line:
 *
 *   sym NAME ADDR|-          symbol address or absent
 *   symname ADDR NAME OFF|-  the symbol containing ADDR, or none
 *   moff|msize|mbit TYPE MEMBER VALUE   member offset / size / bit offset (-1 absent)
 *   varoff VAR MEMBER VALUE  member of a global variable's type
 *   tsize TYPE VALUE         sizeof
 *   cpus N                   possible CPU slots
 *   percpu CPU OFFSET        __per_cpu_offset[CPU]
 *   info KEY VALUE           VMCOREINFO
 *   target ADDR              a vCPU address, for "kvmlapic ADDR"
 *   mem ADDR HEX             memory the core read (merged ranges)
 * and kvmregs' answers (TEXT words escaped as snapline.h says, REGS the
 * register set word there):
 *   prstatus CPU ST GOT HEX|- TEXT   a CPU's NT_PRSTATUS descriptor, or the error
 *   dpath ADDR NAME|-                 the debug file (by name) holding ADDR's code
 *   dvars FILE FUNC OFF REGS ST ERRADDR TEXT N CHAIN   variables at FUNC+OFF
 *   dvar NAME SCOPE INL PARAM TYPE SIZE SIGNED PTR KIND WHERE REG ADDR VALUE HAS FRAME
 *                                     (N of them follow their dvars line)
 *   dunwind FILE FUNC OFF REGS ST ERRADDR TEXT CALLER SOURCE WHERE PID
 *                                     the caller's registers by CFI
 * A question never recorded is answered "not in the snapshot" (KT_ENOENT).
 *
 * The fuzz targets mutate a working copy (snap_reset restores it) through the
 * arrays below: memory bytes, holes (unreadable ranges), layout answers and
 * symbol addresses.
 */
#ifndef KT_TESTS_SNAPSHOT_H
#define KT_TESTS_SNAPSHOT_H
#include <stddef.h>
#include <stdint.h>
#include "kvmtimer/dwarf_vars.h"
#include "kvmtimer/reader.h"
#include "kvmtimer/regs.h"

struct snap_region {
	uint64_t addr;
	size_t len;
	unsigned char *orig, *bytes;
	/* One unreadable hole per region at most: [hole_off, hole_off + hole_len). */
	size_t hole_off, hole_len;
};

enum snap_kind { SK_MOFF, SK_MSIZE, SK_MBIT, SK_VAROFF, SK_TSIZE };
struct snap_layout { enum snap_kind kind; char *a, *b; long orig, value; };
struct snap_sym { char *name; uint64_t orig, addr; int orig_ok, ok; };
/* An answer as recorded (exact) or a symbol start for other addresses. */
struct snap_symname { uint64_t addr, off; char *name; };
struct snap_info { char *key, *value; };
struct snap_prstatus { int cpu, st; size_t got, len; unsigned char *bytes; char *msg; };
struct snap_dpath { uint64_t addr; char *name; };
/* A DWARF answer: its question (file, function, offset, register set) and
 * what libdw said: status, error, then the variables or the caller's registers. */
struct snap_dwarf {
	char *key;		/* "FILE FUNC OFF REGS" as recorded */
	int st;
	uint64_t err_addr;
	char *msg, *chain;
	struct kt_var *vars;
	int nvars;
	struct kt_regs caller;
};

struct snapshot {
	struct snap_region *regions;
	size_t nregions;
	struct snap_layout *layout;
	size_t nlayout;
	struct snap_sym *syms;
	size_t nsyms;
	struct snap_symname *symnames;	/* recorded answers, by addr */
	size_t nsymnames;
	struct snap_symname *starts;	/* symbol starts (off 0), by addr */
	size_t nstarts;
	struct snap_info *info;
	size_t ninfo;
	struct snap_prstatus *prstatus;
	size_t nprstatus;
	struct snap_dpath *dpaths;
	size_t ndpaths;
	struct snap_dwarf *dvars, *dunwinds;
	size_t ndvars, ndunwinds;
	int nr_cpus;
	uint64_t percpu[512];
	unsigned char percpu_ok[512];
	char target[32];
};

extern const struct kt_reader_ops snap_ops;

/* Load path (gzip or plain text): 0, or -1 with a message on stderr. */
int snap_load(struct snapshot *s, const char *path);
/* Free everything snap_load allocated. */
void snap_free(struct snapshot *s);
/* Undo every mutation. */
void snap_reset(struct snapshot *s);

#endif
