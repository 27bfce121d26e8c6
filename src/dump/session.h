/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A session: one dump, its reader and the layout resolved on first use. */
#ifndef KT_SESSION_H
#define KT_SESSION_H
#include "kvmtimer/detect.h"
#include "kvmtimer/reader.h"
#include "kvmtimer/state.h"
#include "layout.h"

#define KT_FN_CACHE 32
struct kt_session {
	struct kt_reader reader;
	/* hrtimer.function -> name: a handful of functions own every timer. */
	struct { uint64_t addr; char name[KT_SYM_LEN]; } fn_cache[KT_FN_CACHE];
	unsigned fn_next;
	struct kt_layout layout;
	bool resolved;		/* layout holds the KVM types (else retried next time) */
	bool tried_module_load;
	/* The dumped code does not change: the fix status is read once. */
	bool fix_known;
	enum kt_fix_status fix;
	char fix_evidence[200];
};

/* What to load for a command. */
struct kt_load_opts {
	bool vms;		/* walk vm_list and vCPUs */
	bool hrtimers;		/* walk every CPU's hrtimer bases */
	bool kvm_timers_only;	/* hrtimers: keep only KVM-owned timers (memory) */
	bool have_now;		/* now given by the user (-n) */
	int64_t now_ns;
};

/* Resolve the layout (and load module debuginfo if KVM types are missing). */
enum kt_status kt_session_prepare(struct kt_session *s, bool need_kvm, struct kt_err *err);

/* Load the host state.  Damage found on the way becomes CORRUPT findings on
 * the host, VM or vCPU; only "nothing can be read at all" is an error. */
enum kt_status kt_host_load(struct kt_session *s, const struct kt_load_opts *o,
			    struct kt_host *h, struct kt_err *err);

/* Pieces of kt_host_load (kvm.c, hrtimer.c, timekeeping.c, fixstatus.c). */
enum kt_status kt_load_vms(struct kt_session *s, struct kt_host *h, struct kt_err *err);
void kt_load_hrtimers(struct kt_session *s, struct kt_host *h, bool kvm_only);
void kt_load_now(struct kt_session *s, struct kt_host *h);
void kt_load_caps(struct kt_session *s, struct kt_host *h);
void kt_load_fix_status(struct kt_session *s, struct kt_host *h);
/* Mark each vCPU's lapic hrtimer with where the hrtimer walk found it. */
void kt_link_vcpu_hrtimers(struct kt_host *h);
/* (Re)build h->owners after the vCPU arrays changed. */
void kt_index_owners(struct kt_host *h);

/* Symbol name of a function pointer, cached per session ("" when unknown). */
void kt_function_name(struct kt_session *s, uint64_t addr, char *buf, size_t len);

/* Small address set (cycle detection in walks). */
struct kt_addrset { uint64_t *slots; size_t cap, n; };
bool kt_addrset_add(struct kt_addrset *s, uint64_t a);	/* false: already there */
bool kt_addrset_has(const struct kt_addrset *s, uint64_t a);
void kt_addrset_free(struct kt_addrset *s);

#endif
