/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A FIXTURE reader: synthetic kernel memory, symbols and types behind the core's
 * reader interface.  Used only for what no dump made here can show (older
 * kernel layouts such as RHEL 8's 4.18); everything else is tested on real
 * vmcores from the dump factory.
 */
#ifndef KT_TEST_FIXTURE_H
#define KT_TEST_FIXTURE_H
#include <stdint.h>
#include "kvmtimer/reader.h"

struct fx_member { const char *type, *member; long off, size; };
struct fx_type { const char *type; long size; };
struct fx_sym { const char *name; uint64_t addr; uint64_t size; };

#define FX_MAX_REGIONS 64
struct fx_region { uint64_t addr; size_t len; unsigned char *bytes; };

struct fixture {
	const struct fx_member *members;
	const struct fx_type *types;
	const struct fx_sym *syms;
	struct fx_region regions[FX_MAX_REGIONS];
	int nregions;
	int nr_cpus;
	uint64_t percpu[64];	/* 0: CPU absent */
	const char *var_tk_member;	/* tk_core member answer, or NULL */
};

extern const struct kt_reader_ops fx_ops;

/* Allocate zeroed memory at addr (a "page" of the fake dump). */
unsigned char *fx_map(struct fixture *f, uint64_t addr, size_t len);
void fx_put(struct fixture *f, uint64_t addr, const void *v, size_t len);
void fx_u64(struct fixture *f, uint64_t addr, uint64_t v);
void fx_u32(struct fixture *f, uint64_t addr, uint32_t v);
void fx_u8(struct fixture *f, uint64_t addr, uint8_t v);
long fx_off(const struct fixture *f, const char *type, const char *member);
void fx_free(struct fixture *f);

#endif
