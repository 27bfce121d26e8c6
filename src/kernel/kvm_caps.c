// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host's KVM capabilities: which vendor module runs, whether the VMX
 * preemption timer (the "hv timer") is in use, the TSC-scaling constants and
 * min_timer_period_us.
 *
 * The vendor is read from what is active, never from which symbols exist (a
 * kernel can have kvm_intel and kvm_amd both built in; only one initialises):
 * kvm_x86_vendor_init() copies the vendor's ops into the global kvm_x86_ops
 * (arch/x86/kvm/x86.c, kvm_ops_update), so kvm_x86_ops.name is "kvm_intel" or
 * "kvm_amd" (6.1 and 6.12), and its function pointers point into vmx.c or
 * svm.c.  The hv timer: vmx.c's hardware_setup() sets set_hv_timer = NULL when
 * enable_preemption_timer is off (6.1 vmx.c:8526, 6.12 vmx.c:8551), and
 * kvm_can_use_hv_timer() (lapic.c, 6.1:157, 6.12:167) starts from
 * kvm_x86_ops.set_hv_timer; SVM has none.
 */
#include <stdio.h>
#include <string.h>
#include "kernel/host.h"

/* Count the ops pointers that name vmx/svm functions (kvm_x86_ops without .name). */
static void count_ops(struct kt_session *s, uint64_t ops, long size, int *vmx, int *svm)
{
	unsigned char buf[2048];
	size_t n = size > 0 && (size_t)size < sizeof(buf) ? (size_t)size : sizeof(buf);
	*vmx = *svm = 0;
	if (kt_read(&s->reader, ops, buf, n) != KT_OK)
		return;
	for (size_t i = 0; i + 8 <= n && *vmx + *svm < 16; i += 8) {
		uint64_t p;
		char name[KT_SYM_LEN];
		uint64_t off;
		memcpy(&p, buf + i, 8);
		if (p < 0xffff800000000000ULL ||
		    s->reader.ops->symbol_name(s->reader.ctx, p, name, sizeof(name), &off) != KT_OK || off)
			continue;
		if (!strncmp(name, "vmx_", 4) || !strncmp(name, "vt_", 3) || !strncmp(name, "nested_vmx", 10))
			(*vmx)++;
		else if (!strncmp(name, "svm_", 4) || !strncmp(name, "sev_", 4) || !strncmp(name, "avic_", 5))
			(*svm)++;
	}
}

static void load_vendor(struct kt_session *s, struct kt_host *h)
{
	const struct kt_reader *r = &s->reader;
	const struct kt_layout *l = &s->layout;
	uint64_t ops;

	h->vendor = KT_VENDOR_UNKNOWN;
	if (kt_symbol(r, "kvm_x86_ops", &ops) != KT_OK) {
		snprintf(h->vendor_evidence, sizeof(h->vendor_evidence), "no kvm_x86_ops in the dump");
		snprintf(h->hv_timer_evidence, sizeof(h->hv_timer_evidence), "vendor unknown");
		return;
	}
	uint64_t namep = 0;
	char name[24] = "";
	/* Before v5.8 kvm_x86_ops was a pointer to vmx_x86_ops or svm_x86_ops. */
	uint64_t first = 0, off = 0;
	char sym[KT_SYM_LEN];
	if (kt_read_u64(r, ops, &first) == KT_OK && first &&
	    r->ops->symbol_name(r->ctx, first, sym, sizeof(sym), &off) == KT_OK && !off &&
	    (!strcmp(sym, "vmx_x86_ops") || !strcmp(sym, "svm_x86_ops"))) {
		h->vendor = sym[0] == 'v' ? KT_VENDOR_VMX : KT_VENDOR_SVM;
		h->is_vmx = h->vendor == KT_VENDOR_VMX;
		snprintf(h->vendor_evidence, sizeof(h->vendor_evidence),
			 "kvm_x86_ops points to %s (before v5.8)", sym);
		snprintf(h->hv_timer_evidence, sizeof(h->hv_timer_evidence), "%s",
			 h->is_vmx ? "assumed in use (kvm_x86_ops is a pointer here)" : "SVM has no preemption timer");
		h->hv_timer = h->is_vmx;
		return;
	}
	if (kt_has(l->kvm_x86_ops__name) &&
	    kt_read_u64(r, ops + (uint64_t)l->kvm_x86_ops__name.off, &namep) == KT_OK && namep) {
		/* Up to the NUL, 8 bytes at a time: a page may end right after it. */
		for (size_t i = 0; i + 8 < sizeof(name); i += 8) {
			if (kt_read(r, namep + i, name + i, 8) != KT_OK) {
				name[i] = 0;
				break;
			}
			if (memchr(name + i, 0, 8))
				break;
		}
		name[sizeof(name) - 1] = 0;
		for (char *c = name; *c; c++)
			if (*c < 0x20 || *c > 0x7e)
				*c = '?';
	}
	if (!strcmp(name, "kvm_intel"))
		h->vendor = KT_VENDOR_VMX;
	else if (!strcmp(name, "kvm_amd"))
		h->vendor = KT_VENDOR_SVM;
	if (h->vendor != KT_VENDOR_UNKNOWN) {
		snprintf(h->vendor_evidence, sizeof(h->vendor_evidence), "kvm_x86_ops.name \"%s\"", name);
	} else {
		int vmx, svm;
		count_ops(s, ops, l->sizeof_kvm_x86_ops, &vmx, &svm);
		if (vmx > 0 && !svm)
			h->vendor = KT_VENDOR_VMX;
		else if (svm > 0 && !vmx)
			h->vendor = KT_VENDOR_SVM;
		snprintf(h->vendor_evidence, sizeof(h->vendor_evidence),
			 "kvm_x86_ops%s%s%s: %d pointer(s) into vmx, %d into svm%s", name[0] ? ".name \"" : "",
			 name, name[0] ? "\"" : "", vmx, svm,
			 h->vendor == KT_VENDOR_UNKNOWN ? " (no vendor initialised?)" : "");
	}
	h->is_vmx = h->vendor == KT_VENDOR_VMX;

	/* The hv timer: only VMX has one, and only with set_hv_timer left non-NULL. */
	if (h->vendor != KT_VENDOR_VMX) {
		snprintf(h->hv_timer_evidence, sizeof(h->hv_timer_evidence), "%s",
			 h->vendor == KT_VENDOR_SVM ? "SVM has no preemption timer" : "vendor unknown");
		return;
	}
	uint64_t set_hv = 0;
	bool known = kt_has(l->kvm_x86_ops__set_hv_timer) &&
		     kt_read_u64(r, ops + (uint64_t)l->kvm_x86_ops__set_hv_timer.off, &set_hv) == KT_OK;
	uint64_t a;
	unsigned char ept = 0;
	bool have_ept = kt_symbol(r, "enable_preemption_timer", &a) == KT_OK &&
			kt_read(r, a, &ept, 1) == KT_OK;
	/* Unknown set_hv_timer: fall back to the module parameter. */
	h->hv_timer = known ? set_hv != 0 : have_ept && ept;
	char eptbuf[40] = "enable_preemption_timer unknown";
	if (have_ept)
		snprintf(eptbuf, sizeof(eptbuf), "enable_preemption_timer %d", ept);
	snprintf(h->hv_timer_evidence, sizeof(h->hv_timer_evidence), "%s%s, %s",
		 known ? "kvm_x86_ops.set_hv_timer " : "kvm_x86_ops.set_hv_timer unknown",
		 known ? (set_hv ? "set" : "NULL") : "", eptbuf);
}

void kt_load_caps(struct kt_session *s, struct kt_host *h)
{
	const struct kt_reader *r = &s->reader;
	const struct kt_layout *l = &s->layout;
	uint64_t a, v = 0;
	unsigned char u8;

	load_vendor(s, h);
	/* kvm_caps (v6.0+) or the globals before it hold the vendor's values; the
	 * defaults only stand in when neither is readable. */
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
	uint32_t u32 = 5;	/* the usual IA32_VMX_MISC[4:0]; read when VMX runs */
	if (h->is_vmx && kt_symbol(r, "cpu_preemption_timer_multi", &a) == KT_OK)
		kt_read_u32(r, a, &u32);
	h->preemption_timer_multi = u32;
	h->min_timer_period_us = 200;	/* kvm.ko default */
	if (kt_symbol(r, "min_timer_period_us", &a) == KT_OK && kt_read_u32(r, a, &u32) == KT_OK)
		h->min_timer_period_us = u32;
}
