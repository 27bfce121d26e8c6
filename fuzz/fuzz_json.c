// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the streaming JSON writer (src/core/json.c).  The input is
 * a program for a well-behaved caller — keys only inside objects, a value
 * after each key, closes matching opens, depth under KT_JSON_DEPTH — with
 * arbitrary strings (control bytes, quotes, non-ASCII, invalid UTF-8) and
 * numbers (NaN, infinities, extremes).  The output must be valid JSON.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kvmtimer/json.h"
#include "jsoncheck.h"

struct cur { const uint8_t *p; size_t n; };

static unsigned g8(struct cur *c) { if (!c->n) return 0; c->n--; return *c->p++; }

static uint64_t g64(struct cur *c)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | g8(c);
	return v;
}

/* A string of up to 31 input bytes (NUL ends it early). */
static void gstr(struct cur *c, char *s)
{
	size_t n = g8(c) % 32, i;
	for (i = 0; i < n; i++)
		s[i] = (char)g8(c);
	s[i] = 0;
}

static void value(struct kt_json *j, struct cur *c, unsigned op)
{
	char s[40];
	uint64_t v;
	double d;
	switch (op % 7) {
	case 0: gstr(c, s); kt_json_str(j, s); break;
	case 1: kt_json_int(j, (int64_t)g64(c)); break;
	case 2: kt_json_uint(j, g64(c)); break;
	case 3: v = g64(c); memcpy(&d, &v, 8); kt_json_double(j, d); break;
	case 4: kt_json_bool(j, g8(c) & 1); break;
	case 5: kt_json_null(j); break;
	case 6: kt_json_addr(j, g64(c)); break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cur c = { data, size };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	struct kt_json j;
	bool is_obj[KT_JSON_DEPTH];
	int depth = 0;
	char k[40];

	kt_json_init(&j, fp);
	kt_json_obj_begin(&j);
	is_obj[depth++] = true;
	while (c.n) {
		unsigned op = g8(&c);
		switch (op % 4) {
		case 0:	/* open a container */
			if (depth >= KT_JSON_DEPTH - 2)
				break;
			if (is_obj[depth - 1]) {
				gstr(&c, k);
				kt_json_key(&j, k);
			}
			if (op & 4)
				kt_json_obj_begin(&j);
			else
				kt_json_arr_begin(&j);
			is_obj[depth++] = op & 4;
			break;
		case 1:	/* close one */
			if (depth <= 1)
				break;
			if (is_obj[--depth])
				kt_json_obj_end(&j);
			else
				kt_json_arr_end(&j);
			break;
		default:	/* a value, keyed in objects (the kt_json_k* shorthands) */
			if (is_obj[depth - 1]) {
				gstr(&c, k);
				kt_json_key(&j, k);
			}
			value(&j, &c, g8(&c));
			break;
		}
	}
	while (depth > 0)
		if (is_obj[--depth])
			kt_json_obj_end(&j);
		else
			kt_json_arr_end(&j);
	kt_json_end_doc(&j);
	fclose(fp);
	size_t bad = json_check(buf, len);
	if (bad) {
		fprintf(stderr, "fuzz_json: invalid JSON at byte %zu:\n%.*s\n", bad, (int)len, buf);
		abort();
	}
	free(buf);
	return 0;
}
