// SPDX-License-Identifier: GPL-2.0-or-later
/* Thin checked wrappers over the reader ops. */
#include "kvmtimer/reader.h"

enum kt_status kt_read(const struct kt_reader *r, uint64_t addr, void *buf, size_t len)
{
	/* The null page and addresses non-canonical even under 5-level paging
	 * (LA57: bits 63..56 equal) never hold kernel data. */
	if (addr < 4096 || (addr >> 56 != 0 && addr >> 56 != 0xff))
		return KT_EFAULT;
	return r->ops->read(r->ctx, addr, buf, len);
}

enum kt_status kt_read_u64(const struct kt_reader *r, uint64_t addr, uint64_t *v)
{
	return kt_read(r, addr, v, sizeof(*v));
}

enum kt_status kt_read_u32(const struct kt_reader *r, uint64_t addr, uint32_t *v)
{
	return kt_read(r, addr, v, sizeof(*v));
}

enum kt_status kt_symbol(const struct kt_reader *r, const char *name, uint64_t *addr)
{
	*addr = 0;
	return r->ops->symbol(r->ctx, name, addr);
}
