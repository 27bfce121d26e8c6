// SPDX-License-Identifier: GPL-2.0-or-later
/* Shared pieces of the renderers: names, flags, the JSON head, vCPU/VM objects. */
#include <stdio.h>
#include <string.h>
#include "kvmtimer/version.h"
#include "render/report.h"

const char *kt_tab(const char *s)
{
	static char bufs[8][1024];
	static unsigned next;
	char *b = bufs[next++ % 8];
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (n + 8 >= sizeof(bufs[0])) {
			memcpy(b + n, "...", 4);
			return b;
		}
		if (*p == '\\') {
			b[n++] = '\\';
			b[n++] = '\\';
		} else if (*p < 0x20 || *p >= 0x7f) {
			n += (size_t)snprintf(b + n, 5, "\\x%02x", *p);
		} else {
			b[n++] = (char)*p;
		}
	}
	b[n] = 0;
	return b;
}

const char *kt_mp_state_name(uint32_t s)
{
	static const char *const n[] = { "RUNNABLE", "UNINITIALIZED", "INIT_RECEIVED", "HALTED",
					  "SIPI_RECEIVED", "STOPPED", "CHECK_STOP", "OPERATING",
					  "LOAD", "AP_RESET_HOLD", "SUSPENDED" };
	return s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

const char *kt_vcpu_mode_name(int m)
{
	static const char *const n[] = { "OUTSIDE_GUEST", "IN_GUEST", "EXITING_GUEST",
					  "READING_SHADOW_PT" };
	return m >= 0 && m < 4 ? n[m] : "?";
}

const char *kt_fix_name(enum kt_fix_status f)
{
	return f == KT_FIX_FIXED ? "fixed" : f == KT_FIX_VULNERABLE ? "vulnerable" : "unknown";
}

const char *kt_hrtimer_where(const struct kt_hrtimer *t)
{
	if (t->running)
		return "running";
	if (t->queued)
		return "queued";
	if (t->state & 1)
		return "enqueued?";	/* state says queued, no tree holds it */
	return "inactive";
}

void kt_flags_str(const struct kt_vcpu *v, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = 0;
	for (int i = 0; i < v->nfindings && used + 12 < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "",
					 kt_flag_name(v->findings[i].flag));
	if (v->damage[0] && !kt_vcpu_has_flag(v, KT_FLAG_CORRUPT) && used + 10 < len)
		used += (size_t)snprintf(buf + used, len - used, "%sCORRUPT", used ? "," : "");
	if (!used)
		snprintf(buf, len, "-");
}

bool kt_vcpu_alarming(const struct kt_vcpu *v)
{
	if (v->damage[0])
		return true;
	for (int i = 0; i < v->nfindings; i++)
		if (v->findings[i].severity != KT_SEV_INFO)
			return true;
	return false;
}

int kt_host_alarms(const struct kt_host *h)
{
	int n = 0;
	for (int i = 0; i < h->nfindings; i++)
		n += h->findings[i].severity != KT_SEV_INFO;
	for (int i = 0; i < h->nvms; i++) {
		n += h->vms[i].damage[0] != 0;
		for (int j = 0; j < h->vms[i].nvcpus; j++)
			n += kt_vcpu_alarming(&h->vms[i].vcpus[j]);
	}
	return n;
}

void kt_json_version(struct kt_json *j)
{
	kt_json_key(j, "version");
	kt_json_obj_begin(j);
	kt_json_kstr(j, "kvmtimer", kt_version);
	kt_json_kstr(j, "git", kt_git_describe);
	kt_json_obj_end(j);
}

void kt_json_head(struct kt_json *j, const char *command, const struct kt_host *h)
{
	kt_json_kstr(j, "schema", KT_SCHEMA);
	kt_json_kstr(j, "command", command);
	kt_json_version(j);
	kt_json_kint(j, "now_ns", h->now.ns);
	kt_json_kstr(j, "now_source", h->now.source ? h->now.source : "none");
	kt_json_key(j, "now_sources");
	kt_json_obj_begin(j);
	kt_json_kint(j, "timekeeper_ns", h->now.timekeeper_ns);
	if (h->now.timekeeper_where)
		kt_json_kstr(j, "timekeeper", h->now.timekeeper_where);
	kt_json_kint(j, "jiffies_ns", h->now.jiffies_ns);
	kt_json_kint(j, "crashtime_s", h->now.crashtime_s);
	kt_json_kstr(j, "clocksource", h->now.clocksource);
	if (h->now.has_host_tsc)
		kt_json_ku64(j, "host_tsc", h->now.host_tsc);
	kt_json_obj_end(j);
	kt_json_kstr(j, "fix_status", kt_fix_name(h->fix));
	kt_json_kstr(j, "fix_evidence", h->fix_evidence);
	kt_json_key(j, "host");
	kt_json_obj_begin(j);
	kt_json_kstr(j, "vendor", h->is_vmx ? "vmx" : "svm");
	kt_json_kuint(j, "tsc_scaling_ratio_frac_bits", h->caps.frac_bits);
	kt_json_ku64(j, "default_tsc_scaling_ratio", h->caps.default_ratio);
	kt_json_kuint(j, "min_timer_period_us", h->min_timer_period_us);
	if (h->is_vmx)
		kt_json_kuint(j, "cpu_preemption_timer_multi", h->preemption_timer_multi);
	kt_json_obj_end(j);
}

void kt_json_findings(struct kt_json *j, const struct kt_finding *f, int n)
{
	kt_json_arr_begin(j);
	for (int i = 0; i < n; i++) {
		kt_json_obj_begin(j);
		kt_json_kstr(j, "flag", kt_flag_name(f[i].flag));
		kt_json_kstr(j, "severity", kt_severity_name(f[i].severity));
		kt_json_kstr(j, "reason", f[i].reason);
		for (int k = 0; k < f[i].nnum; k++) {
			enum kt_qty q = f[i].num[k].q;
			if (kt_qty_addr(q))
				kt_json_kaddr(j, kt_qty_name(q), (uint64_t)f[i].num[k].value);
			else if (kt_qty_unsigned(q))
				kt_json_ku64(j, kt_qty_name(q), (uint64_t)f[i].num[k].value);
			else
				kt_json_kint(j, kt_qty_name(q), f[i].num[k].value);
		}
		kt_json_obj_end(j);
	}
	kt_json_arr_end(j);
}

void kt_json_hrtimer(struct kt_json *j, const struct kt_hrtimer *t)
{
	kt_json_obj_begin(j);
	kt_json_kaddr(j, "addr", t->addr);
	kt_json_kstr(j, "state", kt_hrtimer_where(t));
	kt_json_kuint(j, "state_raw", t->state);
	kt_json_kint(j, "expires_ns", t->expires_ns);
	kt_json_kint(j, "softexpires_ns", t->softexpires_ns);
	kt_json_kint(j, "cpu", t->cpu);
	kt_json_kint(j, "clock_base", t->clock_index);
	kt_json_kbool(j, "running", t->running);
	kt_json_kbool(j, "queued", t->queued);
	kt_json_kaddr(j, "function", t->function);
	kt_json_kstr(j, "function_name", t->function_name);
	kt_json_kaddr(j, "base", t->base);
	kt_json_obj_end(j);
}

void kt_json_vcpu(struct kt_json *j, const struct kt_host *h, const struct kt_vcpu *v)
{
	const struct kt_timer *t = &v->timer;
	(void)h;
	kt_json_obj_begin(j);
	kt_json_kint(j, "id", v->vcpu_id);
	kt_json_kint(j, "index", v->index);
	kt_json_kaddr(j, "vcpu", v->addr);
	kt_json_kint(j, "tid", v->tid);
	kt_json_kstr(j, "comm", v->comm);
	kt_json_kint(j, "cpu", v->cpu);
	kt_json_kstr(j, "vcpu_mode", kt_vcpu_mode_name(v->mode));
	kt_json_kstr(j, "mp_state", kt_mp_state_name(v->mp_state));
	kt_json_kuint(j, "apic_base", v->apic_base);
	if (v->has_lapic) {
		kt_json_key(j, "timer");
		kt_json_obj_begin(j);
		kt_json_kaddr(j, "lapic", t->lapic_addr);
		kt_json_kstr(j, "mode", kt_timer_mode_name(t->mode));
		kt_json_kbool(j, "masked", t->masked);
		kt_json_kuint(j, "vector", t->vector);
		kt_json_kbool(j, "x2apic", v->x2apic);
		kt_json_kbool(j, "apic_sw_enabled", t->sw_enabled);
		kt_json_kbool(j, "armed", kt_timer_armed(h, v));
		kt_json_kuint(j, "lvtt", t->lvtt);
		kt_json_kuint(j, "tmict", t->tmict);
		kt_json_kuint(j, "tmcct", t->tmcct);
		kt_json_kuint(j, "tdcr", t->tdcr);
		kt_json_kuint(j, "divide_count", t->divide_count);
		kt_json_kuint(j, "timer_mode", t->timer_mode);
		kt_json_kuint(j, "timer_mode_mask", t->timer_mode_mask);
		kt_json_kint(j, "period_ns", t->period_ns);
		kt_json_kint(j, "target_expiration_ns", t->target_expiration_ns);
		kt_json_kint(j, "delta_ns", v->delta_ns);
		kt_json_ku64(j, "tscdeadline", t->tscdeadline);
		if (v->has_tscdeadline_recomputed) {
			kt_json_ku64(j, "tscdeadline_recomputed", v->tscdeadline_recomputed);
		} else {
			kt_json_key(j, "tscdeadline_recomputed");
			kt_json_null(j);
			kt_json_key(j, "tscdeadline_recomputed_hex");
			kt_json_null(j);
		}
		kt_json_ku64(j, "expired_tscdeadline", t->expired_tscdeadline);
		if (t->has_timer_advance_ns)
			kt_json_kuint(j, "timer_advance_ns", t->timer_advance_ns);
		if (t->has_advance_expire_delta)
			kt_json_kint(j, "advance_expire_delta", t->advance_expire_delta);
		kt_json_kbool(j, "hv_timer_in_use", t->hv_timer_in_use);
		kt_json_kint(j, "pending", t->pending);
		kt_json_key(j, "hrtimer");
		kt_json_hrtimer(j, &t->hrtimer);
		kt_json_obj_end(j);
	} else {
		kt_json_key(j, "timer");
		kt_json_null(j);
	}
	kt_json_key(j, "tsc");
	kt_json_obj_begin(j);
	kt_json_ku64(j, "l1_tsc_offset", v->tsc.l1_tsc_offset);
	kt_json_ku64(j, "tsc_offset", v->tsc.tsc_offset);
	if (v->tsc.has_l1_tsc_scaling_ratio)
		kt_json_ku64(j, "l1_tsc_scaling_ratio", v->tsc.l1_tsc_scaling_ratio);
	kt_json_ku64(j, "tsc_scaling_ratio", v->tsc.tsc_scaling_ratio);
	kt_json_kuint(j, "virtual_tsc_khz", v->tsc.virtual_tsc_khz);
	kt_json_kuint(j, "virtual_tsc_mult", v->tsc.virtual_tsc_mult);
	kt_json_kint(j, "virtual_tsc_shift", v->tsc.virtual_tsc_shift);
	kt_json_ku64(j, "last_guest_tsc", v->tsc.last_guest_tsc);
	kt_json_ku64(j, "last_host_tsc", v->tsc.last_host_tsc);
	kt_json_kuint(j, "this_tsc_nsec", v->tsc.this_tsc_nsec);
	if (v->has_guest_tsc_now)
		kt_json_ku64(j, "guest_tsc_now", v->guest_tsc_now);
	kt_json_obj_end(j);
	kt_json_key(j, "flags");
	kt_json_arr_begin(j);
	for (int i = 0; i < v->nfindings; i++)
		kt_json_str(j, kt_flag_name(v->findings[i].flag));
	if (v->damage[0] && !kt_vcpu_has_flag(v, KT_FLAG_CORRUPT))
		kt_json_str(j, "CORRUPT");
	kt_json_arr_end(j);
	kt_json_key(j, "findings");
	kt_json_findings(j, v->findings, v->nfindings);
	if (v->damage[0])
		kt_json_kstr(j, "damage", v->damage);
	kt_json_obj_end(j);
}

void kt_json_vm(struct kt_json *j, const struct kt_host *h, const struct kt_vm *vm,
		const struct kt_vcpu *only)
{
	kt_json_obj_begin(j);
	kt_json_kaddr(j, "kvm", vm->addr);
	kt_json_kint(j, "pid", vm->userspace_pid);
	kt_json_kstr(j, "comm", vm->comm);
	kt_json_kint(j, "online_vcpus", vm->online_vcpus);
	if (vm->stats_id[0])
		kt_json_kstr(j, "stats_id", vm->stats_id);
	/* Only where the kernel has it (6.11+): older kernels' 1 ns is not a dump fact. */
	if (vm->has_apic_bus_cycle)
		kt_json_kuint(j, "apic_bus_cycle_ns", vm->apic_bus_cycle_ns);
	if (vm->damage[0])
		kt_json_kstr(j, "damage", vm->damage);
	kt_json_key(j, "vcpus");
	kt_json_arr_begin(j);
	for (int i = 0; i < vm->nvcpus; i++)
		if (!only || only == &vm->vcpus[i])
			kt_json_vcpu(j, h, &vm->vcpus[i]);
	kt_json_arr_end(j);
	kt_json_obj_end(j);
}

void kt_print_head(FILE *out, const struct kt_host *h)
{
	fprintf(out, "NOW: %lld ns (%s", (long long)h->now.ns, h->now.source ? h->now.source : "none");
	if (h->now.source && !strcmp(h->now.source, "timekeeper") && h->now.timekeeper_where)
		fprintf(out, " %s", h->now.timekeeper_where);
	if (h->now.clocksource[0])
		fprintf(out, ", clocksource %s", kt_tab(h->now.clocksource));
	fprintf(out, ")  FIX: %s\n", kt_fix_name(h->fix));
}
