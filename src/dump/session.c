// SPDX-License-Identifier: GPL-2.0-or-later
/* The session and loading a host's state: caps, now, VMs, hrtimers, fix status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kvmtimer/commands.h"
#include "session.h"

struct kt_session *kt_session_new(const struct kt_reader *r)
{
	struct kt_session *s = calloc(1, sizeof(*s));
	if (s)
		s->reader = *r;
	return s;
}

void kt_session_free(struct kt_session *s)
{
	free(s);
}

void kt_function_name(struct kt_session *s, uint64_t addr, char *buf, size_t len)
{
	uint64_t off;
	for (unsigned i = 0; i < KT_FN_CACHE; i++)
		if (s->fn_cache[i].addr == addr) {
			snprintf(buf, len, "%s", s->fn_cache[i].name);
			return;
		}
	if (s->reader.ops->symbol_name(s->reader.ctx, addr, buf, len, &off) != KT_OK)
		buf[0] = 0;
	unsigned slot = s->fn_next++ % KT_FN_CACHE;
	s->fn_cache[slot].addr = addr;
	snprintf(s->fn_cache[slot].name, sizeof(s->fn_cache[slot].name), "%s", buf);
}

enum kt_status kt_session_prepare(struct kt_session *s, bool need_kvm, struct kt_err *err)
{
	if (!s->resolved) {
		kt_layout_resolve(&s->reader, &s->layout);
		if (!s->layout.have_kvm && !s->tried_module_load &&
		    s->reader.ops->load_module_debuginfo) {
			/* kvm.ko types come from module debuginfo: load it as `mod -s` does. */
			uint64_t a;
			s->tried_module_load = true;
			if (kt_symbol(&s->reader, "vm_list", &a) == KT_OK) {
				struct kt_err e2 = { 0 };
				s->reader.ops->load_module_debuginfo(s->reader.ctx, "kvm", &e2);
				kt_layout_resolve(&s->reader, &s->layout);
				if (!s->layout.have_kvm && need_kvm) {
					*err = e2;
					if (!err->msg[0])
						kt_err_set(err, KT_ENOENT, 0,
							   "kvm types not found: run 'mod -s kvm' (and kvm_amd or kvm_intel)");
					return err->status ? err->status : KT_ENOENT;
				}
			}
		}
		/* Cache only a complete layout: a later `mod -s` may still add KVM. */
		s->resolved = s->layout.have_kvm;
	}
	if (need_kvm && !s->layout.have_kvm) {
		uint64_t a;
		if (kt_symbol(&s->reader, "vm_list", &a) != KT_OK)
			return kt_err_set(err, KT_ENODATA, 0,
					  "no KVM in this dump: symbol vm_list not found (kvm.ko not loaded)");
		return kt_err_set(err, KT_ENOENT, 0,
				  "kvm types not found (struct kvm_vcpu, kvm_lapic): load kvm.ko debuginfo with 'mod -s kvm [path/to/kvm.ko]'");
	}
	return KT_OK;
}

void kt_load_caps(struct kt_session *s, struct kt_host *h)
{
	const struct kt_reader *r = &s->reader;
	const struct kt_layout *l = &s->layout;
	uint64_t a, v = 0;
	unsigned char u8;

	h->is_vmx = kt_symbol(r, "vmx_x86_ops", &a) == KT_OK ||
		    kt_symbol(r, "cpu_preemption_timer_multi", &a) == KT_OK;
	h->caps.frac_bits = h->is_vmx ? KT_VMX_TSC_FRAC_BITS : KT_SVM_TSC_FRAC_BITS;
	h->caps.default_ratio = 1ULL << h->caps.frac_bits;
	if (kt_symbol(r, "kvm_caps", &a) == KT_OK &&	/* v6.0+ */
	    kt_has(l->kvm_caps__default_tsc_scaling_ratio)) {
		if (kt_read_u64(r, a + l->kvm_caps__default_tsc_scaling_ratio.off, &v) == KT_OK && v)
			h->caps.default_ratio = v;
		if (kt_read(r, a + l->kvm_caps__tsc_scaling_ratio_frac_bits.off, &u8, 1) == KT_OK &&
		    u8 && u8 < 64)
			h->caps.frac_bits = u8;
	} else {
		if (kt_symbol(r, "kvm_default_tsc_scaling_ratio", &a) == KT_OK &&
		    kt_read_u64(r, a, &v) == KT_OK && v)
			h->caps.default_ratio = v;
		if (kt_symbol(r, "kvm_tsc_scaling_ratio_frac_bits", &a) == KT_OK &&
		    kt_read(r, a, &u8, 1) == KT_OK && u8 && u8 < 64)
			h->caps.frac_bits = u8;
	}
	uint32_t u32 = 5;	/* the usual IA32_VMX_MISC[4:0]; read when kvm_intel is there */
	if (kt_symbol(r, "cpu_preemption_timer_multi", &a) == KT_OK)
		kt_read_u32(r, a, &u32);
	h->preemption_timer_multi = u32;
	h->min_timer_period_us = 200;	/* kvm.ko default */
	if (kt_symbol(r, "min_timer_period_us", &a) == KT_OK && kt_read_u32(r, a, &u32) == KT_OK)
		h->min_timer_period_us = u32;
}

enum kt_status kt_host_load(struct kt_session *s, const struct kt_load_opts *o,
			    struct kt_host *h, struct kt_err *err)
{
	memset(h, 0, sizeof(*h));
	if (o->have_now) {
		h->now.ns = o->now_ns;
		h->now.source = "user (-n)";
	}
	kt_load_now(s, h);
	if (o->vms || o->hrtimers) {
		kt_load_caps(s, h);
		if (s->fix_known) {
			h->fix = s->fix;
			memcpy(h->fix_evidence, s->fix_evidence, sizeof(h->fix_evidence));
		} else {
			kt_load_fix_status(s, h);
			if (s->resolved) {	/* only with the KVM layout complete */
				s->fix_known = true;
				s->fix = h->fix;
				memcpy(s->fix_evidence, h->fix_evidence, sizeof(s->fix_evidence));
			}
		}
	}
	if (o->vms) {
		enum kt_status st = kt_load_vms(s, h, err);
		if (st != KT_OK)
			return st;
	}
	if (o->hrtimers)
		kt_load_hrtimers(s, h, o->kvm_timers_only);
	kt_link_vcpu_hrtimers(h);
	return KT_OK;
}

void kt_host_free(struct kt_host *h)
{
	for (int i = 0; i < h->nvms; i++)
		free(h->vms[i].vcpus);
	free(h->vms);
	for (int c = 0; c < h->ncpus; c++)
		for (int b = 0; b < h->cpus[c].nbases; b++)
			free(h->cpus[c].bases[b].timers);
	free(h->cpus);
	free(h->owners);
	memset(h, 0, sizeof(*h));
}
