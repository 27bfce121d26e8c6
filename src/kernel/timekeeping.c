// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `now` from the dump.  First choice is the timekeeper (kernel/time/timekeeping.c):
 * CLOCK_MONOTONIC at the last timekeeping update = tkr_mono.base +
 * (tkr_mono.xtime_nsec >> tkr_mono.shift), and tkr_mono.cycle_last is the TSC
 * then when the clocksource is "tsc".  It is coarse (the last tick, usually
 * < 1 jiffy old on a busy CPU) but, unlike crash's jiffies-based `timer -r`
 * CURRENT, it does not go stale.  jiffies and CRASHTIME are kept for display.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/host.h"

/* Address of the live struct timekeeper, with the name of where it was found. */
static uint64_t find_timekeeper(struct kt_session *s, const char **where)
{
	const struct kt_reader *r = &s->reader;
	const struct kt_layout *l = &s->layout;
	uint64_t a;

	/* Before v6.17: static struct { seqcount; struct timekeeper timekeeper; }
	 * tk_core, an anonymous type: ask for the member offset through the
	 * variable.  (Tried first: looking for struct tk_data in a kernel without
	 * it costs a debuginfo reader a scan of every compile unit.) */
	if (kt_symbol(r, "tk_core", &a) == KT_OK && r->ops->var_member_offset) {
		long off = r->ops->var_member_offset(r->ctx, "tk_core", "timekeeper");
		if (off >= 0) {
			*where = "tk_core.timekeeper";
			return a + (uint64_t)off;
		}
	}
	/* v6.17+: tk_core is timekeeper_data[TIMEKEEPER_CORE] (index 0), struct tk_data. */
	if (kt_symbol(r, "timekeeper_data", &a) == KT_OK) {
		kt_layout_need(r, &s->layout, KT_LG_TK_DATA);
		if (kt_has(l->tk_data__timekeeper)) {
			*where = "timekeeper_data[0].timekeeper";
			return a + (uint64_t)l->tk_data__timekeeper.off;
		}
	}
	/* shadow_timekeeper equals tk_core.timekeeper after every update. */
	if (kt_symbol(r, "shadow_timekeeper", &a) == KT_OK) {
		*where = "shadow_timekeeper";
		return a;
	}
	return 0;
}

/*
 * The host TSC at now when the clocksource is not the TSC (hpet, acpi_pm: TSC
 * found unstable, common under nested virtualisation).  sched_clock keeps
 * using the TSC (native_sched_clock = cycles_2_ns(rdtsc()), arch/x86/kernel/
 * tsc.c), and with an unstable sched_clock every tick stamps, per CPU,
 * sched_clock_data.tick_raw = sched_clock() and .tick_gtod = ktime_get_ns()
 * at the same moment (kernel/sched/clock.c __scd_stamp).  Inverting tick_raw
 * through that CPU's cyc2ns (ns = offset + tsc * mul >> shift) gives the TSC
 * at tick_gtod; the latest CPU's is taken and carried to now with tsc_khz.
 * The error bound: the inversion (2^shift / mul cycles) plus 100 ppm of
 * tsc_khz over the carry.  Farther than 1 s from now (a stable sched_clock
 * stops stamping; a clock that jumped), the estimate is shown, not used.
 */
static void estimate_host_tsc(struct kt_session *s, struct kt_now *n)
{
	const struct kt_reader *r = &s->reader;
	const struct kt_layout *l = &s->layout;
	uint64_t scd, c2n, a;
	uint32_t khz = 0;
	kt_layout_need(r, &s->layout, KT_LG_HOST_TSC);
	if (!kt_has(l->sched_clock_data__tick_raw) || !kt_has(l->sched_clock_data__tick_gtod) ||
	    !kt_has(l->cyc2ns__data) || !kt_has(l->cyc2ns__seq) || l->sizeof_cyc2ns_data <= 0 ||
	    kt_symbol(r, "sched_clock_data", &scd) != KT_OK || kt_symbol(r, "cyc2ns", &c2n) != KT_OK) {
		snprintf(n->host_tsc_source, sizeof(n->host_tsc_source),
			 "unknown: clocksource %s, no sched_clock_data/cyc2ns to estimate it",
			 n->clocksource[0] ? n->clocksource : "?");
		return;
	}
	if (kt_symbol(r, "tsc_khz", &a) == KT_OK)
		kt_read_u32(r, a, &khz);
	int best = -1;
	uint64_t best_gtod = 0, best_tsc = 0, best_inv = 0;
	int ncpu = r->ops->nr_cpus(r->ctx);
	for (int cpu = 0; cpu < ncpu && cpu < 8192; cpu++) {
		uint64_t off, raw, gtod;
		uint32_t seq, mul, shift;
		uint64_t coff;
		if (r->ops->percpu_offset(r->ctx, cpu, &off) != KT_OK ||
		    kt_read_u64(r, scd + off + (uint64_t)l->sched_clock_data__tick_raw.off, &raw) != KT_OK ||
		    kt_read_u64(r, scd + off + (uint64_t)l->sched_clock_data__tick_gtod.off, &gtod) != KT_OK ||
		    kt_read_u32(r, c2n + off + (uint64_t)l->cyc2ns__seq.off, &seq) != KT_OK)
			continue;
		uint64_t d = c2n + off + (uint64_t)l->cyc2ns__data.off +
			     (uint64_t)(seq & 1) * (uint64_t)l->sizeof_cyc2ns_data;
		if (kt_read_u32(r, d + (uint64_t)l->cyc2ns_data__cyc2ns_mul.off, &mul) != KT_OK ||
		    kt_read_u32(r, d + (uint64_t)l->cyc2ns_data__cyc2ns_shift.off, &shift) != KT_OK ||
		    kt_read_u64(r, d + (uint64_t)l->cyc2ns_data__cyc2ns_offset.off, &coff) != KT_OK ||
		    !mul || shift > 63 || !gtod)
			continue;
		/* cyc2ns_offset is often "negative": the sum wraps as u64 in the kernel. */
		unsigned __int128 tsc = ((unsigned __int128)(raw - coff) << shift) / mul;
		if (tsc >> 64)
			continue;
		if (best < 0 || gtod > best_gtod) {
			best = cpu;
			best_gtod = gtod;
			best_tsc = (uint64_t)tsc;
			best_inv = ((1ULL << shift) + mul - 1) / mul + 1;
		}
	}
	if (best < 0) {
		snprintf(n->host_tsc_source, sizeof(n->host_tsc_source),
			 "unknown: clocksource %s, no CPU with sched_clock_data and cyc2ns",
			 n->clocksource[0] ? n->clocksource : "?");
		return;
	}
	int64_t now = n->ns ? n->ns : n->timekeeper_ns;
	int64_t gap = now - (int64_t)best_gtod;	/* ns from the stamp to now */
	uint64_t agap = gap < 0 ? (uint64_t)-gap : (uint64_t)gap;
	if (!khz || agap > 1000000000ULL) {
		snprintf(n->host_tsc_source, sizeof(n->host_tsc_source),
			 "unknown: clocksource %s; sched_clock_data of CPU %d says TSC %llu at %llu ns, %+.3f s from now%s",
			 n->clocksource[0] ? n->clocksource : "?", best, (unsigned long long)best_tsc,
			 (unsigned long long)best_gtod, gap / 1e9, khz ? ": too far to carry" : ", tsc_khz unknown");
		return;
	}
	uint64_t carry = (uint64_t)((unsigned __int128)agap * khz / 1000000);
	n->host_tsc = gap >= 0 ? best_tsc + carry : best_tsc - carry;
	n->host_tsc_err = best_inv + carry / 10000 + 1;	/* 100 ppm of the carry */
	n->has_host_tsc = true;
	snprintf(n->host_tsc_source, sizeof(n->host_tsc_source),
		 "estimated: sched_clock_data.tick_raw of CPU %d through cyc2ns (TSC %llu at %llu ns), carried %+lld ns at tsc_khz %u",
		 best, (unsigned long long)best_tsc, (unsigned long long)best_gtod, (long long)gap, khz);
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
				n->host_tsc_err = 0;
				snprintf(n->host_tsc_source, sizeof(n->host_tsc_source),
					 "tkr_mono.cycle_last (clocksource tsc)");
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

	if (!n->has_host_tsc)
		estimate_host_tsc(s, n);
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

void kt_host_tsc_floor(struct kt_host *h)
{
	h->now.host_tsc_floor = 0;
	for (int i = 0; i < h->nvms; i++)
		for (int j = 0; j < h->vms[i].nvcpus; j++)
			if (h->vms[i].vcpus[j].tsc.last_host_tsc > h->now.host_tsc_floor)
				h->now.host_tsc_floor = h->vms[i].vcpus[j].tsc.last_host_tsc;
}
