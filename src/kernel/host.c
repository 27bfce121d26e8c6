// SPDX-License-Identifier: GPL-2.0-or-later
/* Loading a host's state: now, caps, fix status, VMs, hrtimers, in that order. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/host.h"

static void damage_vadd(struct kt_damage *d, bool append, enum kt_damage_kind kind,
			uint64_t addr, const char *fmt, va_list ap)
{
	size_t used = strlen(d->what);
	if (used && !append)
		return;
	if (!used) {
		d->kind = kind;
		d->addr = addr;
	} else {
		if (used + 3 >= sizeof(d->what))
			return;
		memcpy(d->what + used, "; ", 3);
		used += 2;
	}
	vsnprintf(d->what + used, sizeof(d->what) - used, fmt, ap);
}

void kt_damage_note(struct kt_damage *d, enum kt_damage_kind kind, uint64_t addr,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	damage_vadd(d, true, kind, addr, fmt, ap);
	va_end(ap);
}

static void damage_vset(struct kt_damage *d, enum kt_damage_kind kind, uint64_t addr,
			const char *fmt, va_list ap)
{
	d->kind = kind;
	d->addr = addr;
	vsnprintf(d->what, sizeof(d->what), fmt, ap);
}

void kt_damage_set(struct kt_damage *d, enum kt_damage_kind kind, uint64_t addr,
		   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	damage_vset(d, kind, addr, fmt, ap);
	va_end(ap);
}

void kt_damage_first(struct kt_damage *d, enum kt_damage_kind kind, uint64_t addr,
		     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	damage_vadd(d, false, kind, addr, fmt, ap);
	va_end(ap);
}

void kt_host_damage(struct kt_host *h, enum kt_damage_kind kind, uint64_t addr,
		    const char *fmt, ...)
{
	if (h->ndamage >= KT_MAX_DAMAGE)
		return;
	va_list ap;
	va_start(ap, fmt);
	damage_vset(&h->damage[h->ndamage++], kind, addr, fmt, ap);
	va_end(ap);
}

enum kt_status kt_host_load(struct kt_session *s, const struct kt_load_opts *o,
			    struct kt_host *h, struct kt_err *err)
{
	memset(h, 0, sizeof(*h));
	h->budget_left = KT_BUDGET_BYTES;
	if (o->have_now) {
		h->now.ns = o->now_ns;
		h->now.source = "user (-n)";
	}
	kt_load_now(s, h);
	if (o->vms || o->hrtimers) {
		kt_load_caps(s, h);
		kt_load_fix_status(s, h);	/* read once per session (fixstatus.c) */
	}
	if (o->vms) {
		enum kt_status st = kt_load_vms(s, h, err);
		if (st != KT_OK)
			return st;
		kt_host_tsc_floor(h);
	}
	if (o->hrtimers)
		kt_load_hrtimers(s, h, o->kvm_timers_only);
	kt_link_vcpu_hrtimers(h);
	return KT_OK;
}

bool kt_budget_take(struct kt_host *h, int64_t cost, const char *what)
{
	if (!h->budget_hit && h->budget_left >= cost) {
		h->budget_left -= cost;
		return true;
	}
	if (!h->budget_hit) {
		h->budget_hit = true;
		if (h->ndamage == KT_MAX_DAMAGE)	/* this one must be said */
			h->ndamage--;
		kt_host_damage(h, KT_DAMAGE_BOUND, 0,
			       "output budget of %lld MiB spent while reading %s: the rest was not "
			       "read (damaged lists or trees, or a host far beyond any real one)",
			       KT_BUDGET_BYTES >> 20, what);
	}
	return false;
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
