// SPDX-License-Identifier: GPL-2.0-or-later
/* kt_big_calloc/realloc/free (src/base/bigmem.c): zeroed, aligned, contents
 * kept across a resize on both sides of the malloc/mapping threshold, overflow
 * refused, and a large block really in huge pages where THP is on. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kvmtimer/bigmem.h"

#define MIB ((size_t)1 << 20)

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void test_zero_and_aligned(void **state)
{
	static const size_t sizes[] = { 0, 1, 4095, MIB - 100, MIB, 3 * MIB + 5, 9 * MIB };
	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = kt_big_calloc(sizes[i], 1);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
		assert_true(all_zero(p, sizes[i]));
		memset(p, 0xa5, sizes[i]);	/* all of it writable (ASan, valgrind) */
		kt_big_free(p);
	}
	kt_big_free(NULL);
}

/* Resizes across the threshold both ways keep the common prefix; growth is
 * zero. */
static void test_resize(void **state)
{
	static const size_t steps[] = { 100, 2 * MIB, 5 * MIB, 4096, 0, 3 * MIB };
	size_t have = 0;
	unsigned char *p = NULL;

	(void)state;
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		size_t n = steps[s], keep = have < n ? have : n;
		unsigned char *q = kt_big_realloc(p, n, 1);

		assert_non_null(q);
		for (size_t i = 0; i < keep; i++)
			assert_int_equal(q[i], (unsigned char)(i * 7 + s - 1));
		assert_true(all_zero(q + keep, n - keep));
		for (size_t i = 0; i < n; i++)
			q[i] = (unsigned char)(i * 7 + s);
		p = q;
		have = n;
	}
	kt_big_free(p);
}

static void test_overflow(void **state)
{
	unsigned char *p = kt_big_calloc(10, 1);

	(void)state;
	assert_null(kt_big_calloc(SIZE_MAX / 2, 3));
	assert_null(kt_big_calloc(1, SIZE_MAX - 8));
	assert_null(kt_big_realloc(p, SIZE_MAX / 4, 8));
	p[9] = 1;		/* still p's: a failed resize leaves it */
	kt_big_free(p);
}

/* AnonHugePages of the mapping holding addr, in kB; -1 when not found. */
static long anon_huge_kb(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	bool in = false;
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* The point of it: where the kernel's THP policy is "always" or "madvise", an
 * 8 MiB block written through is (mostly) huge pages.  With THP "never" or
 * absent there is nothing to check: the test says so and passes (that is the
 * block's documented fallback, not a missing tool). */
static void test_huge_pages(void **state)
{
	char policy[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	unsigned char *p;

	(void)state;
	if (f) {
		if (!fgets(policy, sizeof(policy), f))
			policy[0] = 0;
		fclose(f);
	}
	if (!strstr(policy, "[always]") && !strstr(policy, "[madvise]")) {
		print_message("# THP is off here (%s): the fallback path only\n", policy);
		return;
	}
	p = kt_big_calloc(8 * MIB, 1);
	assert_non_null(p);
	memset(p, 1, 8 * MIB);
	assert_true(anon_huge_kb(p) >= 4096);
	kt_big_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_and_aligned),
		cmocka_unit_test(test_resize),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_huge_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
