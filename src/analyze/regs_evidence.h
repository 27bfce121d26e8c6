/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The registers as evidence: cross-checks of each CPU's decoded variables
 * (kernel/cpu_context.h) against the host's decoded state, and the sentence
 * kvmtriage and kvmlapic cite.  Layer analyze/.
 */
#ifndef KT_ANALYZE_REGS_EVIDENCE_H
#define KT_ANALYZE_REGS_EVIDENCE_H
#include "kernel/cpu_context.h"

/* Fill checks.timer/basenow/delta of every CPU whose variables were decoded. */
void kt_analyze_contexts(struct kt_session *s, const struct kt_host *h, struct kt_contexts *c);
/* The first CPU in the catch-up path with a vCPU's hrtimer in its registers. */
const struct kt_cpu_context *kt_context_in_loop(const struct kt_contexts *c);
/* One sentence citing the register evidence of c (for verdicts). */
void kt_context_cite(const struct kt_cpu_context *c, char *buf, size_t len);

#endif
