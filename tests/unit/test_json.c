// SPDX-License-Identifier: GPL-2.0-or-later
/* The JSON writer: separators, nesting, escaping, numbers at the extremes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_document) };
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
