/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small open-addressing set of addresses: cycle detection in bounded walks. */
#ifndef KT_BASE_ADDRSET_H
#define KT_BASE_ADDRSET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kt_addrset { uint64_t *slots; size_t cap, n; };
bool kt_addrset_add(struct kt_addrset *s, uint64_t a);	/* false: already there */
bool kt_addrset_has(const struct kt_addrset *s, uint64_t a);
void kt_addrset_free(struct kt_addrset *s);

#endif
