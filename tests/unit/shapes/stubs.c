// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel functions the shapes call, as out-of-line symbols (compiled on
 * their own so no optimiser sees through them), and the return thunk of
 * -mfunction-return=thunk-extern.  Only their names matter to the reader.
 */
#include "shapes.h"

ktime_t ktime_get(void);
u64 kvm_read_l1_tsc(struct kvm_vcpu *vcpu, u64 host_tsc);
void kvm_vcpu_kick(struct kvm_vcpu *vcpu);
void restart_apic_timer(struct kvm_lapic *apic);
u64 hrtimer_forward_now(struct hrtimer *timer, ktime_t interval);

static volatile long sink;

ktime_t ktime_get(void) { return sink; }
u64 kvm_read_l1_tsc(struct kvm_vcpu *vcpu, u64 host_tsc) { sink = (long)vcpu; return host_tsc + (u64)sink; }
void kvm_vcpu_kick(struct kvm_vcpu *vcpu) { sink = (long)vcpu; }
void restart_apic_timer(struct kvm_lapic *apic) { sink = (long)apic; }
u64 hrtimer_forward_now(struct hrtimer *timer, ktime_t interval) { sink = (long)timer; return (u64)interval; }

/* The linker defines the bounds of __bug_table only when they are referenced. */
extern char __start___bug_table[] __attribute__((weak));
extern char __stop___bug_table[] __attribute__((weak));
void *const bug_table_bounds[2] = { __start___bug_table, __stop___bug_table };

__asm__(".text\n.globl __x86_return_thunk\n.type __x86_return_thunk,@function\n"
	"__x86_return_thunk:\n\tret\n\tint3\n.size __x86_return_thunk,.-__x86_return_thunk\n"
	".globl _start\n_start:\n\tret\n");
