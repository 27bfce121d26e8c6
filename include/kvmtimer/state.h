/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decoded host state: what the walkers read out of a dump and what the model,
 * detectors and writers consume: only what was read (what analyze/ derives
 * from it is in kvmtimer/analysis.h).  Units are in the names (_ns, _tsc,
 * _cycles).
 * A field the dump's kernel does not have (member absent from debuginfo) has its
 * has_* flag false; a field that could not be read sets an error on its owner.
 */
#ifndef KVMTIMER_STATE_H
#define KVMTIMER_STATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kvmtimer/lapic.h"
#include "kvmtimer/kvm_caps.h"

#define KT_COMM_LEN 16
#define KT_SYM_LEN 64

/* Damage a walker met: what kind, where, and what it saw.  Walkers record it;
 * analyze/ turns it into CORRUPT findings (kvmtimer/analysis.h). */
enum kt_damage_kind {
	KT_DAMAGE_MISSING,	/* a symbol or type is not there: nothing walked */
	KT_DAMAGE_UNREADABLE,	/* memory at addr could not be read */
	KT_DAMAGE_WILD,		/* a pointer to unreadable memory */
	KT_DAMAGE_CYCLE,	/* a list or tree reaches addr twice */
	KT_DAMAGE_BOUND,	/* a walk hit its bound and stopped */
	KT_DAMAGE_INCONSISTENT,	/* fields that disagree (back-pointers, order, counts) */
	KT_DAMAGE_ABSENT,	/* nothing of the kind there, and why (a CPU not in an NMI,
				 * a backtrace reaching user space): not damage */
};
#define KT_MAX_DAMAGE 16
struct kt_damage {
	enum kt_damage_kind kind;
	uint64_t addr;
	char what[200];
};

/* One struct hrtimer as found in the dump. */
struct kt_hrtimer {
	uint64_t addr;
	int64_t expires_ns;	/* node.expires */
	int64_t softexpires_ns;	/* _softexpires */
	uint64_t function;	/* hrtimer.function */
	char function_name[KT_SYM_LEN];	/* "" when unknown */
	uint64_t base;		/* hrtimer.base (struct hrtimer_clock_base *) */
	uint8_t state;		/* HRTIMER_STATE_ENQUEUED = 1 */
	bool is_hard, has_is_hard;
	/* Where the walk of hrtimer_bases found it (cpu -1: not found in any tree). */
	int cpu;
	int clock_index;
	bool queued;		/* seen in a clock base's timerqueue */
	bool running;		/* hrtimer_clock_base.running points to it */
};

/* struct kvm_timer + the timer registers of the APIC page. */
struct kt_timer {
	uint64_t lapic_addr;	/* struct kvm_lapic * */
	bool regs_ok;
	uint32_t lvtt, tmict, tmcct, tdcr, spiv;
	uint32_t divide_count;	/* kvm_lapic.divide_count */
	uint32_t timer_mode, timer_mode_mask;
	enum kt_timer_mode mode;
	bool masked;
	uint8_t vector;
	int64_t period_ns;
	int64_t target_expiration_ns;
	uint64_t tscdeadline;
	uint64_t expired_tscdeadline;
	uint32_t timer_advance_ns; bool has_timer_advance_ns;	/* v5.1+ */
	int64_t advance_expire_delta; bool has_advance_expire_delta;	/* v5.3 .. ~6.0 */
	int32_t pending;
	bool hv_timer_in_use;
	bool sw_enabled;	/* SPIV bit 8 */
	struct kt_hrtimer hrtimer;	/* lapic_timer.timer */
};

/* TSC state of kvm_vcpu.arch. */
struct kt_vcpu_tsc {
	uint64_t l1_tsc_offset;
	uint64_t tsc_offset;
	uint64_t l1_tsc_scaling_ratio; bool has_l1_tsc_scaling_ratio;	/* v5.14 */
	uint64_t tsc_scaling_ratio;
	uint32_t virtual_tsc_khz;
	uint32_t virtual_tsc_mult;
	int8_t virtual_tsc_shift;
	uint64_t last_guest_tsc;
	uint64_t last_host_tsc;
	uint64_t this_tsc_nsec;
	uint64_t this_tsc_write;
	uint64_t last_tsc_nsec;
};

struct kt_vcpu {
	uint64_t addr;		/* struct kvm_vcpu * */
	int index;		/* index in vcpu_array / vcpus[] */
	int vcpu_id;
	int tid;		/* vcpu->pid's number, 0 if none */
	char comm[KT_COMM_LEN];
	int cpu;		/* vcpu->cpu (last host CPU, -1 when not loaded) */
	int mode;		/* vcpu->mode: OUTSIDE_GUEST_MODE 0, IN_GUEST_MODE 1, ... */
	uint32_t mp_state;
	uint64_t apic_base;
	bool x2apic;
	bool has_lapic;		/* vcpu->arch.apic != NULL and readable */
	struct kt_timer timer;
	struct kt_vcpu_tsc tsc;
	/* Damage found while reading this vCPU (CORRUPT): every one in what,
	 * joined by "; ", kind and address of the first. */
	struct kt_damage damage;
};

struct kt_vm {
	uint64_t addr;		/* struct kvm * */
	int userspace_pid;
	char comm[KT_COMM_LEN];
	int online_vcpus;
	char stats_id[48];
	/* kvm->arch.apic_bus_cycle_ns (v6.11, per VM, KVM_CAP_X86_APIC_BUS_CYCLES_NS); before,
	 * KVM's fixed APIC_BUS_CYCLE_NS = 1.  has_apic_bus_cycle: read from this kernel. */
	uint64_t apic_bus_cycle_ns;
	bool has_apic_bus_cycle;
	struct kt_vcpu *vcpus;
	int nvcpus;
	struct kt_damage damage;	/* what, kind and address of the first */
};

/* hrtimer_clock_base of one CPU. */
struct kt_clock_base {
	uint64_t addr;
	int index;
	int clockid;
	uint64_t running;		/* struct hrtimer * or 0 */
	struct kt_hrtimer *timers;	/* in expiry order */
	int ntimers;
	bool walk_truncated;		/* cap hit or cycle */
	struct kt_damage damage;	/* what, kind and address of the first */
};

#define KT_MAX_CLOCK_BASES 8
struct kt_cpu_hrtimers {
	int cpu;
	uint64_t cpu_base;	/* struct hrtimer_cpu_base * */
	uint32_t nr_events, nr_retries, nr_hangs;
	uint32_t max_hang_time_ns;
	bool hang_detected, in_hrtirq, hres_active;
	int64_t expires_next_ns;
	uint64_t next_timer;
	bool has_counters;	/* CONFIG_HIGH_RES_TIMERS fields present */
	bool has_bits;		/* in_hrtirq/hang_detected/hres_active bit offsets known */
	struct kt_clock_base bases[KT_MAX_CLOCK_BASES];
	int nbases;
};

enum kt_fix_status { KT_FIX_UNKNOWN, KT_FIX_FIXED, KT_FIX_VULNERABLE };
enum kt_vendor { KT_VENDOR_UNKNOWN, KT_VENDOR_VMX, KT_VENDOR_SVM };

/* One piece of evidence for the fix status (fixstatus.c).  Only code evidence
 * (KT_FW_FIXED / KT_FW_VULNERABLE) decides; the release string and a missing
 * WARN only support; a loaded livepatch casts doubt on what the code says. */
enum kt_fix_weight {
	KT_FW_NEUTRAL, KT_FW_FIXED, KT_FW_VULNERABLE, KT_FW_SUPPORTS_FIXED,
	KT_FW_SUPPORTS_VULNERABLE, KT_FW_DOUBT,
};
#define KT_MAX_FIX_EVIDENCE 8
struct kt_fix_evidence {
	const char *kind;	/* "expiry_source", "clamp", "warn", "release", "livepatch" */
	char where[64];		/* "apic_timer_fn+0x5c", "linux_banner", "klp_patches" */
	char seen[200];		/* what was seen, in words */
	enum kt_fix_weight weight;
};

struct kt_now {
	int64_t ns;
	const char *source;	/* "timekeeper", "user (-n)", "jiffies", ... */
	/* Every estimate, for display (0 = unavailable). */
	int64_t timekeeper_ns;
	int64_t jiffies_ns;
	int64_t max_expires_next_ns;	/* latest per-CPU expires_next in the past... */
	int64_t crashtime_s;	/* VMCOREINFO CRASHTIME (wall clock) */
	/* The host TSC at now: tkr_mono.cycle_last when the clocksource is the TSC
	 * (exact), else estimated from sched_clock's per-CPU data (timekeeping.c).
	 * has_host_tsc false: unknown, and nothing is computed from it. */
	uint64_t host_tsc;
	bool has_host_tsc;
	uint64_t host_tsc_err;		/* error bound, cycles (0: exact) */
	char host_tsc_source[160];	/* how it was obtained, or why it is unknown */
	uint64_t host_tsc_floor;	/* max kvm_vcpu.arch.last_host_tsc: the TSC was at least this */
	char clocksource[24];
	const char *timekeeper_where;	/* "tk_core.timekeeper", "shadow_timekeeper" */
};

/* Everything one command needs about the host. */
struct kt_host {
	struct kt_now now;
	enum kt_fix_status fix;
	char fix_evidence[200];		/* one-line summary */
	struct kt_fix_evidence fix_items[KT_MAX_FIX_EVIDENCE];
	int nfix_items;
	struct kt_tsc_caps caps;
	/* The active vendor, from the runtime kvm_x86_ops (caps.c), never from
	 * which symbols exist: a kernel may have kvm_intel and kvm_amd built in. */
	enum kt_vendor vendor;
	bool is_vmx;		/* vendor == KT_VENDOR_VMX */
	char vendor_evidence[160];
	/* The VMX preemption timer (hv timer) is in use on this host:
	 * kvm_x86_ops.set_hv_timer != NULL (vmx.c clears it without
	 * enable_preemption_timer), the first input of kvm_can_use_hv_timer(). */
	bool hv_timer;
	char hv_timer_evidence[160];
	uint32_t preemption_timer_multi;	/* vmx cpu_preemption_timer_multi */
	uint64_t min_timer_period_us;
	struct kt_vm *vms;
	int nvms;
	struct kt_cpu_hrtimers *cpus;
	int ncpus;
	/* vCPU lapic hrtimer address -> (vm, vcpu), sorted: owner lookups. */
	struct kt_owner { uint64_t hrtimer; int vm, vcpu; } *owners;
	int nowners;
	/* Host-level damage as the walkers met it (vm_list, hrtimer_bases...). */
	struct kt_damage damage[KT_MAX_DAMAGE];
	int ndamage;
	/* What is left of the output budget (bytes, estimated per record read;
	 * see kt_budget_take in src/core/host.c); set by kt_host_load. */
	int64_t budget_left;
	bool budget_hit;
};

void kt_host_free(struct kt_host *h);

#endif
