// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <string.h>
#include "kvmtimer/htab.h"

/* FNV-1a, 64-bit. */
static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static struct kt_htab_slot *find_slot(struct kt_htab_slot *slots, size_t cap,
				      const char *key, uint64_t hash)
{
	size_t i = hash & (cap - 1);

	while (slots[i].key && (slots[i].hash != hash || strcmp(slots[i].key, key)))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* Rehash into cap slots (a power of two, more than used). */
static bool rehash(struct kt_htab *h, size_t cap)
{
	struct kt_htab_slot *n = calloc(cap, sizeof(*n));

	if (!n)
		return false;
	for (size_t i = 0; i < h->cap; i++)
		if (h->slots[i].key)
			*find_slot(n, cap, h->slots[i].key, h->slots[i].hash) = h->slots[i];
	free(h->slots);
	h->slots = n;
	h->cap = cap;
	return true;
}

static bool grow(struct kt_htab *h)
{
	return rehash(h, h->cap ? h->cap * 2 : 64);
}

bool kt_htab_reserve(struct kt_htab *h, size_t n)
{
	size_t cap = h->cap ? h->cap : 64;

	while ((h->used + n) * 4 > cap * 3)
		cap *= 2;
	return cap == h->cap || rehash(h, cap);
}

static bool insert(struct kt_htab *h, const char *key, uint64_t val, bool overwrite)
{
	uint64_t hash = hash_str(key);
	struct kt_htab_slot *s;

	if ((h->used + 1) * 4 > h->cap * 3 && !grow(h))
		return false;
	s = find_slot(h->slots, h->cap, key, hash);
	if (s->key) {
		if (overwrite)
			s->val = val;
		return true;
	}
	s->key = h->borrow ? (char *)key : strdup(key);
	if (!s->key)
		return false;
	s->hash = hash;
	s->val = val;
	h->used++;
	return true;
}

bool kt_htab_put(struct kt_htab *h, const char *key, uint64_t val)
{
	return insert(h, key, val, true);
}

bool kt_htab_add(struct kt_htab *h, const char *key, uint64_t val)
{
	return insert(h, key, val, false);
}

bool kt_htab_get(const struct kt_htab *h, const char *key, uint64_t *val)
{
	const struct kt_htab_slot *s;

	if (!h->cap)
		return false;
	s = find_slot(h->slots, h->cap, key, hash_str(key));
	if (!s->key)
		return false;
	if (val)
		*val = s->val;
	return true;
}

void kt_htab_free(struct kt_htab *h)
{
	for (size_t i = 0; !h->borrow && i < h->cap; i++)
		free(h->slots[i].key);
	free(h->slots);
	h->slots = NULL;
	h->cap = h->used = 0;
}
