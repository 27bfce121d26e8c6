// SPDX-License-Identifier: GPL-2.0-or-later
/* Every detector: one case where it must fire and one where it must not. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "kvmtimer/detect.h"
#include "seed.h"

static struct kt_thresholds th;
static struct kt_host host;
static struct kt_cpu_hrtimers cpu45;
static struct kt_hrtimer leftmost;
/* The vCPU's derived values and findings (kt_analyze_vcpu fills them). */
static struct kt_vcpu_analysis va;

/* A healthy periodic vCPU: 1 ms period, due in 0.5 ms, hrtimer queued on CPU 3. */
static void healthy(struct kt_vcpu *v)
{
	memset(v, 0, sizeof(*v));
	v->has_lapic = true;
	v->cpu = 3;
	struct kt_timer *t = &v->timer;
	t->regs_ok = true;
	t->sw_enabled = true;
	t->mode = KT_MODE_PERIODIC;
	t->tmict = 62500;
	t->period_ns = 1000000;
	t->target_expiration_ns = host.now.ns + 500000;
	t->tscdeadline = 1000000 + 1300000;
	t->hrtimer.addr = 0xffff888000001000ULL;
	t->hrtimer.softexpires_ns = t->hrtimer.expires_ns = t->target_expiration_ns;
	t->hrtimer.queued = true;
	t->hrtimer.state = 1;
	t->hrtimer.cpu = 3;
	t->hrtimer.clock_index = 0;
	v->tsc.l1_tsc_scaling_ratio = v->tsc.tsc_scaling_ratio = 1ULL << 32;
	v->tsc.has_l1_tsc_scaling_ratio = true;
	v->tsc.virtual_tsc_khz = 2600000;
	v->tsc.virtual_tsc_mult = 2791728742u;	/* ~2.6 cycles/ns with shift 1 */
	v->tsc.virtual_tsc_shift = 1;
	v->tsc.last_guest_tsc = 1000000;
	memset(&va, 0, sizeof(va));
	va.delta_ns = t->target_expiration_ns - host.now.ns;
}

/* The seed's vCPU, as decoded, on a host whose now/TSC are the NMI registers. */
static void seed(struct kt_vcpu *v)
{
	memset(v, 0, sizeof(*v));
	v->has_lapic = true;
	v->cpu = SEED_CPU;
	struct kt_timer *t = &v->timer;
	t->regs_ok = true;
	t->sw_enabled = true;
	t->mode = KT_MODE_PERIODIC;
	t->tmict = 13593;	/* 1739904 / 128 */
	t->divide_count = 128;
	t->period_ns = SEED_PERIOD_NS;
	t->target_expiration_ns = SEED_TARGET_EXPIRATION_NS;
	t->tscdeadline = SEED_TSCDEADLINE;
	t->pending = 1;
	t->hrtimer.addr = SEED_LAPIC;	/* lapic_timer.timer at offset 0 on RHEL 8 */
	t->hrtimer.softexpires_ns = t->hrtimer.expires_ns = SEED_HRTIMER_EXPIRES_NS;
	t->hrtimer.running = true;	/* dequeued, hrtimer_cpu_base.running */
	t->hrtimer.cpu = SEED_CPU;
	t->hrtimer.clock_index = 0;
	v->tsc.l1_tsc_offset = SEED_L1_TSC_OFFSET;
	v->tsc.l1_tsc_scaling_ratio = v->tsc.tsc_scaling_ratio = SEED_RATIO;
	v->tsc.has_l1_tsc_scaling_ratio = true;
	v->tsc.virtual_tsc_mult = SEED_VIRTUAL_TSC_MULT;
	v->tsc.virtual_tsc_shift = SEED_VIRTUAL_TSC_SHIFT;
	memset(&va, 0, sizeof(va));
}

static int setup_healthy(void **state)
{
	(void)state;
	kt_thresholds_default(&th);
	memset(&host, 0, sizeof(host));
	host.now.ns = 100000000000LL;	/* 100 s */
	host.now.host_tsc = 1000000;
	host.now.has_host_tsc = true;
	host.caps = (struct kt_tsc_caps){ 1ULL << 32, 32 };
	host.fix = KT_FIX_FIXED;
	return 0;
}

static int setup_seed(void **state)
{
	(void)state;
	kt_thresholds_default(&th);
	memset(&host, 0, sizeof(host));
	host.now.ns = SEED_NOW_NS;
	host.now.host_tsc = SEED_HOST_TSC;
	host.now.has_host_tsc = true;
	host.caps = (struct kt_tsc_caps){ SEED_RATIO, 48 };
	host.is_vmx = true;
	host.vendor = KT_VENDOR_VMX;
	host.hv_timer = true;
	host.preemption_timer_multi = 5;
	host.fix = KT_FIX_VULNERABLE;
	memset(&cpu45, 0, sizeof(cpu45));
	cpu45.cpu = SEED_CPU;
	cpu45.in_hrtirq = true;
	cpu45.nbases = 1;
	cpu45.bases[0].running = SEED_LAPIC;
	host.cpus = &cpu45;
	host.ncpus = 1;
	return 0;
}

static bool fires(bool (*d)(const struct kt_detect_in *, const struct kt_thresholds *,
			    struct kt_finding *), const struct kt_vcpu *v, struct kt_finding *f)
{
	struct kt_detect_in in = { &host, v, &va };
	memset(f, 0, sizeof(*f));
	return d(&in, &th, f);
}

static int64_t num(const struct kt_finding *f, enum kt_qty q)
{
	int64_t v = 0;
	if (!kt_finding_get(f, q, &v))
		fail_msg("finding has no number %s", kt_qty_name(q));
	return v;
}

static void test_healthy_fires_nothing(void **state)
{
	(void)state;
	struct kt_vcpu v;
	healthy(&v);
	kt_analyze_vcpu(&host, &th, &v, &va);
	assert_int_equal(va.nfindings, 0);
	assert_true(va.has_tscdeadline_recomputed);
}

static void test_behind(void **state)
{
	(void)state;
	struct kt_vcpu v;
	struct kt_finding f;
	healthy(&v);
	/* Exactly one period late: allowed (mid-update). */
	va.delta_ns = -v.timer.period_ns;
	assert_false(fires(kt_detect_behind, &v, &f));
	/* A few periods late (3.4 ms of a 1 ms timer, a healthy hpet dump under
	 * TCG): a busy host, within the 1 s slack; 1.5 s is not. */
	v.timer.period_ns = 1000000;
	va.delta_ns = -3400000;
	assert_false(fires(kt_detect_behind, &v, &f));
	va.delta_ns = -1500000000LL;
	assert_true(fires(kt_detect_behind, &v, &f));
	/* A period longer than the slack: one period is allowed, two are not. */
	v.timer.period_ns = 4000000000LL;
	va.delta_ns = -4000000000LL;
	assert_false(fires(kt_detect_behind, &v, &f));
	va.delta_ns = -8000000000LL;
	assert_true(fires(kt_detect_behind, &v, &f));
	healthy(&v);
	/* 2.5 s late: BEHIND with the lag. */
	va.delta_ns = -2500000000LL;
	assert_true(fires(kt_detect_behind, &v, &f));
	assert_int_equal(f.flag, KT_FLAG_BEHIND);
	assert_int_equal(num(&f, KT_Q_lag_ns), 2500000000LL);
	/* Pending, masked, APIC software-disabled: apic_timer_fn still re-arms
	 * (lapic.c 6.1:2651/6.12:2939), so still BEHIND, and RUNAWAY counts it. */
	v.timer.pending = 1;
	v.timer.masked = true;
	v.timer.sw_enabled = false;
	assert_true(fires(kt_detect_behind, &v, &f));
	assert_int_equal(num(&f, KT_Q_lag_ns), 2500000000LL);
	/* ... but a pending timer a few periods late is a busy host, not BEHIND. */
	va.delta_ns = -500000000;
	assert_false(fires(kt_detect_behind, &v, &f));
	va.delta_ns = -2500000000LL;
	/* Not re-armed any more: no hrtimer (TMICT 0 cancelled it). */
	v.timer.hrtimer.queued = false;
	v.timer.hrtimer.state = 0;
	assert_false(fires(kt_detect_behind, &v, &f));
	/* One-shot 0.5 s late is within the 1 s slack; 1.5 s is not. */
	healthy(&v);
	v.timer.mode = KT_MODE_ONESHOT;
	va.delta_ns = -500000000;
	assert_false(fires(kt_detect_behind, &v, &f));
	va.delta_ns = -1500000000;
	assert_true(fires(kt_detect_behind, &v, &f));
}

static void test_runaway(void **state)
{
	(void)state;
	struct kt_vcpu v;
	struct kt_finding f;
	seed(&v);
	kt_analyze_vcpu(&host, &th, &v, &va);
	assert_true(fires(kt_detect_runaway, &v, &f));
	assert_int_equal(f.severity, KT_SEV_CRITICAL);
	assert_int_equal((uint64_t)num(&f, KT_Q_iterations_left), 2578150528ULL);
	assert_non_null(strstr(f.reason, "with IRQs off (hard lockup)"));
	/* The same state on a fixed kernel: no runaway. */
	host.fix = KT_FIX_FIXED;
	assert_false(fires(kt_detect_runaway, &v, &f));
	/* Unknown fix status: still reported, as a warning. */
	host.fix = KT_FIX_UNKNOWN;
	assert_true(fires(kt_detect_runaway, &v, &f));
	assert_int_equal(f.severity, KT_SEV_WARNING);
	/* ... and never claims the lockup outright. */
	assert_null(strstr(f.reason, "(hard lockup)"));
	assert_non_null(strstr(f.reason, "if the kernel lacks the fix"));
	/* Masked and pending, as the seed's vCPU was: the loop is the same. */
	v.timer.masked = true;
	v.timer.pending = 1;
	assert_true(fires(kt_detect_runaway, &v, &f));
	/* Below the threshold (lag of 10 periods): no runaway. */
	host.fix = KT_FIX_VULNERABLE;
	v.timer.target_expiration_ns = v.timer.hrtimer.softexpires_ns = SEED_NOW_NS - 10 * SEED_PERIOD_NS;
	va.delta_ns = -10 * SEED_PERIOD_NS;
	assert_false(fires(kt_detect_runaway, &v, &f));
	/* ... unless the threshold is lowered. */
	assert_int_equal(kt_thresholds_set(&th, "runaway_min_iterations=5"), 0);
	assert_true(fires(kt_detect_runaway, &v, &f));
	assert_int_equal(num(&f, KT_Q_iterations_left), 11);
}

static void test_storming(void **state)
{
	(void)state;
	struct kt_vcpu v;
	struct kt_finding f;
	seed(&v);
	kt_analyze_vcpu(&host, &th, &v, &va);
	assert_true(fires(kt_detect_storming, &v, &f));
	assert_int_equal(num(&f, KT_Q_cpu), SEED_CPU);
	/* Not running, not queued: no loop in progress. */
	v.timer.hrtimer.running = false;
	assert_false(fires(kt_detect_storming, &v, &f));
	/* Queued leftmost and in the past on a CPU in hardirq: storming. */
	leftmost = v.timer.hrtimer;
	cpu45.bases[0].running = 0;
	cpu45.bases[0].timers = &leftmost;
	cpu45.bases[0].ntimers = 1;
	v.timer.hrtimer.queued = true;
	assert_true(fires(kt_detect_storming, &v, &f));
	cpu45.in_hrtirq = false;
	assert_false(fires(kt_detect_storming, &v, &f));
	/* Running but on time: not storming. */
	healthy(&v);
	v.timer.hrtimer.running = true;
	assert_false(fires(kt_detect_storming, &v, &f));
}

static void test_backwards(void **state)
{
	(void)state;
	struct kt_vcpu v;
	struct kt_finding f;
	seed(&v);
	kt_analyze_vcpu(&host, &th, &v, &va);
	assert_true(fires(kt_detect_backwards, &v, &f));	/* 1.01e19 > 2^63 */
	assert_int_equal((uint64_t)num(&f, KT_Q_tscdeadline), SEED_TSCDEADLINE);
	v.timer.tscdeadline = SEED_GUEST_TSC + 3818816;
	assert_false(fires(kt_detect_backwards, &v, &f));
	/* Guest TSC now 2 s of cycles before last_guest_tsc. */
	v.tsc.virtual_tsc_khz = 2356694;
	v.tsc.last_guest_tsc = va.guest_tsc_now + 2 * 2356694000ULL * 2;
	assert_true(fires(kt_detect_backwards, &v, &f));
	/* this_tsc_nsec after now. */
	setup_healthy(NULL);
	healthy(&v);
	kt_analyze_vcpu(&host, &th, &v, &va);
	assert_false(fires(kt_detect_backwards, &v, &f));
	v.tsc.this_tsc_nsec = (uint64_t)host.now.ns + 5000000000ULL;
	assert_true(fires(kt_detect_backwards, &v, &f));
}

static void test_hv_erange(void **state)
{
	(void)state;
	struct kt_vcpu v;
	struct kt_finding f;
	seed(&v);
	kt_analyze_vcpu(&host, &th, &v, &va);
	assert_true(fires(kt_detect_hv_erange, &v, &f));
	assert_int_equal(num(&f, KT_Q_preemption_timer_bits), 37);
	/* A deadline one period ahead fits 37 bits. */
	v.timer.tscdeadline = va.guest_tsc_now + 3818816;
	assert_false(fires(kt_detect_hv_erange, &v, &f));
	/* VMX with the preemption timer off (set_hv_timer NULL): never. */
	v.timer.tscdeadline = SEED_TSCDEADLINE;
	assert_true(fires(kt_detect_hv_erange, &v, &f));
	host.hv_timer = false;
	assert_false(fires(kt_detect_hv_erange, &v, &f));
	/* SVM has no preemption timer: never. */
	host.hv_timer = true;
	host.is_vmx = false;
	host.vendor = KT_VENDOR_SVM;
	assert_false(fires(kt_detect_hv_erange, &v, &f));
}

static void test_desync(void **state)
{
	(void)state;
	struct kt_vcpu v;
	struct kt_finding f;
	healthy(&v);
	assert_false(fires(kt_detect_desync, &v, &f));
	/* Mid-update (one period apart) is allowed. */
	v.timer.hrtimer.softexpires_ns -= v.timer.period_ns;
	assert_false(fires(kt_detect_desync, &v, &f));
	v.timer.hrtimer.softexpires_ns -= 5 * v.timer.period_ns;
	assert_true(fires(kt_detect_desync, &v, &f));
	assert_int_equal(num(&f, KT_Q_diff_ns), -6 * v.timer.period_ns);
}

static void test_lost(void **state)
{
	(void)state;
	struct kt_vcpu v;
	struct kt_finding f;
	healthy(&v);
	assert_false(fires(kt_detect_lost, &v, &f));
	v.timer.hrtimer.queued = false;
	v.timer.hrtimer.state = 0;
	assert_true(fires(kt_detect_lost, &v, &f));
	v.timer.pending = 1;	/* pending: it will be injected */
	assert_false(fires(kt_detect_lost, &v, &f));
	v.timer.pending = 0;
	v.timer.masked = true;	/* masked: nothing to lose */
	assert_false(fires(kt_detect_lost, &v, &f));
	v.timer.masked = false;
	v.timer.hv_timer_in_use = true;	/* the VMX preemption timer has it */
	assert_false(fires(kt_detect_lost, &v, &f));
	/* A one-shot that fired (target_expiration cleared) is not armed. */
	healthy(&v);
	v.timer.mode = KT_MODE_ONESHOT;
	v.timer.target_expiration_ns = 0;
	v.timer.hrtimer.queued = false;
	v.timer.hrtimer.state = 0;
	assert_false(fires(kt_detect_lost, &v, &f));
}

static void test_seed_all_flags(void **state)
{
	(void)state;
	struct kt_vcpu v;
	seed(&v);
	kt_analyze_vcpu(&host, &th, &v, &va);
	assert_int_equal(va.delta_ns, SEED_DELTA_NS);
	assert_int_equal(va.guest_tsc_now, SEED_GUEST_TSC);
	/* Recomputed within one period's cycles of the stored deadline. */
	assert_int_equal(va.tscdeadline_recomputed - SEED_TSCDEADLINE, 3818812);
	/* pending = 1 does not stop apic_timer_fn's re-arm: BEHIND all the same. */
	assert_true(kt_vcpu_has_flag(&va, KT_FLAG_BEHIND));
	assert_true(kt_vcpu_has_flag(&va, KT_FLAG_RUNAWAY));
	assert_true(kt_vcpu_has_flag(&va, KT_FLAG_STORMING));
	assert_true(kt_vcpu_has_flag(&va, KT_FLAG_BACKWARDS));
	assert_true(kt_vcpu_has_flag(&va, KT_FLAG_HV_ERANGE));
	assert_false(kt_vcpu_has_flag(&va, KT_FLAG_DESYNC));
	assert_false(kt_vcpu_has_flag(&va, KT_FLAG_LOST));
}

static void test_thresholds_parse(void **state)
{
	(void)state;
	struct kt_thresholds t;
	kt_thresholds_default(&t);
	assert_int_equal(t.runaway_min_iterations, 1000);
	assert_int_equal(kt_thresholds_set(&t, "iteration_cost_ns=50"), 0);
	assert_int_equal(t.iteration_cost_ns, 50);
	assert_int_not_equal(kt_thresholds_set(&t, "nosuch=1"), 0);
	assert_int_not_equal(kt_thresholds_set(&t, "iteration_cost_ns=abc"), 0);
	assert_int_not_equal(kt_thresholds_set(&t, "iteration_cost_ns"), 0);
	assert_int_not_equal(kt_thresholds_set(&t, "=5"), 0);
	assert_string_equal(kt_flag_name(KT_FLAG_HV_ERANGE), "HV_ERANGE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_healthy_fires_nothing, setup_healthy),
		cmocka_unit_test_setup(test_behind, setup_healthy),
		cmocka_unit_test_setup(test_runaway, setup_seed),
		cmocka_unit_test_setup(test_storming, setup_seed),
		cmocka_unit_test_setup(test_backwards, setup_seed),
		cmocka_unit_test_setup(test_hv_erange, setup_seed),
		cmocka_unit_test_setup(test_desync, setup_healthy),
		cmocka_unit_test_setup(test_lost, setup_healthy),
		cmocka_unit_test_setup(test_seed_all_flags, setup_seed),
		cmocka_unit_test(test_thresholds_parse),
	};
	return cmocka_run_group_tests_name("detect", tests, NULL, NULL);
}
