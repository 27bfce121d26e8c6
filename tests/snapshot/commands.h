/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The commands a snapshot records (record.c) and the golden tests replay
 * (golden.c): one list, so a snapshot always holds every answer its golden
 * files need.  "@VCPU" stands for the snapshot's target vCPU (its "target"
 * line: the first vCPU of `kvmlapic -a -j`).  Each command's output is
 * tests/golden/SNAPSHOT.SLUG.expect, SLUG its words joined by '_'.
 */
#ifndef KT_SNAPSHOT_COMMANDS_H
#define KT_SNAPSHOT_COMMANDS_H
#include <stddef.h>

#define KT_GOLDEN_MAXARGS 8
static const char *const kt_golden_cmds[][KT_GOLDEN_MAXARGS] = {
	{ "kvmlapic", "-a" },
	{ "kvmlapic", "-a", "-j" },
	{ "kvmlapic", "-c", "0" },
	{ "kvmlapic", "@VCPU" },
	{ "kvmlapic", "-j", "@VCPU" },
	{ "kvmhrtimer" },
	{ "kvmhrtimer", "-j" },
	{ "kvmhrtimer", "-k" },
	{ "kvmhrtimer", "-k", "-j", "-c", "0" },
	{ "kvmregs" },
	{ "kvmregs", "-j" },
	{ "kvmtsc", "@VCPU", "-d", "1000000" },
	{ "kvmtsc", "-j", "@VCPU", "-d", "1000000" },
	{ "kvmtsc", "-m", "2199023255", "-s", "-1", "-d", "-5000" },
	{ "kvmtriage" },
	{ "kvmtriage", "-j" },
};
#define KT_GOLDEN_NCMDS (sizeof(kt_golden_cmds) / sizeof(kt_golden_cmds[0]))

#endif
