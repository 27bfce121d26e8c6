// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kvmtimer — the standalone tool: the core's commands on vmcores, without
 * crash.  Types and symbols from vmlinux and module debug files (libdw), memory
 * from the dump (libkdumpfile).  See src/cli/README.md.
 *
 *   kvmtimer --vmlinux V [--module [NAME=]KO]... [--json] [--command CMD]
 *            [--verbose] VMCORE... [-- COMMAND-ARGS...]
 *
 * Exit status: 0 nothing alarming, 1 an alarm in some dump, 2 usage error
 * (nothing was analysed), 3 some dump could not be read or analysed.  With
 * several dumps the worst wins: 3 over 1 over 0.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kvmtimer/debuginfo.h"
#include "kvmtimer/commands.h"
#include "kvmtimer/json.h"
#include "kvmtimer/version.h"
#include "reader_dwarf.h"

#define EXIT_OK 0
#define EXIT_ALARM 1
#define EXIT_USAGE 2
#define EXIT_DUMP 3
#define MAX_MODULES 8
#define MAX_CMD_ARGS 64


static void usage(FILE *fp)
{
	fprintf(fp,
"usage: kvmtimer --vmlinux VMLINUX [--module [NAME=]KO]... [--json] [--command CMD]\n"
"                [--verbose] VMCORE... [-- COMMAND-ARGS...]\n"
"\n"
"Runs one kvmtimer command on each vmcore (kdump-compressed, flattened or ELF).\n"
"\n"
"  -k, --vmlinux FILE    the dumped kernel's vmlinux with DWARF (Debian: the -dbg package's)\n"
"  -m, --module [NAME=]FILE\n"
"                        module debuginfo, e.g. kvm.ko, kvm-amd.ko (repeatable; NAME\n"
"                        defaults to the file name: kvm-amd.ko -> kvm_amd).  Without\n"
"                        it kvm.ko is looked for in VMLINUX's directory, its debug/,\n"
"                        and /usr/lib/debug/lib/modules/RELEASE/\n"
"  -c, --command CMD     kvmtriage (default), kvmlapic, kvmhrtimer, kvmtsc or kvmregs\n"
"  -j, --json            JSON: one document per dump, one per line (JSON lines),\n"
"                        with \"dump\": path first\n"
"  -v, --verbose         say how each dump was read (format, KASLR, modules)\n"
"  -h, --help            this text\n"
"  -V, --version         the version and the git describe of this build\n"
"  -- ARGS               the rest is passed to the command (e.g. -- -n NS, -- -k)\n"
"\n"
"With several dumps, table output has a line \"==> VMCORE <==\" before each dump's.\n"
"Exit status: 0 nothing alarming, 1 an alarm in some dump, 2 usage error,\n"
"3 some dump could not be read or analysed (the worst over all dumps).\n");
}

/* "kvm-amd.ko" or "/x/kvm_amd.ko.debug" -> "kvm_amd". */
static void module_name_from_path(const char *path, char *name, size_t len)
{
	const char *base = strrchr(path, '/');
	char *dot;

	snprintf(name, len, "%s", base ? base + 1 : path);
	dot = strstr(name, ".ko");
	if (dot)
		*dot = 0;
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
}

/* Print s as a JSON string: the core's escaper (bytes 0x7f-0xff too). */
static void json_str(FILE *fp, const char *s)
{
	kt_json_fquote(fp, s);
}

/* The rest of in to out, in chunks. */
static void copy_rest(FILE *in, FILE *out)
{
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		fwrite(chunk, 1, n, out);
}

struct run {
	const char *vmlinux;
	struct kt_cli_module mods[MAX_MODULES];
	char modnames[MAX_MODULES][64];
	int nmods;
	bool json, verbose, headers;
	struct kt_di *di;	/* shared by every dump: same kernel */
	char *argv[MAX_CMD_ARGS + 3];
	int argc;
};

/* A dump that could not be analysed: the message on stderr, and in JSON mode
 * a line in its place so that line N of the output is still dump N. */
static int dump_failed(const struct run *run, const char *dump, const char *msg)
{
	fprintf(stderr, "kvmtimer: %s\n", msg);
	if (run->json) {
		fputs("{\"dump\":", stdout);
		json_str(stdout, dump);
		fputs(",\"error\":", stdout);
		json_str(stdout, msg);
		printf(",\"version\":{\"kvmtimer\":\"%s\",\"git\":\"%s\"}}\n",
		       kt_version, kt_git_describe);
	}
	return EXIT_DUMP;
}

/* Run the command on one dump: an exit status. */
static int run_dump(const struct run *run, const char *dump)
{
	struct kt_cli_reader *cr;
	struct kt_session *s;
	struct kt_err err = { 0 };
	char *ebuf = NULL, head[2];
	size_t len = 0, elen = 0;
	FILE *out, *errf;
	enum kt_cmd_status st;
	char msg[512];

	if (run->headers && !run->json)
		printf("==> %s <==\n", dump);
	if (kt_cli_reader_open_di(run->di, dump, &cr, &err) != KT_OK)
		return dump_failed(run, dump, err.msg);
	if (run->verbose) {
		fprintf(stderr, "kvmtimer: %s: %s dump, KASLR offset %#llx\n", dump,
			kt_cli_reader_format(cr), (unsigned long long)kt_cli_reader_kaslr(cr));
		kt_cli_reader_notes(cr, stderr, "kvmtimer: note: ");
	}
	/* The KVM types come from kvm.ko's debuginfo: get them now, and say what
	 * to run when they cannot be had (kvmhrtimer does without). */
	if (strcmp(run->argv[0], "kvmhrtimer") && strcmp(run->argv[0], "kvmregs") &&
	    !kt_cli_reader_have_kvm(cr, &err)) {
		snprintf(msg, sizeof(msg), "%s: %s", dump, err.msg);
		kt_cli_reader_close(cr);
		return dump_failed(run, dump, msg);
	}
	s = kt_session_new(kt_cli_reader_get(cr));
	if (!s) {
		kt_cli_reader_close(cr);
		return dump_failed(run, dump, "out of memory");
	}
	/* Hold the command's output back: JSON gets the dump's path put first, and
	 * a failed command's partial output is not mixed into the stream.  In an
	 * unlinked temporary file, not in memory: the core bounds the output (its
	 * 64 MiB budget), this process's memory need not grow with it. */
	out = tmpfile();
	errf = open_memstream(&ebuf, &elen);
	if (!out || !errf) {
		if (out)
			fclose(out);
		if (errf)
			fclose(errf);
		free(ebuf);
		kt_session_free(s);
		kt_cli_reader_close(cr);
		return dump_failed(run, dump, "cannot create a temporary file or buffer");
	}
	st = kt_cmd_run(s, run->argc, (char **)run->argv, out, errf);
	fclose(errf);
	fflush(out);
	rewind(out);
	len = fread(head, 1, sizeof(head), out);
	if (st == KT_CMD_OK || st == KT_CMD_ALARM) {
		if (run->json && len && head[0] == '{') {
			fputs("{\"dump\":", stdout);
			json_str(stdout, dump);
			if (len > 1 && head[1] != '}')
				fputc(',', stdout);
			fwrite(head + 1, 1, len - 1, stdout);
		} else {
			fwrite(head, 1, len, stdout);
		}
		copy_rest(out, stdout);
		if (elen)
			fprintf(stderr, "%s: %.*s", dump, (int)elen, ebuf);
	} else {
		/* One clear line: the core's first line of explanation. */
		char *nl = ebuf ? strchr(ebuf, '\n') : NULL;

		if (nl)
			*nl = 0;
		snprintf(msg, sizeof(msg), "%s: %s", dump,
			 ebuf && *ebuf ? ebuf : "the command failed without a message");
		if (st == KT_CMD_USAGE) {
			fprintf(stderr, "kvmtimer: %s\n", msg);
			st = (enum kt_cmd_status)EXIT_USAGE;
		} else {
			dump_failed(run, dump, msg);
			st = (enum kt_cmd_status)EXIT_DUMP;
		}
	}
	fflush(stdout);
	fclose(out);
	free(ebuf);
	kt_session_free(s);
	kt_cli_reader_close(cr);
	return (int)st;
}

/* Open the debug files once, before any dump: a wrong path is a usage error,
 * not something to repeat for every dump; and the type index built on the
 * first dump serves the others. */
static bool open_debug_files(struct run *run)
{
	struct kt_di *di = kt_di_new();
	struct kt_err err = { 0 };
	bool ok = di != NULL;

	if (ok && kt_di_add(di, run->vmlinux, NULL, &err) != KT_OK) {
		fprintf(stderr, "kvmtimer: --vmlinux %s\n", err.msg);
		ok = false;
	}
	for (int i = 0; ok && i < run->nmods; i++)
		if (kt_di_add(di, run->mods[i].path, run->mods[i].name, &err) != KT_OK) {
			fprintf(stderr, "kvmtimer: --module %s\n", err.msg);
			ok = false;
		}
	if (!ok)
		kt_di_free(di);
	else
		run->di = di;
	return ok;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "vmlinux", required_argument, NULL, 'k' },
		{ "module", required_argument, NULL, 'm' },
		{ "command", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct run run;
	const char *command = "kvmtriage";
	int c, ndumps, first_dump, dashdash, worst = EXIT_OK;

	/* Everything before "--" is ours; after it, the command's. */
	for (dashdash = 1; dashdash < argc && strcmp(argv[dashdash], "--"); dashdash++)
		;
	opterr = 0;
	while ((c = getopt_long(dashdash, argv, ":k:m:c:jvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			run.vmlinux = optarg;
			break;
		case 'm': {
			char *eq = strchr(optarg, '=');

			if (run.nmods == MAX_MODULES) {
				fprintf(stderr, "kvmtimer: at most %d --module files\n", MAX_MODULES);
				return EXIT_USAGE;
			}
			if (eq && eq != optarg) {
				snprintf(run.modnames[run.nmods], sizeof(run.modnames[0]), "%.*s",
					 (int)(eq - optarg), optarg);
				run.mods[run.nmods].path = eq + 1;
			} else {
				module_name_from_path(optarg, run.modnames[run.nmods],
						      sizeof(run.modnames[0]));
				run.mods[run.nmods].path = optarg;
			}
			run.mods[run.nmods].name = run.modnames[run.nmods];
			run.nmods++;
			break;
		}
		case 'c':
			command = optarg;
			break;
		case 'j':
			run.json = true;
			break;
		case 'v':
			run.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("kvmtimer %s (git %s)\n", kt_version, kt_git_describe);
			return EXIT_OK;
		case ':':
			fprintf(stderr, "kvmtimer: %s needs an argument (see --help)\n", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "kvmtimer: unknown option %s (see --help)\n", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	first_dump = optind;
	ndumps = dashdash - first_dump;
	if (!kt_command_find(command)) {
		fprintf(stderr, "kvmtimer: unknown command '%s': kvmtriage, kvmlapic, kvmhrtimer, kvmtsc or kvmregs\n",
			command);
		return EXIT_USAGE;
	}
	if (!run.vmlinux) {
		fprintf(stderr, "kvmtimer: --vmlinux VMLINUX is required (the dumped kernel's, with debuginfo)\n");
		return EXIT_USAGE;
	}
	if (ndumps < 1) {
		fprintf(stderr, "kvmtimer: no VMCORE given (see --help)\n");
		return EXIT_USAGE;
	}
	if (argc - dashdash - 1 > MAX_CMD_ARGS) {
		fprintf(stderr, "kvmtimer: too many command arguments (max %d)\n", MAX_CMD_ARGS);
		return EXIT_USAGE;
	}
	/* "-- -j" means --json too: the dump's path goes into the document. */
	for (int i = dashdash + 1; i < argc; i++)
		if (!strcmp(argv[i], "-j"))
			run.json = true;
	run.argv[run.argc++] = (char *)command;
	if (run.json)
		run.argv[run.argc++] = "-j";
	for (int i = dashdash + 1; i < argc; i++)
		if (strcmp(argv[i], "-j"))
			run.argv[run.argc++] = argv[i];
	run.argv[run.argc] = NULL;
	run.headers = ndumps > 1;
	if (!open_debug_files(&run))
		return EXIT_USAGE;
	for (int i = first_dump; i < dashdash; i++) {
		int st = run_dump(&run, argv[i]);

		if (st == EXIT_USAGE) {
			worst = EXIT_USAGE;	/* the command's arguments: same for every dump */
			break;
		}
		if (st == EXIT_DUMP || (st == EXIT_ALARM && worst == EXIT_OK))
			worst = st;
	}
	kt_di_free(run.di);
	return worst;
}
