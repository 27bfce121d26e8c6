/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The words of a snapshot line that hold text (messages, types, scope chains):
 * every byte outside '!'..'~' and '%' written as %XX, the empty string as a
 * lone "%", so a word never holds a space.  The recorder writes them, the
 * replay reads them (snapshot.h).  Register sets are words too:
 * "R15,R14,...,SS,UNKNOWN,FRAME" in hex, the key of a DWARF answer.
 */
#ifndef KT_TESTS_SNAPLINE_H
#define KT_TESTS_SNAPLINE_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kvmtimer/regs.h"

static inline void snapline_put(FILE *fp, const char *s)
{
	if (!*s) {
		fputc('%', fp);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p > '~' || *p == '%')
			fprintf(fp, "%%%02x", *p);
		else
			fputc(*p, fp);
}

/* Decode word w into buf (len > 0); returns buf. */
static inline char *snapline_get(const char *w, char *buf, size_t len)
{
	size_t n = 0;
	if (!strcmp(w, "%"))
		w = "";
	for (; *w && n + 1 < len; w++) {
		if (w[0] == '%' && w[1] && w[2]) {
			char hex[3] = { w[1], w[2], 0 };
			buf[n++] = (char)strtoul(hex, NULL, 16);
			w += 2;
		} else {
			buf[n++] = *w;
		}
	}
	buf[n] = 0;
	return buf;
}

/* The register set's word: every register, unknown and frame. */
static inline void snapline_regs(const struct kt_regs *r, char *buf, size_t len)
{
	size_t n = 0;
	for (int i = 0; i < KT_NREGS && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%llx,", (unsigned long long)r->r[i]);
	if (n < len)
		snprintf(buf + n, len - n, "%x,%x", r->unknown, r->frame);
}

/* Parse a register set word; 0 or -1. */
static inline int snapline_get_regs(const char *w, struct kt_regs *r)
{
	char *end;
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < KT_NREGS + 2; i++) {
		unsigned long long v = strtoull(w, &end, 16);
		if (end == w || (*end != ',' && i < KT_NREGS + 1) || (i == KT_NREGS + 1 && *end))
			return -1;
		if (i < KT_NREGS)
			r->r[i] = v;
		else if (i == KT_NREGS)
			r->unknown = (uint32_t)v;
		else
			r->frame = (unsigned)v;
		w = end + 1;
	}
	return 0;
}

/* The question of a DWARF answer: "FILE FUNC OFF REGS" (FILE escaped). */
static inline void snapline_key(const char *file, const char *function, uint64_t offset,
				const struct kt_regs *regs, char *buf, size_t len)
{
	char k[KT_NREGS * 17 + 32];
	FILE *fp = fmemopen(buf, len, "w");
	if (!fp) {
		buf[0] = 0;
		return;
	}
	snapline_regs(regs, k, sizeof(k));
	snapline_put(fp, file);
	fprintf(fp, " %s %#llx %s", function, (unsigned long long)offset, k);
	fclose(fp);
}

#endif
