// SPDX-License-Identifier: GPL-2.0-or-later
/* Seed for fuzz_dwarf (fuzz/README.md): kvm-like types with nested, anonymous
 * and array members, compiled with -g into fuzz/corpus/fuzz_dwarf/. */
typedef long long ktime_t;
struct rb_node { unsigned long __rb_parent_color; struct rb_node *rb_right, *rb_left; };
struct timerqueue_node { struct rb_node node; ktime_t expires; };
struct hrtimer { struct timerqueue_node node; ktime_t _softexpires; void *function; void *base;
		 unsigned char state; };
struct kvm_timer { struct hrtimer timer; long long period; ktime_t target_expiration;
		   unsigned int timer_mode; union { unsigned long long tscdeadline; int a; }; };
struct kvm_lapic { unsigned long base_address; struct kvm_timer lapic_timer; void *regs; };
struct kvm_vcpu_arch { struct kvm_lapic *apic; unsigned long long l1_tsc_offset; };
struct kvm_vcpu { int cpu, vcpu_id; struct kvm_vcpu_arch arch; };
struct kvm { struct { void *next, *prev; } vm_list; struct kvm_vcpu *vcpus[288]; };
struct tk_read_base { void *clock; unsigned long long cycle_last; unsigned int mult, shift;
		      unsigned long long xtime_nsec; ktime_t base; };
struct timekeeper { struct tk_read_base tkr_mono; };
static struct { unsigned int seq; struct timekeeper timekeeper; } tk_core __attribute__((used));
unsigned long __per_cpu_offset[8192];
struct kvm *vm_list_owner;
struct kvm_vcpu v;
struct kvm k;
void apic_timer_fn(struct kvm_lapic *l) { l->lapic_timer.period++; }
