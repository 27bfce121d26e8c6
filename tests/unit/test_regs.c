// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Register sets: ELF note parsing, struct elf_prstatus, the NMI entry frame,
 * and the seed replayed — a FIXTURE (no dump made here can show a RHEL 8
 * hard-lockup NMI frame): the seed's registers on CPU 45's NMI stack, the
 * code bytes of advance_periodic_target_expiration as the seed's `dis -l`
 * printed them, and its kvm_lapic; kvmregs must read now, delta and the guest
 * TSC out of them exactly as the engineer did (RCX, RBX, RSI).
 */
#include <elf.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <cmocka.h>
#include "kvmtimer/commands.h"
#include "kvmtimer/regs.h"
#include "fixture.h"
#include "seed.h"

/* ---- notes ---- */

static size_t put_note(unsigned char *b, size_t at, uint32_t type, const char *name,
		       const void *desc, uint32_t dlen)
{
	Elf64_Nhdr nh = { (uint32_t)strlen(name) + 1, dlen, type };
	memcpy(b + at, &nh, sizeof(nh));
	at += sizeof(nh);
	memcpy(b + at, name, nh.n_namesz);
	at += (nh.n_namesz + 3) & ~3u;
	memcpy(b + at, desc, dlen);
	return at + ((dlen + 3) & ~3u);
}

static void test_notes_prstatus(void **state)
{
	(void)state;
	unsigned char b[2048] = { 0 };
	struct elf_prstatus ps[2];
	size_t off, len, n = 0;
	struct kt_err e = { 0 };
	struct kt_regs r;

	memset(ps, 0, sizeof(ps));
	for (int i = 0; i < 2; i++) {
		ps[i].pr_pid = 100 + i;
		ps[i].pr_reg[16] = 0xffffffff81000000ULL + (uint64_t)i;	/* rip */
		ps[i].pr_reg[11] = 0x1111ULL * (uint64_t)(i + 1);		/* rcx */
	}
	n = put_note(b, n, 0x1234, "VMCOREINFO", "OSRELEASE=6.1\n", 14);
	n = put_note(b, n, NT_PRSTATUS, "CORE", &ps[0], sizeof(ps[0]));
	n = put_note(b, n, 0, "QEMU", "xxxxxxxx", 8);
	n = put_note(b, n, NT_PRSTATUS, "CORE", &ps[1], sizeof(ps[1]));
	assert_int_equal(kt_notes_count_prstatus(b, n), 2);
	/* Zero padding after the notes ends the walk without error. */
	assert_int_equal(kt_notes_count_prstatus(b, n + 64), 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(kt_notes_prstatus(b, n, i, &off, &len, &e), KT_OK);
		assert_int_equal(len, sizeof(struct elf_prstatus));
		assert_int_equal(kt_prstatus_decode(b + off, len, &r, &e), KT_OK);
		assert_int_equal(r.r[KT_RIP], 0xffffffff81000000ULL + (uint64_t)i);
		assert_int_equal(r.r[KT_RCX], 0x1111ULL * (uint64_t)(i + 1));
		assert_int_equal(r.pid, 100 + i);
		assert_int_equal(r.source, KT_REGS_NOTE);
	}
	assert_int_equal(kt_notes_prstatus(b, n, 2, &off, &len, &e), KT_ENOENT);
	/* Truncated in the second PRSTATUS's descriptor: a named error with the offset. */
	assert_int_equal(kt_notes_prstatus(b, n - 40, 1, &off, &len, &e), KT_ECORRUPT);
	assert_non_null(strstr(e.msg, "run past the note area"));
	/* A descriptor too short for x86-64's elf_prstatus. */
	assert_int_equal(kt_prstatus_decode(b, 100, &r, &e), KT_ECORRUPT);
	assert_non_null(strstr(e.msg, "NT_PRSTATUS descriptor of 100 bytes"));
}

/* ---- the NMI frame ---- */

/* struct pt_regs as every x86-64 kernel lays it out (offsets are given to the
 * core from debuginfo; here they are the fixture's). */
static const struct kt_ptregs_layout ptregs = {
	{ 0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128, 136, 144, 152, 160 },
	168,
};

/* The seed's end_repeat_nmi frame (shared/seeds/002, #11). */
static const uint64_t seed_regs[KT_NREGS] = {
	[KT_RIP] = 0xffffffffc0d46d4dULL, [KT_RSP] = 0xff4f88f5d98d8ef0ULL, [KT_RFLAGS] = 0x46,
	[KT_RAX] = 0xfff0103f91be678eULL, [KT_RBX] = 0xfff0103f91be678eULL,
	[KT_RCX] = 0x00843a7d9e127bccULL, [KT_RDX] = 2, [KT_RSI] = 0x0052ca4003697505ULL,
	[KT_RDI] = 0xff440d5bfbdbd500ULL, [KT_RBP] = 0xff440d5956f99200ULL,
	[KT_R8] = 0xff2ff2a42deb6a84ULL, [KT_R9] = 0x2a6c0, [KT_R10] = 0x0122d794016332b3ULL,
	[KT_R11] = 0, [KT_R12] = 0xff440db1af39cfc0ULL, [KT_R13] = 0xff440db1af39cfc0ULL,
	[KT_R14] = 0xffffffffc0d4a560ULL, [KT_R15] = 0xff440db1af39d0f8ULL,
	[KT_ORIG_RAX] = UINT64_MAX, [KT_CS] = 0x10, [KT_SS] = 0x18,
};

#define NMI_TOP 0xfffffe0000901000ULL	/* pt_regs at ...0ef8: crash's #11 frame + 8 */

/* The top 512 bytes of an NMI stack as the entry code leaves them. */
static void nmi_tail(unsigned char *t, size_t len, uint64_t executing)
{
	uint64_t *w = (uint64_t *)(void *)(t + len);
	memset(t, 0, len);
	static const int hw[5] = { KT_RIP, KT_CS, KT_RFLAGS, KT_RSP, KT_SS };
	for (int k = 0; k < 5; k++)
		w[-5 + k] = seed_regs[hw[k]];	/* hardware frame */
	w[-7] = executing;
	memcpy(t + len - 264, seed_regs, sizeof(seed_regs));	/* pt_regs: outermost = hw */
}

static void test_nmi_frame(void **state)
{
	(void)state;
	unsigned char t[512];
	struct kt_regs r;
	struct kt_err e = { 0 };

	nmi_tail(t, sizeof(t), 1);
	assert_int_equal(kt_nmi_frame_decode(t, sizeof(t), NMI_TOP, &ptregs, &r, &e), KT_OK);
	assert_int_equal(r.where, 0xfffffe0000900ef8ULL);
	assert_int_equal(r.source, KT_REGS_NMI);
	assert_memory_equal(r.r, seed_regs, sizeof(seed_regs));
	/* Not in an NMI. */
	nmi_tail(t, sizeof(t), 0);
	assert_int_equal(kt_nmi_frame_decode(t, sizeof(t), NMI_TOP, &ptregs, &r, &e), KT_ENOENT);
	assert_non_null(strstr(e.msg, "not in an NMI"));
	/* Damaged: orig_ax is not the -1 the entry code pushes. */
	nmi_tail(t, sizeof(t), 1);
	memset(t + sizeof(t) - 264 + 120, 0x41, 8);
	assert_int_equal(kt_nmi_frame_decode(t, sizeof(t), NMI_TOP, &ptregs, &r, &e), KT_ECORRUPT);
	assert_non_null(strstr(e.msg, "orig_ax"));
	/* Damaged: the outermost copy differs from the hardware frame. */
	nmi_tail(t, sizeof(t), 1);
	t[sizeof(t) - 40] ^= 1;
	assert_int_equal(kt_nmi_frame_decode(t, sizeof(t), NMI_TOP, &ptregs, &r, &e), KT_ECORRUPT);
	assert_non_null(strstr(e.msg, "differs from the hardware frame"));
	/* Too short a tail. */
	assert_int_equal(kt_nmi_frame_decode(t, 100, NMI_TOP, &ptregs, &r, &e), KT_ENOENT);
}

/* ---- the seed, replayed through kvmregs (FIXTURE) ---- */

#define APTE		0xffffffffc0d46d00ULL	/* advance_periodic_target_expiration */
#define KTIME_GET	0xffffffff8e7872b0ULL
#define READ_L1_TSC	0xffffffffc0d1d670ULL
#define PANIC		0xffffffff8e6a0000ULL
#define CPU45_OFF	0x2c000000ULL
#define TSS_PCPU	0x6000ULL

static const struct fx_type types[] = { { "pt_regs", 168 }, { NULL, 0 } };
static const struct fx_member members[] = {
	{ "kvm_lapic", "lapic_timer", 0x10, 0x98 }, { "kvm_lapic", "vcpu", 0xa8, 8 },
	{ "kvm_timer", "timer", 0x0, 0x50 }, { "kvm_timer", "period", 0x50, 8 },
	{ "kvm_timer", "target_expiration", 0x58, 8 },
	{ "tss_struct", "x86_tss.ist", 0x24, 56 },
	{ "pt_regs", "r15", 0, 8 }, { "pt_regs", "r14", 8, 8 }, { "pt_regs", "r13", 16, 8 },
	{ "pt_regs", "r12", 24, 8 }, { "pt_regs", "bp", 32, 8 }, { "pt_regs", "bx", 40, 8 },
	{ "pt_regs", "r11", 48, 8 }, { "pt_regs", "r10", 56, 8 }, { "pt_regs", "r9", 64, 8 },
	{ "pt_regs", "r8", 72, 8 }, { "pt_regs", "ax", 80, 8 }, { "pt_regs", "cx", 88, 8 },
	{ "pt_regs", "dx", 96, 8 }, { "pt_regs", "si", 104, 8 }, { "pt_regs", "di", 112, 8 },
	{ "pt_regs", "orig_ax", 120, 8 }, { "pt_regs", "ip", 128, 8 }, { "pt_regs", "cs", 136, 8 },
	{ "pt_regs", "flags", 144, 8 }, { "pt_regs", "sp", 152, 8 }, { "pt_regs", "ss", 160, 8 },
	{ NULL, NULL, 0, 0 },
};
static const struct fx_sym syms[] = {
	{ "advance_periodic_target_expiration", APTE, 0x90 },
	{ "ktime_get", KTIME_GET, 0x100 }, { "kvm_read_l1_tsc", READ_L1_TSC, 0x80 },
	{ "panic", PANIC, 0x200 }, { "cpu_tss_rw", TSS_PCPU, 0x3000 }, { NULL, 0, 0 },
};

/* advance_periodic_target_expiration+0 .. +77, byte for byte from the seed's
 * `dis -l`; the two calls' rel32 are filled in from the symbols. */
static unsigned char apte_code[] = {
	0x0f, 0x1f, 0x44, 0x00, 0x00,			/* +0  nopl (ftrace) */
	0x55,						/* +5  push %rbp */
	0x48, 0x89, 0xfd,				/* +6  mov %rdi,%rbp */
	0x53,						/* +9  push %rbx */
	0xe8, 0, 0, 0, 0,				/* +10 call ktime_get */
	0x48, 0x89, 0xc1,				/* +15 mov %rax,%rcx */
	0x0f, 0x31,					/* +18 rdtsc */
	0x48, 0x8b, 0x5d, 0x60,				/* +20 mov 0x60(%rbp),%rbx */
	0x48, 0x03, 0x5d, 0x68,				/* +24 add 0x68(%rbp),%rbx */
	0x48, 0xc1, 0xe2, 0x20,				/* +28 shl $0x20,%rdx */
	0x48, 0x89, 0x5d, 0x68,				/* +32 mov %rbx,0x68(%rbp) */
	0x48, 0x89, 0xd6,				/* +36 mov %rdx,%rsi */
	0x48, 0x8b, 0xbd, 0xa8, 0x00, 0x00, 0x00,	/* +39 mov 0xa8(%rbp),%rdi */
	0x48, 0x29, 0xcb,				/* +46 sub %rcx,%rbx */
	0x48, 0x09, 0xc6,				/* +49 or %rax,%rsi */
	0xe8, 0, 0, 0, 0,				/* +52 call kvm_read_l1_tsc */
	0x48, 0x8b, 0xbd, 0xa8, 0x00, 0x00, 0x00,	/* +57 mov 0xa8(%rbp),%rdi */
	0x48, 0x89, 0xc6,				/* +64 mov %rax,%rsi */
	0x48, 0x89, 0xd8,				/* +67 mov %rbx,%rax */
	0x0f, 0xbe, 0x97, 0x22, 0x0e, 0x00, 0x00,	/* +70 movsbl 0xe22(%rdi),%edx */
	0x89, 0xd1,					/* +77 mov %edx,%ecx  <- RIP */
};

static void put_call(unsigned char *code, size_t at, uint64_t target)
{
	int32_t rel = (int32_t)(int64_t)(target - (APTE + at + 5));
	memcpy(code + at + 1, &rel, 4);
}

static struct fixture fx;

static enum kt_status seed_prstatus(void *ctx, int cpu, void *buf, size_t len, size_t *got,
				    struct kt_err *err)
{
	(void)ctx;
	struct elf_prstatus ps;
	if (cpu != SEED_CPU)
		return kt_err_set(err, KT_ENOENT, 0, "no note for CPU %d", cpu);
	/* The panicking CPU's note: panic()'s own registers, not the loop's. */
	memset(&ps, 0, sizeof(ps));
	ps.pr_reg[16] = PANIC + 0x4d;
	ps.pr_reg[17] = 0x10;
	memcpy(buf, &ps, sizeof(ps) < len ? sizeof(ps) : len);
	*got = sizeof(ps);
	return KT_OK;
}

static enum kt_status no_debuginfo(void *ctx, uint64_t addr, char *buf, size_t len)
{
	(void)ctx; (void)addr; (void)buf; (void)len;
	return KT_ENOENT;	/* the seed's kvm.ko debuginfo is not here: code reading only */
}

static char *run_kvmregs(const char *cpus)
{
	static struct kt_reader_ops ops;
	char *out = NULL, *err = NULL;
	size_t olen = 0, elen = 0;
	char now[32];
	snprintf(now, sizeof(now), "%lld", (long long)SEED_NOW_NS);
	char *argv[] = { "kvmregs", "-j", "-c", (char *)cpus, "-n", now, NULL };

	memset(&fx, 0, sizeof(fx));
	fx.members = members;
	fx.types = types;
	fx.syms = syms;
	fx.nr_cpus = 46;
	fx.percpu[SEED_CPU] = CPU45_OFF;
	fx.percpu[0] = 0x1000;
	put_call(apte_code, 10, KTIME_GET);
	put_call(apte_code, 52, READ_L1_TSC);
	fx_map(&fx, APTE, 0x90);
	fx_put(&fx, APTE, apte_code, sizeof(apte_code));
	/* CPU 45's TSS: IST[0] a #DF stack that is not in an NMI, IST[1] the NMI
	 * stack with the seed's frame. */
	fx_map(&fx, TSS_PCPU + CPU45_OFF, 0x100);
	fx_u64(&fx, TSS_PCPU + CPU45_OFF + 0x24, 0xfffffe0000900000ULL);
	fx_u64(&fx, TSS_PCPU + CPU45_OFF + 0x24 + 8, NMI_TOP);
	fx_map(&fx, 0xfffffe0000900000ULL - 512, 512);
	unsigned char *t = fx_map(&fx, NMI_TOP - 512, 512);
	nmi_tail(t, 512, 1);
	/* The kvm_lapic: target_expiration already advanced (the store at +32). */
	fx_map(&fx, SEED_LAPIC, 0x100);
	fx_u64(&fx, SEED_LAPIC + 0x10 + 0x50, SEED_PERIOD_NS);
	fx_u64(&fx, SEED_LAPIC + 0x10 + 0x58, (uint64_t)SEED_TARGET_EXPIRATION_NS);

	ops = fx_ops;
	ops.cpu_prstatus = seed_prstatus;
	ops.debuginfo_path = no_debuginfo;
	struct kt_reader r = { &ops, &fx };
	struct kt_session *s = kt_session_new(&r);
	FILE *o = open_memstream(&out, &olen), *e = open_memstream(&err, &elen);
	enum kt_cmd_status st = kt_cmd_run(s, 6, argv, o, e);
	fclose(o);
	fclose(e);
	kt_session_free(s);
	if (st != KT_CMD_OK && st != KT_CMD_ALARM)
		fprintf(stderr, "kvmregs: %d %s\n", st, err);
	assert_true(st == KT_CMD_OK || st == KT_CMD_ALARM);
	free(err);
	fx_free(&fx);
	return out;
}

/* The value of variable `name` in the JSON, as text ("" when absent). */
static const char *json_var(const char *doc, const char *name, char *buf, size_t len)
{
	char key[64];
	snprintf(key, sizeof(key), "\"name\":\"%s\"", name);
	const char *p = strstr(doc, key), *v;
	buf[0] = 0;
	if (!p || !(v = strstr(p, "\"value\":")))
		return buf;
	v += 8;
	size_t n = strcspn(v, ",}");
	snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), v);
	return buf;
}

static void test_seed_replay(void **state)
{
	(void)state;
	char *doc = run_kvmregs("45"), v[64];

	/* The NMI frame, not the note (panic's registers), is the context. */
	assert_non_null(strstr(doc, "\"source\":\"nmi_stack\""));
	assert_non_null(strstr(doc, "\"pt_regs\":\"0xfffffe0000900ef8\""));
	assert_non_null(strstr(doc, "\"function\":\"advance_periodic_target_expiration\",\"offset\":77"));
	assert_non_null(strstr(doc, "\"in_catchup_path\":true"));
	/* now = RCX = ktime_get(), delta = RBX, guest TSC = RSI: the seed's values. */
	assert_string_equal(json_var(doc, "now", v, sizeof(v)), "37219008123141068");
	assert_string_equal(json_var(doc, "delta", v, sizeof(v)), "-4485734413211762");
	/* RSI = 0x0052ca4003697505 (python3: int("0052ca4003697505", 16)) */
	assert_string_equal(json_var(doc, "guest_tsc", v, sizeof(v)), "23303324374234373");
	assert_string_equal(json_var(doc, "apic", v, sizeof(v)), "\"0xff440d5956f99200\"");
	/* RCX held now since +10 but a call (+52) came since: said, not hidden. */
	assert_non_null(strstr(doc, "\"location\":\"RCX (call at +52 since)\""));
	assert_non_null(strstr(doc, "\"location\":\"RBX\""));
	/* delta = target_expiration - now, to the bit. */
	assert_non_null(strstr(doc, "\"delta\":{\"delta_ns\":-4485734413211762,"
				    "\"target_expiration_ns\":32733273709929306,"
				    "\"now_ns\":37219008123141068,\"exact\":true}"));
	/* No variable invented from a register the code did not explain. */
	assert_null(strstr(doc, "\"name\":\"tscl\""));
	/* Every register under its keys.def key, in pt_regs order, nothing between. */
	static const char *const regs[] = {
		"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax",
		"rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "rflags", "rsp", "ss",
	};
	const char *p = strstr(doc, "\"registers\":{");
	assert_non_null(p);
	p += strlen("\"registers\":{");
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		char key[24];
		int n = snprintf(key, sizeof(key), "%s\"%s\":\"0x", i ? "," : "", regs[i]);
		if (strncmp(p, key, (size_t)n))
			fail_msg("register %zu: expected %s at: %.40s", i, key, p);
		p = strchr(p + n, '"') + 1;
	}
	assert_int_equal(*p, '}');
	assert_non_null(strstr(doc, "\"rbx\":\"0xfff0103f91be678e\""));	/* delta, as RBX */
	free(doc);
}

static void test_cpu_without_registers(void **state)
{
	(void)state;
	char *doc = run_kvmregs("0");	/* CPU 0: no note, no NMI stack: not listed */
	assert_non_null(strstr(doc, "\"cpus\":[]"));
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notes_prstatus),
		cmocka_unit_test(test_nmi_frame),
		cmocka_unit_test(test_seed_replay),
		cmocka_unit_test(test_cpu_without_registers),
	};
	return cmocka_run_group_tests_name("regs", tests, NULL, NULL);
}
