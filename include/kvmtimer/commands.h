/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The commands, front-end agnostic: the crash extension and the CLI both call
 * kt_cmd_run() with argv and a reader.  Option parsing, loading, analysis and
 * output (table or JSON) all live in the core; front-ends add only help text.
 *
 *   kvmlapic   [-a] [-j] [-n NS] [-c CPUS] [-T name=value]... [kvm|vcpu|lapic addr, pid, tid]
 *   kvmhrtimer [-j] [-n NS] [-c CPUS] [-k]          (-k: KVM timers only)
 *   kvmtsc     [-j] [-n NS] vcpu-addr|tid [-g GUEST_TSC | -h HOST_TSC | -d NS]
 *   kvmtsc     [-j] -m MULT -s SHIFT [-o OFFSET] [-r RATIO -f FRACBITS] (-d NS | -h HOST_TSC)
 *   kvmtriage  [-j] [-n NS] [-T name=value]...
 *   kvmregs    [-j] [-n NS] [-c CPUS]
 */
#ifndef KVMTIMER_COMMANDS_H
#define KVMTIMER_COMMANDS_H
#include <stdio.h>
#include "kvmtimer/session.h"

/* Exit status of a command. */
enum kt_cmd_status {
	KT_CMD_OK = 0,		/* ran, nothing alarming */
	KT_CMD_ALARM = 1,	/* ran, found warning/critical findings */
	KT_CMD_USAGE = 2,	/* bad option or argument: message printed on err */
	KT_CMD_ERROR = 3,	/* could not run (no KVM, no debuginfo...): message on err */
};

/* The commands, one table for every front-end (the crash extension registers
 * these, the CLI accepts these, the fuzzers run these). */
#define KT_NCOMMANDS 5
struct kt_command {
	const char *name;
	const char *summary;	/* one line */
};
extern const struct kt_command kt_commands[KT_NCOMMANDS];
/* The command called name, or NULL. */
const struct kt_command *kt_command_find(const char *name);

/* Run `cmd` ("kvmlapic", "kvmhrtimer", "kvmtsc", "kvmtriage"); argv[0] is the
 * command name.  Output to out, one-line errors to err. */
enum kt_cmd_status kt_cmd_run(struct kt_session *s, int argc, char **argv, FILE *out, FILE *err);

#endif
