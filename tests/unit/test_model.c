// SPDX-License-Identifier: GPL-2.0-or-later
/* The model on the seed case and on small hand-checked timers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "kvmtimer/lapic.h"
#include "kvmtimer/model.h"
#include "seed.h"

static void seed_input(struct kt_model_input *mi)
{
	*mi = (struct kt_model_input){
		.period_ns = SEED_PERIOD_NS,
		/* Before the NMI'd iteration: target one period earlier than RBX+RCX. */
		.target_expiration_ns = SEED_TARGET_EXPIRATION_NS - SEED_PERIOD_NS,
		.hrtimer_expires_ns = SEED_HRTIMER_EXPIRES_NS,
		.now_ns = SEED_NOW_NS,
		.host_tsc = SEED_HOST_TSC,
		.l1_tsc_offset = SEED_L1_TSC_OFFSET,
		.l1_tsc_scaling_ratio = SEED_RATIO,
		.virtual_tsc_mult = SEED_VIRTUAL_TSC_MULT,
		.virtual_tsc_shift = SEED_VIRTUAL_TSC_SHIFT,
		.caps = { SEED_RATIO, KT_VMX_TSC_FRAC_BITS },
		.hv_capable = true,
		.preemption_timer_multi = 5,
		.iteration_cost_ns = 300,
	};
}

/* The iteration the NMI interrupted, replayed: target += period, delta = RBX,
 * guest TSC = RSI, and the deadline it stores lands within one period's worth of
 * cycles (3818816) of the stored 10135384616420291996, written one iteration earlier. */
static void test_seed_prefix_advance(void **state)
{
	(void)state;
	struct kt_model_input mi;
	struct kt_advance a;
	seed_input(&mi);
	kt_model_advance(&mi, KT_ALGO_PREFIX, mi.target_expiration_ns, &a);
	assert_int_equal(a.target_expiration_ns, SEED_TARGET_EXPIRATION_NS);
	assert_int_equal(a.delta_ns, SEED_DELTA_NS);
	assert_true(a.delta_negative);
	assert_int_equal(a.guest_tsc, SEED_GUEST_TSC);
	/* python3: (0x0052ca4003697505 + psd(-4485734413211762, 2356694726, 2)) % 2**64 */
	assert_int_equal(a.tscdeadline, 10135384616424110808ULL);
	assert_int_equal(a.tscdeadline - SEED_TSCDEADLINE, 3818812);
	assert_true(a.tscdeadline - SEED_TSCDEADLINE <
		    kt_nsec_to_cycles(SEED_PERIOD_NS, SEED_VIRTUAL_TSC_MULT, SEED_VIRTUAL_TSC_SHIFT));
	assert_false(a.hv_in_range);	/* HV_ERANGE: the seed's wrapped deadline */

	/* One iteration earlier (target - period): within 4 cycles of the stored value,
	 * the rounding of a different now/TSC pair. */
	kt_model_advance(&mi, KT_ALGO_PREFIX, mi.target_expiration_ns - SEED_PERIOD_NS, &a);
	assert_int_equal(SEED_TSCDEADLINE - a.tscdeadline, 4);
}

static void test_seed_prefix_catchup(void **state)
{
	(void)state;
	struct kt_model_input mi;
	struct kt_prediction p;
	seed_input(&mi);
	kt_model_predict(&mi, KT_ALGO_PREFIX, &p);
	/* (now - expires) // period + 1 = 2578150528 (python): "~2.58e9 periods left". */
	assert_int_equal(p.catchup_iterations, 2578150528ULL);
	assert_int_equal(p.lag_ns, SEED_NOW_NS - SEED_HRTIMER_EXPIRES_NS);
	assert_true(p.uses_sw_timer);
	assert_int_equal(p.next_hrtimer_expires_ns, SEED_HRTIMER_EXPIRES_NS + SEED_PERIOD_NS);
	/* 2578150528 * 300 ns = 773.4 s with IRQs off. */
	assert_true(p.catchup_seconds > 773.4 && p.catchup_seconds < 773.5);
}

static void test_seed_fixed_clamps(void **state)
{
	(void)state;
	struct kt_model_input mi;
	struct kt_prediction p;
	seed_input(&mi);
	kt_model_predict(&mi, KT_ALGO_FIXED, &p);
	assert_int_equal(p.next.target_expiration_ns, SEED_NOW_NS);	/* clamped to now */
	assert_int_equal(p.next.delta_ns, 0);
	assert_false(p.next.delta_negative);
	assert_int_equal(p.next.tscdeadline, SEED_GUEST_TSC);	/* + nsec_to_cycles(0) */
	assert_true(p.next.hv_in_range);
	assert_int_equal(p.catchup_iterations, 0);
	assert_int_equal(p.late_expiries, 1);
	assert_int_equal(p.next_hrtimer_expires_ns, SEED_NOW_NS);	/* 9633f180ce99 */
}

static void test_on_time_timer(void **state)
{
	(void)state;
	struct kt_model_input mi = {
		.period_ns = 1000000, .target_expiration_ns = 5000000, .hrtimer_expires_ns = 5000000,
		.now_ns = 4500000, .host_tsc = 1000, .l1_tsc_offset = 0,
		.l1_tsc_scaling_ratio = 1ULL << 32, .virtual_tsc_mult = 0x80000000u,
		.virtual_tsc_shift = 1, .caps = { 1ULL << 32, 32 }, .iteration_cost_ns = 300,
	};
	struct kt_prediction p;
	for (int a = KT_ALGO_PREFIX; a <= KT_ALGO_FIXED; a++) {
		kt_model_predict(&mi, a, &p);
		assert_int_equal(p.catchup_iterations, 0);
		assert_int_equal(p.late_expiries, 0);
		assert_int_equal(p.next.target_expiration_ns, 6000000);
		assert_int_equal(p.next.delta_ns, 1500000);
		/* 1.5e6 << 1 * 2^31 >> 32 = 1.5e6 cycles (1 GHz guest), + TSC 1000 */
		assert_int_equal(p.next.tscdeadline, 1501000);
		assert_false(p.next.hv_in_range);	/* not hv capable (SVM) */
	}
}

static void test_catchup_iterations_edges(void **state)
{
	(void)state;
	assert_int_equal(kt_catchup_iterations(100, 99, 10), 0);	/* future */
	assert_int_equal(kt_catchup_iterations(100, 100, 10), 1);	/* due now */
	assert_int_equal(kt_catchup_iterations(100, 129, 10), 3);	/* 100,110,120 */
	assert_int_equal(kt_catchup_iterations(100, 130, 10), 4);
	assert_int_equal(kt_catchup_iterations(100, 1000, 0), 0);	/* zero period: no loop */
	/* Garbage expiry far negative: no signed overflow, huge count. */
	assert_int_equal(kt_catchup_iterations(INT64_MIN, INT64_MAX, 1), UINT64_MAX);	/* saturates */
	assert_int_equal(kt_catchup_iterations(INT64_MIN, INT64_MAX, 2), 1ULL << 63);
}

static void test_lapic_decode(void **state)
{
	(void)state;
	/* update_divide_count(): TDCR 0b1011 -> 1, 0b0000 -> 2, 0b0011 -> 16, 0b1010 -> 128 */
	static const uint32_t tdcr[8] = { 0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa, 0xb };
	static const uint32_t div[8] = { 2, 4, 8, 16, 32, 64, 128, 1 };
	for (int i = 0; i < 8; i++)
		assert_int_equal(kt_tdcr_to_divide_count(tdcr[i]), div[i]);
	assert_int_equal(kt_tmict_to_ns(1000000, 1, 16), 16000000);
	assert_int_equal(kt_tmict_to_ns(0xffffffffu, 1, 128), 549755813760ULL);
	assert_int_equal(kt_limit_periodic_timer_frequency(10000, true, 200), 200000);
	assert_int_equal(kt_limit_periodic_timer_frequency(10000, false, 200), 10000);
	assert_int_equal(kt_limit_periodic_timer_frequency(10000, true, 5), 10000);
	assert_int_equal(kt_limit_periodic_timer_frequency(0, true, 200), 0);
	/* The seed's timer_mode 131072 with mask 393216: periodic. */
	assert_int_equal(kt_timer_mode_decode(131072 & 393216), KT_MODE_PERIODIC);
	assert_int_equal(kt_timer_mode_decode(0x400ec), KT_MODE_TSCDEADLINE);
	assert_int_equal(kt_timer_mode_decode(0x600ec), KT_MODE_RESERVED);
	assert_true(kt_lvt_masked(0x100ec));
	assert_int_equal(kt_lvt_vector(0x200ec), 0xec);
	assert_string_equal(kt_timer_mode_name(KT_MODE_TSCDEADLINE), "tscdeadline");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_prefix_advance),
		cmocka_unit_test(test_seed_prefix_catchup),
		cmocka_unit_test(test_seed_fixed_clamps),
		cmocka_unit_test(test_on_time_timer),
		cmocka_unit_test(test_catchup_iterations_edges),
		cmocka_unit_test(test_lapic_decode),
	};
	return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
