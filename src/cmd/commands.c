// SPDX-License-Identifier: GPL-2.0-or-later
/* The four commands: option parsing, loading, analysis, output.  Shared by the
 * crash extension and the CLI (include/kvmtimer/commands.h). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "kvmtimer/analysis.h"
#include "kvmtimer/commands.h"
#include "kernel/host.h"
#include "render/report.h"
#include "kernel/cpu_context.h"
#include "analyze/regs_evidence.h"
#include "render/report_regs.h"

#define KT_MAX_CPU_FILTER 256

struct opts {
	bool all, json, kvm_only, have_now;
	int64_t now_ns;
	int cpus[KT_MAX_CPU_FILTER];
	int ncpus;
	struct kt_thresholds th;
	/* kvmtsc */
	bool have_g, have_h, have_d, have_m, have_s, have_o, have_r, have_f;
	uint64_t g, hst, m, o, r;
	int64_t d;
	int s, f;
};

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;
	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && !*end;
}

static bool parse_i64(const char *s, int64_t *v)
{
	char *end;
	if (!s || !*s)
		return false;
	errno = 0;
	*v = strtoll(s, &end, 0);
	return !errno && !*end;
}

/* "0,2-5,7" */
static bool parse_cpus(const char *s, struct opts *o)
{
	while (*s) {
		char *end;
		errno = 0;
		long a = strtol(s, &end, 10), b = a;
		if (end == s || a < 0 || a > INT_MAX || errno)
			return false;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a || b > INT_MAX || errno)
				return false;
		}
		for (long c = a; c <= b && o->ncpus < KT_MAX_CPU_FILTER; c++)
			o->cpus[o->ncpus++] = (int)c;
		if (*end == ',')
			end++;
		else if (*end)
			return false;
		s = end;
	}
	return o->ncpus > 0;
}

static bool cpu_wanted(const struct opts *o, int cpu)
{
	if (!o->ncpus)
		return true;
	for (int i = 0; i < o->ncpus; i++)
		if (o->cpus[i] == cpu)
			return true;
	return false;
}

static int usage(FILE *err, const char *cmd, const char *fmt, const char *arg)
{
	fprintf(err, "%s: ", cmd);
	fprintf(err, fmt, arg);
	fprintf(err, " (see 'help %s')\n", cmd);
	return KT_CMD_USAGE;
}

/* Parse options; returns optind of the first positional or -1 after an error. */
static int parse(int argc, char **argv, const char *spec, struct opts *o, FILE *err)
{
	int c;
	const char *cmd = argv[0];
	memset(o, 0, sizeof(*o));
	kt_thresholds_default(&o->th);
	optind = 0;	/* glibc: full re-initialisation (several commands per process) */
	opterr = 0;
	while ((c = getopt(argc, argv, spec)) != -1) {
		switch (c) {
		case 'a': o->all = true; break;
		case 'j': o->json = true; break;
		case 'k': o->kvm_only = true; break;
		case 'n':
			if (!parse_i64(optarg, &o->now_ns) || o->now_ns < 0)
				return usage(err, cmd, "-n wants nanoseconds of CLOCK_MONOTONIC, not '%s'", optarg), -1;
			o->have_now = true;
			break;
		case 'c':
			if (!parse_cpus(optarg, o))
				return usage(err, cmd, "-c wants a CPU list like 0,2-5, not '%s'", optarg), -1;
			break;
		case 'T':
			if (kt_thresholds_set(&o->th, optarg) != KT_OK)
				return usage(err, cmd, "-T wants name=value with a known threshold name, not '%s'", optarg), -1;
			break;
		case 'g': o->have_g = parse_u64(optarg, &o->g); if (!o->have_g) goto bad; break;
		case 'h': o->have_h = parse_u64(optarg, &o->hst); if (!o->have_h) goto bad; break;
		case 'd': o->have_d = parse_i64(optarg, &o->d); if (!o->have_d) goto bad; break;
		case 'm': o->have_m = parse_u64(optarg, &o->m) && o->m <= UINT32_MAX; if (!o->have_m) goto bad; break;
		case 'o': o->have_o = parse_u64(optarg, &o->o); if (!o->have_o) goto bad; break;
		case 'r': o->have_r = parse_u64(optarg, &o->r); if (!o->have_r) goto bad; break;
		case 's': {
			int64_t v;
			if (!parse_i64(optarg, &v) || v < -63 || v > 63) goto bad;
			o->s = (int)v; o->have_s = true; break;
		}
		case 'f': {
			int64_t v;
			if (!parse_i64(optarg, &v) || v < 1 || v > 63) goto bad;
			o->f = (int)v; o->have_f = true; break;
		}
		case ':':
		case '?':
		default: {
			char opt[3] = { '-', (char)(optopt ? optopt : '?'), 0 };
			return usage(err, cmd, "invalid option or missing argument: %s", opt), -1;
		}
		}
		continue;
bad:
		return usage(err, cmd, "bad number '%s'", optarg), -1;
	}
	return optind;
}

/* The shape of a command: what the shared prologue does before its body runs
 * (options, operands, loading, -c, analysis) and how the epilogue turns the
 * outcome into an exit status.  One table, kt_commands below, lists them all. */
/* Exit status 1 when: alarming vCPUs, any host finding, or as the body says. */
enum alarm_rule { ALARM_VCPUS, ALARM_HOST_FINDINGS, ALARM_NEVER };
/* Which CPUs' register contexts to read before the analysis: none; those
 * running an hrtimer callback, for the evidence a verdict cites (always, or
 * with an operand); or every CPU (-c's), kvmregs' whole output. */
enum cite_rule { CITE_NEVER, CITE_WITH_OPERAND, CITE_ALWAYS, CITE_EVERY_CPU };
struct run;
struct command_impl {
	const char *optspec;
	int max_operands;		/* 0, or 1: a kvm/vcpu/lapic address, pid or tid */
	const char *extra_operand;	/* usage message for one operand too many */
	bool load_always;		/* else only with an operand (kvmtsc) */
	bool vms_optional;		/* without KVM types still run (hrtimers only) */
	bool hrtimers;
	bool cpu_filter_vcpus;		/* -c keeps the vCPUs run on or timed on those CPUs */
	enum cite_rule cite;		/* which CPUs' registers to read for evidence */
	enum alarm_rule alarm;
	enum kt_cmd_status (*body)(struct run *r, FILE *out, FILE *err);
};

/* One command being run: its options, operand, the host it loaded, the CPU
 * contexts it read (cite) and the analysis of both. */
struct run {
	const char *name;
	struct kt_session *s;
	struct opts o;
	const char *operand;	/* NULL: none */
	bool loaded;
	bool have_vms;		/* VMs walked (false: vms_optional and no KVM types) */
	struct kt_err vms_err;	/* why not */
	struct kt_host h;
	struct kt_contexts c;	/* c.cpu NULL: none read */
	struct kt_analysis a;
};

/* Load what the command needs; on failure print "cmd: message" and return
 * KT_CMD_ERROR with nothing left to free. */
static enum kt_cmd_status load(struct run *r, bool hrt, FILE *err)
{
	struct kt_err e = { 0 };
	const struct opts *o = &r->o;
	memset(&r->h, 0, sizeof(r->h));	/* freed on the error path below */
	struct kt_load_opts lo = { .vms = r->have_vms, .hrtimers = hrt,
				   .kvm_timers_only = o->kvm_only, .have_now = o->have_now,
				   .now_ns = o->now_ns };
	if (kt_session_prepare(r->s, r->have_vms, &e) != KT_OK ||
	    kt_host_load(r->s, &lo, &r->h, &e) != KT_OK) {
		kt_err_wrap(&e, 0, "%s", r->name);
		fprintf(err, "%s\n", e.msg);
		kt_host_free(&r->h);
		return KT_CMD_ERROR;
	}
	r->loaded = true;
	return KT_CMD_OK;
}

/* -c: keep the vCPUs whose last run or whose timer is on one of those CPUs.
 * Before analysis: what is analysed is what is shown. */
static void filter_vcpus(struct run *r)
{
	struct kt_host *h = &r->h;
	for (int i = 0; i < h->nvms; i++) {
		int k = 0;
		for (int j = 0; j < h->vms[i].nvcpus; j++) {
			struct kt_vcpu *v = &h->vms[i].vcpus[j];
			if (cpu_wanted(&r->o, v->cpu) || cpu_wanted(&r->o, v->timer.hrtimer.cpu))
				h->vms[i].vcpus[k++] = *v;
		}
		h->vms[i].nvcpus = k;
	}
	kt_index_owners(h);
}

/* A positional argument: kvm/vcpu/lapic address (hex) or pid/tid (decimal). */
static bool find_target(const struct kt_host *h, const char *arg, const struct kt_vm **vm,
			const struct kt_vcpu **v)
{
	uint64_t a;
	bool hex = !strncmp(arg, "0x", 2) || !strncmp(arg, "0X", 2);
	for (const char *p = arg; *p && !hex; p++)
		hex = isxdigit((unsigned char)*p) && !isdigit((unsigned char)*p);
	char *end;
	errno = 0;
	a = strtoull(arg, &end, hex ? 16 : 10);
	if (errno || *end || !*arg)
		return false;
	if (!hex && a > 0xffffffffULL)	/* too big for a pid: an address typed in decimal? */
		hex = true;
	*vm = NULL;
	*v = NULL;
	for (int i = 0; i < h->nvms; i++) {
		const struct kt_vm *m = &h->vms[i];
		if ((hex && m->addr == a) || (!hex && m->userspace_pid == (int)a && a)) {
			*vm = m;
			return true;
		}
		for (int j = 0; j < m->nvcpus; j++) {
			const struct kt_vcpu *c = &m->vcpus[j];
			if ((hex && (c->addr == a || (c->timer.lapic_addr == a && a))) ||
			    (!hex && c->tid == (int)a && a)) {
				*vm = m;
				*v = c;
				return true;
			}
		}
	}
	return false;
}

/* "vms" (all, or one VM / one vCPU) and the host-level "findings". */
static void json_vms_and_findings(struct kt_json *j, const struct kt_host *h,
				  const struct kt_analysis *a, const struct kt_vm *vm,
				  const struct kt_vcpu *v)
{
	kt_json_key(j, K(vms));
	kt_json_arr_begin(j);
	for (int i = 0; i < h->nvms; i++)
		if (!vm || vm == &h->vms[i])
			kt_json_vm(j, h, a, &h->vms[i], v);
	kt_json_arr_end(j);
	kt_json_key(j, K(findings));
	kt_json_findings(j, a->findings, a->nfindings);
}

static enum kt_cmd_status body_kvmlapic(struct run *r, FILE *out, FILE *err)
{
	const struct kt_host *h = &r->h;
	const struct kt_analysis *a = &r->a;
	const struct kt_vm *vm = NULL;
	const struct kt_vcpu *v = NULL;
	if (r->operand && !find_target(h, r->operand, &vm, &v)) {
		fprintf(err, "%s: %s: not a struct kvm, kvm_vcpu or kvm_lapic address of a VM on vm_list, nor a VM pid or vCPU tid\n",
			r->name, r->operand);
		return KT_CMD_ERROR;
	}
	if (r->o.json) {
		struct kt_json j;
		kt_json_init(&j, out);
		kt_json_obj_begin(&j);
		kt_json_head(&j, "kvmlapic", h);
		json_vms_and_findings(&j, h, a, vm, v);
		kt_json_obj_end(&j);
		kt_json_end_doc(&j);
	} else if (v) {
		kt_print_vcpu_detail(out, h, a, vm, v);
	} else if (vm) {
		for (int j = 0; j < vm->nvcpus; j++) {
			if (j)
				fputs("\n----\n", out);
			kt_print_vcpu_detail(out, h, a, vm, &vm->vcpus[j]);
		}
		if (!vm->nvcpus)
			kt_print_lapic_table(out, h, a, vm);
	} else {
		kt_print_lapic_table(out, h, a, NULL);
	}
	return KT_CMD_OK;
}

static enum kt_cmd_status body_kvmhrtimer(struct run *r, FILE *out, FILE *err)
{
	(void)err;
	const struct kt_host *h = &r->h;
	if (r->o.json) {
		struct kt_json j;
		kt_json_init(&j, out);
		kt_json_obj_begin(&j);
		kt_json_head(&j, "kvmhrtimer", h);
		if (!r->have_vms)
			kt_json_kstr(&j, K(kvm), r->vms_err.msg);
		kt_json_hrtimers(&j, h, &r->a, r->o.cpus, r->o.ncpus);
		kt_json_obj_end(&j);
		kt_json_end_doc(&j);
	} else {
		if (!r->have_vms)
			fprintf(out, "note: %s; KVM owners not decoded\n", r->vms_err.msg);
		kt_print_hrtimers(out, h, &r->a, r->o.cpus, r->o.ncpus);
	}
	return KT_CMD_OK;
}

static enum kt_cmd_status body_kvmtriage(struct run *r, FILE *out, FILE *err)
{
	(void)err;
	const struct kt_host *h = &r->h;
	if (r->o.json) {
		struct kt_json j;
		kt_json_init(&j, out);
		kt_json_obj_begin(&j);
		kt_json_head(&j, "kvmtriage", h);
		kt_json_triage(&j, h, &r->a);
		json_vms_and_findings(&j, h, &r->a, NULL, NULL);
		kt_json_obj_end(&j);
		kt_json_end_doc(&j);
	} else {
		kt_print_triage(out, h, &r->a);
	}
	return KT_CMD_OK;
}

/* The CPU contexts the analysis weighs (kernel/cpu_context.c), read here;
 * kt_analyze cross-checks them against the host (analyze/regs_evidence.c).  For a verdict's
 * evidence only CPUs running an hrtimer callback (a clock base's running is
 * set) can be in the catch-up loop: their registers and backtrace are
 * decoded; a dump without one costs nothing.  kvmregs reads every CPU. */
static void read_contexts(struct run *r, enum cite_rule rule)
{
	const struct kt_host *h = &r->h;
	if (rule == CITE_EVERY_CPU) {
		kt_load_contexts(r->s, r->o.cpus, r->o.ncpus, true, true, &r->c);
	} else {
		int cpus[KT_MAX_CPU_FILTER], n = 0;
		for (int i = 0; i < h->ncpus && n < KT_MAX_CPU_FILTER; i++)
			for (int b = 0; b < h->cpus[i].nbases; b++)
				if (h->cpus[i].bases[b].running) {
					cpus[n++] = h->cpus[i].cpu;
					break;
				}
		if (!n)
			return;
		kt_load_contexts(r->s, cpus, n, true, true, &r->c);
	}
}

/* kvmregs: each CPU's interrupted context and the variables live at its RIP. */
static enum kt_cmd_status body_kvmregs(struct run *r, FILE *out, FILE *err)
{
	(void)err;
	const struct kt_host *h = &r->h;
	const struct kt_contexts *c = &r->c;
	const struct kt_analysis *a = &r->a;
	if (r->o.json) {
		struct kt_json j;
		kt_json_init(&j, out);
		kt_json_obj_begin(&j);
		kt_json_head(&j, "kvmregs", h);
		if (!r->have_vms)
			kt_json_kstr(&j, K(kvm), r->vms_err.msg);
		kt_json_contexts(&j, c, a);
		if (a->register_evidence[0])
			kt_json_kstr(&j, K(register_evidence), a->register_evidence);
		kt_json_obj_end(&j);
		kt_json_end_doc(&j);
	} else {
		if (!r->have_vms)
			fprintf(out, "note: %s; KVM owners not decoded\n", r->vms_err.msg);
		kt_print_contexts(out, h, c, a);
		if (a->register_evidence[0])
			fprintf(out, "\nEVIDENCE %s\n", kt_tab(a->register_evidence));
	}
	return kt_regs_in_loop(a) ? KT_CMD_ALARM : KT_CMD_OK;
}

/* kvmtsc: conversions, for a vCPU of the dump or for raw parameters. */
static enum kt_cmd_status body_kvmtsc(struct run *r, FILE *out, FILE *err)
{
	const struct opts o = r->o;
	const struct kt_host *h = &r->h;
	const struct kt_vcpu_analysis *va = NULL;
	const bool loaded = r->loaded;
	struct kt_tsc_caps caps = { 1ULL << 48, 48 };
	uint64_t offset = o.o, ratio = 0, guest_now = 0;
	uint32_t mult = (uint32_t)o.m, khz = 0;
	int8_t shift = (int8_t)o.s;
	bool have_now_tsc = false;
	const struct kt_vm *vm = NULL;
	const struct kt_vcpu *v = NULL;

	if (r->operand) {
		if (!find_target(h, r->operand, &vm, &v) || !v) {
			fprintf(err, "%s: %s: not a vCPU (kvm_vcpu or kvm_lapic address, or tid) of a VM on vm_list\n",
				r->name, r->operand);
			return KT_CMD_ERROR;
		}
		caps = h->caps;
		offset = v->tsc.l1_tsc_offset;
		ratio = v->tsc.has_l1_tsc_scaling_ratio ? v->tsc.l1_tsc_scaling_ratio : v->tsc.tsc_scaling_ratio;
		mult = v->tsc.virtual_tsc_mult;
		shift = v->tsc.virtual_tsc_shift;
		khz = v->tsc.virtual_tsc_khz;
		va = kt_vcpu_analysis_of(&r->a, h, v);
		have_now_tsc = va->has_guest_tsc_now;
		guest_now = va->guest_tsc_now;
	} else {
		if (!o.have_m || !o.have_s) {
			if (!o.have_h || !o.have_o)
				return usage(err, r->name, "%s", "give a vCPU, or raw parameters: -m MULT -s SHIFT with -d NS, or -o OFFSET with -h HOST_TSC");
		}
		if (o.have_f) {
			caps.frac_bits = (unsigned)o.f;
			caps.default_ratio = 1ULL << o.f;
		}
		ratio = o.have_r ? o.r : caps.default_ratio;
	}
	if (o.have_f && loaded) {
		caps.frac_bits = (unsigned)o.f;
		caps.default_ratio = 1ULL << o.f;
	}
	if (o.have_r)
		ratio = o.r;

	struct kt_json j;
	if (o.json) {
		kt_json_init(&j, out);
		kt_json_obj_begin(&j);
		kt_json_kstr(&j, K(schema), KT_SCHEMA);
		kt_json_kstr(&j, K(command), "kvmtsc");
		kt_json_version(&j);
		if (v) {
			kt_json_kint(&j, K(vm_pid), vm->userspace_pid);
			kt_json_kint(&j, K(vcpu_id), v->vcpu_id);
			kt_json_kaddr(&j, K(vcpu), v->addr);
			kt_json_kint(&j, K(now_ns), h->now.ns);
			kt_json_kstr(&j, K(now_source), h->now.source);
		}
		kt_json_key(&j, K(params));
		kt_json_obj_begin(&j);
		kt_json_ku64(&j, KU64(l1_tsc_offset), offset);
		kt_json_ku64(&j, KU64(tsc_scaling_ratio), ratio);
		kt_json_ku64(&j, KU64(default_tsc_scaling_ratio), caps.default_ratio);
		kt_json_kuint(&j, K(frac_bits), caps.frac_bits);
		kt_json_kuint(&j, K(virtual_tsc_mult), mult);
		kt_json_kint(&j, K(virtual_tsc_shift), shift);
		kt_json_kuint(&j, K(virtual_tsc_khz), khz);
		kt_json_obj_end(&j);
		kt_json_key(&j, K(results));
		kt_json_obj_begin(&j);
	} else {
		if (v)
			fprintf(out, "VM pid %d vCPU %d (kvm_vcpu %" PRIx64 ")  now %" PRId64 " (%s)\n",
				vm->userspace_pid, v->vcpu_id, v->addr, h->now.ns, h->now.source);
		fprintf(out, "l1_tsc_offset 0x%016" PRIx64 "  ratio %" PRIu64 " (default %" PRIu64 ", %u frac bits)  mult %u  shift %d  khz %u\n",
			offset, ratio, caps.default_ratio, caps.frac_bits, mult, shift, khz);
	}
	if (have_now_tsc) {
		if (o.json) {
			kt_json_ku64(&j, KU64(host_tsc_now), h->now.host_tsc);
			kt_json_ku64(&j, KU64(guest_tsc_now), guest_now);
		} else {
			fprintf(out, "host TSC at now %" PRIu64 " -> guest TSC %" PRIu64 "\n", h->now.host_tsc,
				guest_now);
		}
	}
	if (o.have_h) {
		uint64_t g = kt_kvm_read_l1_tsc(&caps, offset, ratio, o.hst);
		if (o.json)
			kt_json_ku64(&j, KU64(guest_tsc), g);
		else
			fprintf(out, "host TSC %" PRIu64 " -> guest TSC %" PRIu64 " (0x%016" PRIx64 ")  [kvm_read_l1_tsc]\n",
				o.hst, g, g);
	}
	if (o.have_g) {
		/* Inverse of kvm_read_l1_tsc at the default ratio: host = guest - offset. */
		if (ratio == caps.default_ratio) {
			uint64_t host = o.g - offset;
			if (o.json)
				kt_json_ku64(&j, KU64(host_tsc), host);
			else
				fprintf(out, "guest TSC %" PRIu64 " -> host TSC %" PRIu64 "\n", o.g, host);
		} else if (!o.json) {
			fprintf(out, "guest TSC %" PRIu64 " -> host TSC: scaled ratio, no exact inverse\n", o.g);
		}
		if (have_now_tsc && khz) {
			int64_t dc = (int64_t)(o.g - guest_now);
			int64_t ns = dc < 0 ? -(int64_t)kt_cycles_to_ns((uint64_t)-dc, khz)
					    : (int64_t)kt_cycles_to_ns((uint64_t)dc, khz);
			if (o.json)
				kt_json_kint(&j, K(guest_tsc_minus_now_ns), ns);
			else
				fprintf(out, "guest TSC %" PRIu64 " is %+" PRId64 " ns from now (at %u kHz)\n",
					o.g, ns, khz);
		}
	}
	if (o.have_d) {
		uint64_t cyc = kt_nsec_to_cycles((uint64_t)o.d, mult, shift);
		if (o.json) {
			kt_json_ku64(&j, KU64(delta_cycles), cyc);
			if (have_now_tsc)
				kt_json_ku64(&j, KU64(tscdeadline), guest_now + cyc);
		} else {
			fprintf(out, "%" PRId64 " ns -> %" PRIu64 " cycles  [nsec_to_cycles, delta as u64%s]\n",
				o.d, cyc, o.d < 0 ? ": NEGATIVE, wraps" : "");
			if (have_now_tsc)
				fprintf(out, "tscdeadline at now + %" PRId64 " ns = %" PRIu64 "\n", o.d,
					guest_now + cyc);
		}
	}
	if (o.json) {
		kt_json_obj_end(&j);
		kt_json_obj_end(&j);
		kt_json_end_doc(&j);
	}
	return KT_CMD_OK;
}

/* In the order of kt_commands. */
static const struct command_impl impls[] = {
	/* kvmlapic [-a] [-j] [-n NS] [-c CPUS] [-T name=value]... [ADDR|PID|TID] */
	{ ":ajn:c:T:", 1, "one target at a time, got '%s' too", true, false, true, true,
	  CITE_WITH_OPERAND, ALARM_VCPUS, body_kvmlapic },
	/* kvmhrtimer [-j] [-k] [-n NS] [-c CPUS] */
	{ ":jkn:c:", 0, "unexpected argument '%s'", true, true, true, false, CITE_NEVER,
	  ALARM_HOST_FINDINGS, body_kvmhrtimer },
	/* kvmregs [-j] [-n NS] [-c CPUS] */
	{ ":jn:c:", 0, "unexpected argument '%s'", true, true, true, false, CITE_EVERY_CPU,
	  ALARM_NEVER, body_kvmregs },
	/* kvmtsc [-j] [-n NS] VCPU [-g|-h|-d] | -m MULT -s SHIFT ... */
	{ ":jn:g:h:d:m:s:o:r:f:", 1, "one vCPU at a time, got '%s' too", false, false, false,
	  false, CITE_NEVER, ALARM_NEVER, body_kvmtsc },
	/* kvmtriage [-j] [-n NS] [-T name=value]... */
	{ ":jn:T:", 0, "unexpected argument '%s'", true, false, true, false, CITE_ALWAYS,
	  ALARM_VCPUS, body_kvmtriage },
};

const struct kt_command kt_commands[KT_NCOMMANDS] = {
	{ "kvmlapic", "every VM and vCPU's LAPIC timer, or one vCPU or VM in full" },
	{ "kvmhrtimer", "every CPU's hrtimers in expiry order, with their KVM owners" },
	{ "kvmregs", "each CPU's interrupted registers and the variables live at them" },
	{ "kvmtsc", "TSC conversions for a vCPU or for raw values" },
	{ "kvmtriage", "now, the fix status, every anomaly ranked, and a verdict" },
};

const struct kt_command *kt_command_find(const char *name)
{
	for (int i = 0; name && i < KT_NCOMMANDS; i++)
		if (!strcmp(kt_commands[i].name, name))
			return &kt_commands[i];
	return NULL;
}

/* Every command: parse, check operands, load, -c, analyse (the prologue), the
 * command's body, then the exit status and cleanup (the epilogue). */
enum kt_cmd_status kt_cmd_run(struct kt_session *s, int argc, char **argv, FILE *out, FILE *err)
{
	if (argc < 1 || !argv[0])
		return KT_CMD_USAGE;
	const struct kt_command *c = kt_command_find(argv[0]);
	if (!c) {
		fprintf(err, "kvmtimer: unknown command '%s' (", argv[0]);
		for (int i = 0; i < KT_NCOMMANDS; i++)
			fprintf(err, "%s%s", i ? ", " : "", kt_commands[i].name);
		fprintf(err, ")\n");
		return KT_CMD_USAGE;
	}
	const struct command_impl *ci = &impls[c - kt_commands];
	struct run *r = calloc(1, sizeof(*r));
	if (!r) {
		fprintf(err, "%s: out of memory\n", c->name);
		return KT_CMD_ERROR;
	}
	r->name = c->name;
	r->s = s;
	enum kt_cmd_status st = KT_CMD_OK;
	int first = parse(argc, argv, ci->optspec, &r->o, err);
	if (first < 0) {
		st = KT_CMD_USAGE;
		goto out;
	}
	if (first < argc - ci->max_operands) {
		st = usage(err, c->name, ci->extra_operand, argv[first + ci->max_operands]);
		goto out;
	}
	r->operand = first < argc ? argv[first] : NULL;
	if (ci->load_always || r->operand) {
		r->have_vms = true;
		/* Without KVM types a command that can still shows the hrtimers. */
		if (ci->vms_optional)
			r->have_vms = kt_session_prepare(s, true, &r->vms_err) == KT_OK;
		st = load(r, ci->hrtimers, err);
		if (st != KT_CMD_OK)
			goto out;
		if (ci->cpu_filter_vcpus && r->o.ncpus)
			filter_vcpus(r);
		if (ci->cite == CITE_ALWAYS || ci->cite == CITE_EVERY_CPU ||
		    (ci->cite == CITE_WITH_OPERAND && r->operand))
			read_contexts(r, ci->cite);
		/* The one analysis step: state (+ contexts) in, analysis out. */
		if (kt_analyze(&r->h, r->c.cpu ? &r->c : NULL, &r->o.th, &r->a) != KT_OK) {
			fprintf(err, "%s: out of memory\n", c->name);
			st = KT_CMD_ERROR;
			goto out;
		}
	}
	st = ci->body(r, out, err);
	if (st == KT_CMD_OK)
		st = ci->alarm == ALARM_VCPUS ? (kt_host_alarms(&r->h, &r->a) ? KT_CMD_ALARM : KT_CMD_OK) :
		     ci->alarm == ALARM_HOST_FINDINGS ? (r->a.nfindings ? KT_CMD_ALARM : KT_CMD_OK) :
		     KT_CMD_OK;
out:
	kt_analysis_free(&r->a);
	if (r->c.cpu)
		kt_contexts_free(&r->c);
	if (r->loaded)
		kt_host_free(&r->h);
	free(r);
	return st;
}
