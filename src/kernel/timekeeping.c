// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `now` from the dump.  First choice is the timekeeper (kernel/time/timekeeping.c):
 * CLOCK_MONOTONIC at the last timekeeping update = tkr_mono.base +
 * (tkr_mono.xtime_nsec >> tkr_mono.shift), and tkr_mono.cycle_last is the TSC
 * then when the clocksource is "tsc".  It is coarse (the last tick, usually
 * < 1 jiffy old on a busy CPU) but, unlike crash's jiffies-based `timer -r`
 * CURRENT, it does not go stale.  jiffies and CRASHTIME are kept for display.
 */
#include <stdlib.h>
#include <string.h>
#include "kernel/host.h"

/* Address of the live struct timekeeper, with the name of where it was found. */
static uint64_t find_timekeeper(struct kt_session *s, const char **where)
{
	const struct kt_reader *r = &s->reader;
	const struct kt_layout *l = &s->layout;
	uint64_t a;

	/* v6.17+: tk_core is timekeeper_data[TIMEKEEPER_CORE] (index 0), struct tk_data. */
	if (kt_has(l->tk_data__timekeeper) && kt_symbol(r, "timekeeper_data", &a) == KT_OK) {
		*where = "timekeeper_data[0].timekeeper";
		return a + (uint64_t)l->tk_data__timekeeper.off;
	}
	/* Before: static struct { seqcount; struct timekeeper timekeeper; } tk_core,
	 * an anonymous type: ask for the member offset through the variable. */
	if (kt_symbol(r, "tk_core", &a) == KT_OK && r->ops->var_member_offset) {
		long off = r->ops->var_member_offset(r->ctx, "tk_core", "timekeeper");
		if (off >= 0) {
			*where = "tk_core.timekeeper";
			return a + (uint64_t)off;
		}
	}
	/* shadow_timekeeper equals tk_core.timekeeper after every update. */
	if (kt_symbol(r, "shadow_timekeeper", &a) == KT_OK) {
		*where = "shadow_timekeeper";
		return a;
	}
	return 0;
}

void kt_load_now(struct kt_session *s, struct kt_host *h)
{
	const struct kt_reader *r = &s->reader;
	const struct kt_layout *l = &s->layout;
	struct kt_now *n = &h->now;
	const char *where = NULL;
	uint64_t tk = find_timekeeper(s, &where);

	if (tk && l->sizeof_timekeeper > 0) {
		size_t sz = (size_t)l->sizeof_timekeeper;
		unsigned char *b = malloc(sz);
		if (b && kt_read(r, tk, b, sz) == KT_OK) {
			struct kt_field M = l->timekeeper__tkr_mono;
			int64_t base = kt_gets(b, sz, kt_nest(M, l->tk_read_base__base));
			uint64_t xnsec = kt_get(b, sz, kt_nest(M, l->tk_read_base__xtime_nsec));
			uint32_t shift = (uint32_t)kt_get(b, sz, kt_nest(M, l->tk_read_base__shift));
			uint64_t clock = kt_get(b, sz, kt_nest(M, l->tk_read_base__clock));
			int64_t mono;
			/* A damaged timekeeper must not overflow: then it is no source. */
			if (shift < 64 && (xnsec >> shift) <= INT64_MAX &&
			    !__builtin_add_overflow(base, (int64_t)(xnsec >> shift), &mono)) {
				n->timekeeper_ns = mono;
				n->timekeeper_where = where;
			}
			if (clock && kt_has(l->clocksource__name)) {
				uint64_t name = 0;
				if (kt_read_u64(r, clock + l->clocksource__name.off, &name) == KT_OK &&
				    kt_read(r, name, n->clocksource, sizeof(n->clocksource) - 1) != KT_OK)
					n->clocksource[0] = 0;
				n->clocksource[sizeof(n->clocksource) - 1] = 0;
			}
			if (!strcmp(n->clocksource, "tsc")) {
				n->host_tsc = kt_get(b, sz, kt_nest(M, l->tk_read_base__cycle_last));
				n->has_host_tsc = true;
			}
		}
		free(b);
	}

	/* jiffies: (jiffies_64 - INITIAL_JIFFIES) * tick_nsec; INITIAL_JIFFIES is
	 * (u32)(-300 * HZ), HZ = round(1e9 / tick_nsec). */
	uint64_t j64 = 0, addr;
	uint64_t tick_nsec = 0;
	if (kt_symbol(r, "jiffies_64", &addr) == KT_OK && kt_read_u64(r, addr, &j64) == KT_OK &&
	    kt_symbol(r, "tick_nsec", &addr) == KT_OK && kt_read_u64(r, addr, &tick_nsec) == KT_OK &&
	    tick_nsec > 0 && tick_nsec < 1000000000) {
		uint64_t hz = (1000000000 + tick_nsec / 2) / tick_nsec;
		uint64_t initial = (uint64_t)(uint32_t)(-(int64_t)(300 * hz));
		n->jiffies_ns = (int64_t)((j64 - initial) * tick_nsec);
	}

	char buf[64];
	if (r->ops->vmcoreinfo && r->ops->vmcoreinfo(r->ctx, "CRASHTIME", buf, sizeof(buf)) == KT_OK)
		n->crashtime_s = strtoll(buf, NULL, 10);

	if (n->source)	/* user override already set */
		return;
	if (n->timekeeper_ns > 0) {
		n->ns = n->timekeeper_ns;
		n->source = "timekeeper";
	} else if (n->jiffies_ns > 0) {
		n->ns = n->jiffies_ns;
		n->source = "jiffies";
	} else {
		n->source = "none";
	}
}
