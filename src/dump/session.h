/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A session: one dump, its reader, the layout resolved on first use, and what
 * else never changes within one dump (function names, the fix status).
 * Layer dump/: below it only base/.
 */
#ifndef KT_DUMP_SESSION_H
#define KT_DUMP_SESSION_H
#include <stdbool.h>
#include "dump/layout.h"
#include "kvmtimer/dwarf_vars.h"
#include "kvmtimer/reader.h"
#include "kvmtimer/regs.h"

#define KT_FN_CACHE 32
#define KT_FN_NAME_LEN 64
struct kt_session {
	struct kt_reader reader;
	/* hrtimer.function -> name: a handful of functions own every timer. */
	struct { uint64_t addr; char name[KT_FN_NAME_LEN]; } fn_cache[KT_FN_CACHE];
	unsigned fn_next;
	struct kt_layout layout;
	bool resolved;		/* layout holds the KVM types (else retried next time) */
	bool tried_module_load;
	/* The dumped code does not change: the fix status is read once
	 * (kernel/fixstatus.c keeps its result here, malloc'd; freed with the
	 * session).  NULL until read with the KVM layout complete. */
	void *fix_cache;
	/* kvmregs (kernel/cpu_context.c): DWARF files opened once per session,
	 * the pt_regs layout. */
	struct kt_dwarf *dwarf;
	struct kt_ptregs_layout ptregs;
	bool ptregs_resolved;
};

/* Resolve the layout (and load module debuginfo if KVM types are missing). */
enum kt_status kt_session_prepare(struct kt_session *s, bool need_kvm, struct kt_err *err);

/* Symbol name of a function pointer, cached per session ("" when unknown). */
void kt_function_name(struct kt_session *s, uint64_t addr, char *buf, size_t len);

#endif
