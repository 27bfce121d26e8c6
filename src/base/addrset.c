// SPDX-License-Identifier: GPL-2.0-or-later
/* Open-addressing set of addresses, for cycle detection in bounded walks. */
#include <stdlib.h>
#include "base/addrset.h"

static size_t slot_of(uint64_t a, size_t cap)
{
	a ^= a >> 33;
	a *= 0xff51afd7ed558ccdULL;
	a ^= a >> 33;
	return (size_t)a & (cap - 1);
}

bool kt_addrset_has(const struct kt_addrset *s, uint64_t a)
{
	if (!s->cap || !a)
		return false;
	for (size_t i = slot_of(a, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (s->slots[i] == a)
			return true;
		if (!s->slots[i])
			return false;
	}
}

bool kt_addrset_add(struct kt_addrset *s, uint64_t a)
{
	if (!a)
		return true;	/* 0 is never a node: treated as new, never stored */
	if ((s->n + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		uint64_t *ns = calloc(ncap, sizeof(*ns));
		if (!ns)
			return true;	/* out of memory: walk bounds still stop cycles */
		for (size_t i = 0; i < s->cap; i++)
			if (s->slots[i])
				for (size_t j = slot_of(s->slots[i], ncap);; j = (j + 1) & (ncap - 1))
					if (!ns[j]) { ns[j] = s->slots[i]; break; }
		free(s->slots);
		s->slots = ns;
		s->cap = ncap;
	}
	for (size_t i = slot_of(a, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (s->slots[i] == a)
			return false;
		if (!s->slots[i]) {
			s->slots[i] = a;
			s->n++;
			return true;
		}
	}
}

void kt_addrset_free(struct kt_addrset *s)
{
	free(s->slots);
	s->slots = NULL;
	s->cap = s->n = 0;
}
