// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * reader_probe.so — a test-only crash extension: one command, `ktreader OP ARGS`,
 * that calls one op of the crash reader backend (ext/reader_crash.c) and prints
 * its raw result on one line.  tests/ext/reader.py compares each answer with
 * crash's own view of the same thing (struct -o, ptype/o, sym, p, sys).
 *
 *   ktreader mo TYPE MEMBER     member_offset      -> "N" (-1 absent)
 *   ktreader ms TYPE MEMBER     member_size
 *   ktreader bit TYPE MEMBER    member_bit_offset
 *   ktreader ts TYPE            type_size
 *   ktreader vmo VAR MEMBER     var_member_offset
 *   ktreader sym NAME           symbol             -> "STATUS 0xADDR"
 *   ktreader name ADDR          symbol_name        -> "STATUS NAME+OFF"
 *   ktreader ncpu               nr_cpus
 *   ktreader pcpu CPU           percpu_offset      -> "STATUS 0xOFF"
 *   ktreader vmci KEY           vmcoreinfo         -> "STATUS VALUE"
 *   ktreader read ADDR LEN      read               -> "STATUS 0xFIRST8BYTES"
 *   ktreader load MODULE        load_module_debuginfo -> "STATUS MESSAGE"
 *   ktreader fatal              kt_crash_guarded_call(error(FATAL)) -> "guarded 0", then "after"
 *   ktreader sigint             kt_crash_guarded_call(Ctrl-C, then crash's RESTART):
 *                               "before", and nothing after: the Ctrl-C stops the command
 */
#include "defs.h"
#include <stdlib.h>
#include <string.h>
#include "kvmtimer/reader.h"
#include "ext.h"

static int raise_fatal(char *arg)
{
	error(FATAL, "ktreader: planted fatal error (%s)\n", arg);
	return 1;
}

/* What crash does on Ctrl-C inside a command: restart(SIGINT) flags it, and
 * the code that notices (gdb, a loop checking received_SIGINT) RESTART()s. */
static int raise_sigint(char *arg)
{
	(void)arg;
	pc->flags |= _SIGINT_;
	pc->sigint_cnt++;
	RESTART();
	return 1;
}

static void cmd_ktreader(void)
{
	const struct kt_reader_ops *o = &kt_crash_reader_ops;
	char buf[512];
	uint64_t v = 0, off = 0;
	const char *op = argcnt > 1 ? args[1] : "";
	const char *a = argcnt > 2 ? args[2] : "";
	const char *b = argcnt > 3 ? args[3] : "";
	int st;

	if (!strcmp(op, "mo"))
		fprintf(fp, "%ld\n", o->member_offset(NULL, a, b));
	else if (!strcmp(op, "ms"))
		fprintf(fp, "%ld\n", o->member_size(NULL, a, b));
	else if (!strcmp(op, "bit"))
		fprintf(fp, "%ld\n", o->member_bit_offset(NULL, a, b));
	else if (!strcmp(op, "ts"))
		fprintf(fp, "%ld\n", o->type_size(NULL, a));
	else if (!strcmp(op, "vmo"))
		fprintf(fp, "%ld\n", o->var_member_offset(NULL, a, b));
	else if (!strcmp(op, "sym")) {
		st = o->symbol(NULL, a, &v);
		fprintf(fp, "%d 0x%llx\n", st, (unsigned long long)v);
	} else if (!strcmp(op, "name")) {
		st = o->symbol_name(NULL, strtoull(a, NULL, 0), buf, sizeof(buf), &off);
		fprintf(fp, "%d %s+%llu\n", st, buf, (unsigned long long)off);
	} else if (!strcmp(op, "ncpu"))
		fprintf(fp, "%d\n", o->nr_cpus(NULL));
	else if (!strcmp(op, "pcpu")) {
		st = o->percpu_offset(NULL, atoi(a), &v);
		fprintf(fp, "%d 0x%llx\n", st, (unsigned long long)v);
	} else if (!strcmp(op, "vmci")) {
		st = o->vmcoreinfo(NULL, a, buf, sizeof(buf));
		fprintf(fp, "%d %s\n", st, buf);
	} else if (!strcmp(op, "read")) {
		size_t len = strtoull(b, NULL, 0);
		unsigned char *p = calloc(1, len < 8 ? 8 : len);
		if (!p)
			return;
		st = o->read(NULL, strtoull(a, NULL, 0), p, len);
		memcpy(&v, p, 8);
		fprintf(fp, "%d 0x%llx\n", st, (unsigned long long)v);
		free(p);
	} else if (!strcmp(op, "load")) {
		struct kt_err e = { 0 };
		st = o->load_module_debuginfo(NULL, a, &e);
		fprintf(fp, "%d %s\n", st, st ? e.msg : "");
	} else if (!strcmp(op, "fatal")) {
		int ret = 0;
		bool g = kt_crash_guarded_call(raise_fatal, "probe", &ret);
		fprintf(fp, "guarded %d\n", g);
		fprintf(fp, "after\n");
	} else if (!strcmp(op, "sigint")) {
		int ret = 0;
		fprintf(fp, "before\n");
		fflush(fp);
		bool g = kt_crash_guarded_call(raise_sigint, "probe", &ret);
		fprintf(fp, "guarded %d\n", g);
	} else
		fprintf(fp, "ktreader: unknown op '%s'\n", op);
}

static char *help_ktreader[] = { "ktreader", "kvmtimer reader backend probe (tests only)",
				 "op args...", "  See tests/ext/reader_probe.c.", NULL };

static struct command_table_entry command_table[] = {
	{ "ktreader", cmd_ktreader, help_ktreader, 0 },
	{ NULL, NULL, NULL, 0 },
};

static void __attribute__((constructor)) reader_probe_init(void)
{
	register_extension(command_table);
}
