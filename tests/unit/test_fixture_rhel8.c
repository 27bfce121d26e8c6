// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * FIXTURE: the seed's host rebuilt behind the reader interface with an older
 * layout that no dump made here can show — kvm->vcpus[] (before v5.17), the
 * pre-v5.4 timerqueue_head {head, next}, no l1_tsc_scaling_ratio (before v5.14),
 * advance_expire_delta (v5.3 .. ~6.0), pre-v6.0 TSC-scaling globals,
 * task_struct.pids[] (before v4.19) and RHEL 8's KABI padding in struct hrtimer
 * (hrtimer_size_rh, _rh: kvm_timer.period at 0x50 instead of 0x40, so
 * kvm_lapic.lapic_timer.period at 0x60 as in the seed's disassembly).  The
 * values are the seed's (shared/seeds/002_c12388c18dc34019.txt).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kvmtimer/commands.h"
#include "fixture.h"
#include "seed.h"

static const struct fx_type types[] = {
	{ "kvm", 0x2400 }, { "kvm_vcpu", 0x1000 }, { "kvm_lapic", 0x100 },
	{ "hrtimer", 0x50 }, { "hrtimer_cpu_base", 0x200 }, { "hrtimer_clock_base", 0x40 },
	{ "timekeeper", 0x100 }, { "upid", 0x10 }, { NULL, 0 },
};

static const struct fx_member members[] = {
	{ "kvm", "vm_list", 0x100, 16 }, { "kvm", "online_vcpus", 0x190, 4 },
	{ "kvm", "userspace_pid", 0x198, 4 }, { "kvm", "vcpus", 0x200, 0x2000 },
	{ "kvm_vcpu", "kvm", 0x0, 8 }, { "kvm_vcpu", "cpu", 0x10, 4 },
	{ "kvm_vcpu", "vcpu_id", 0x14, 4 }, { "kvm_vcpu", "mode", 0x18, 4 },
	{ "kvm_vcpu", "pid", 0x20, 8 }, { "kvm_vcpu", "arch", 0x100, 0x800 },
	{ "kvm_vcpu_arch", "apic", 0x8, 8 }, { "kvm_vcpu_arch", "apic_base", 0x10, 8 },
	{ "kvm_vcpu_arch", "mp_state", 0x18, 4 }, { "kvm_vcpu_arch", "l1_tsc_offset", 0x20, 8 },
	{ "kvm_vcpu_arch", "tsc_offset", 0x28, 8 }, { "kvm_vcpu_arch", "tsc_scaling_ratio", 0x30, 8 },
	{ "kvm_vcpu_arch", "virtual_tsc_khz", 0x38, 4 }, { "kvm_vcpu_arch", "virtual_tsc_mult", 0x3c, 4 },
	{ "kvm_vcpu_arch", "virtual_tsc_shift", 0x40, 1 }, { "kvm_vcpu_arch", "last_guest_tsc", 0x48, 8 },
	{ "kvm_lapic", "lapic_timer", 0x10, 0x98 }, { "kvm_lapic", "vcpu", 0xa8, 8 },
	{ "kvm_lapic", "regs", 0xb0, 8 }, { "kvm_lapic", "divide_count", 0xb8, 4 },
	{ "kvm_timer", "timer", 0x0, 0x50 }, { "kvm_timer", "period", 0x50, 8 },
	{ "kvm_timer", "target_expiration", 0x58, 8 }, { "kvm_timer", "timer_mode", 0x60, 4 },
	{ "kvm_timer", "timer_mode_mask", 0x64, 4 }, { "kvm_timer", "tscdeadline", 0x68, 8 },
	{ "kvm_timer", "expired_tscdeadline", 0x70, 8 }, { "kvm_timer", "timer_advance_ns", 0x78, 4 },
	{ "kvm_timer", "advance_expire_delta", 0x80, 8 }, { "kvm_timer", "pending", 0x88, 4 },
	{ "kvm_timer", "hv_timer_in_use", 0x8c, 1 },
	{ "hrtimer", "node", 0x0, 0x20 }, { "hrtimer", "_softexpires", 0x20, 8 },
	{ "hrtimer", "function", 0x28, 8 }, { "hrtimer", "base", 0x30, 8 },
	{ "hrtimer", "state", 0x38, 1 }, { "hrtimer", "is_hard", 0x3b, 1 },
	{ "hrtimer", "hrtimer_size_rh", 0x40, 8 }, { "hrtimer", "_rh", 0x48, 8 },
	{ "timerqueue_node", "node", 0x0, 24 }, { "timerqueue_node", "expires", 0x18, 8 },
	{ "timerqueue_head", "head", 0x0, 8 }, { "timerqueue_head", "next", 0x8, 8 },
	{ "rb_node", "__rb_parent_color", 0, 8 }, { "rb_node", "rb_right", 8, 8 },
	{ "rb_node", "rb_left", 16, 8 },
	{ "hrtimer_cpu_base", "cpu", 0x0, 4 }, { "hrtimer_cpu_base", "nr_events", 0x20, 4 },
	{ "hrtimer_cpu_base", "nr_retries", 0x24, 2 }, { "hrtimer_cpu_base", "nr_hangs", 0x26, 2 },
	{ "hrtimer_cpu_base", "max_hang_time", 0x28, 4 }, { "hrtimer_cpu_base", "expires_next", 0x30, 8 },
	{ "hrtimer_cpu_base", "next_timer", 0x38, 8 }, { "hrtimer_cpu_base", "clock_base", 0x40, 0x100 },
	{ "hrtimer_clock_base", "cpu_base", 0x0, 8 }, { "hrtimer_clock_base", "index", 0x8, 4 },
	{ "hrtimer_clock_base", "clockid", 0xc, 4 }, { "hrtimer_clock_base", "running", 0x18, 8 },
	{ "hrtimer_clock_base", "active", 0x20, 16 },
	{ "timekeeper", "tkr_mono", 0x0, 0x38 }, { "tk_read_base", "clock", 0x0, 8 },
	{ "tk_read_base", "cycle_last", 0x10, 8 }, { "tk_read_base", "mult", 0x18, 4 },
	{ "tk_read_base", "shift", 0x1c, 4 }, { "tk_read_base", "xtime_nsec", 0x20, 8 },
	{ "tk_read_base", "base", 0x28, 8 }, { "clocksource", "name", 0x0, 8 },
	{ "pid", "tasks", 0x8, 24 }, { "pid", "numbers", 0x30, 16 }, { "upid", "nr", 0x0, 4 },
	{ "task_struct", "pids", 0x500, 72 }, { "task_struct", "comm", 0x600, 16 },
	{ "task_struct", "group_leader", 0x400, 8 },
	{ "list_head", "next", 0, 8 }, { "list_head", "prev", 8, 8 },
	{ NULL, NULL, 0, 0 },
};

#define VM_LIST		0xffffffffc0e00000ULL
#define HRTIMER_BASES	0xffffffff82010000ULL
#define APIC_TIMER_FN	0xffffffffc0d4a560ULL
#define TICK_SCHED	0xffffffff81100000ULL
#define SHADOW_TK	0xffffffff82400000ULL
#define TSC_CS		0xffffffff82500000ULL
#define GLOBALS		0xffffffffc0e10000ULL
#define KTIME_GET	0xffffffff81120000ULL
#define KVM		0xff4f88f5f59c9000ULL
#define VCPU1		0xff440d5bfbdc0000ULL
#define LAPIC1		0xff440d5956f9a000ULL
#define REGS0		0xff440d5956000000ULL
#define REGS1		0xff440d5956001000ULL
#define PID0		0xff440d0000010000ULL
#define TASK0		0xff440d0000020000ULL
#define CPU45_OFF	0x2c000000ULL
#define TICK0		0xff440db1af39d600ULL	/* tick timers in CPU 45's tree */
#define TICK1		0xff440db1af39d7e0ULL
#define PERCPU_OFFSET	0xffffffff82600000ULL
#define PHANTOM		0xff440e0000000000ULL	/* room for damaged lists */
#define VM_PID		4242
#define VCPU_TID	4250

static struct fx_sym syms[] = {
	{ "vm_list", VM_LIST, 16 }, { "hrtimer_bases", HRTIMER_BASES, 0x200 },
	{ "apic_timer_fn", APIC_TIMER_FN, 0x40 }, { "tick_sched_timer", TICK_SCHED, 0x80 },
	{ "shadow_timekeeper", SHADOW_TK, 0x100 }, { "cpu_preemption_timer_multi", GLOBALS, 4 },
	{ "kvm_default_tsc_scaling_ratio", GLOBALS + 8, 8 },
	{ "kvm_tsc_scaling_ratio_frac_bits", GLOBALS + 16, 1 },
	{ "min_timer_period_us", GLOBALS + 20, 4 },
	{ "nr_cpu_ids", GLOBALS + 24, 4 }, { "__per_cpu_offset", PERCPU_OFFSET, 64 * 8 },
	{ "ktime_get", KTIME_GET, 0x40 },
	/* 4.18: kvm_x86_ops is a pointer to the active vendor's ops (a struct from v5.8). */
	{ "kvm_x86_ops", GLOBALS + 0x20, 8 }, { "vmx_x86_ops", GLOBALS + 0x100, 0x300 },
	{ NULL, 0, 0 },
};

static struct fixture fx;

/* A pre-9633f180ce99 apic_timer_fn body: hrtimer_add_expires_ns(period) inline,
 * "mov 0x50(%rbx),%rax; add %rax,0x18(%rbx); add %rax,0x20(%rbx); ret". */
static const unsigned char prefix_code[] = { 0x48, 0x8b, 0x43, 0x50, 0x48, 0x01, 0x43, 0x18,
					     0x48, 0x01, 0x43, 0x20, 0xc3 };
/* The fixed body for this layout, advance_periodic_target_expiration inlined:
 * "mov %rdi,%rbx; call ktime_get; mov 0x58(%rbx),%rcx; add 0x50(%rbx),%rcx;
 * cmp %rax,%rcx; cmovl %rax,%rcx (the clamp, 18ab3fc8e880); mov %rcx,0x58(%rbx);
 * mov %rcx,0x18(%rbx); mov %rcx,0x20(%rbx) (expiry := target, 9633f180ce99); ret".
 * The call's rel32 (bytes 4..7) is filled in by fixed_code_at(). */
static unsigned char fixed_code[] = { 0x48, 0x89, 0xfb, 0xe8, 0, 0, 0, 0,
				      0x48, 0x8b, 0x4b, 0x58, 0x48, 0x03, 0x4b, 0x50,
				      0x48, 0x39, 0xc1, 0x48, 0x0f, 0x4c, 0xc8,
				      0x48, 0x89, 0x4b, 0x58, 0x48, 0x89, 0x4b, 0x18,
				      0x48, 0x89, 0x4b, 0x20, 0xc3 };

static void fixed_code_at(uint64_t addr)
{
	int32_t rel = (int32_t)(KTIME_GET - (addr + 8));
	memcpy(fixed_code + 4, &rel, 4);
}

static void build(const unsigned char *code, size_t code_len)
{
	memset(&fx, 0, sizeof(fx));
	fx.members = members;
	fx.types = types;
	fx.syms = syms;
	fx.nr_cpus = 46;
	fx.percpu[0] = 0x1000;
	fx.percpu[SEED_CPU] = CPU45_OFF;

	fx_map(&fx, APIC_TIMER_FN, 0x40);
	fx_put(&fx, APIC_TIMER_FN, code, code_len);
	fx_map(&fx, GLOBALS, 0x28);
	fx_u32(&fx, GLOBALS + 24, 46);	/* nr_cpu_ids */
	fx_u64(&fx, GLOBALS + 0x20, GLOBALS + 0x100);	/* kvm_x86_ops -> vmx_x86_ops */
	fx_map(&fx, PERCPU_OFFSET, 64 * 8);
	fx_u32(&fx, GLOBALS, 5);
	fx_u64(&fx, GLOBALS + 8, SEED_RATIO);
	fx_u8(&fx, GLOBALS + 16, 48);
	fx_u32(&fx, GLOBALS + 20, 200);

	/* Timekeeper at the seed's now, TSC clocksource at the seed's host TSC. */
	fx_map(&fx, SHADOW_TK, 0x100);
	fx_u64(&fx, SHADOW_TK + 0x0, TSC_CS);
	fx_u64(&fx, SHADOW_TK + 0x10, SEED_HOST_TSC);
	fx_u32(&fx, SHADOW_TK + 0x1c, 8);
	fx_u64(&fx, SHADOW_TK + 0x20, 0);
	fx_u64(&fx, SHADOW_TK + 0x28, (uint64_t)SEED_NOW_NS);
	fx_map(&fx, TSC_CS, 0x40);
	fx_u64(&fx, TSC_CS, TSC_CS + 0x20);
	fx_put(&fx, TSC_CS + 0x20, "tsc", 4);

	/* vm_list -> one VM, two vCPUs in vcpus[]. */
	fx_map(&fx, VM_LIST, 16);
	fx_u64(&fx, VM_LIST, KVM + 0x100);
	fx_u64(&fx, VM_LIST + 8, KVM + 0x100);
	fx_map(&fx, KVM, 0x2400);
	fx_u64(&fx, KVM + 0x100, VM_LIST);
	fx_u64(&fx, KVM + 0x108, VM_LIST);
	fx_u32(&fx, KVM + 0x190, 2);
	fx_u32(&fx, KVM + 0x198, VM_PID);
	fx_u64(&fx, KVM + 0x200, SEED_VCPU);
	fx_u64(&fx, KVM + 0x208, VCPU1);

	/* vCPU 0: the seed's. */
	fx_map(&fx, SEED_VCPU, 0x1000);
	fx_u64(&fx, SEED_VCPU + 0x0, KVM);
	fx_u32(&fx, SEED_VCPU + 0x10, SEED_CPU);
	fx_u32(&fx, SEED_VCPU + 0x14, 0);
	fx_u32(&fx, SEED_VCPU + 0x18, 1);	/* IN_GUEST_MODE */
	fx_u64(&fx, SEED_VCPU + 0x20, PID0);
	uint64_t a = SEED_VCPU + 0x100;
	fx_u64(&fx, a + 0x8, SEED_LAPIC);
	fx_u64(&fx, a + 0x10, 0xfee00900);	/* xAPIC, enabled, BSP */
	fx_u64(&fx, a + 0x20, SEED_L1_TSC_OFFSET);
	fx_u64(&fx, a + 0x28, SEED_L1_TSC_OFFSET);
	fx_u64(&fx, a + 0x30, SEED_RATIO);
	fx_u32(&fx, a + 0x38, 2356694);
	fx_u32(&fx, a + 0x3c, SEED_VIRTUAL_TSC_MULT);
	fx_u8(&fx, a + 0x40, SEED_VIRTUAL_TSC_SHIFT);
	fx_u64(&fx, a + 0x48, SEED_GUEST_TSC - 1000);

	/* Its kvm_lapic, as `struct kvm_lapic ff440d5956f99200` printed it. */
	fx_map(&fx, SEED_LAPIC, 0x100);
	uint64_t t = SEED_LAPIC + 0x10;	/* lapic_timer; timer at +0 */
	fx_u64(&fx, t + 0x18, (uint64_t)SEED_HRTIMER_EXPIRES_NS);
	fx_u64(&fx, t + 0x20, (uint64_t)SEED_HRTIMER_EXPIRES_NS);
	fx_u64(&fx, t + 0x28, APIC_TIMER_FN);
	fx_u64(&fx, t + 0x30, HRTIMER_BASES + CPU45_OFF + 0x40);
	fx_u8(&fx, t + 0x38, 0);	/* dequeued: running */
	fx_u8(&fx, t + 0x3b, 1);
	fx_u64(&fx, t + 0x50, SEED_PERIOD_NS);
	fx_u64(&fx, t + 0x58, SEED_TARGET_EXPIRATION_NS);
	fx_u32(&fx, t + 0x60, 131072);
	fx_u32(&fx, t + 0x64, 393216);
	fx_u64(&fx, t + 0x68, SEED_TSCDEADLINE);
	fx_u32(&fx, t + 0x78, SEED_TIMER_ADVANCE_NS);
	fx_u64(&fx, t + 0x80, SEED_ADVANCE_EXPIRE_DELTA);
	fx_u32(&fx, t + 0x88, 1);
	fx_u64(&fx, SEED_LAPIC + 0xa8, SEED_VCPU);
	fx_u64(&fx, SEED_LAPIC + 0xb0, REGS0);
	fx_u32(&fx, SEED_LAPIC + 0xb8, 128);
	fx_map(&fx, REGS0, 0x400);
	fx_u32(&fx, REGS0 + 0xf0, 0x1ff);
	fx_u32(&fx, REGS0 + 0x320, 0x200ec);	/* periodic, vector 0xec */
	fx_u32(&fx, REGS0 + 0x380, 13593);
	fx_u32(&fx, REGS0 + 0x3e0, 0xa);	/* divide 128 */

	/* pid -> task (pre-4.19 pids[] links), comm "CPU 0/KVM", leader "qemu-kvm". */
	fx_map(&fx, PID0, 0x40);
	fx_u64(&fx, PID0 + 0x8, TASK0 + 0x500);
	fx_u32(&fx, PID0 + 0x30, VCPU_TID);
	fx_map(&fx, TASK0, 0x800);
	fx_put(&fx, TASK0 + 0x600, "CPU 0/KVM", 10);
	fx_u64(&fx, TASK0 + 0x400, TASK0 + 0x100);
	fx_put(&fx, TASK0 + 0x100 + 0x600, "qemu-kvm", 9);	/* the leader's comm */

	/* vCPU 1: a healthy 1 ms periodic timer queued on CPU 0. */
	fx_map(&fx, VCPU1, 0x1000);
	fx_u64(&fx, VCPU1, KVM);
	fx_u32(&fx, VCPU1 + 0x10, 0);
	fx_u32(&fx, VCPU1 + 0x14, 1);
	a = VCPU1 + 0x100;
	fx_u64(&fx, a + 0x8, LAPIC1);
	fx_u64(&fx, a + 0x20, SEED_L1_TSC_OFFSET);
	fx_u64(&fx, a + 0x30, SEED_RATIO);
	fx_u32(&fx, a + 0x3c, SEED_VIRTUAL_TSC_MULT);
	fx_u8(&fx, a + 0x40, SEED_VIRTUAL_TSC_SHIFT);
	fx_map(&fx, LAPIC1, 0x100);
	t = LAPIC1 + 0x10;
	int64_t due = SEED_NOW_NS + 400000;
	fx_u64(&fx, t + 0x18, (uint64_t)due);
	fx_u64(&fx, t + 0x20, (uint64_t)due);
	fx_u64(&fx, t + 0x28, APIC_TIMER_FN);
	fx_u64(&fx, t + 0x30, HRTIMER_BASES + 0x1000 + 0x40);
	fx_u8(&fx, t + 0x38, 1);
	fx_u64(&fx, t + 0x50, 1000000);
	fx_u64(&fx, t + 0x58, (uint64_t)due);
	fx_u32(&fx, t + 0x60, 131072);
	fx_u32(&fx, t + 0x64, 393216);
	fx_u64(&fx, t + 0x68, SEED_GUEST_TSC + 942678);
	fx_u64(&fx, LAPIC1 + 0xa8, VCPU1);
	fx_u64(&fx, LAPIC1 + 0xb0, REGS1);
	fx_u32(&fx, LAPIC1 + 0xb8, 16);
	fx_map(&fx, REGS1, 0x400);
	fx_u32(&fx, REGS1 + 0xf0, 0x1ff);
	fx_u32(&fx, REGS1 + 0x320, 0x200ec);
	fx_u32(&fx, REGS1 + 0x380, 62500);
	fx_u32(&fx, REGS1 + 0x3e0, 0x3);

	/* CPU 0: tree with vCPU 1's timer alone. */
	uint64_t cb0 = HRTIMER_BASES + 0x1000;
	fx_map(&fx, cb0, 0x200);
	fx_u64(&fx, cb0 + 0x40 + 0x20, LAPIC1 + 0x10);	/* active.head.rb_node */
	fx_u64(&fx, cb0 + 0x40 + 0x28, LAPIC1 + 0x10);	/* active.next (leftmost) */

	/* CPU 45: the seed's tree (two tick timers) and the running lapic timer. */
	uint64_t cb45 = HRTIMER_BASES + CPU45_OFF;
	fx_map(&fx, cb45, 0x200);
	fx_u32(&fx, cb45 + 0x20, 123456);
	fx_u64(&fx, cb45 + 0x40 + 0x18, SEED_LAPIC + 0x10);	/* running */
	fx_u64(&fx, cb45 + 0x40 + 0x20, TICK0);
	fx_u64(&fx, cb45 + 0x40 + 0x28, TICK0);
	fx_map(&fx, TICK0, 0x50);
	fx_u64(&fx, TICK0 + 8, TICK1);	/* rb_right */
	fx_u64(&fx, TICK0 + 0x18, 37218992804000000ULL);
	fx_u64(&fx, TICK0 + 0x20, 37218992804000000ULL);
	fx_u64(&fx, TICK0 + 0x28, TICK_SCHED);
	fx_u64(&fx, TICK0 + 0x30, cb45 + 0x40);
	fx_u8(&fx, TICK0 + 0x38, 1);
	fx_map(&fx, TICK1, 0x50);
	fx_u64(&fx, TICK1, TICK0);	/* parent */
	fx_u64(&fx, TICK1 + 0x18, 37218996343000000ULL);
	fx_u64(&fx, TICK1 + 0x20, 37218996343000000ULL);
	fx_u64(&fx, TICK1 + 0x28, TICK_SCHED);
	fx_u64(&fx, TICK1 + 0x30, cb45 + 0x40);
	fx_u8(&fx, TICK1 + 0x38, 1);
}

static char *run(const char *const *argv, int argc, int *status)
{
	struct kt_reader r = { &fx_ops, &fx };
	struct kt_session *s = kt_session_new(&r);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	*status = kt_cmd_run(s, argc, (char **)argv, out, out);
	fclose(out);
	if (getenv("FX_DUMP")) {	/* FX_DUMP=file: the last output, for debugging */
		FILE *d = fopen(getenv("FX_DUMP"), "w");
		if (d) {
			fputs(buf, d);
			fclose(d);
		}
	}
	kt_session_free(s);
	return buf;
}

static int teardown(void **state)
{
	(void)state;
	fx_free(&fx);
	return 0;
}

static void test_rhel8_kvmlapic_json(void **state)
{
	(void)state;
	build(prefix_code, sizeof(prefix_code));
	const char *argv[] = { "kvmlapic", "-a", "-j" };
	int st;
	char *o = run(argv, 3, &st);
	if (getenv("FX_DEBUG"))
		fputs(o, stderr);
	assert_int_equal(st, 1);	/* alarms */
	assert_non_null(strstr(o, "\"schema\":\"kvmtimer/1\""));
	/* The running lapic hrtimer on CPU 45, found through hrtimer_cpu_base.running:
	 * the hrtimer object's cpu, clock_base and running come only from the walk of
	 * hrtimer_bases (vcpu->cpu is 45 too, so "cpu":45 alone would prove nothing). */
	assert_non_null(strstr(o, "\"hrtimer\":{\"addr\":\"0xff440d5956f99210\",\"state\":\"running\","
				  "\"state_raw\":0,\"expires_ns\":32733273708189402,"
				  "\"softexpires_ns\":32733273708189402,\"cpu\":45,\"base_cpu\":45,\"clock_base\":0,"
				  "\"running\":true,\"queued\":false,"));
	assert_non_null(strstr(o, "\"now_ns\":37219008123141068"));
	assert_non_null(strstr(o, "\"now_source\":\"timekeeper\""));
	assert_non_null(strstr(o, "\"fix_status\":\"vulnerable\""));
	assert_non_null(strstr(o, "\"pid\":4242"));
	assert_non_null(strstr(o, "\"tid\":4250"));
	assert_non_null(strstr(o, "\"comm\":\"CPU 0/KVM\""));
	assert_non_null(strstr(o, "\"comm\":\"qemu-kvm\""));
	assert_non_null(strstr(o, "\"period_ns\":1739904"));
	assert_non_null(strstr(o, "\"target_expiration_ns\":32733273709929306"));
	assert_non_null(strstr(o, "\"delta_ns\":-4485734413211762"));
	assert_non_null(strstr(o, "\"tscdeadline\":10135384616420291996"));
	assert_non_null(strstr(o, "\"tscdeadline_recomputed\":10135384616424110808"));
	assert_non_null(strstr(o, "\"advance_expire_delta\":10582308149557745"));
	assert_non_null(strstr(o, "\"divide_count\":128"));
	/* BEHIND although pending = 1: apic_timer_fn re-arms regardless. */
	assert_non_null(strstr(o, "\"flags\":[\"BEHIND\",\"RUNAWAY\",\"STORMING\",\"BACKWARDS\",\"HV_ERANGE\"]"));
	assert_non_null(strstr(o, "\"vendor\":\"vmx\",\"vendor_evidence\":\"kvm_x86_ops points to vmx_x86_ops (before v5.8)\""));
	assert_non_null(strstr(o, "\"iterations_left\":2578150528"));
	/* vCPU 1 is healthy and queued on CPU 0 through the old {head,next} queue. */
	assert_non_null(strstr(o, "\"state\":\"queued\""));
	assert_non_null(strstr(o, "\"flags\":[]"));
	free(o);
}

static void test_rhel8_triage_verdict(void **state)
{
	(void)state;
	build(prefix_code, sizeof(prefix_code));
	const char *argv[] = { "kvmtriage" };
	int st;
	char *o = run(argv, 1, &st);
	assert_int_equal(st, 1);
	assert_non_null(strstr(o, "CPU 45 is inside a periodic LAPIC timer catch-up loop "
				  "(__hrtimer_run_queues -> apic_timer_fn) for VM pid 4242 (qemu-kvm) vCPU 0 "
				  "(thread 4250, kvm_lapic 0xff440d5956f99200)"));
	assert_non_null(strstr(o, "2.58e+09 iterations left"));
	assert_null(strstr(o, "51.9 s"));	/* 51.9 days, in seconds below */
	assert_non_null(strstr(o, "4485734.4 s behind now"));
	assert_non_null(strstr(o, "lacks the upstream fix"));
	assert_non_null(strstr(o, "CPU 45   running hrtimer"));
	free(o);
}

static void test_fix_status_both_ways(void **state)
{
	(void)state;
	int st;
	const char *argv[] = { "kvmlapic", "-j" };
	fixed_code_at(APIC_TIMER_FN);
	build(fixed_code, sizeof(fixed_code));
	char *o = run(argv, 2, &st);
	assert_non_null(strstr(o, "\"fix_status\":\"fixed\""));
	assert_non_null(strstr(o, "{\"kind\":\"expiry_source\",\"where\":\"apic_timer_fn+0x1b\""));
	assert_non_null(strstr(o, "{\"kind\":\"clamp\",\"where\":\"apic_timer_fn+0x13\""));
	/* Fixed kernel, same stale state: no RUNAWAY. */
	assert_null(strstr(o, "RUNAWAY"));
	free(o);
	teardown(NULL);
	/* No apic_timer_fn readable: unknown, never a guess. */
	build(prefix_code, sizeof(prefix_code));
	fx.regions[0].len = 0;
	o = run(argv, 2, &st);
	assert_non_null(strstr(o, "\"fix_status\":\"unknown\""));
	free(o);
}

static void test_target_by_pid_tid_addr(void **state)
{
	(void)state;
	int st;
	build(prefix_code, sizeof(prefix_code));
	const char *by_tid[] = { "kvmlapic", "4250" };
	char *o = run(by_tid, 2, &st);
	assert_non_null(strstr(o, "RECOMPUTATION"));
	assert_non_null(strstr(o, "(delta to now -4485734413211762 ns"));
	/* The next pre-fix step: target + period - now. */
	assert_non_null(strstr(o, "delta = target - now = -4485734411471858 ns"));
	assert_non_null(strstr(o, "catch-up expiries before the hrtimer is in the future: 2578150528"));
	free(o);
	const char *by_lapic[] = { "kvmlapic", "ff440d5956f99200" };
	o = run(by_lapic, 2, &st);
	assert_non_null(strstr(o, "struct kvm_vcpu 0xff440d5bfbdbd500  id 0  tid 4250"));
	free(o);
	const char *bad[] = { "kvmlapic", "ffff888012345678" };
	o = run(bad, 2, &st);
	assert_int_equal(st, 3);
	assert_non_null(strstr(o, "not a struct kvm, kvm_vcpu or kvm_lapic address"));
	free(o);
	const char *badopt[] = { "kvmlapic", "-Z" };
	o = run(badopt, 2, &st);
	assert_int_equal(st, 2);
	assert_non_null(strstr(o, "invalid option"));
	free(o);
}

static void test_kvmtsc_seed_numbers(void **state)
{
	(void)state;
	int st;
	build(prefix_code, sizeof(prefix_code));
	/* Raw: the seed's delta through nsec_to_cycles, and the host TSC to guest. */
	const char *raw[] = { "kvmtsc", "-j", "-m", "2356694726", "-s", "2", "-d", "-4485734413211762",
			      "-o", "0xff2ff2a42deb6a84", "-h", "81864807547800193" };
	char *o = run(raw, 12, &st);
	assert_int_equal(st, 0);
	assert_non_null(strstr(o, "\"delta_cycles\":10112081292049876435"));
	assert_non_null(strstr(o, "\"guest_tsc\":23303324374234373"));	/* 0x52ca4003697505 */
	free(o);
	/* For the vCPU: guest TSC now and the deadline of delta. */
	const char *vc[] = { "kvmtsc", "-j", "4250", "-d", "-4485734413211762" };
	o = run(vc, 5, &st);
	assert_non_null(strstr(o, "\"guest_tsc_now\":23303324374234373"));
	assert_non_null(strstr(o, "\"tscdeadline\":10135384616424110808"));
	free(o);
}

static void test_damaged_tree_is_reported(void **state)
{
	(void)state;
	int st;
	build(prefix_code, sizeof(prefix_code));
	/* A cycle: TICK1.rb_left -> TICK0. */
	fx_u64(&fx, TICK1 + 16, TICK0);
	const char *argv[] = { "kvmhrtimer", "-j" };
	char *o = run(argv, 2, &st);
	assert_int_equal(st, 1);
	assert_non_null(strstr(o, "rbtree cycle: node 0xff440db1af39d600 reached twice"));
	free(o);
	/* vm_list wild pointer: one CORRUPT finding, the command still finishes. */
	teardown(NULL);
	build(prefix_code, sizeof(prefix_code));
	fx_u64(&fx, VM_LIST, 0xdead000000000100ULL);
	fx_u64(&fx, VM_LIST + 8, 0xdead000000000122ULL);
	const char *tri[] = { "kvmtriage", "-j" };
	o = run(tri, 2, &st);
	assert_non_null(strstr(o, "vm_list: next of 0xffffffffc0e00000 is 0xdead000000000100, unreadable"));
	assert_non_null(strstr(o, "\"verdict\":\"The dump is damaged in 2 place(s) (CORRUPT above; first: "
				  "vm_list: next of 0xffffffffc0e00000 is 0xdead000000000100, unreadable "
				  "(wild pointer)). Among the 0 VM(s) and 0 vCPU(s) that could be read, "
				  "0 timer anomalies.\""));
	free(o);
}

/* A dump without KVM (no vm_list, no kvm types): one clear message, status 3;
 * kvmhrtimer still walks the hrtimers. */
static void test_dump_without_kvm(void **state)
{
	(void)state;
	static const struct fx_member no_kvm_members[] = {
		{ "hrtimer", "node", 0x0, 0x20 }, { "hrtimer", "_softexpires", 0x20, 8 },
		{ "hrtimer", "function", 0x28, 8 }, { "hrtimer", "base", 0x30, 8 },
		{ "hrtimer", "state", 0x38, 1 },
		{ "timerqueue_node", "node", 0x0, 24 }, { "timerqueue_node", "expires", 0x18, 8 },
		{ "timerqueue_head", "head", 0x0, 8 }, { "timerqueue_head", "next", 0x8, 8 },
		{ "rb_node", "__rb_parent_color", 0, 8 }, { "rb_node", "rb_right", 8, 8 },
		{ "rb_node", "rb_left", 16, 8 },
		{ "hrtimer_cpu_base", "clock_base", 0x40, 0x100 },
		{ "hrtimer_clock_base", "running", 0x18, 8 }, { "hrtimer_clock_base", "active", 0x20, 16 },
		{ NULL, NULL, 0, 0 },
	};
	static const struct fx_sym no_kvm_syms[] = {
		{ "hrtimer_bases", HRTIMER_BASES, 0x200 }, { "tick_sched_timer", TICK_SCHED, 0x80 },
		{ NULL, 0, 0 },
	};
	int st;
	build(prefix_code, sizeof(prefix_code));
	fx.members = no_kvm_members;
	fx.syms = no_kvm_syms;
	const char *lapic[] = { "kvmlapic", "-a" };
	char *o = run(lapic, 2, &st);
	assert_int_equal(st, 3);
	assert_string_equal(o, "kvmlapic: no KVM in this dump: symbol vm_list not found (kvm.ko not loaded)\n");
	free(o);
	const char *tri[] = { "kvmtriage", "-j" };
	o = run(tri, 2, &st);
	assert_int_equal(st, 3);
	assert_string_equal(o, "kvmtriage: no KVM in this dump: symbol vm_list not found (kvm.ko not loaded)\n");
	free(o);
	const char *hrt[] = { "kvmhrtimer" };
	o = run(hrt, 1, &st);
	/* The note first, then CPU 45's tree decoded without KVM (owners unknown). */
	assert_int_equal(strncmp(o, "note: no KVM in this dump: symbol vm_list not found (kvm.ko not "
				    "loaded); KVM owners not decoded\n", 96), 0);
	assert_non_null(strstr(o, "\n       37218992804000000    37218992804000000 -37218992804000000  "
				  "ff440db1af39d600 tick_sched_timer  \n"));
	free(o);
}


/* ---- hostile and damaged input (issue #13), FIXTURE: damage no dump made
 * here carries, planted at exact places. ---- */

static char *run_json(const char *cmd, int *st)
{
	const char *argv[] = { cmd, "-j" };
	return run(argv, 2, st);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* A struct kvm far bigger than any region: each phantom VM is unreadable, so
 * only the list walk itself is exercised. */
static const struct fx_type big_kvm_types[] = {
	{ "kvm", 0x100000 }, { "kvm_vcpu", 0x1000 }, { "kvm_lapic", 0x100 },
	{ "hrtimer", 0x50 }, { "hrtimer_cpu_base", 0x200 }, { "hrtimer_clock_base", 0x40 },
	{ "timekeeper", 0x100 }, { "upid", 0x10 }, { NULL, 0 },
};

/* A chain of 5,000 well-linked list nodes that never returns to the head:
 * the 4,096-VM cap is reached and said, not a silent 4,096 VMs. */
static void test_vm_list_cap_is_reported(void **state)
{
	(void)state;
	int st;
	build(prefix_code, sizeof(prefix_code));
	fx.types = big_kvm_types;
	enum { N = 5000 };
	fx_map(&fx, PHANTOM, N * 16);
	fx_u64(&fx, VM_LIST, PHANTOM);
	for (uint64_t i = 0; i < N; i++) {
		fx_u64(&fx, PHANTOM + 16 * i, i + 1 < N ? PHANTOM + 16 * (i + 1) : PHANTOM);
		fx_u64(&fx, PHANTOM + 16 * i + 8, i ? PHANTOM + 16 * (i - 1) : VM_LIST);
	}
	char *o = run_json("kvmtriage", &st);
	assert_non_null(strstr(o, "vm_list: more than 4096 VMs (walking by next): the rest not read"));
	assert_int_equal(count(o, "{\"kvm\":\"0x"), 4096);	/* then the cap */
	free(o);
}

/* vm_list.next points at memory that looks like a list but whose prev does not
 * point back: one CORRUPT finding, no phantom VM; the real VM is found walking
 * back from the head. */
static void test_vm_list_back_link_checked(void **state)
{
	(void)state;
	int st;
	build(prefix_code, sizeof(prefix_code));
	fx_map(&fx, PHANTOM, 64);
	fx_u64(&fx, VM_LIST, PHANTOM);
	fx_u64(&fx, PHANTOM, PHANTOM + 32);	/* a forward chain of two nodes... */
	fx_u64(&fx, PHANTOM + 32, VM_LIST);	/* ...back to the head */
	fx_u64(&fx, PHANTOM + 8, 0x1234);	/* ...whose prev is not the head */
	char *o = run_json("kvmlapic", &st);
	assert_non_null(strstr(o, "vm_list: next of 0xffffffffc0e00000 is 0xff440e0000000000, "
				  "whose prev is 0x1234 (broken link)"));
	assert_null(strstr(o, "0xff440dffffffff00"));	/* PHANTOM - vm_list offset: no such VM */
	assert_int_equal(count(o, "\"pid\":4242"), 1);	/* the real VM, once */
	free(o);
}

/* 40 VMs of 1,024 vCPUs each (40,960) pass the output budget (16,384 vCPUs):
 * one clear CORRUPT finding, output bounded. */
static void test_global_budget(void **state)
{
	(void)state;
	int st;
	build(prefix_code, sizeof(prefix_code));
	enum { NVM = 40, KSZ = 0x2400 };
	fx_map(&fx, PHANTOM, (size_t)NVM * KSZ);
	fx_u64(&fx, VM_LIST, PHANTOM + 0x100);
	fx_u64(&fx, VM_LIST + 8, PHANTOM + (NVM - 1) * KSZ + 0x100);
	for (uint64_t i = 0; i < NVM; i++) {
		uint64_t k = PHANTOM + i * KSZ;
		fx_u64(&fx, k + 0x100, i + 1 < NVM ? k + KSZ + 0x100 : VM_LIST);
		fx_u64(&fx, k + 0x108, i ? k - KSZ + 0x100 : VM_LIST);
		fx_u32(&fx, k + 0x190, 1024);
		for (int c = 0; c < 1024; c++)
			fx_u64(&fx, k + 0x200 + 8 * (uint64_t)c, VCPU1);
	}
	char *o = run_json("kvmtriage", &st);
	assert_non_null(strstr(o, "output budget of 64 MiB spent while reading vCPUs: the rest was not read"));
	/* Each VM costs 1 KiB and each vCPU 4 KiB of the 64 MiB: 15 VMs of 1,024
	 * vCPUs, and 1,020 of the 16th. */
	assert_int_equal(count(o, "\"vcpu\":\"0xff440d5bfbdc0000\""), 15 * 1024 + 1020);
	assert_non_null(strstr(o, "4 of 1024 vCPUs not read (budget)"));
	free(o);
}

/* comm (and the VM leader's comm) with ESC, CR and newline: tables show
 * them escaped, JSON as \u00XX; no raw control byte reaches the terminal. */
static void test_table_escapes_dump_strings(void **state)
{
	(void)state;
	int st;
	build(prefix_code, sizeof(prefix_code));
	fx_put(&fx, TASK0 + 0x600, "CPU\x1b[1A\r\n0\xff", 11);
	fx_put(&fx, TASK0 + 0x100 + 0x600, "qemu\x1b]0;x\x07", 11);
	const char *argv[] = { "kvmlapic", "-a" };
	char *o = run(argv, 2, &st);
	assert_non_null(strstr(o, "CPU\\x1b[1A\\x0d\\x0a0\\xff"));
	assert_non_null(strstr(o, "(qemu\\x1b]0;x\\x07)"));
	for (const char *p = o; *p; p++)
		assert_true(*p == '\n' || (*p >= 0x20 && *p < 0x7f));
	free(o);
	const char *detail[] = { "kvmlapic", "4250" };
	o = run(detail, 2, &st);
	assert_non_null(strstr(o, "tid 4250 (CPU\\x1b[1A\\x0d\\x0a0\\xff)"));
	for (const char *p = o; *p; p++)
		assert_true(*p == '\n' || (*p >= 0x20 && *p < 0x7f));
	free(o);
	const char *tri[] = { "kvmtriage" };
	o = run(tri, 1, &st);
	assert_non_null(strstr(o, "VM pid 4242 (qemu\\x1b]0;x\\x07) vCPU 0"));
	free(o);
	o = run_json("kvmlapic", &st);
	assert_non_null(strstr(o, "\"comm\":\"CPU\\u001b[1A\\r\\n0\\u00ff\""));
	free(o);
}

/* Values no kernel writes: a virtual_tsc_shift of 100 (a shift by >= 64) and
 * expiries at the ends of int64 (lag arithmetic): reported or saturated, and
 * clean under UBSan (make san). */
static void test_extreme_values(void **state)
{
	(void)state;
	int st;
	build(prefix_code, sizeof(prefix_code));
	fx_u8(&fx, SEED_VCPU + 0x100 + 0x40, 100);
	uint64_t t = LAPIC1 + 0x10;
	fx_u64(&fx, t + 0x18, (uint64_t)INT64_MIN);	/* expires */
	fx_u64(&fx, t + 0x20, (uint64_t)INT64_MIN);	/* softexpires */
	fx_u64(&fx, t + 0x58, (uint64_t)INT64_MIN);	/* target_expiration */
	fx_u64(&fx, t + 0x50, (uint64_t)INT64_MAX);	/* period */
	const char *argv[] = { "kvmlapic", "-a", "-j" };
	char *o = run(argv, 3, &st);
	assert_non_null(strstr(o, "virtual_tsc_shift = 100, beyond what kvm_get_time_scale makes"));
	free(o);
	o = run_json("kvmhrtimer", &st);
	assert_non_null(strstr(o, "\"lag_ns\":9223372036854775807"));	/* now - INT64_MIN, saturated */
	free(o);
	const char *tables[][2] = { { "kvmlapic", "-a" }, { "kvmhrtimer", "-k" }, { "kvmtriage", "-k" } };
	for (int i = 0; i < 3; i++) {
		o = run(tables[i], i == 2 ? 1 : 2, &st);
		assert_true(st == 0 || st == 1);
		free(o);
	}
	const char *detail[] = { "kvmlapic", "4250" };
	o = run(detail, 2, &st);
	assert_true(st == 0 || st == 1);
	free(o);
}

/* struct rb_node offsets from (damaged or foreign) debuginfo beyond its three
 * words: said, never used to index the node buffer. */
static void test_rb_node_offsets_checked(void **state)
{
	(void)state;
	static struct fx_member bad[sizeof(members) / sizeof(members[0])];
	int st;
	memcpy(bad, members, sizeof(members));
	for (size_t i = 0; bad[i].type; i++)
		if (!strcmp(bad[i].type, "rb_node") && !strcmp(bad[i].member, "rb_left"))
			bad[i].off = 4096;
	build(prefix_code, sizeof(prefix_code));
	fx.members = bad;
	char *o = run_json("kvmhrtimer", &st);
	assert_non_null(strstr(o, "struct rb_node offsets 0/8/4096 from debuginfo are not its 3 words"));
	free(o);
}

/* A damaged nr_cpu_ids (beyond __per_cpu_offset[]) is said, not clamped silently;
 * the fixture's own 46 is not. */
static void test_nr_cpu_ids_damage_reported(void **state)
{
	(void)state;
	int st;
	build(prefix_code, sizeof(prefix_code));
	char *o = run_json("kvmhrtimer", &st);
	assert_null(strstr(o, "nr_cpu_ids"));
	free(o);
	fx_u32(&fx, GLOBALS + 24, 0x7fffffff);
	o = run_json("kvmhrtimer", &st);
	assert_non_null(strstr(o, "nr_cpu_ids = 2147483647 is not a CPU count of this kernel "
				  "(beyond __per_cpu_offset[]): walked the 46 CPUs the reader has"));
	free(o);
}

/* u64 values past 2^53 have exact string twins. */
static void test_u64_hex_twins(void **state)
{
	(void)state;
	int st;
	build(prefix_code, sizeof(prefix_code));
	const char *argv[] = { "kvmlapic", "-a", "-j" };
	char *o = run(argv, 3, &st);
	assert_non_null(strstr(o, "\"tscdeadline\":10135384616420291996,\"tscdeadline_hex\":\"0x8ca81e9bebb0b59c\""));
	assert_non_null(strstr(o, "\"tscdeadline_recomputed_hex\":\"0x8ca81e9bebeafad8\""));
	assert_non_null(strstr(o, "\"l1_tsc_offset_hex\":\"0x"));
	free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_rhel8_kvmlapic_json, teardown),
		cmocka_unit_test_teardown(test_rhel8_triage_verdict, teardown),
		cmocka_unit_test_teardown(test_fix_status_both_ways, teardown),
		cmocka_unit_test_teardown(test_target_by_pid_tid_addr, teardown),
		cmocka_unit_test_teardown(test_kvmtsc_seed_numbers, teardown),
		cmocka_unit_test_teardown(test_damaged_tree_is_reported, teardown),
		cmocka_unit_test_teardown(test_dump_without_kvm, teardown),
		cmocka_unit_test_teardown(test_vm_list_cap_is_reported, teardown),
		cmocka_unit_test_teardown(test_vm_list_back_link_checked, teardown),
		cmocka_unit_test_teardown(test_global_budget, teardown),
		cmocka_unit_test_teardown(test_table_escapes_dump_strings, teardown),
		cmocka_unit_test_teardown(test_extreme_values, teardown),
		cmocka_unit_test_teardown(test_rb_node_offsets_checked, teardown),
		cmocka_unit_test_teardown(test_nr_cpu_ids_damage_reported, teardown),
		cmocka_unit_test_teardown(test_u64_hex_twins, teardown),
	};
	if (getenv("FX_ONLY"))	/* FX_ONLY=test_name: run one test */
		cmocka_set_test_filter(getenv("FX_ONLY"));
	return cmocka_run_group_tests_name("fixture_rhel8", tests, NULL, NULL);
}
