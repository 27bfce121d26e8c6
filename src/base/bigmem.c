// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Large arrays in their own 2 MiB-aligned anonymous mappings, madvised
 * MADV_HUGEPAGE (include/kvmtimer/bigmem.h says why).  Each block starts with a
 * header holding its mapping's length (kt_big_free needs it); small blocks
 * (under BIG_MIN) are plain malloc blocks behind the same header, so the
 * callers need not know which they got.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "kvmtimer/bigmem.h"

#define HUGE_SZ ((size_t)2 << 20)
/* Under this, a huge page would be mostly waste: malloc's. */
#define BIG_MIN ((size_t)1 << 20)

struct big_hdr {
	size_t mapped;		/* length of the mapping; 0: a malloc block */
	size_t bytes;		/* the caller's size */
	max_align_t align[];	/* the caller's bytes follow, aligned for any type */
};

static void *big_map(size_t total)
{
	/* Map one huge page more than needed and cut the misaligned ends off,
	 * so that every 2 MiB of the block can be one huge page. */
	size_t len = (total + HUGE_SZ - 1) & ~(HUGE_SZ - 1);
	char *raw = mmap(NULL, len + HUGE_SZ, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;

	if (raw == MAP_FAILED)
		return NULL;
	p = (char *)(((uintptr_t)raw + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1));
	if (p > raw)
		munmap(raw, (size_t)(p - raw));
	if (raw + len + HUGE_SZ > p + len)
		munmap(p + len, (size_t)(raw + len + HUGE_SZ - (p + len)));
	/* A hint: without THP (kernel or policy) the block is ordinary pages. */
	(void)madvise(p, len, MADV_HUGEPAGE);
	((struct big_hdr *)p)->mapped = len;
	return p;
}

static struct big_hdr *big_alloc(size_t bytes)
{
	size_t total = sizeof(struct big_hdr) + bytes;
	struct big_hdr *h;

	if (bytes > SIZE_MAX - sizeof(struct big_hdr) - HUGE_SZ)
		return NULL;
	if (total < BIG_MIN) {
		h = calloc(1, total);
		if (!h)
			return NULL;
		h->mapped = 0;
	} else {
		h = big_map(total);	/* anonymous memory: zero already */
		if (!h)
			return NULL;
	}
	h->bytes = bytes;
	return h;
}

void *kt_big_calloc(size_t n, size_t size)
{
	struct big_hdr *h;

	if (size && n > SIZE_MAX / size)
		return NULL;
	h = big_alloc(n * size);
	return h ? h->align : NULL;
}

static struct big_hdr *hdr_of(void *p)
{
	return (struct big_hdr *)((char *)p - offsetof(struct big_hdr, align));
}

void *kt_big_realloc(void *p, size_t n, size_t size)
{
	struct big_hdr *old, *h;

	if (!p)
		return kt_big_calloc(n, size);
	if (size && n > SIZE_MAX / size)
		return NULL;
	old = hdr_of(p);
	h = big_alloc(n * size);
	if (!h)
		return NULL;
	memcpy(h->align, p, old->bytes < h->bytes ? old->bytes : h->bytes);
	kt_big_free(p);
	return h->align;
}

void kt_big_free(void *p)
{
	struct big_hdr *h;

	if (!p)
		return;
	h = hdr_of(p);
	if (h->mapped)
		munmap(h, h->mapped);
	else
		free(h);
}
