// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The periodic-timer code of arch/x86/kvm/lapic.c (6.1 and 6.12), reduced to
 * what the fix-status reader looks at, in every shape the upstream series can
 * leave it in.  Compiled at test build time with gcc and clang, -O2 and -Os,
 * with and without -fcf-protection and -mfunction-return=thunk-extern, and read
 * back through the core's reader (tests/unit/test_fixshapes.c).
 *
 *  EXPIRY  1: hrtimer_set_expires(target_expiration)      (9633f180ce99)
 *          2: hrtimer_add_expires_ns(period)              (before it)
 *          3: hrtimer_forward_now(period): neither shape  (a hypothetical rewrite)
 *  CLAMP   1: target clamped to ktime_get()               (18ab3fc8e880)
 *  WARN    1: WARN_ON_ONCE(!period) in apic_timer_fn      (0ea9494be9c9)
 *  INLINE  1: advance_periodic_target_expiration always inlined; 0: never
 *          (left to itself the compiler may also clone it: .isra/.constprop)
 */
#include "shapes.h"

ktime_t ktime_get(void);
u64 kvm_read_l1_tsc(struct kvm_vcpu *vcpu, u64 host_tsc);
void kvm_vcpu_kick(struct kvm_vcpu *vcpu);
void restart_apic_timer(struct kvm_lapic *apic);
u64 hrtimer_forward_now(struct hrtimer *timer, ktime_t interval);

#define APIC_LVT_TIMER_PERIODIC (1 << 17)
#define container_of(p, type, member) ((type *)((char *)(p) - __builtin_offsetof(type, member)))
#define unlikely(x) __builtin_expect(!!(x), 0)

/* x86 WARN: a ud2 and a __bug_table entry (address relative to the entry,
 * file 0, line 0, flags BUGFLAG_WARNING | BUGFLAG_ONCE). */
#define WARN_ON_ONCE(cond) ({							\
	int __c = !!(cond);							\
	if (unlikely(__c))							\
		__asm__ volatile("1:\tud2\n\t"					\
				 ".pushsection __bug_table,\"aw\"\n"		\
				 "2:\t.long 1b - 2b\n\t.long 0\n\t.word 0\n\t.word 3\n\t" \
				 ".popsection" ::: "memory");			\
	unlikely(__c); })

#if INLINE
#define ADVANCE_ATTR static inline __attribute__((always_inline))
#else
#define ADVANCE_ATTR static __attribute__((noinline))
#endif

static inline u64 rdtsc(void)
{
	unsigned int lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

/* pvclock_scale_delta: shift, then the high half of a 64x32 product. */
static inline u64 nsec_to_cycles(struct kvm_vcpu *vcpu, u64 nsec)
{
	int shift = vcpu->arch.virtual_tsc_shift;
	unsigned int mul = vcpu->arch.virtual_tsc_mult;
	if (shift < 0)
		nsec >>= -shift;
	else
		nsec <<= shift;
	return (u64)(((unsigned __int128)nsec * mul) >> 32);
}

static inline _Bool lapic_is_periodic(struct kvm_lapic *apic)
{
	return apic->lapic_timer.timer_mode == APIC_LVT_TIMER_PERIODIC;
}

static inline void apic_timer_expired(struct kvm_lapic *apic, _Bool from_timer_fn)
{
	struct kvm_timer *ktimer = &apic->lapic_timer;
	if (ktimer->pending)
		return;
	if (ktimer->hv_timer_in_use)
		ktimer->expired_tscdeadline = ktimer->tscdeadline;
	__atomic_fetch_add(&ktimer->pending, 1, __ATOMIC_SEQ_CST);
	if (from_timer_fn)
		kvm_vcpu_kick(apic->vcpu);
}

ADVANCE_ATTR void advance_periodic_target_expiration(struct kvm_lapic *apic)
{
	ktime_t now = ktime_get();
	u64 tscl = rdtsc();
	ktime_t delta;

	apic->lapic_timer.target_expiration += apic->lapic_timer.period;
#if CLAMP
	if (apic->lapic_timer.target_expiration < now)
		apic->lapic_timer.target_expiration = now;
#endif
	delta = apic->lapic_timer.target_expiration - now;
	apic->lapic_timer.tscdeadline = kvm_read_l1_tsc(apic->vcpu, tscl) +
					nsec_to_cycles(apic->vcpu, (u64)delta);
}

int apic_timer_fn(struct hrtimer *data);
int apic_timer_fn(struct hrtimer *data)
{
	struct kvm_timer *ktimer = container_of(data, struct kvm_timer, timer);
	struct kvm_lapic *apic = container_of(ktimer, struct kvm_lapic, lapic_timer);

	apic_timer_expired(apic, 1);
#if WARN
	if (lapic_is_periodic(apic) && !WARN_ON_ONCE(!apic->lapic_timer.period)) {
#else
	if (lapic_is_periodic(apic)) {
#endif
		advance_periodic_target_expiration(apic);
#if EXPIRY == 1
		ktimer->timer.node.expires = ktimer->target_expiration;
		ktimer->timer._softexpires = ktimer->target_expiration;
#elif EXPIRY == 2
		ktimer->timer.node.expires += ktimer->period;
		ktimer->timer._softexpires += ktimer->period;
#else
		hrtimer_forward_now(&ktimer->timer, ktimer->period);
#endif
		return 1;	/* HRTIMER_RESTART */
	}
	return 0;
}

/* The other caller (VMX preemption timer expiry). */
void kvm_lapic_expired_hv_timer(struct kvm_vcpu *vcpu);
void kvm_lapic_expired_hv_timer(struct kvm_vcpu *vcpu)
{
	struct kvm_lapic *apic = vcpu->arch.apic;

	if (!apic->lapic_timer.hv_timer_in_use)
		return;
	apic_timer_expired(apic, 0);
	if (lapic_is_periodic(apic) && apic->lapic_timer.period) {
		advance_periodic_target_expiration(apic);
		restart_apic_timer(apic);
	}
}
