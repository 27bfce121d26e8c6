/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Types for the lapic.c shapes (shapes.c): the members of struct kvm_lapic,
 * kvm_timer, hrtimer and kvm_vcpu that arch/x86/kvm/lapic.c's periodic timer
 * code touches, in 6.1/6.12 order (hrtimer first in kvm_timer, node.expires at
 * 0x18).  test_fixshapes.c gives the fix-status reader these offsets, exactly
 * as debuginfo would.
 */
#ifndef KT_SHAPES_H
#define KT_SHAPES_H
typedef long long s64;
typedef unsigned long long u64;
typedef s64 ktime_t;

struct rb_node { unsigned long parent_color; struct rb_node *right, *left; };
struct timerqueue_node { struct rb_node node; ktime_t expires; };
struct hrtimer {
	struct timerqueue_node node;
	ktime_t _softexpires;
	int (*function)(struct hrtimer *);
	void *base;
	unsigned char state, is_rel, is_soft, is_hard;
};
struct kvm_timer {
	struct hrtimer timer;
	s64 period;			/* unit: ns */
	ktime_t target_expiration;
	unsigned int timer_mode;
	unsigned int timer_mode_mask;
	u64 tscdeadline;
	u64 expired_tscdeadline;
	unsigned int timer_advance_ns;
	int pending;
	_Bool hv_timer_in_use;
};
struct kvm_vcpu;
struct kvm_lapic {
	unsigned long base_address;
	void *dev_ops;
	struct kvm_timer lapic_timer;
	unsigned int divide_count;
	struct kvm_vcpu *vcpu;
	_Bool apicv_active;
};
struct kvm_vcpu_arch {
	u64 regs[16];
	struct kvm_lapic *apic;
	unsigned int virtual_tsc_mult;
	signed char virtual_tsc_shift;
};
struct kvm_vcpu {
	char head[0x40];
	struct kvm_vcpu_arch arch;
};
/* struct bug_entry with relative pointers, as on x86-64. */
struct bug_entry {
	int bug_addr_disp;
	int file_disp;
	unsigned short line;
	unsigned short flags;
};
#endif
