// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kt-golden — replay a snapshot (snapshot.h) through every command of
 * commands.h and write each one's output as NAME.SLUG.expect in OUTDIR:
 *
 *   kt-golden SNAPSHOT.snap.gz NAME OUTDIR
 *
 * A file holds what the command printed on its output, then "==> stderr"
 * and the error output if there was any, then "==> exit N".  Each command
 * runs in a fresh session, as the first command of a crash session would.
 * tests/golden/check.sh compares the files with tests/golden/; no crash,
 * KVM, QEMU or dump is needed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "kvmtimer/commands.h"
#include "kvmtimer/version.h"
#include "snapshot.h"

/* The build's version is in every JSON document; golden files must not change
 * with each commit, so this program has its own (the library's version.o is
 * then not linked). */
const char kt_version[] = "golden";
const char kt_git_describe[] = "golden";

static void slug(const char *const *words, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (int i = 0; i < KT_GOLDEN_MAXARGS && words[i]; i++) {
		const char *w = words[i][0] == '@' ? words[i] + 1 : words[i];
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", i ? "_" : "", w);
	}
}

int main(int argc, char **argv)
{
	struct snapshot snap;
	if (argc != 4) {
		fprintf(stderr, "usage: kt-golden SNAPSHOT NAME OUTDIR\n");
		return 2;
	}
	if (snap_load(&snap, argv[1]))
		return 3;
	for (size_t c = 0; c < KT_GOLDEN_NCMDS; c++) {
		char *args[KT_GOLDEN_MAXARGS + 1] = { 0 };
		char name[256], path[4096];
		int n = 0;
		for (; n < KT_GOLDEN_MAXARGS && kt_golden_cmds[c][n]; n++)
			args[n] = (char *)(strcmp(kt_golden_cmds[c][n], "@VCPU") ? kt_golden_cmds[c][n]
										  : snap.target);
		slug(kt_golden_cmds[c], name, sizeof(name));
		snprintf(path, sizeof(path), "%s/%s.%s.expect", argv[3], argv[2], name);
		FILE *fp = fopen(path, "w");
		if (!fp) {
			perror(path);
			return 3;
		}
		char *ebuf = NULL;
		size_t elen = 0;
		FILE *err = open_memstream(&ebuf, &elen);
		struct kt_reader r = { &snap_ops, &snap };
		struct kt_session *s = kt_session_new(&r);
		enum kt_cmd_status st = KT_CMD_USAGE;
		if (!snap.target[0] && strstr(name, "VCPU"))
			fprintf(err, "kt-golden: the snapshot names no target vCPU\n");
		else
			st = kt_cmd_run(s, n, args, fp, err);
		kt_session_free(s);
		fclose(err);
		if (elen)
			fprintf(fp, "==> stderr\n%s%s", ebuf, ebuf[elen - 1] == '\n' ? "" : "\n");
		fprintf(fp, "==> exit %d\n", (int)st);
		free(ebuf);
		if (fclose(fp)) {
			perror(path);
			return 3;
		}
	}
	snap_free(&snap);
	return 0;
}
