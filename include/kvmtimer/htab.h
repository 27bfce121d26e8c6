/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small string-keyed hash table (open addressing, linear probing) for the
 * debuginfo and symbol caches: type and variable DIEs by name, member offsets by "type.member",
 * symbols by name.  Keys are copied unless .borrow is set; values are one
 * uint64_t each.
 */
#ifndef KVMTIMER_HTAB_H
#define KVMTIMER_HTAB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kt_htab_slot {
	char *key;		/* NULL: empty */
	uint64_t hash;
	uint64_t val;
};

struct kt_htab {
	struct kt_htab_slot *slots;
	size_t cap;		/* power of two */
	size_t used;
	bool borrow;		/* keys are not copied: the caller keeps them alive */
};

/* Insert or overwrite; false on out of memory. */
bool kt_htab_put(struct kt_htab *h, const char *key, uint64_t val);
/* Insert only when absent (the first definition wins); false on out of memory. */
bool kt_htab_add(struct kt_htab *h, const char *key, uint64_t val);
/* true and *val when present. */
bool kt_htab_get(const struct kt_htab *h, const char *key, uint64_t *val);
/* Room for n more keys without rehashing (one allocation for a known count
 * instead of a doubling per power of two); false on out of memory. */
bool kt_htab_reserve(struct kt_htab *h, size_t n);
void kt_htab_free(struct kt_htab *h);

#endif
