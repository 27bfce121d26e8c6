/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loading a host's state from a session: the walkers of kernel/ (one file per
 * kernel concept) and the one call that runs them.  Layer kernel/: below it
 * dump/ and base/.  Walkers decode; damage they meet is recorded where it was
 * found (kt_host.damage, the VM's, vCPU's or clock base's note) and judged
 * by analyze/.
 */
#ifndef KT_KERNEL_HOST_H
#define KT_KERNEL_HOST_H
#include "dump/session.h"
#include "kvmtimer/state.h"

/* What to load for a command. */
struct kt_load_opts {
	bool vms;		/* walk vm_list and vCPUs */
	bool hrtimers;		/* walk every CPU's hrtimer bases */
	bool kvm_timers_only;	/* hrtimers: keep only KVM-owned timers (memory) */
	bool have_now;		/* now given by the user (-n) */
	int64_t now_ns;
};

/* Load the host state.  Damage found on the way is recorded on the host, VM,
 * vCPU or clock base; only "nothing can be read at all" is an error. */
enum kt_status kt_host_load(struct kt_session *s, const struct kt_load_opts *o,
			    struct kt_host *h, struct kt_err *err);

/* Pieces of kt_host_load (kvm_host.c, hrtimer.c, timekeeping.c, kvm_caps.c,
 * fixstatus.c). */
enum kt_status kt_load_vms(struct kt_session *s, struct kt_host *h, struct kt_err *err);
void kt_load_hrtimers(struct kt_session *s, struct kt_host *h, bool kvm_only);
void kt_load_now(struct kt_session *s, struct kt_host *h);
void kt_load_caps(struct kt_session *s, struct kt_host *h);
/* now.host_tsc_floor: the latest kvm_vcpu.arch.last_host_tsc (vcpu_put's rdtsc). */
void kt_host_tsc_floor(struct kt_host *h);
void kt_load_fix_status(struct kt_session *s, struct kt_host *h);
/* Decode a struct hrtimer at addr from len bytes of it in buf (fields beyond
 * len read as 0): the one decoder, for tree walks and the LAPIC's timer. */
void kt_hrtimer_decode(struct kt_session *s, uint64_t addr, const void *buf, size_t len,
		       struct kt_hrtimer *t);
/* Mark each vCPU's lapic hrtimer with where the hrtimer walk found it. */
void kt_link_vcpu_hrtimers(struct kt_host *h);
/* (Re)build h->owners after the vCPU arrays changed. */
void kt_index_owners(struct kt_host *h);
/* Owner of an hrtimer: the vCPU whose lapic timer it is, or NULL. */
const struct kt_vcpu *kt_hrtimer_owner(const struct kt_host *h, uint64_t hrtimer,
				       const struct kt_vm **vm);
/* One budget for everything a command reads and prints, so that a damaged
 * or hostile dump cannot make it run or print without end: each record costs
 * about what it prints (a vCPU ~4 KiB of JSON, a VM 1 KiB, an hrtimer 256 B)
 * and each tree node visited a little.  64 MiB of output is far beyond any
 * real host (16,384 vCPUs, or 262,144 hrtimers). */
#define KT_BUDGET_BYTES (64ll << 20)
#define KT_COST_VM 1024
#define KT_COST_VCPU 4096
#define KT_COST_HRTIMER 256
#define KT_COST_NODE 16
/* Take cost from h's budget: false when spent.  The first refusal records
 * one BOUND damage on the host naming what was being read (`what`). */
bool kt_budget_take(struct kt_host *h, int64_t cost, const char *what);

/* Note damage on a VM or vCPU: appended to what ("; "), kind and address of
 * the first kept.  kt_damage_first keeps only the first damage (a tree walk:
 * what follows a broken link means little). */
void kt_damage_note(struct kt_damage *d, enum kt_damage_kind kind, uint64_t addr,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void kt_damage_first(struct kt_damage *d, enum kt_damage_kind kind, uint64_t addr,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* One damage record replaced whole: kind, address and what (a context's reason why
 * something is not shown, where only the latest reason counts). */
void kt_damage_set(struct kt_damage *d, enum kt_damage_kind kind, uint64_t addr,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Record host-level damage (vm_list, hrtimer_bases...). */
void kt_host_damage(struct kt_host *h, enum kt_damage_kind kind, uint64_t addr,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
