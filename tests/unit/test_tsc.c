// SPDX-License-Identifier: GPL-2.0-or-later
/* TSC math against values computed independently with Python integers (exact,
 * arbitrary precision): each row says how. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "kvmtimer/tsc.h"
#include "seed.h"

struct mulshr_case { uint64_t a, b; unsigned sh; uint64_t want; const char *how; };
static const struct mulshr_case mulshr_cases[] = {
	/* (a*b)>>s in Python */
	{ 81864807547800193ULL, (1ULL << 48) + (1ULL << 47), 48, 122797211321700289ULL,
	  "81864807547800193*(2**48+2**47)>>48 (ratio 1.5, VMX 48 frac bits)" },
	{ 123456789012345ULL, 3ULL << 31, 32, 185185183518517ULL,
	  "123456789012345*(3*2**31)>>32 (ratio 1.5, SVM 32 frac bits)" },
	{ UINT64_MAX, UINT64_MAX, 64, 18446744073709551614ULL, "(2**64-1)**2>>64" },
	{ 1000, 1ULL << 48, 48, 1000, "identity ratio still exact through mul" },
};

static void test_mul_u64_u64_shr(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(mulshr_cases) / sizeof(mulshr_cases[0]); i++)
		assert_int_equal(kt_mul_u64_u64_shr(mulshr_cases[i].a, mulshr_cases[i].b,
						    mulshr_cases[i].sh), mulshr_cases[i].want);
}

static void test_scale_tsc_default_is_identity(void **state)
{
	(void)state;
	struct kt_tsc_caps vmx = { 1ULL << 48, 48 }, svm = { 1ULL << 32, 32 };
	/* At the default ratio kvm_scale_tsc returns tsc untouched, even where the
	 * product would overflow 128 bits >> frac. */
	assert_int_equal(kt_kvm_scale_tsc(&vmx, UINT64_MAX, 1ULL << 48), UINT64_MAX);
	assert_int_equal(kt_kvm_scale_tsc(&svm, 12345, 1ULL << 32), 12345);
	/* Non-default ratios: rows above. */
	assert_int_equal(kt_kvm_scale_tsc(&vmx, 81864807547800193ULL, (1ULL << 48) + (1ULL << 47)),
			 122797211321700289ULL);
	assert_int_equal(kt_kvm_scale_tsc(&svm, 123456789012345ULL, 3ULL << 31),
			 185185183518517ULL);
	/* A 2^48 ratio under SVM's 32 frac bits is 65536x, not identity. */
	assert_int_equal(kt_kvm_scale_tsc(&svm, 10, 1ULL << 48), 655360);
}

static void test_read_l1_tsc_seed(void **state)
{
	(void)state;
	struct kt_tsc_caps vmx = { SEED_RATIO, 48 };
	/* l1_tsc_offset + host_tsc wraps mod 2^64 to the seed's RSI. */
	assert_int_equal(kt_kvm_read_l1_tsc(&vmx, SEED_L1_TSC_OFFSET, SEED_RATIO, SEED_HOST_TSC),
			 SEED_GUEST_TSC);
}

struct psd_case { uint64_t delta; uint32_t mul; int shift; uint64_t want; const char *how; };
static const struct psd_case psd_cases[] = {
	/* d = delta % 2**64; d = (d << s) % 2**64 if s >= 0 else d >> -s; (d*mul >> 32) % 2**64 */
	{ 1000000000, 0x80000000u, -1, 250000000, "1e9 >> 1, * 2**31 >> 32" },
	{ 1000000000, 2356694726u, 2, 2194842999ULL, "seed mult/shift, 1 s" },
	{ (uint64_t)-1000, 2356694726u, 2, 10121926774825678701ULL, "-1000 ns as u64" },
	{ UINT64_MAX, 0xffffffffu, 0, 18446744069414584319ULL, "max * max_u32 >> 32" },
	{ (uint64_t)SEED_DELTA_NS, SEED_VIRTUAL_TSC_MULT, SEED_VIRTUAL_TSC_SHIFT,
	  10112081292049876435ULL, "seed delta -4485734413211762 as u64" },
	{ (uint64_t)SEED_PERIOD_NS, SEED_VIRTUAL_TSC_MULT, SEED_VIRTUAL_TSC_SHIFT, 3818816,
	  "seed period in cycles" },
};

static void test_pvclock_scale_delta(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(psd_cases) / sizeof(psd_cases[0]); i++)
		assert_int_equal(kt_pvclock_scale_delta(psd_cases[i].delta, psd_cases[i].mul,
							psd_cases[i].shift), psd_cases[i].want);
	/* nsec_to_cycles is the same function with the vCPU's mult/shift. */
	assert_int_equal(kt_nsec_to_cycles(1000000000, 2356694726u, 2), 2194842999ULL);
}

static void test_cycles_to_ns(void **state)
{
	(void)state;
	assert_int_equal(kt_cycles_to_ns(2194842999ULL, 2194843), 999999999);
	assert_int_equal(kt_cycles_to_ns(UINT64_MAX, 1000000), UINT64_MAX);
	assert_int_equal(kt_cycles_to_ns(5, 0), 0);
}

static void test_hv_timer_range(void **state)
{
	(void)state;
	/* multi 5: 37 bits of TSC distance. */
	assert_true(kt_vmx_hv_timer_in_range(100 + (1ULL << 37) - 1, 100, 5));
	assert_false(kt_vmx_hv_timer_in_range(100 + (1ULL << 37), 100, 5));
	/* A deadline in the past is distance 0: in range (fires at once). */
	assert_true(kt_vmx_hv_timer_in_range(5, 100, 5));
	/* The seed's wrapped deadline: (stored - RSI) >> 37 = 73575074 (python) != 0. */
	assert_false(kt_vmx_hv_timer_in_range(SEED_TSCDEADLINE, SEED_GUEST_TSC, 5));
	assert_int_equal((SEED_TSCDEADLINE - SEED_GUEST_TSC) >> 37, 73575074);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mul_u64_u64_shr),
		cmocka_unit_test(test_scale_tsc_default_is_identity),
		cmocka_unit_test(test_read_l1_tsc_seed),
		cmocka_unit_test(test_pvclock_scale_delta),
		cmocka_unit_test(test_cycles_to_ns),
		cmocka_unit_test(test_hv_timer_range),
	};
	return cmocka_run_group_tests_name("tsc", tests, NULL, NULL);
}
