// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kt-record — make a snapshot from a real dump, for the golden tests and the
 * fuzzers.
 *
 *   kt-record --vmlinux V [--module [NAME=]KO]... VMCORE OUT.snap
 *
 * Runs every command of commands.h (the golden tests' list) through the
 * CLI's reader (libdw + libkdumpfile) wrapped in a recorder, and writes every
 * answer the core got (memory read, symbols, member offsets and sizes, per-CPU
 * offsets, VMCOREINFO, the CPUs' NT_PRSTATUS notes, which debug file holds
 * an address, and the DWARF answers kvmregs gets: variables at a PC and
 * CFI unwinds, asked of libdw here) as a text snapshot; snapshot.h describes
 * the format.  Debug files are named by their file name only, so a snapshot
 * holds no path of the machine that recorded it.
 * golden.c replays it for tests/golden/; fuzz/fuzz_walk.c replays it and lets
 * libFuzzer mutate the memory and the layout, so the walkers and decoders see
 * a real host damaged in ways a dump factory cannot plan.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "kvmtimer/commands.h"
#include "kvmtimer/dwarf_vars.h"
#include "reader_dwarf.h"
#include "snapline.h"

struct rec_read { uint64_t addr; size_t len; unsigned char *bytes; };

struct rec {
	const struct kt_reader *inner;
	FILE *meta;		/* every non-memory answer, one line each, deduplicated later */
	struct rec_read *reads;
	size_t nreads, cap;
	struct kt_dwarf *dwarf;	/* the DWARF questions, asked of libdw here */
	/* Debug files: the name the core is given, and the real path. */
	struct { char name[256], path[4096]; } files[32];
	int nfiles;
};

static struct rec R;

static enum kt_status r_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	enum kt_status st = R.inner->ops->read(R.inner->ctx, addr, buf, len);
	if (st != KT_OK || !len)
		return st;
	if (R.nreads == R.cap) {
		R.cap = R.cap ? 2 * R.cap : 4096;
		R.reads = realloc(R.reads, R.cap * sizeof(*R.reads));
		if (!R.reads)
			abort();
	}
	struct rec_read *r = &R.reads[R.nreads++];
	r->addr = addr;
	r->len = len;
	r->bytes = malloc(len);
	if (!r->bytes)
		abort();
	memcpy(r->bytes, buf, len);
	return st;
}

static enum kt_status r_symbol(void *ctx, const char *name, uint64_t *addr)
{
	(void)ctx;
	enum kt_status st = R.inner->ops->symbol(R.inner->ctx, name, addr);
	if (st == KT_OK)
		fprintf(R.meta, "sym %s %#llx\n", name, (unsigned long long)*addr);
	else
		fprintf(R.meta, "sym %s -\n", name);
	return st;
}

static enum kt_status r_symbol_name(void *ctx, uint64_t addr, char *buf, size_t len, uint64_t *off)
{
	(void)ctx;
	enum kt_status st = R.inner->ops->symbol_name(R.inner->ctx, addr, buf, len, off);
	if (st == KT_OK && buf[0] && !strchr(buf, ' '))
		fprintf(R.meta, "symname %#llx %s %#llx\n", (unsigned long long)addr, buf,
			(unsigned long long)*off);
	else
		fprintf(R.meta, "symname %#llx -\n", (unsigned long long)addr);
	return st;
}

static long r_moff(void *ctx, const char *t, const char *m)
{
	(void)ctx;
	long v = R.inner->ops->member_offset(R.inner->ctx, t, m);
	fprintf(R.meta, "moff %s %s %ld\n", t, m, v);
	return v;
}

static long r_msize(void *ctx, const char *t, const char *m)
{
	(void)ctx;
	long v = R.inner->ops->member_size(R.inner->ctx, t, m);
	fprintf(R.meta, "msize %s %s %ld\n", t, m, v);
	return v;
}

static long r_tsize(void *ctx, const char *t)
{
	(void)ctx;
	long v = R.inner->ops->type_size(R.inner->ctx, t);
	fprintf(R.meta, "tsize %s %ld\n", t, v);
	return v;
}

static long r_varoff(void *ctx, const char *var, const char *m)
{
	(void)ctx;
	long v = R.inner->ops->var_member_offset ?
		 R.inner->ops->var_member_offset(R.inner->ctx, var, m) : -1;
	fprintf(R.meta, "varoff %s %s %ld\n", var, m, v);
	return v;
}

static long r_mbit(void *ctx, const char *t, const char *m)
{
	(void)ctx;
	long v = R.inner->ops->member_bit_offset ?
		 R.inner->ops->member_bit_offset(R.inner->ctx, t, m) : -1;
	fprintf(R.meta, "mbit %s %s %ld\n", t, m, v);
	return v;
}

static int r_nr_cpus(void *ctx)
{
	(void)ctx;
	int n = R.inner->ops->nr_cpus(R.inner->ctx);
	fprintf(R.meta, "cpus %d\n", n);
	return n;
}

static enum kt_status r_percpu(void *ctx, int cpu, uint64_t *off)
{
	(void)ctx;
	enum kt_status st = R.inner->ops->percpu_offset(R.inner->ctx, cpu, off);
	if (st == KT_OK)
		fprintf(R.meta, "percpu %d %#llx\n", cpu, (unsigned long long)*off);
	return st;
}

static enum kt_status r_info(void *ctx, const char *key, char *buf, size_t len)
{
	(void)ctx;
	if (!R.inner->ops->vmcoreinfo)
		return KT_ENOENT;
	enum kt_status st = R.inner->ops->vmcoreinfo(R.inner->ctx, key, buf, len);
	if (st == KT_OK && buf[0] && !strpbrk(buf, " \n"))
		fprintf(R.meta, "info %s %s\n", key, buf);
	return st;
}

static enum kt_status r_load(void *ctx, const char *module, struct kt_err *err)
{
	(void)ctx;
	if (!R.inner->ops->load_module_debuginfo)
		return kt_err_set(err, KT_ENOENT, 0, "no loader");
	return R.inner->ops->load_module_debuginfo(R.inner->ctx, module, err);
}

/* The note's descriptor as read (at most len bytes), or the error. */
static enum kt_status r_prstatus(void *ctx, int cpu, void *buf, size_t len, size_t *got,
				 struct kt_err *err)
{
	(void)ctx;
	size_t g = 0;
	enum kt_status st = R.inner->ops->cpu_prstatus ?
		R.inner->ops->cpu_prstatus(R.inner->ctx, cpu, buf, len, &g, err) :
		kt_err_set(err, KT_ENOENT, 0, "this reader has no ELF notes");
	fprintf(R.meta, "prstatus %d %d %zu ", cpu, (int)st, st == KT_OK ? g : 0);
	if (st == KT_OK)
		for (size_t i = 0; i < (g < len ? g : len); i++)
			fprintf(R.meta, "%02x", ((unsigned char *)buf)[i]);
	else
		fputc('-', R.meta);
	fputc(' ', R.meta);
	snapline_put(R.meta, st == KT_OK ? "" : err->msg);
	fputc('\n', R.meta);
	*got = g;
	return st;
}

/* The debug file's name (its last path component) stands for it. */
static enum kt_status r_debuginfo_path(void *ctx, uint64_t addr, char *buf, size_t len)
{
	(void)ctx;
	char path[4096];
	if (!R.inner->ops->debuginfo_path ||
	    R.inner->ops->debuginfo_path(R.inner->ctx, addr, path, sizeof(path)) != KT_OK) {
		fprintf(R.meta, "dpath %#llx -\n", (unsigned long long)addr);
		return KT_ENOENT;
	}
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	int i = 0;
	while (i < R.nfiles && strcmp(R.files[i].name, b))
		i++;
	if (i == R.nfiles && i < 32) {
		snprintf(R.files[i].name, sizeof(R.files[i].name), "%.255s", b);
		snprintf(R.files[i].path, sizeof(R.files[i].path), "%s", path);
		R.nfiles++;
	} else if (i < R.nfiles && strcmp(R.files[i].path, path)) {
		fprintf(stderr, "kt-record: two debug files named %s\n", b);
		abort();
	}
	fprintf(R.meta, "dpath %#llx ", (unsigned long long)addr);
	snapline_put(R.meta, b);
	fputc('\n', R.meta);
	snprintf(buf, len, "%s", b);
	return KT_OK;
}

static const char *real_path(const char *name)
{
	for (int i = 0; i < R.nfiles; i++)
		if (!strcmp(R.files[i].name, name))
			return R.files[i].path;
	return name;
}

/* libdw's messages name the file by its path: by its name in a snapshot. */
static void unpath(struct kt_err *err, const char *name, const char *path)
{
	char *p = strstr(err->msg, path);
	if (!p || !strcmp(name, path))
		return;
	char tail[sizeof(err->msg)];
	snprintf(tail, sizeof(tail), "%s", p + strlen(path));
	snprintf(p, sizeof(err->msg) - (size_t)(p - err->msg), "%s%s", name, tail);
}

static void put_key(const char *path, const char *function, uint64_t offset,
		    const struct kt_regs *regs)
{
	char k[4096 + KT_NREGS * 17 + 64];
	snapline_key(path, function, offset, regs, k, sizeof(k));
	fprintf(R.meta, "%s ", k);
}

static enum kt_status r_dwarf_vars_at(void *ctx, const char *path, const char *function,
				      uint64_t offset, const struct kt_regs *regs,
				      struct kt_var *vars, int max, int *n, char *chain,
				      size_t chainlen, struct kt_err *err)
{
	(void)ctx;
	const char *real = real_path(path);
	struct kt_dwarf_env env = { .regs = regs, .read = r_read, .ctx = NULL };
	*n = 0;
	chain[0] = 0;
	enum kt_status st = kt_dwarf_vars_at(R.dwarf, real, function, offset, &env, vars, max, n,
					     chain, chainlen, err);
	if (st != KT_OK)
		unpath(err, path, real);
	fprintf(R.meta, "dvars ");
	put_key(path, function, offset, regs);
	fprintf(R.meta, "%d %#llx ", (int)st, (unsigned long long)(st ? err->addr : 0));
	snapline_put(R.meta, st ? err->msg : "");
	fprintf(R.meta, " %d ", st == KT_OK ? *n : 0);
	snapline_put(R.meta, st == KT_OK ? chain : "");
	fputc('\n', R.meta);
	for (int i = 0; st == KT_OK && i < *n; i++) {
		const struct kt_var *v = &vars[i];
		fprintf(R.meta, "dvar ");
		snapline_put(R.meta, v->name);
		fputc(' ', R.meta);
		snapline_put(R.meta, v->scope);
		fprintf(R.meta, " %d %d ", v->inlined, v->param);
		snapline_put(R.meta, v->type);
		fprintf(R.meta, " %u %d %d %d ", v->byte_size, v->is_signed, v->is_pointer, (int)v->kind);
		snapline_put(R.meta, v->where);
		fprintf(R.meta, " %d %#llx %#llx %d %u\n", v->reg, (unsigned long long)v->addr,
			(unsigned long long)v->value, v->has_value, v->frame);
	}
	return st;
}

static enum kt_status r_dwarf_unwind(void *ctx, const char *path, const char *function,
				     uint64_t offset, const struct kt_regs *regs,
				     struct kt_regs *caller, struct kt_err *err)
{
	(void)ctx;
	const char *real = real_path(path);
	struct kt_dwarf_env env = { .regs = regs, .read = r_read, .ctx = NULL };
	memset(caller, 0, sizeof(*caller));
	enum kt_status st = kt_dwarf_unwind(R.dwarf, real, function, offset, &env, caller, err);
	if (st != KT_OK)
		unpath(err, path, real);
	char k[KT_NREGS * 17 + 32];
	fprintf(R.meta, "dunwind ");
	put_key(path, function, offset, regs);
	fprintf(R.meta, "%d %#llx ", (int)st, (unsigned long long)(st ? err->addr : 0));
	snapline_put(R.meta, st ? err->msg : "");
	snapline_regs(caller, k, sizeof(k));
	fprintf(R.meta, " %s %d %#llx %d\n", k, (int)caller->source,
		(unsigned long long)caller->where, caller->pid);
	return st;
}

static const struct kt_reader_ops rec_ops = {
	.read = r_read, .symbol = r_symbol, .symbol_name = r_symbol_name,
	.member_offset = r_moff, .member_size = r_msize, .type_size = r_tsize,
	.var_member_offset = r_varoff, .member_bit_offset = r_mbit, .nr_cpus = r_nr_cpus,
	.percpu_offset = r_percpu, .vmcoreinfo = r_info, .load_module_debuginfo = r_load,
	.cpu_prstatus = r_prstatus, .debuginfo_path = r_debuginfo_path,
	.dwarf_vars_at = r_dwarf_vars_at, .dwarf_unwind = r_dwarf_unwind,
};

static int cmp_read(const void *a, const void *b)
{
	const struct rec_read *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void rec_run(struct kt_session *s, int argc, const char **argv, FILE *sink)
{
	kt_cmd_run(s, argc, (char **)argv, sink, sink);
}

/* Write merged memory: sorted reads, overlapping or touching ones joined. */
static void write_mem(FILE *fp)
{
	qsort(R.reads, R.nreads, sizeof(*R.reads), cmp_read);
	size_t i = 0;
	while (i < R.nreads) {
		uint64_t start = R.reads[i].addr, end = start + R.reads[i].len;
		size_t j = i + 1;
		while (j < R.nreads && R.reads[j].addr <= end) {
			if (R.reads[j].addr + R.reads[j].len > end)
				end = R.reads[j].addr + R.reads[j].len;
			j++;
		}
		unsigned char *buf = calloc(1, end - start);
		for (size_t k = i; k < j; k++)
			memcpy(buf + (R.reads[k].addr - start), R.reads[k].bytes, R.reads[k].len);
		fprintf(fp, "mem %#llx ", (unsigned long long)start);
		for (uint64_t k = 0; k < end - start; k++)
			fprintf(fp, "%02x", buf[k]);
		fputc('\n', fp);
		free(buf);
		i = j;
	}
}

/* Run every command through the recorder around inner and write the snapshot. */
static int record(const struct kt_reader *inner, const char *label, const char *outpath)
{
	char *metabuf = NULL;
	size_t metalen = 0;
	R.inner = inner;
	R.meta = open_memstream(&metabuf, &metalen);
	R.dwarf = kt_dwarf_new();
	if (!R.dwarf)
		abort();
	struct kt_reader rr = { &rec_ops, NULL };
	struct kt_session *s = kt_session_new(&rr);
	char *obuf = NULL;
	size_t olen = 0;
	FILE *sink = open_memstream(&obuf, &olen);

	/* The target vCPU first (the first one kvmlapic -a -j lists), then every
	 * command of commands.h: the snapshot then answers all of them. */
	const char *a0[] = { "kvmlapic", "-a", "-j" };
	rec_run(s, 3, a0, sink);
	fflush(sink);
	char target[32] = "";
	const char *p = obuf ? strstr(obuf, "\"vcpu\":\"0x") : NULL;
	if (p) {
		snprintf(target, sizeof(target), "%.18s", p + 8);
		fprintf(R.meta, "target %s\n", target);
		fprintf(stderr, "kt-record: target vCPU %s\n", target);
	}
	for (size_t c = 0; c < KT_GOLDEN_NCMDS; c++) {
		const char *args[KT_GOLDEN_MAXARGS];
		int n = 0, skip = 0;
		for (; n < KT_GOLDEN_MAXARGS && kt_golden_cmds[c][n]; n++) {
			args[n] = kt_golden_cmds[c][n];
			if (!strcmp(args[n], "@VCPU")) {
				args[n] = target;
				skip = !target[0];
			}
		}
		if (!skip)
			rec_run(s, n, args, sink);
	}
	fclose(sink);
	kt_session_free(s);
	kt_dwarf_free(R.dwarf);
	fclose(R.meta);

	FILE *fp = fopen(outpath, "w");
	if (!fp) {
		perror(outpath);
		return 3;
	}
	fprintf(fp, "# kvmtimer snapshot v1 (tests/snapshot/record.c) of %s\n", label);
	fwrite(metabuf, 1, metalen, fp);
	write_mem(fp);
	fclose(fp);
	fprintf(stderr, "kt-record: %zu reads, %zu bytes of answers\n", R.nreads, metalen);
	free(metabuf);
	free(obuf);
	return 0;
}

#ifdef KT_RECORD_FIXTURE
/* The unit tests' RHEL 8 fixture (kvm->vcpus[], pre-v5.4 timerqueue, KABI
 * padding): its build() is reused as is, its test main() renamed away. */
#define main kt_rhel8_tests_main
#include "../unit/test_fixture_rhel8.c"
#undef main
#endif

int main(int argc, char **argv)
{
	struct kt_cli_module mods[8];
	char names[8][64];
	int nmods = 0, c;
	const char *vmlinux = NULL;

#ifdef KT_RECORD_FIXTURE
	if (argc == 3 && !strcmp(argv[1], "--fixture-rhel8")) {
		build(prefix_code, sizeof(prefix_code));
		struct kt_reader fr = { &fx_ops, &fx };
		return record(&fr, "tests/unit/test_fixture_rhel8.c", argv[2]);
	}
#endif
	static const struct option lo[] = {
		{ "vmlinux", required_argument, NULL, 'k' },
		{ "module", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	while ((c = getopt_long(argc, argv, "k:m:", lo, NULL)) != -1) {
		if (c == 'k') {
			vmlinux = optarg;
		} else if (c == 'm' && nmods < 8) {
			char *eq = strchr(optarg, '=');
			const char *base = strrchr(optarg, '/');
			if (eq) {
				snprintf(names[nmods], 64, "%.*s", (int)(eq - optarg), optarg);
				mods[nmods].path = eq + 1;
			} else {
				snprintf(names[nmods], 64, "%s", base ? base + 1 : optarg);
				char *dot = strstr(names[nmods], ".ko");
				if (dot)
					*dot = 0;
				for (char *p = names[nmods]; *p; p++)
					if (*p == '-')
						*p = '_';
				mods[nmods].path = optarg;
			}
			mods[nmods].name = names[nmods];
			nmods++;
		} else {
			return 2;
		}
	}
	if (!vmlinux || argc - optind != 2) {
		fprintf(stderr, "usage: kt-record --vmlinux V [--module KO]... VMCORE OUT.snap\n"
				"       kt-record --fixture-rhel8 OUT.snap\n");
		return 2;
	}
	/* The core's commands use getopt too: keep the operands before they run. */
	const char *dump = argv[optind], *outpath = argv[optind + 1];
	struct kt_cli_reader *cr;
	struct kt_err err = { 0 };
	if (kt_cli_reader_open(vmlinux, mods, nmods, dump, &cr, &err) != KT_OK) {
		fprintf(stderr, "kt-record: %s\n", err.msg);
		return 3;
	}
	int rc = record(kt_cli_reader_get(cr), dump, outpath);
	kt_cli_reader_close(cr);
	return rc;
}
