// SPDX-License-Identifier: GPL-2.0-or-later
/* The JSON writer: separators, nesting, escaping, numbers at the extremes, and
 * strings on both sides of the writer's one-write buffer (json.c TOKEN_MAX). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <cmocka.h>
#include "kvmtimer/json.h"

static void test_document(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	struct kt_json j;
	kt_json_init(&j, fp);
	kt_json_obj_begin(&j);
	kt_json_kstr(&j, "s", "a\"b\\c\n\x01\xff");
	kt_json_kint(&j, "min", INT64_MIN);
	kt_json_kuint(&j, "max", UINT64_MAX);
	kt_json_kaddr(&j, "addr", 0xff440d5956f99200ULL);
	kt_json_key(&j, "arr");
	kt_json_arr_begin(&j);
	kt_json_bool(&j, true);
	kt_json_null(&j);
	kt_json_obj_begin(&j);
	kt_json_obj_end(&j);
	kt_json_arr_begin(&j);
	kt_json_arr_end(&j);
	kt_json_arr_end(&j);
	kt_json_kdouble(&j, "d", 2.5);
	kt_json_obj_end(&j);
	kt_json_end_doc(&j);
	fclose(fp);
	assert_string_equal(buf,
		"{\"s\":\"a\\\"b\\\\c\\n\\u0001\\u00ff\",\"min\":-9223372036854775808,"
		"\"max\":18446744073709551615,\"addr\":\"0xff440d5956f99200\","
		"\"arr\":[true,null,{},[]],\"d\":2.5}\n");
	free(buf);
}

/* Keys and strings of every length from 0 to 700 (the buffer is 320 bytes),
 * plain or with an escape at the end, and numbers: each element must read as
 * printf renders it. */
static void test_lengths(void **state)
{
	(void)state;
	static const int64_t ints[] = { 0, 1, -1, 9, 10, -10, 99, 100, INT64_MAX, INT64_MIN, -1234567890123 };
	static const uint64_t addrs[] = { 0, 1, 0xf, 0x10, 0xffffffffffffffffULL, 0xffffffff81000000ULL };
	for (size_t n = 0; n <= 700; n++) {
		char *buf = NULL, *s = malloc(n + 2), *want = malloc(3 * n + 300);
		size_t len = 0;
		FILE *fp = open_memstream(&buf, &len);
		struct kt_json j;

		assert_non_null(s);
		assert_non_null(want);
		for (size_t i = 0; i < n; i++)
			s[i] = (char)('a' + i % 26);
		s[n] = 0;
		kt_json_init(&j, fp);
		kt_json_obj_begin(&j);
		kt_json_kstr(&j, s, s);		/* key and value of length n */
		s[n] = '"';			/* length n + 1, ending in an escape */
		s[n + 1] = 0;
		kt_json_kint(&j, s, ints[n % 11]);
		kt_json_kaddr(&j, "a", addrs[n % 6]);
		kt_json_kuint(&j, "u", (uint64_t)ints[n % 11]);
		kt_json_obj_end(&j);
		kt_json_end_doc(&j);
		fclose(fp);
		s[n] = 0;
		snprintf(want, 3 * n + 300, "{\"%s\":\"%s\",\"%s\\\"\":%" PRId64 ",\"a\":\"0x%" PRIx64 "\",\"u\":%" PRIu64 "}\n",
			 s, s, s, ints[n % 11], addrs[n % 6], (uint64_t)ints[n % 11]);
		if (strcmp(buf, want))
			{ size_t d = 0; while (buf[d] && buf[d] == want[d]) d++; fail_msg("length %zu: differs at byte %zu: got ...%.40s want ...%.40s", n, d, buf + (d > 20 ? d - 20 : 0), want + (d > 20 ? d - 20 : 0)); }
		free(buf);
		free(s);
		free(want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_document), cmocka_unit_test(test_lengths) };
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
