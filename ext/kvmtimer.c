// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kvmtimer.so: the crash glue.  A command table, a constructor that registers
 * it, and one function per command that hands crash's argv to the core
 * (kt_cmd_run) with output to crash's fp.  Everything else lives in the core
 * library (src/base ... src/cmd) and the crash reader backend (reader_crash.c).
 */
#include "defs.h"
#include <getopt.h>
#include <stdbool.h>
#include "kvmtimer/commands.h"
#include "kvmtimer/version.h"
#include "ext.h"

/*
 * One session per crash process (crash opens one dump).  Created when the
 * first command runs, so loading the extension costs nothing and KVM offsets
 * are resolved on first use.  Dropped and re-created when the set of loaded
 * module debuginfo changes (the user ran `mod -s kvm ...` after a failure) and
 * after a command that could not run, so the next one starts afresh.
 */
static struct kt_session *session;
static int session_generation = -1;
/* Set while the core runs.  crash longjmps to its prompt on Ctrl-C; if that
 * happened, the session may be mid-update: abandon it (leaked, not freed —
 * freeing a half-updated session is the riskier choice). */
static bool in_core;

static const struct kt_reader crash_reader = { .ops = &kt_crash_reader_ops, .ctx = NULL };

static struct kt_session *get_session(void)
{
	int gen = kt_crash_module_generation();

	if (in_core) {
		session = NULL;
		in_core = false;
	}
	if (session && gen != session_generation) {
		kt_session_free(session);
		session = NULL;
	}
	if (!session) {
		session = kt_session_new(&crash_reader);
		session_generation = gen;
	}
	return session;
}

static void run(void)
{
	char *argv[MAXARGS + 1];
	int argc = argcnt < MAXARGS ? argcnt : MAXARGS;
	struct kt_session *s = get_session();
	enum kt_cmd_status st;

	if (!s) {
		fprintf(fp, "%s: out of memory\n", args[0]);
		return;
	}
	/* Our own argv: the core's getopt may permute it, and must see a NULL
	 * terminator.  crash ran no getopt of its own for us, but reset the
	 * shared libc state anyway: optind = 0 makes glibc re-initialise. */
	for (int i = 0; i < argc; i++)
		argv[i] = args[i];
	argv[argc] = NULL;
	optind = 0;
	opterr = 1;

	kt_crash_reader_begin_command();
	in_core = true;
	st = kt_cmd_run(s, argc, argv, fp, fp);
	in_core = false;

	optind = 0;
	fflush(fp);
	if (st == KT_CMD_ERROR) {
		kt_session_free(session);
		session = NULL;
	}
}

/* The core's command table (kt_commands), each with its help page; run()
 * tells the commands apart by args[0]. */
static struct command_table_entry command_table[KT_NCOMMANDS + 1];

static char **help_page(const char *name)
{
	for (char ***p = kt_help_pages; *p; p++)
		if (!strcmp((*p)[0], name))
			return *p;
	return NULL;
}

/* The load message names the build (crash then prints "...: shared object
 * loaded"), and warns when the crash loading us is not the one whose defs.h we
 * were compiled against: struct layouts in defs.h change between versions. */
static void __attribute__((constructor)) kvmtimer_init(void)
{
	for (int i = 0; i < KT_NCOMMANDS; i++) {
		command_table[i].name = (char *)kt_commands[i].name;
		command_table[i].func = run;
		command_table[i].help_data = help_page(kt_commands[i].name);
	}
	register_extension(command_table);
	fprintf(fp, "kvmtimer %s (git %s): kvmtriage, kvmlapic, kvmhrtimer, kvmtsc, kvmregs\n",
		kt_version, kt_git_describe);
#ifdef KT_CRASH_VERSION
	if (build_version && strcmp(build_version, KT_CRASH_VERSION))
		fprintf(fp, "kvmtimer: WARNING: built for crash %s, running in crash %s: rebuild it against this crash\n",
			KT_CRASH_VERSION, build_version);
#endif
}

static void __attribute__((destructor)) kvmtimer_fini(void)
{
	if (session && !in_core)
		kt_session_free(session);
	session = NULL;
	if (!in_core)
		kt_crash_reader_cleanup();
}
