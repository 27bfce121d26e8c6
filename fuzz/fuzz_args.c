// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: option and argument parsing of every command (getopt,
 * numbers, addresses, pid/tid, -T name=value, -c CPU lists, -n NS, kvmtsc's
 * raw mode) on an intact snapshot (the healthy dump's; see snapshot.h).
 *
 * Input: byte 0 picks argv[0] (the four commands, or the rest of the first
 * argument as a name: unknown commands too); the rest is split at NUL or
 * newline into at most 24 arguments.  Must never crash or hang; a -j command
 * that succeeds prints exactly one valid JSON document.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kvmtimer/commands.h"
#include "jsoncheck.h"
#include "snapshot.h"

#ifndef KT_FUZZ_SNAPDIR
#define KT_FUZZ_SNAPDIR "tests/snapshots"
#endif

static struct snapshot snap;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	const char *dir = getenv("KT_FUZZ_SNAPDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/healthy.snap.gz", dir ? dir : KT_FUZZ_SNAPDIR);
	if (snap_load(&snap, path))
		exit(1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size || size > 4096)
		return 0;
	char *copy = malloc(size + 1);
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = 0;
	char *argv[26];
	int argc = 0;
	argv[argc++] = (char *)kt_commands[data[0] % KT_NCOMMANDS].name;
	if (data[0] >= 0xf0)	/* the first argument is the command name itself */
		argc = 0;
	char *p = copy, *end = copy + size - 1;
	while (argc < 25 && p <= end) {
		char *q = p;
		while (q < end && *q && *q != '\n')
			q++;
		*q = 0;
		argv[argc++] = p;
		p = q + 1;
	}
	if (!argc)
		argv[argc++] = copy;
	argv[argc] = NULL;

	struct kt_reader r = { &snap_ops, &snap };
	struct kt_session *s = kt_session_new(&r);
	char *buf = NULL, *ebuf = NULL;
	size_t len = 0, elen = 0;
	FILE *out = open_memstream(&buf, &len), *err = open_memstream(&ebuf, &elen);
	enum kt_cmd_status st = kt_cmd_run(s, argc, argv, out, err);
	fclose(out);
	fclose(err);
	if (getenv("KT_FUZZ_ECHO"))
		fprintf(stderr, "== status %d\n%.*s%.*s", st, (int)len, buf, (int)elen, ebuf);
	int json = 0;
	for (int i = 1; i < argc; i++)
		json |= !strcmp(argv[i], "-j");
	if (json && len && (st == KT_CMD_OK || st == KT_CMD_ALARM) && json_check(buf, len)) {
		fprintf(stderr, "fuzz_args: invalid JSON at byte %zu:\n%.*s\n", json_check(buf, len),
			(int)len, buf);
		abort();
	}
	free(buf);
	free(ebuf);
	free(copy);
	kt_session_free(s);
	return 0;
}
