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

const char *kt_vendor_name(enum kt_vendor v)
{
	return v == KT_VENDOR_VMX ? "vmx" : v == KT_VENDOR_SVM ? "svm" : "unknown";
}

const char *kt_fix_weight_name(enum kt_fix_weight w)
{
	static const char *const n[] = {
		[KT_FW_NEUTRAL] = "neutral", [KT_FW_FIXED] = "fixed",
		[KT_FW_VULNERABLE] = "vulnerable", [KT_FW_SUPPORTS_FIXED] = "supports-fixed",
		[KT_FW_SUPPORTS_VULNERABLE] = "supports-vulnerable", [KT_FW_DOUBT] = "doubt",
	};
	return (unsigned)w < sizeof(n) / sizeof(n[0]) ? n[w] : "?";
}

void kt_print_fix_evidence(FILE *out, const struct kt_host *h, const char *indent)
{
	for (int i = 0; i < h->nfix_items; i++) {
		const struct kt_fix_evidence *e = &h->fix_items[i];
		fprintf(out, "%s%-19s %-13s %s: %s\n", indent, kt_fix_weight_name(e->weight), e->kind,
			kt_tab(e->where), kt_tab(e->seen));
	}
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

void kt_flags_str(const struct kt_vcpu_analysis *va, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = 0;
	for (int i = 0; i < va->nfindings && used + 12 < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "",
					 kt_flag_name(va->findings[i].flag));
	if (!used)
		snprintf(buf, len, "-");
}

/* Damage is judged once, by the analysis (a CORRUPT finding): not here. */
bool kt_vcpu_alarming(const struct kt_vcpu_analysis *va)
{
	for (int i = 0; i < va->nfindings; i++)
		if (va->findings[i].severity != KT_SEV_INFO)
			return true;
	return false;
}

int kt_host_alarms(const struct kt_host *h, const struct kt_analysis *a)
{
	int n = 0;
	for (int i = 0; i < a->nfindings; i++)
		n += a->findings[i].severity != KT_SEV_INFO;
	for (int i = 0; i < h->nvms; i++) {
		n += h->vms[i].damage.what[0] != 0;
		for (int j = 0; j < h->vms[i].nvcpus; j++)
			n += kt_vcpu_alarming(kt_vcpu_analysis_of(a, h, &h->vms[i].vcpus[j]));
	}
	return n;
}

void kt_json_version(struct kt_json *j)
{
	kt_json_key(j, K(version));
	kt_json_obj_begin(j);
	kt_json_kstr(j, K(kvmtimer), kt_version);
	kt_json_kstr(j, K(git), kt_git_describe);
	kt_json_obj_end(j);
}

void kt_json_head(struct kt_json *j, const char *command, const struct kt_host *h)
{
	kt_json_kstr(j, K(schema), KT_SCHEMA);
	kt_json_kstr(j, K(command), command);
	kt_json_version(j);
	kt_json_kint(j, K(now_ns), h->now.ns);
	kt_json_kstr(j, K(now_source), h->now.source ? h->now.source : "none");
	kt_json_key(j, K(now_sources));
	kt_json_obj_begin(j);
	kt_json_kint(j, K(timekeeper_ns), h->now.timekeeper_ns);
	if (h->now.timekeeper_where)
		kt_json_kstr(j, K(timekeeper), h->now.timekeeper_where);
	kt_json_kint(j, K(jiffies_ns), h->now.jiffies_ns);
	kt_json_kint(j, K(crashtime_s), h->now.crashtime_s);
	kt_json_kstr(j, K(clocksource), h->now.clocksource);
	/* null when unknown: nothing computed from it is printed either. */
	if (h->now.has_host_tsc) {
		kt_json_ku64(j, KU64(host_tsc), h->now.host_tsc);
		kt_json_kuint(j, K(host_tsc_error_cycles), h->now.host_tsc_err);
	} else {
		kt_json_key(j, K(host_tsc));
		kt_json_null(j);
		kt_json_key(j, K(host_tsc_hex));
		kt_json_null(j);
		kt_json_key(j, K(host_tsc_error_cycles));
		kt_json_null(j);
	}
	kt_json_kstr(j, K(host_tsc_source), h->now.host_tsc_source);
	if (h->now.host_tsc_floor)
		kt_json_ku64(j, KU64(host_tsc_floor), h->now.host_tsc_floor);
	kt_json_obj_end(j);
	kt_json_kstr(j, K(fix_status), kt_fix_name(h->fix));
	kt_json_kstr(j, K(fix_summary), h->fix_evidence);
	kt_json_key(j, K(fix_evidence));
	kt_json_arr_begin(j);
	for (int i = 0; i < h->nfix_items; i++) {
		kt_json_obj_begin(j);
		kt_json_kstr(j, K(kind), h->fix_items[i].kind);
		kt_json_kstr(j, K(where), h->fix_items[i].where);
		kt_json_kstr(j, K(seen), h->fix_items[i].seen);
		kt_json_kstr(j, K(weight), kt_fix_weight_name(h->fix_items[i].weight));
		kt_json_obj_end(j);
	}
	kt_json_arr_end(j);
	kt_json_key(j, K(host));
	kt_json_obj_begin(j);
	kt_json_kstr(j, K(vendor), kt_vendor_name(h->vendor));
	kt_json_kstr(j, K(vendor_evidence), h->vendor_evidence);
	kt_json_kbool(j, K(hv_timer), h->hv_timer);
	kt_json_kstr(j, K(hv_timer_evidence), h->hv_timer_evidence);
	kt_json_kuint(j, K(tsc_scaling_ratio_frac_bits), h->caps.frac_bits);
	kt_json_ku64(j, KU64(default_tsc_scaling_ratio), h->caps.default_ratio);
	kt_json_kuint(j, K(min_timer_period_us), h->min_timer_period_us);
	if (h->is_vmx)
		kt_json_kuint(j, K(cpu_preemption_timer_multi), h->preemption_timer_multi);
	kt_json_obj_end(j);
}

/* The JSON keys of a finding's numbers, from keys.def: each number of
 * finding.def must be a key there (KT_K_name), an unsigned one (kind U) a
 * KT_KEY_U64 with its _hex twin, or this does not compile. */
#define QTY_KEYS_S(name) { KT_K_##name, KT_K_##name }
#define QTY_KEYS_A(name) { KT_K_##name, KT_K_##name }
#define QTY_KEYS_U(name) { KT_K_##name, KT_K_##name##_hex }
static const struct { enum kt_key key, hex; } qty_keys[KT_Q_COUNT] = {
#define KT_Q(name, kind) [KT_Q_##name] = QTY_KEYS_##kind(name),
#include "kvmtimer/finding.def"
#undef KT_Q
};

void kt_json_findings(struct kt_json *j, const struct kt_finding *f, int n)
{
	kt_json_arr_begin(j);
	for (int i = 0; i < n; i++) {
		kt_json_obj_begin(j);
		kt_json_kstr(j, K(flag), kt_flag_name(f[i].flag));
		kt_json_kstr(j, K(severity), kt_severity_name(f[i].severity));
		kt_json_kstr(j, K(reason), f[i].reason);
		for (int k = 0; k < f[i].nnum; k++) {
			enum kt_qty q = f[i].num[k].q;
			if ((unsigned)q >= KT_Q_COUNT)
				continue;
			const char *key = kt_keys[qty_keys[q].key];
			if (kt_qty_addr(q))
				kt_json_kaddr(j, key, (uint64_t)f[i].num[k].value);
			else if (kt_qty_unsigned(q))
				kt_json_ku64(j, key, kt_keys[qty_keys[q].hex], (uint64_t)f[i].num[k].value);
			else
				kt_json_kint(j, key, f[i].num[k].value);
		}
		kt_json_obj_end(j);
	}
	kt_json_arr_end(j);
}

void kt_json_hrtimer(struct kt_json *j, const struct kt_hrtimer *t)
{
	kt_json_obj_begin(j);
	kt_json_kaddr(j, K(addr), t->addr);
	kt_json_kstr(j, K(state), kt_hrtimer_where(t));
	kt_json_kuint(j, K(state_raw), t->state);
	kt_json_kint(j, K(expires_ns), t->expires_ns);
	kt_json_kint(j, K(softexpires_ns), t->softexpires_ns);
	kt_json_kint(j, K(cpu), t->cpu);
	kt_json_kint(j, K(base_cpu), t->cpu);
	kt_json_kint(j, K(clock_base), t->clock_index);
	kt_json_kbool(j, K(running), t->running);
	kt_json_kbool(j, K(queued), t->queued);
	kt_json_kaddr(j, K(function), t->function);
	kt_json_kaddr(j, K(function_addr), t->function);
	kt_json_kstr(j, K(function_name), t->function_name);
	kt_json_kaddr(j, K(base), t->base);
	kt_json_obj_end(j);
}

void kt_json_vcpu(struct kt_json *j, const struct kt_host *h, const struct kt_analysis *a,
		  const struct kt_vcpu *v)
{
	const struct kt_timer *t = &v->timer;
	const struct kt_vcpu_analysis *va = kt_vcpu_analysis_of(a, h, v);
	kt_json_obj_begin(j);
	kt_json_kint(j, K(id), v->vcpu_id);
	kt_json_kint(j, K(index), v->index);
	kt_json_kaddr(j, K(vcpu), v->addr);
	kt_json_kint(j, K(tid), v->tid);
	kt_json_kstr(j, K(comm), v->comm);
	kt_json_kint(j, K(cpu), v->cpu);
	kt_json_kint(j, K(last_cpu), v->cpu);
	kt_json_kstr(j, K(vcpu_mode), kt_vcpu_mode_name(v->mode));
	kt_json_kstr(j, K(mp_state), kt_mp_state_name(v->mp_state));
	kt_json_kuint(j, K(apic_base), v->apic_base);
	if (v->has_lapic) {
		kt_json_key(j, K(timer));
		kt_json_obj_begin(j);
		kt_json_kaddr(j, K(lapic), t->lapic_addr);
		kt_json_kstr(j, K(mode), kt_timer_mode_name(t->mode));
		kt_json_kbool(j, K(masked), t->masked);
		kt_json_kuint(j, K(vector), t->vector);
		kt_json_kbool(j, K(x2apic), v->x2apic);
		kt_json_kbool(j, K(apic_sw_enabled), t->sw_enabled);
		kt_json_kbool(j, K(armed), kt_timer_armed(h, v));
		kt_json_kuint(j, K(lvtt), t->lvtt);
		kt_json_kuint(j, K(tmict), t->tmict);
		kt_json_kuint(j, K(tmcct), t->tmcct);
		kt_json_kuint(j, K(tdcr), t->tdcr);
		kt_json_kuint(j, K(divide_count), t->divide_count);
		kt_json_kuint(j, K(timer_mode), t->timer_mode);
		kt_json_kuint(j, K(timer_mode_mask), t->timer_mode_mask);
		kt_json_kint(j, K(period_ns), t->period_ns);
		kt_json_kint(j, K(target_expiration_ns), t->target_expiration_ns);
		kt_json_kint(j, K(delta_ns), va->delta_ns);
		kt_json_ku64(j, KU64(tscdeadline), t->tscdeadline);
		if (va->has_tscdeadline_recomputed) {
			kt_json_ku64(j, KU64(tscdeadline_recomputed), va->tscdeadline_recomputed);
		} else {
			kt_json_key(j, K(tscdeadline_recomputed));
			kt_json_null(j);
			kt_json_key(j, K(tscdeadline_recomputed_hex));
			kt_json_null(j);
		}
		kt_json_ku64(j, KU64(expired_tscdeadline), t->expired_tscdeadline);
		if (t->has_timer_advance_ns)
			kt_json_kuint(j, K(timer_advance_ns), t->timer_advance_ns);
		if (t->has_advance_expire_delta)
			kt_json_kint(j, K(advance_expire_delta), t->advance_expire_delta);
		kt_json_kbool(j, K(hv_timer_in_use), t->hv_timer_in_use);
		kt_json_kint(j, K(pending), t->pending);
		kt_json_key(j, K(hrtimer));
		kt_json_hrtimer(j, &t->hrtimer);
		kt_json_obj_end(j);
	} else {
		kt_json_key(j, K(timer));
		kt_json_null(j);
	}
	kt_json_key(j, K(tsc));
	kt_json_obj_begin(j);
	kt_json_ku64(j, KU64(l1_tsc_offset), v->tsc.l1_tsc_offset);
	kt_json_ku64(j, KU64(tsc_offset), v->tsc.tsc_offset);
	if (v->tsc.has_l1_tsc_scaling_ratio)
		kt_json_ku64(j, KU64(l1_tsc_scaling_ratio), v->tsc.l1_tsc_scaling_ratio);
	kt_json_ku64(j, KU64(tsc_scaling_ratio), v->tsc.tsc_scaling_ratio);
	kt_json_kuint(j, K(virtual_tsc_khz), v->tsc.virtual_tsc_khz);
	kt_json_kuint(j, K(virtual_tsc_mult), v->tsc.virtual_tsc_mult);
	kt_json_kint(j, K(virtual_tsc_shift), v->tsc.virtual_tsc_shift);
	kt_json_ku64(j, KU64(last_guest_tsc), v->tsc.last_guest_tsc);
	kt_json_ku64(j, KU64(last_host_tsc), v->tsc.last_host_tsc);
	kt_json_kuint(j, K(this_tsc_nsec), v->tsc.this_tsc_nsec);
	if (va->has_guest_tsc_now)
		kt_json_ku64(j, KU64(guest_tsc_now), va->guest_tsc_now);
	kt_json_obj_end(j);
	kt_json_key(j, K(flags));
	kt_json_arr_begin(j);
	for (int i = 0; i < va->nfindings; i++)
		kt_json_str(j, kt_flag_name(va->findings[i].flag));
	kt_json_arr_end(j);
	kt_json_key(j, K(findings));
	kt_json_findings(j, va->findings, va->nfindings);
	if (v->damage.what[0])
		kt_json_kstr(j, K(damage), v->damage.what);
	kt_json_obj_end(j);
}

void kt_json_vm(struct kt_json *j, const struct kt_host *h, const struct kt_analysis *a,
		const struct kt_vm *vm, const struct kt_vcpu *only)
{
	kt_json_obj_begin(j);
	kt_json_kaddr(j, K(kvm), vm->addr);
	kt_json_kint(j, K(pid), vm->userspace_pid);
	kt_json_kstr(j, K(comm), vm->comm);
	kt_json_kint(j, K(online_vcpus), vm->online_vcpus);
	if (vm->stats_id[0])
		kt_json_kstr(j, K(stats_id), vm->stats_id);
	/* Only where the kernel has it (6.11+): older kernels' 1 ns is not a dump fact. */
	if (vm->has_apic_bus_cycle)
		kt_json_kuint(j, K(apic_bus_cycle_ns), vm->apic_bus_cycle_ns);
	if (vm->damage.what[0])
		kt_json_kstr(j, K(damage), vm->damage.what);
	kt_json_key(j, K(vcpus));
	kt_json_arr_begin(j);
	for (int i = 0; i < vm->nvcpus; i++)
		if (!only || only == &vm->vcpus[i])
			kt_json_vcpu(j, h, a, &vm->vcpus[i]);
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
