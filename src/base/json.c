// SPDX-License-Identifier: GPL-2.0-or-later
/* Streaming JSON writer: see include/kvmtimer/json.h. */
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

/*
 * Keys, numbers and plain strings are formatted into one small buffer and
 * written with one fwrite: at 1,024 vCPUs `kvmlapic -a --json` writes ~90,000
 * keys and values, and a putc/fwrite/fprintf per piece (three calls for a
 * key alone) was 12 % of a CLI run's instructions.
 */
#define TOKEN_MAX 320
struct token {
	char b[TOKEN_MAX];
	size_t n;
};

/* Separator before a value or key at the current level. */
static void sep_into(struct kt_json *j, struct token *t)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->need_comma[j->depth])
		t->b[t->n++] = ',';
	j->need_comma[j->depth] = true;
}

static void flush(struct kt_json *j, struct token *t)
{
	if (t->n)
		fwrite(t->b, 1, t->n, j->fp);
	t->n = 0;
}

static void sep(struct kt_json *j)
{
	struct token t = { .n = 0 };

	sep_into(j, &t);
	flush(j, &t);
}

/* s quoted into t when it is printable ASCII without '"' or '\\' and fits
 * (room kept for two more bytes); false (t unchanged) otherwise. */
static bool quote_plain(struct token *t, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = t->n;

	t->b[n++] = '"';
	for (; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\' || n >= TOKEN_MAX - 3)
			return false;
		t->b[n++] = (char)*p;
	}
	t->b[n++] = '"';
	t->n = n;
	return true;
}

/* s as a JSON string after what t holds. */
static void put_quoted(struct kt_json *j, struct token *t, const char *s)
{
	if (quote_plain(t, s))
		return;
	flush(j, t);
	kt_json_fquote(j->fp, s);
}

static void put_u64(struct token *t, uint64_t v, int base)
{
	static const char digit[] = "0123456789abcdef";
	char r[24];
	size_t k = 0;

	do {
		r[k++] = digit[v % (unsigned)base];
		v /= (unsigned)base;
	} while (v);
	while (k)
		t->b[t->n++] = r[--k];
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

void kt_json_key(struct kt_json *j, const char *key)
{
	struct token t = { .n = 0 };

	sep_into(j, &t);
	put_quoted(j, &t, key);
	t.b[t.n++] = ':';
	flush(j, &t);
	j->after_key = true;
}

void kt_json_str(struct kt_json *j, const char *s)
{
	struct token t = { .n = 0 };

	sep_into(j, &t);
	put_quoted(j, &t, s);
	flush(j, &t);
}

void kt_json_int(struct kt_json *j, int64_t v)
{
	struct token t = { .n = 0 };

	sep_into(j, &t);
	if (v < 0)
		t.b[t.n++] = '-';
	put_u64(&t, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, 10);
	flush(j, &t);
}

void kt_json_uint(struct kt_json *j, uint64_t v)
{
	struct token t = { .n = 0 };

	sep_into(j, &t);
	put_u64(&t, v, 10);
	flush(j, &t);
}

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
	struct token t = { .n = 0 };

	sep_into(j, &t);
	memcpy(t.b + t.n, "\"0x", 3);
	t.n += 3;
	put_u64(&t, addr, 16);
	t.b[t.n++] = '"';
	flush(j, &t);
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
