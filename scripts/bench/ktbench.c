// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktbench — in-process timings of one command through the CLI's reader, for
 * scripts/bench/bench.py:
 *
 *   ktbench --vmlinux V [--module [NAME=]KO]... [--reps N] [--ranges FILE] VMCORE CMD [ARGS...]
 *
 * Prints one JSON line: open_s (dump + debuginfo), cold_s (first run in a new
 * session: offsets resolved, pages first decompressed), warm_s (median of the
 * next N runs, each in a new session on the same open dump), reads and bytes
 * the first run read, and floor_s: those same (address, length) reads done raw
 * with kt_dump_read on a freshly opened dump (no core logic, no output) — the
 * least any tool must pay to read what the command reads.  --ranges writes the
 * ranges, one "ADDR LEN" a line, for crash's `rd` floor.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dump.h"
#include "kvmtimer/commands.h"
#include "reader_dwarf.h"

struct range { uint64_t addr; size_t len; };
static struct range *ranges;
static size_t nranges, cap, nbytes;
static const struct kt_reader *inner;
static int recording;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static enum kt_status rec_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	enum kt_status st = inner->ops->read(ctx, addr, buf, len);
	if (recording) {
		if (nranges == cap) {
			cap = cap ? 2 * cap : 4096;
			ranges = realloc(ranges, cap * sizeof(*ranges));
		}
		ranges[nranges].addr = addr;
		ranges[nranges++].len = len;
		nbytes += len;
	}
	return st;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct kt_cli_module mods[8];
	char names[8][64];
	int nmods = 0, reps = 5, c;
	const char *vmlinux = NULL, *rangefile = NULL;
	static const struct option lo[] = {
		{ "vmlinux", required_argument, NULL, 'k' },
		{ "module", required_argument, NULL, 'm' },
		{ "reps", required_argument, NULL, 'r' },
		{ "ranges", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	while ((c = getopt_long(argc, argv, "+k:m:r:o:", lo, NULL)) != -1) {
		if (c == 'k') {
			vmlinux = optarg;
		} else if (c == 'm' && nmods < 8) {
			char *eq = strchr(optarg, '=');
			if (!eq)
				return 2;
			snprintf(names[nmods], 64, "%.*s", (int)(eq - optarg), optarg);
			mods[nmods].path = eq + 1;
			mods[nmods].name = names[nmods];
			nmods++;
		} else if (c == 'r') {
			reps = atoi(optarg);
		} else if (c == 'o') {
			rangefile = optarg;
		} else {
			return 2;
		}
	}
	if (!vmlinux || argc - optind < 2 || reps < 1) {
		fprintf(stderr, "usage: ktbench --vmlinux V [--module NAME=KO]... [--reps N] "
				"[--ranges FILE] VMCORE CMD [ARGS...]\n");
		return 2;
	}
	const char *dump = argv[optind];
	int cargc = argc - optind - 1;
	char **cargv = calloc(cargc + 1, sizeof(char *));
	for (int i = 0; i < cargc; i++)
		cargv[i] = strdup(argv[optind + 1 + i]);	/* getopt in the core permutes */

	struct kt_cli_reader *cr;
	struct kt_err err = { 0 };
	double t0 = now();
	if (kt_cli_reader_open(vmlinux, mods, nmods, dump, &cr, &err) != KT_OK) {
		fprintf(stderr, "ktbench: %s\n", err.msg);
		return 3;
	}
	double open_s = now() - t0;
	inner = kt_cli_reader_get(cr);
	struct kt_reader_ops ops = *inner->ops;
	ops.read = rec_read;
	struct kt_reader rr = { &ops, inner->ctx };
	FILE *devnull = fopen("/dev/null", "w");
	double *warm = calloc(reps, sizeof(double)), cold_s = 0;
	for (int i = 0; i <= reps; i++) {
		char **av = calloc(cargc + 1, sizeof(char *));
		memcpy(av, cargv, cargc * sizeof(char *));
		recording = i == 0;
		t0 = now();
		struct kt_session *s = kt_session_new(&rr);
		kt_cmd_run(s, cargc, av, devnull, devnull);
		kt_session_free(s);
		double dt = now() - t0;
		if (i == 0)
			cold_s = dt;
		else
			warm[i - 1] = dt;
		free(av);
	}
	qsort(warm, reps, sizeof(double), cmpd);
	kt_cli_reader_close(cr);

	/* The floor: the same reads, raw, on a fresh dump handle. */
	struct kt_dump *d;
	if (kt_dump_open(dump, &d, &err) != KT_OK) {
		fprintf(stderr, "ktbench: %s\n", err.msg);
		return 3;
	}
	size_t maxlen = 0;
	for (size_t i = 0; i < nranges; i++)
		if (ranges[i].len > maxlen)
			maxlen = ranges[i].len;
	unsigned char *buf = malloc(maxlen + 1);
	double floor_cold = 0, *fw = calloc(reps, sizeof(double));
	for (int r = 0; r <= reps; r++) {
		t0 = now();
		for (size_t i = 0; i < nranges; i++)
			kt_dump_read(d, ranges[i].addr, buf, ranges[i].len);
		double dt = now() - t0;
		if (r == 0)
			floor_cold = dt;
		else
			fw[r - 1] = dt;
	}
	qsort(fw, reps, sizeof(double), cmpd);
	kt_dump_close(d);
	if (rangefile) {
		FILE *fp = fopen(rangefile, "w");
		for (size_t i = 0; fp && i < nranges; i++)
			fprintf(fp, "%#llx %zu\n", (unsigned long long)ranges[i].addr, ranges[i].len);
		if (fp)
			fclose(fp);
	}
	printf("{\"open_s\":%.6f,\"cold_s\":%.6f,\"warm_s\":%.6f,\"reads\":%zu,\"bytes\":%zu,"
	       "\"floor_cold_s\":%.6f,\"floor_s\":%.6f}\n", open_s, cold_s, warm[reps / 2], nranges,
	       nbytes, floor_cold, fw[reps / 2]);
	return 0;
}
