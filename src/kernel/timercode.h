/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a compiled KVM function does with the periodic timer's fields: a
 * forward pass over its machine code (x86insn.c) that follows values from
 * their loads (kvm_timer.period, .target_expiration, the hrtimer expiry) and
 * from ktime_get() to their stores and compares.  It is data flow, not byte
 * patterns: it does not care which registers, instruction forms, preambles
 * (endbr64, kCFI, call-depth thunks) or inlining the compiler chose.
 * Internal to the core (fixstatus.c is its user; tests call it directly).
 */
#ifndef KT_TIMERCODE_H
#define KT_TIMERCODE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the followed fields are, as offsets in struct kvm_lapic (-1: unknown). */
struct kt_timer_fields {
	long period, target, expires, softexpires;	/* in kvm_lapic */
	long timer;		/* kvm_lapic.lapic_timer.timer: the hrtimer apic_timer_fn gets */
	long ktimer;		/* kvm_lapic.lapic_timer */
	long vcpu_apic;		/* kvm_vcpu.arch.apic (kvm_lapic_expired_hv_timer's load) */
};

/* What the function's first argument points to. */
enum kt_code_entry {
	KT_ENTRY_UNKNOWN,	/* a clone (.isra/.constprop) may have changed its arguments */
	KT_ENTRY_HRTIMER,	/* apic_timer_fn(struct hrtimer *) */
	KT_ENTRY_LAPIC,		/* advance_periodic_target_expiration(struct kvm_lapic *) */
	KT_ENTRY_VCPU,		/* kvm_lapic_expired_hv_timer(struct kvm_vcpu *) */
};

#define KT_CODE_MAX 8
struct kt_code_facts {
	/* Stores to the hrtimer expiry (node.expires or _softexpires): */
	long expiry_copy;	/* first offset storing target_expiration (9633f180ce99), -1 */
	long expiry_add;	/* first offset storing expiry + period (pre-fix), -1 */
	int nexpiry_copy, nexpiry_add;
	/* advance_periodic_target_expiration's work, wherever it was inlined: */
	long target_advance;	/* store of target_expiration + period, -1 */
	long clamp;		/* flags of a compare of ktime_get() with the new target
				 * consumed by cmov/jcc/setcc (18ab3fc8e880), -1 */
	long ktime_call;	/* call ktime_get, -1 */
	/* 0ea9494be9c9: a zero test of the period whose branch reaches a ud2. */
	long period_zero_test;	/* offset of the test, -1 */
	uint64_t zero_branch[KT_CODE_MAX];	/* jcc target and fall-through after it */
	int nzero_branch;
	uint64_t ud[KT_CODE_MAX];	/* addresses of ud2/ud1 in the function */
	int nud;
	uint64_t calls[KT_CODE_MAX];	/* direct call targets, in order */
	int ncalls;
	size_t decoded;		/* bytes decoded before the end or an undecodable byte */
};

/* Names call targets (ktime_get, advance_periodic_target_expiration...):
 * fills buf with the symbol at addr ("" when none). */
typedef void (*kt_code_namer)(void *ctx, uint64_t addr, char *buf, size_t len);

void kt_code_scan(const unsigned char *code, size_t len, uint64_t addr,
		  enum kt_code_entry entry, const struct kt_timer_fields *f,
		  kt_code_namer namer, void *ctx, struct kt_code_facts *out);

/* Is there a ud2/ud1 among the first few instructions at code? (a WARN's slow path) */
bool kt_code_starts_with_ud(const unsigned char *code, size_t len, uint64_t addr,
			    uint64_t *ud_addr);

#endif
