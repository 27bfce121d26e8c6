/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Renderers: tables for people, JSON (schema kvmtimer/1) for machines.  Pure
 * functions of the decoded state and its analysis: they compute nothing.  Internal. */
#ifndef KT_REPORT_H
#define KT_REPORT_H
#include <stdio.h>
#include "kvmtimer/analysis.h"
#include "kvmtimer/detect.h"
#include "kvmtimer/json.h"
#include "render/keys.h"
#include "kernel/host.h"
#include "kvmtimer/state.h"

#define KT_SCHEMA "kvmtimer/1"

const char *kt_mp_state_name(uint32_t s);
const char *kt_vcpu_mode_name(int m);
const char *kt_fix_name(enum kt_fix_status f);
const char *kt_fix_weight_name(enum kt_fix_weight w);
const char *kt_vendor_name(enum kt_vendor v);	/* "vmx", "svm", "unknown" */
/* One line per fix-status evidence item: weight, kind, where: what was seen. */
void kt_print_fix_evidence(FILE *out, const struct kt_host *h, const char *indent);
const char *kt_hrtimer_where(const struct kt_hrtimer *t);
/* "BEHIND,RUNAWAY" or "-" */
void kt_flags_str(const struct kt_vcpu_analysis *va, char *buf, size_t len);
bool kt_vcpu_alarming(const struct kt_vcpu_analysis *va);
int kt_host_alarms(const struct kt_host *h, const struct kt_analysis *a);

/* s made safe for a terminal table: every byte outside printable ASCII
 * (ESC, CR, newline, DEL, 0x80-0xff) and the backslash itself written as
 * \xNN / \\, as git and systemd quote names.  Dump strings (comm, clocksource,
 * symbol names, reasons quoting them) go through this in every table; JSON
 * has its own escaping.  Returns one of 8 rotating static buffers: at most 8
 * uses per printf.  Longer input is cut (with "...").  */
const char *kt_tab(const char *s);

/* Common JSON head: schema, command, now, fix status, host caps. */
/* "version": {"kvmtimer": VERSION, "git": describe}: in every document. */
void kt_json_version(struct kt_json *j);
void kt_json_head(struct kt_json *j, const char *command, const struct kt_host *h);
void kt_json_findings(struct kt_json *j, const struct kt_finding *f, int n);
void kt_json_vcpu(struct kt_json *j, const struct kt_host *h, const struct kt_analysis *a,
		  const struct kt_vcpu *v);
void kt_json_vm(struct kt_json *j, const struct kt_host *h, const struct kt_analysis *a,
		const struct kt_vm *vm, const struct kt_vcpu *only);
void kt_json_hrtimer(struct kt_json *j, const struct kt_hrtimer *t);

/* One-line header: now, source, fix status. */
void kt_print_head(FILE *out, const struct kt_host *h);
void kt_print_lapic_table(FILE *out, const struct kt_host *h, const struct kt_analysis *a,
			  const struct kt_vm *only_vm);
void kt_print_vcpu_detail(FILE *out, const struct kt_host *h, const struct kt_analysis *a,
			  const struct kt_vm *vm, const struct kt_vcpu *v);
void kt_print_hrtimers(FILE *out, const struct kt_host *h, const struct kt_analysis *a,
		       const int *cpus, int ncpus);
void kt_json_hrtimers(struct kt_json *j, const struct kt_host *h, const struct kt_analysis *a,
		      const int *cpus, int ncpus);
void kt_print_triage(FILE *out, const struct kt_host *h, const struct kt_analysis *a);
void kt_json_triage(struct kt_json *j, const struct kt_host *h, const struct kt_analysis *a);


#endif
