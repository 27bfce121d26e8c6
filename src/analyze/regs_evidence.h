/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The registers as evidence: cross-checks of each CPU's decoded variables
 * and the memory they point at (kernel/cpu_context.h) against the host's
 * decoded state, into struct kt_regs_evidence (kvmtimer/analysis.h), and
 * the sentence kvmtriage and kvmlapic cite.  Pure: reads decoded state only.
 * Layer analyze/.
 */
#ifndef KT_ANALYZE_REGS_EVIDENCE_H
#define KT_ANALYZE_REGS_EVIDENCE_H
#include "kernel/cpu_context.h"
#include "kvmtimer/analysis.h"

/* The evidence of context c on host h (checks run when its variables were decoded). */
void kt_regs_evidence_of(const struct kt_host *h, const struct kt_cpu_context *c,
			 struct kt_regs_evidence *e);
/* One sentence citing the register evidence e of context c (for verdicts). */
void kt_context_cite(const struct kt_cpu_context *c, const struct kt_regs_evidence *e,
		     char *buf, size_t len);

#endif
