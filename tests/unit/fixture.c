// SPDX-License-Identifier: GPL-2.0-or-later
/* FIXTURE reader (see fixture.h). */
#include <stdlib.h>
#include <string.h>
#include "fixture.h"

unsigned char *fx_map(struct fixture *f, uint64_t addr, size_t len)
{
	/* Overlapping regions would shadow each other: a fixture bug. */
	for (int i = 0; i < f->nregions; i++)
		if (addr < f->regions[i].addr + f->regions[i].len && f->regions[i].addr < addr + len)
			abort();
	struct fx_region *r = &f->regions[f->nregions++];
	r->addr = addr;
	r->len = len;
	r->bytes = calloc(1, len);
	return r->bytes;
}

static unsigned char *at(struct fixture *f, uint64_t addr, size_t len)
{
	for (int i = 0; i < f->nregions; i++) {
		struct fx_region *r = &f->regions[i];
		if (addr >= r->addr && addr + len <= r->addr + r->len)
			return r->bytes + (addr - r->addr);
	}
	return NULL;
}

void fx_put(struct fixture *f, uint64_t addr, const void *v, size_t len)
{
	unsigned char *p = at(f, addr, len);
	if (p)
		memcpy(p, v, len);
	else
		abort();	/* a fixture bug, not a test outcome */
}

void fx_u64(struct fixture *f, uint64_t addr, uint64_t v) { fx_put(f, addr, &v, 8); }
void fx_u32(struct fixture *f, uint64_t addr, uint32_t v) { fx_put(f, addr, &v, 4); }
void fx_u8(struct fixture *f, uint64_t addr, uint8_t v) { fx_put(f, addr, &v, 1); }

void fx_free(struct fixture *f)
{
	for (int i = 0; i < f->nregions; i++)
		free(f->regions[i].bytes);
	f->nregions = 0;
}

static enum kt_status fx_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	unsigned char *p = at(ctx, addr, len);
	if (!p)
		return KT_EFAULT;
	memcpy(buf, p, len);
	return KT_OK;
}

static enum kt_status fx_symbol(void *ctx, const char *name, uint64_t *addr)
{
	const struct fixture *f = ctx;
	for (const struct fx_sym *s = f->syms; s->name; s++)
		if (!strcmp(s->name, name)) {
			*addr = s->addr;
			return KT_OK;
		}
	return KT_ENOENT;
}

static enum kt_status fx_symbol_name(void *ctx, uint64_t addr, char *buf, size_t len,
				     uint64_t *off)
{
	const struct fixture *f = ctx;
	for (const struct fx_sym *s = f->syms; s->name; s++)
		if (addr >= s->addr && addr < s->addr + (s->size ? s->size : 1)) {
			strncpy(buf, s->name, len - 1);
			buf[len - 1] = 0;
			*off = addr - s->addr;
			return KT_OK;
		}
	buf[0] = 0;
	return KT_ENOENT;
}

static const struct fx_member *member(const struct fixture *f, const char *type, const char *m)
{
	for (const struct fx_member *p = f->members; p->type; p++)
		if (!strcmp(p->type, type) && !strcmp(p->member, m))
			return p;
	return NULL;
}

long fx_off(const struct fixture *f, const char *type, const char *m)
{
	const struct fx_member *p = member(f, type, m);
	return p ? p->off : -1;
}

static long fx_member_offset(void *ctx, const char *type, const char *m)
{
	return fx_off(ctx, type, m);
}

static long fx_member_size(void *ctx, const char *type, const char *m)
{
	const struct fx_member *p = member(ctx, type, m);
	return p ? p->size : -1;
}

static long fx_type_size(void *ctx, const char *type)
{
	const struct fixture *f = ctx;
	for (const struct fx_type *t = f->types; t->type; t++)
		if (!strcmp(t->type, type))
			return t->size;
	return -1;
}

static long fx_var_member_offset(void *ctx, const char *var, const char *m)
{
	(void)ctx; (void)var; (void)m;
	return -1;
}

static int fx_nr_cpus(void *ctx)
{
	return ((const struct fixture *)ctx)->nr_cpus;
}

static enum kt_status fx_percpu(void *ctx, int cpu, uint64_t *off)
{
	const struct fixture *f = ctx;
	if (cpu < 0 || cpu >= 64 || !f->percpu[cpu])
		return KT_ENOENT;
	*off = f->percpu[cpu];
	return KT_OK;
}

const struct kt_reader_ops fx_ops = {
	.read = fx_read,
	.symbol = fx_symbol,
	.symbol_name = fx_symbol_name,
	.member_offset = fx_member_offset,
	.member_size = fx_member_size,
	.type_size = fx_type_size,
	.var_member_offset = fx_var_member_offset,
	.nr_cpus = fx_nr_cpus,
	.percpu_offset = fx_percpu,
};
