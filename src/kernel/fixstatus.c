// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Does the dumped kvm.ko have the upstream fix?  Read from its code, with the
 * struct offsets from debuginfo:
 *  - 9633f180ce99: apic_timer_fn() sets the hrtimer expiry to
 *    lapic_timer.target_expiration: a load from [B + target_expiration] whose
 *    register is stored to [B + timer.node.expires] (same base register B).
 *    Before it, apic_timer_fn() added the period to the expiry instead.
 *  - 18ab3fc8e880: advance_periodic_target_expiration() clamps the target to
 *    now: a signed cmov (cmovl/cmovg/cmovle/cmovge) there (supporting evidence).
 * Without the first, a stale periodic timer still catches up one period per
 * expiry, so only it decides "fixed"; an unreadable or missing function is
 * "unknown", never a guess.
 */
#include <stdio.h>
#include <string.h>
#include "kernel/host.h"

#define KT_MAX_FN 1024

struct memop { int reg, base; int32_t disp; bool store; };

/* Decode "mov r64, [base+disp]" (REX.W 8B) or "mov [base+disp], r64" (REX.W 89)
 * at p; returns the instruction length or 0. */
static int decode_mov(const unsigned char *p, size_t left, struct memop *m)
{
	if (left < 4 || (p[0] & 0xF8) != 0x48 || (p[1] != 0x8B && p[1] != 0x89))
		return 0;
	unsigned char rex = p[0], modrm = p[2];
	unsigned mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
	size_t len = 3;
	if (mod == 0 || mod == 3)
		return 0;	/* need a displacement */
	if (rm == 4) {	/* SIB: accept only "no index" */
		unsigned char sib = p[3];
		if (((sib >> 3) & 7) != 4)
			return 0;
		rm = sib & 7;
		len++;
	}
	int32_t disp;
	if (mod == 1) {
		if (left < len + 1)
			return 0;
		disp = (int8_t)p[len];
		len += 1;
	} else {
		if (left < len + 4)
			return 0;
		memcpy(&disp, p + len, 4);
		len += 4;
	}
	m->reg = (int)(reg | ((rex & 4) << 1));
	m->base = (int)(rm | ((rex & 1) << 3));
	m->disp = disp;
	m->store = p[1] == 0x89;
	return (int)len;
}

/* Length of the function at addr: where the symbol containing addr+off ends. */
static size_t function_len(struct kt_session *s, uint64_t addr, const char *name)
{
	size_t lo = 1, hi = KT_MAX_FN;
	char buf[96];
	uint64_t off;
	/* Binary search for the first offset that belongs to another symbol. */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->reader.ops->symbol_name(s->reader.ctx, addr + mid, buf, sizeof(buf), &off) ==
			    KT_OK && !strcmp(buf, name))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool read_function(struct kt_session *s, const char *name, unsigned char *code,
			  size_t *len, uint64_t *addr)
{
	if (kt_symbol(&s->reader, name, addr) != KT_OK)
		return false;
	*len = function_len(s, *addr, name);
	if (*len > KT_MAX_FN)
		*len = KT_MAX_FN;
	/* Read page-safely: shrink until readable. */
	while (*len > 0 && kt_read(&s->reader, *addr, code, *len) != KT_OK)
		*len /= 2;
	return *len > 0;
}

/* Offset in code of a copy target_expiration -> hrtimer expiry, or -1. */
long kt_find_expiry_copy(const unsigned char *code, size_t len, int32_t expires_minus_target)
{
	for (size_t i = 0; i < len; i++) {
		struct memop ld, st;
		int n = decode_mov(code + i, len - i, &ld);
		if (!n || ld.store)
			continue;
		/* The store follows within a few instructions. */
		for (size_t j = i + (size_t)n; j < len && j < i + (size_t)n + 24; j++) {
			int m = decode_mov(code + j, len - j, &st);
			if (m && st.store && st.reg == ld.reg && st.base == ld.base &&
			    st.disp - ld.disp == expires_minus_target)
				return (long)i;
		}
	}
	return -1;
}

/* Offset of a signed-compare cmov (REX.W 0F 4C..4F), or -1. */
long kt_find_signed_cmov(const unsigned char *code, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++)
		if ((code[i] & 0xF8) == 0x48 && code[i + 1] == 0x0F && code[i + 2] >= 0x4C &&
		    code[i + 2] <= 0x4F && (code[i + 3] >> 6) == 3)
			return (long)i;
	return -1;
}

void kt_load_fix_status(struct kt_session *s, struct kt_host *h)
{
	const struct kt_layout *l = &s->layout;
	unsigned char code[KT_MAX_FN];
	size_t len;
	uint64_t addr;

	h->fix = KT_FIX_UNKNOWN;
	if (!kt_has(l->kvm_timer__target_expiration) || !kt_has(l->kvm_timer__timer) ||
	    !kt_has(l->hrtimer__node) || !kt_has(l->timerqueue_node__expires)) {
		snprintf(h->fix_evidence, sizeof(h->fix_evidence),
			 "kvm_timer/hrtimer layout unknown (no kvm debuginfo)");
		return;
	}
	if (!read_function(s, "apic_timer_fn", code, &len, &addr)) {
		snprintf(h->fix_evidence, sizeof(h->fix_evidence),
			 "apic_timer_fn not found or unreadable in the dump");
		return;
	}
	int32_t delta = (int32_t)(l->kvm_timer__timer.off + l->hrtimer__node.off +
				  l->timerqueue_node__expires.off - l->kvm_timer__target_expiration.off);
	long at = kt_find_expiry_copy(code, len, delta);

	char clamp[80] = "";
	unsigned char acode[KT_MAX_FN];
	size_t alen;
	uint64_t aaddr;
	if (read_function(s, "advance_periodic_target_expiration", acode, &alen, &aaddr)) {
		long c = kt_find_signed_cmov(acode, alen);
		snprintf(clamp, sizeof(clamp), c >= 0 ?
			 "; clamp to now at advance_periodic_target_expiration+0x%lx (18ab3fc8e880)" :
			 "; no clamp in advance_periodic_target_expiration", c);
	}
	if (at >= 0) {
		h->fix = KT_FIX_FIXED;
		snprintf(h->fix_evidence, sizeof(h->fix_evidence),
			 "apic_timer_fn+0x%lx copies target_expiration into the hrtimer expiry (9633f180ce99)%s",
			 at, clamp);
	} else {
		h->fix = KT_FIX_VULNERABLE;
		snprintf(h->fix_evidence, sizeof(h->fix_evidence),
			 "apic_timer_fn (%zu bytes) never copies target_expiration into the hrtimer expiry: it adds the period (pre-9633f180ce99)%s",
			 len, clamp);
	}
}
