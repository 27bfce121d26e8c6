/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small streaming JSON writer shared by the extension and the CLI (why not
 * jansson: the documents are written once, in order, straight to crash's fp;
 * building a tree first would only cost memory at 1,000+ vCPUs).
 */
#ifndef KVMTIMER_JSON_H
#define KVMTIMER_JSON_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define KT_JSON_DEPTH 32
struct kt_json {
	FILE *fp;
	int depth;
	bool need_comma[KT_JSON_DEPTH];
	bool after_key;
};

/* The one JSON string escaper (core, CLI and refvmm use it): s with its
 * quotes, '"' and '\\' backslashed, \n \t \r short, every other byte below
 * 0x20 and every byte 0x7f..0xff as \u00XX.  Dump strings are bytes of no
 * declared encoding (comm, paths, OSRELEASE), so the output is pure ASCII:
 * always valid UTF-8 JSON, and each byte b reads back as the code point
 * U+00b, so the bytes are recoverable exactly (a UTF-8 name then reads as
 * Latin-1 mojibake: bytes over looks).  put receives the text in pieces. */
void kt_json_quote(const char *s, void (*put)(void *ctx, const char *bytes, size_t n), void *ctx);
void kt_json_fquote(FILE *fp, const char *s);

void kt_json_init(struct kt_json *j, FILE *fp);
void kt_json_obj_begin(struct kt_json *j);
void kt_json_obj_end(struct kt_json *j);
void kt_json_arr_begin(struct kt_json *j);
void kt_json_arr_end(struct kt_json *j);
void kt_json_key(struct kt_json *j, const char *key);
void kt_json_str(struct kt_json *j, const char *s);
void kt_json_int(struct kt_json *j, int64_t v);
void kt_json_uint(struct kt_json *j, uint64_t v);
void kt_json_bool(struct kt_json *j, bool v);
void kt_json_null(struct kt_json *j);
void kt_json_double(struct kt_json *j, double v);
/* "0x..." address string. */
void kt_json_addr(struct kt_json *j, uint64_t addr);
/* Key + value shorthands. */
void kt_json_kstr(struct kt_json *j, const char *k, const char *s);
void kt_json_kint(struct kt_json *j, const char *k, int64_t v);
void kt_json_kuint(struct kt_json *j, const char *k, uint64_t v);
void kt_json_kbool(struct kt_json *j, const char *k, bool v);
void kt_json_kaddr(struct kt_json *j, const char *k, uint64_t addr);
void kt_json_kdouble(struct kt_json *j, const char *k, double v);
/* A u64 of the TSC domain (cycles, offsets, deadlines, ratios) that may pass
 * 2^53, where common JSON readers (jq, JavaScript) round: "k": v and its exact
 * string twin "k_hex": "0x..." (docs/SCHEMA.md).  Both keys are the caller's
 * (the renderers' KU64(name), declared once in render/keys.def). */
void kt_json_ku64(struct kt_json *j, const char *k, const char *k_hex, uint64_t v);
/* Ends the document with a newline. */
void kt_json_end_doc(struct kt_json *j);

#endif
