/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kvmregs output: table and JSON (cpus[].context).  Layer render/. */
#ifndef KT_RENDER_REPORT_REGS_H
#define KT_RENDER_REPORT_REGS_H
#include <stdio.h>
#include "kernel/cpu_context.h"
#include "kvmtimer/analysis.h"
#include "kvmtimer/json.h"

/* The contexts c as decoded, with their register evidence from a (the
 * analysis made with c: a->regs[i] is of c->cpu[i]). */
void kt_print_contexts(FILE *out, const struct kt_host *h, const struct kt_contexts *c,
		       const struct kt_analysis *a);
/* One context; e its evidence (NULL: none). */
void kt_json_context(struct kt_json *j, const struct kt_cpu_context *c,
		     const struct kt_regs_evidence *e);
void kt_json_contexts(struct kt_json *j, const struct kt_contexts *c, const struct kt_analysis *a);

#endif
