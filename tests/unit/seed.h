/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The seed case (shared/seeds/002_c12388c18dc34019.txt; KERNEL-NOTES.md): RHEL 8
 * 4.18.0-372.19.1.el8_6 on Intel, NMI hard lockup in advance_periodic_target_expiration
 * <- apic_timer_fn <- __hrtimer_run_queues on CPU 45.  Values as printed by crash
 * (`struct kvm_lapic ff440d5956f99200`, `struct kvm_vcpu.arch`) and the NMI frame's
 * registers: RCX = ktime_get(), RSI = guest TSC after kvm_read_l1_tsc, RBX = delta.
 */
#ifndef KT_TEST_SEED_H
#define KT_TEST_SEED_H
#define SEED_PERIOD_NS			1739904LL
#define SEED_TARGET_EXPIRATION_NS	32733273709929306LL
#define SEED_NOW_NS			37219008123141068LL	/* RCX 0x00843a7d9e127bcc */
#define SEED_DELTA_NS			(-4485734413211762LL)	/* RBX 0xfff0103f91be678e */
#define SEED_GUEST_TSC			0x0052ca4003697505ULL	/* RSI */
#define SEED_L1_TSC_OFFSET		0xff2ff2a42deb6a84ULL	/* R8, = arch.l1_tsc_offset */
#define SEED_RATIO			281474976710656ULL	/* 2^48: 1.0 on VMX */
#define SEED_VIRTUAL_TSC_MULT		2356694726U
#define SEED_VIRTUAL_TSC_SHIFT		2
#define SEED_TSCDEADLINE		10135384616420291996ULL
#define SEED_HRTIMER_EXPIRES_NS		32733273708189402LL	/* target - one period */
#define SEED_TIMER_ADVANCE_NS		2836U
#define SEED_ADVANCE_EXPIRE_DELTA	10582308149557745LL
#define SEED_LAPIC			0xff440d5956f99200ULL
#define SEED_VCPU			0xff440d5bfbdbd500ULL
#define SEED_CPU			45
/* Host TSC that makes kvm_read_l1_tsc() return RSI: RSI - l1_tsc_offset (mod 2^64),
 * python3: (0x0052ca4003697505 - 0xff2ff2a42deb6a84) % 2**64 = 81864807547800193. */
#define SEED_HOST_TSC			81864807547800193ULL
#endif
