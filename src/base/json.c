// SPDX-License-Identifier: GPL-2.0-or-later
/* Streaming JSON writer: see include/kvmtimer/json.h. */
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "kvmtimer/json.h"

void kt_json_init(struct kt_json *j, FILE *fp)
{
	j->fp = fp;
	j->depth = 0;
	j->need_comma[0] = false;
	j->after_key = false;
}

/* Separator before a value or key at the current level. */
static void sep(struct kt_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->need_comma[j->depth])
		fputc(',', j->fp);
	j->need_comma[j->depth] = true;
}

static void open(struct kt_json *j, char c)
{
	sep(j);
	fputc(c, j->fp);
	if (j->depth < KT_JSON_DEPTH - 1)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_(struct kt_json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->fp);
}

void kt_json_obj_begin(struct kt_json *j) { open(j, '{'); }
void kt_json_obj_end(struct kt_json *j) { close_(j, '}'); }
void kt_json_arr_begin(struct kt_json *j) { open(j, '['); }
void kt_json_arr_end(struct kt_json *j) { close_(j, ']'); }

void kt_json_quote(const char *s, void (*put)(void *ctx, const char *bytes, size_t n), void *ctx)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(s ? s : ""), *run = p;

	put(ctx, "\"", 1);
	for (; *p; p++) {
		char esc[7];
		size_t n = 2;
		esc[0] = '\\';
		switch (*p) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\t': esc[1] = 't'; break;
		case '\r': esc[1] = 'r'; break;
		default:
			if (*p >= 0x20 && *p < 0x7f)
				continue;	/* printable ASCII: part of the run */
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			n = 6;
		}
		if (p > run)
			put(ctx, (const char *)run, (size_t)(p - run));
		put(ctx, esc, n);
		run = p + 1;
	}
	if (p > run)
		put(ctx, (const char *)run, (size_t)(p - run));
	put(ctx, "\"", 1);
}

static void put_file(void *ctx, const char *bytes, size_t n)
{
	fwrite(bytes, 1, n, ctx);
}

void kt_json_fquote(FILE *fp, const char *s)
{
	kt_json_quote(s, put_file, fp);
}

static void put_string(FILE *fp, const char *s)
{
	kt_json_fquote(fp, s);
}

void kt_json_key(struct kt_json *j, const char *key)
{
	sep(j);
	put_string(j->fp, key);
	fputc(':', j->fp);
	j->after_key = true;
}

void kt_json_str(struct kt_json *j, const char *s) { sep(j); put_string(j->fp, s); }
void kt_json_int(struct kt_json *j, int64_t v) { sep(j); fprintf(j->fp, "%" PRId64, v); }
void kt_json_uint(struct kt_json *j, uint64_t v) { sep(j); fprintf(j->fp, "%" PRIu64, v); }
void kt_json_bool(struct kt_json *j, bool v) { sep(j); fputs(v ? "true" : "false", j->fp); }
void kt_json_null(struct kt_json *j) { sep(j); fputs("null", j->fp); }

void kt_json_double(struct kt_json *j, double v)
{
	sep(j);
	if (isfinite(v))
		fprintf(j->fp, "%.6g", v);
	else
		fputs("null", j->fp);
}

void kt_json_addr(struct kt_json *j, uint64_t addr)
{
	sep(j);
	fprintf(j->fp, "\"0x%" PRIx64 "\"", addr);
}

void kt_json_kstr(struct kt_json *j, const char *k, const char *s) { kt_json_key(j, k); kt_json_str(j, s); }
void kt_json_kint(struct kt_json *j, const char *k, int64_t v) { kt_json_key(j, k); kt_json_int(j, v); }
void kt_json_kuint(struct kt_json *j, const char *k, uint64_t v) { kt_json_key(j, k); kt_json_uint(j, v); }
void kt_json_kbool(struct kt_json *j, const char *k, bool v) { kt_json_key(j, k); kt_json_bool(j, v); }
void kt_json_kaddr(struct kt_json *j, const char *k, uint64_t a) { kt_json_key(j, k); kt_json_addr(j, a); }
void kt_json_kdouble(struct kt_json *j, const char *k, double v) { kt_json_key(j, k); kt_json_double(j, v); }

void kt_json_ku64(struct kt_json *j, const char *k, const char *k_hex, uint64_t v)
{
	kt_json_kuint(j, k, v);
	kt_json_kaddr(j, k_hex, v);
}

void kt_json_end_doc(struct kt_json *j)
{
	fputc('\n', j->fp);
	fflush(j->fp);
}
