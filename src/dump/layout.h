/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Offsets and sizes resolved once per session (layout.def); internal to the core. */
#ifndef KT_LAYOUT_H
#define KT_LAYOUT_H
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "kvmtimer/reader.h"

struct kt_field { long off, size; };	/* off -1: absent */

/* The groups of layout.def's KT_GM/KT_GS entries. */
enum kt_layout_group { KT_LG_TK_DATA, KT_LG_HOST_TSC, KT_LG_COUNT };

struct kt_layout {
#define KT_M(t, m) struct kt_field t##__##m;
#define KT_S(t) long sizeof_##t;
#define KT_GM(g, t, m) KT_M(t, m)
#define KT_GS(g, t) KT_S(t)
#include "layout.def"
#undef KT_M
#undef KT_S
#undef KT_GM
#undef KT_GS
	bool group_resolved[KT_LG_COUNT];
	bool have_kvm;		/* kvm, kvm_vcpu, kvm_lapic, kvm_timer types found */
	bool have_hrtimer;
	/* Bytes of struct kvm_vcpu to read: the end of the last member we use (the
	 * struct is ~6.5 KB on 6.1, the fields we need end much earlier). */
	long vcpu_read_len;
	/* Bit offsets of hrtimer_cpu_base bitfields (-1 unknown). */
	long in_hrtirq_bit, hang_detected_bit, hres_active_bit;
};

/* Resolve the KT_M/KT_S entries (the KT_GM/KT_GS ones are left unresolved,
 * off -1, until kt_layout_need asks for their group). */
void kt_layout_resolve(const struct kt_reader *r, struct kt_layout *l);
/* Resolve group g's entries if not yet done (once per layout). */
void kt_layout_need(const struct kt_reader *r, struct kt_layout *l, enum kt_layout_group g);

static inline bool kt_has(struct kt_field f) { return f.off >= 0; }

/* Unsigned value of field f in a buffer holding the struct; 0 when absent or
 * outside the buffer.  Little-endian x86. */
static inline uint64_t kt_get(const void *buf, size_t len, struct kt_field f)
{
	uint64_t v = 0;
	if (f.off < 0 || f.size <= 0 || f.size > 8 || (size_t)(f.off + f.size) > len)
		return 0;
	memcpy(&v, (const char *)buf + f.off, (size_t)f.size);
	return v;
}

/* Signed (sign-extended from the member's size). */
static inline int64_t kt_gets(const void *buf, size_t len, struct kt_field f)
{
	uint64_t v = kt_get(buf, len, f);
	if (f.size > 0 && f.size < 8) {
		unsigned sh = (unsigned)(64 - 8 * f.size);
		return (int64_t)(v << sh) >> sh;
	}
	return (int64_t)v;
}

/* A nested field: outer.inner as one field (absent if either is). */
static inline struct kt_field kt_nest(struct kt_field outer, struct kt_field inner)
{
	if (outer.off < 0 || inner.off < 0)
		return (struct kt_field){ -1, -1 };
	return (struct kt_field){ outer.off + inner.off, inner.size };
}

#endif
