// SPDX-License-Identifier: GPL-2.0-or-later
/* The session: one dump's reader, its layout resolved once, cached names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dump/session.h"
#include "kvmtimer/session.h"

struct kt_session *kt_session_new(const struct kt_reader *r)
{
	struct kt_session *s = calloc(1, sizeof(*s));
	if (s)
		s->reader = *r;
	return s;
}

void kt_session_free(struct kt_session *s)
{
	if (s) {
		kt_dwarf_free(s->dwarf);
		free(s->fix_cache);
	}
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
		struct kt_err e2 = { 0 };
		bool kvm_present = false;
		if (!s->tried_module_load && s->reader.ops->load_module_debuginfo) {
			/* kvm.ko types come from module debuginfo: load it as `mod -s`
			 * does, before the first type question (asked first, the KVM
			 * types are looked for through every vmlinux unit in vain: a
			 * third of a first command on 2,048 vCPUs).  A no-op when
			 * loaded; KT_ENODATA when KVM is built in. */
			uint64_t a;
			s->tried_module_load = true;
			kvm_present = kt_symbol(&s->reader, "vm_list", &a) == KT_OK;
			if (kvm_present)
				s->reader.ops->load_module_debuginfo(s->reader.ctx, "kvm", &e2);
		}
		kt_layout_resolve(&s->reader, &s->layout);
		if (kvm_present && !s->layout.have_kvm && need_kvm) {
			*err = e2;
			if (!err->msg[0])
				kt_err_set(err, KT_ENOENT, 0,
					   "kvm types not found: run 'mod -s kvm' (and kvm_amd or kvm_intel)");
			return err->status ? err->status : KT_ENOENT;
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
