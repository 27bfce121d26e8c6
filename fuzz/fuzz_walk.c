// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the core's walkers and decoders (VM/vCPU walk, xarray and
 * vcpus[], hrtimer rbtrees, timekeeper, pid -> task, lapic decode, model,
 * detectors, both renderers) on damaged memory and damaged layouts.
 *
 * The memory is a snapshot of what the core read from a real dump (or the RHEL 8
 * unit-test fixture), see snapshot.h.  The input picks a snapshot and a command,
 * then lists mutations:
 *
 *   byte 0        snapshot (mod the number loaded)
 *   byte 1        command (mod NCMDS); bit 7: run all commands in one session
 *   then records, each starting with an op byte, kind = op % 6:
 *     0 raw      region u16, offset u16, then 1 + (op >> 3) % 8 bytes
 *     1 pointer  region u16, offset u16, target region u16, target offset u16:
 *                writes the target's address (cycles, aliases, wrong types)
 *     2 hole     region u16, offset u16, length u16: unreadable range
 *     3 layout   entry u16, value u16: -1, orig +/- small, or value & 0xffff
 *     4 symbol   entry u16, region u16, offset u16: absent or moved
 *     5 integer  region u16, offset u16, index u8 into interesting values
 *
 * Must never crash, hang or loop (libFuzzer -timeout catches the last two),
 * and a -j command that succeeds must print exactly one valid JSON document.
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

static const char *const snap_names[] = { "healthy", "storm", "corrupt", "rhel8-fixture" };
#define NSNAPS (sizeof(snap_names) / sizeof(snap_names[0]))
static struct snapshot snaps[NSNAPS];
static size_t nloaded;

#define NCMDS 10

struct cursor { const uint8_t *p; size_t n; };

static unsigned get8(struct cursor *c)
{
	if (!c->n)
		return 0;
	c->n--;
	return *c->p++;
}

static unsigned get16(struct cursor *c)
{
	return get8(c) | get8(c) << 8;
}

static const uint64_t interesting[] = {
	0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
	0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
	0xffffffffffffffffULL, 0xfffffffffffffffeULL, 1000000, 1000000000, 0xdead000000000100ULL,
	0xffffffffffffff00ULL, 4096, 1024, 1023, 1025, 64, 63, 65, 0x200ec, 0x2000ec, 0x4000ec,
};

static void mutate(struct snapshot *s, struct cursor *c)
{
	while (c->n) {
		unsigned op = get8(c);
		struct snap_region *r = &s->regions[get16(c) % s->nregions];
		size_t off;
		switch (op % 6) {
		case 0: {
			off = get16(c) % r->len;
			size_t n = 1 + (op >> 3) % 8;
			for (size_t i = 0; i < n && off + i < r->len; i++)
				r->bytes[off + i] = (unsigned char)get8(c);
			break;
		}
		case 1: {
			off = get16(c) % r->len & ~(size_t)7;
			struct snap_region *t = &s->regions[get16(c) % s->nregions];
			uint64_t v = t->addr + get16(c) % t->len;
			if (off + 8 <= r->len)
				memcpy(r->bytes + off, &v, 8);
			break;
		}
		case 2:
			r->hole_off = get16(c) % r->len;
			r->hole_len = 1 + get16(c);
			break;
		case 3: {
			/* r was drawn from the same u16: reuse it as the entry index. */
			struct snap_layout *l = &s->layout[(size_t)(r - s->regions) % s->nlayout];
			unsigned v = get16(c);
			if (v < 0x100)
				l->value = -1;
			else if (v < 0x8000)
				l->value = l->orig + (long)(int8_t)v;
			else
				l->value = v & 0xffff;
			break;
		}
		case 4: {
			struct snap_sym *y = &s->syms[(size_t)(r - s->regions) % s->nsyms];
			struct snap_region *t = &s->regions[get16(c) % s->nregions];
			unsigned o = get16(c);
			if (o == 0)
				y->ok = 0;
			else
				y->addr = t->addr + o % t->len;
			break;
		}
		case 5: {
			off = get16(c) % r->len;
			uint64_t v = interesting[get8(c) % (sizeof(interesting) / sizeof(interesting[0]))];
			size_t n = r->len - off < 8 ? r->len - off : 8;
			memcpy(r->bytes + off, &v, n);
			break;
		}
		}
	}
}

static void run(struct kt_session *ses, const struct snapshot *s, unsigned cmd)
{
	char target[32];
	snprintf(target, sizeof(target), "%s", s->target[0] ? s->target : "0");
	char *argv[8] = { 0 };
	int argc = 0;
	switch (cmd % NCMDS) {
	case 0: argv[argc++] = "kvmlapic"; argv[argc++] = "-a"; argv[argc++] = "-j"; break;
	case 1: argv[argc++] = "kvmhrtimer"; argv[argc++] = "-j"; break;
	case 2: argv[argc++] = "kvmtriage"; argv[argc++] = "-j"; break;
	case 3: argv[argc++] = "kvmlapic"; argv[argc++] = "-a"; break;
	case 4: argv[argc++] = "kvmhrtimer"; break;
	case 5: argv[argc++] = "kvmtriage"; break;
	case 6: argv[argc++] = "kvmlapic"; argv[argc++] = target; break;
	case 7: argv[argc++] = "kvmlapic"; argv[argc++] = "-j"; argv[argc++] = target; break;
	case 8: argv[argc++] = "kvmtsc"; argv[argc++] = "-j"; argv[argc++] = target;
		argv[argc++] = "-d"; argv[argc++] = "1000000"; break;
	case 9: argv[argc++] = "kvmhrtimer"; argv[argc++] = "-k"; argv[argc++] = "-j"; break;
	}
	char *buf = NULL, *ebuf = NULL;
	size_t len = 0, elen = 0;
	FILE *out = open_memstream(&buf, &len), *err = open_memstream(&ebuf, &elen);
	enum kt_cmd_status st = kt_cmd_run(ses, argc, argv, out, err);
	fclose(out);
	fclose(err);
	if (getenv("KT_FUZZ_ECHO"))	/* replaying one input: show what the command said */
		fprintf(stderr, "== %s: status %d\n%.*s%.*s", argv[0], st, (int)len, buf, (int)elen, ebuf);
	int json = 0;
	for (int i = 1; i < argc; i++)
		json |= !strcmp(argv[i], "-j");
	if (json && (st == KT_CMD_OK || st == KT_CMD_ALARM)) {
		size_t bad = json_check(buf, len);
		if (bad) {
			fprintf(stderr, "fuzz_walk: %s: invalid JSON at byte %zu:\n%.*s\n", argv[0],
				bad, (int)len, buf);
			abort();
		}
	}
	free(buf);
	free(ebuf);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	const char *dir = getenv("KT_FUZZ_SNAPDIR");
	if (!dir)
		dir = KT_FUZZ_SNAPDIR;
	for (size_t i = 0; i < NSNAPS; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s.snap.gz", dir, snap_names[i]);
		if (snap_load(&snaps[nloaded], path) == 0)
			nloaded++;
	}
	if (!nloaded) {
		fprintf(stderr, "fuzz_walk: no snapshot under %s (set KT_FUZZ_SNAPDIR)\n", dir);
		exit(1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = { data, size };
	struct snapshot *s = &snaps[get8(&c) % nloaded];
	unsigned cmd = get8(&c);
	snap_reset(s);
	mutate(s, &c);

	struct kt_reader r = { &snap_ops, s };
	struct kt_session *ses = kt_session_new(&r);
	if (!ses)
		return 0;
	if (cmd & 0x80) {
		for (unsigned i = 0; i < NCMDS; i++)
			run(ses, s, i);
	} else {
		run(ses, s, cmd);
	}
	kt_session_free(ses);
	return 0;
}
