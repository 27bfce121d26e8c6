// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Does the dumped kvm.ko have the upstream fix?  Decided from independent
 * evidence, each item kept for the output (struct kt_fix_evidence):
 *
 *  expiry_source (code, decides): what apic_timer_fn() stores into its
 *    hrtimer's expiry.  9633f180ce99: hrtimer_set_expires(target_expiration),
 *    a value computed from kvm_timer.target_expiration.  Before it:
 *    hrtimer_add_expires_ns(period), the old expiry plus kvm_timer.period -
 *    positive evidence of the pre-fix code, not the mere absence of the fix.
 *  clamp (code, decides): 18ab3fc8e880 in advance_periodic_target_expiration()
 *    (standalone, a clone, or inlined into apic_timer_fn or
 *    kvm_lapic_expired_hv_timer): ktime_get()'s result compared with the
 *    advanced target before the target is used.
 *  warn (supports): 0ea9494be9c9, WARN_ON_ONCE(!period) in apic_timer_fn: a
 *    zero test of the period whose branch reaches a ud2 listed in __bug_table.
 *  release (supports): linux_banner against the stable releases that carry the
 *    series; distributions backport, so it never decides.
 *  livepatch (doubt): a loaded livepatch may replace the code read here.
 *
 * Both halves are needed: with the clamp alone apic_timer_fn still adds the
 * period to an expiry that is behind; with the copy alone the copied target is
 * behind.  So "fixed" needs both seen, "vulnerable" needs the add seen (or the
 * copy without ... never: a clamp the reader cannot see is not absent), and
 * anything else is "unknown" with the reasons.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/host.h"
#include "kernel/timercode.h"

#define KT_MAX_FN 4096

/* Length of the function at addr: where the symbol containing addr+off ends. */
static size_t function_len(struct kt_session *s, uint64_t addr, const char *name)
{
	size_t lo = 1, hi = KT_MAX_FN + 1;
	char buf[KT_SYM_LEN];
	uint64_t off;
	/* Binary search for the first offset that belongs to another symbol. */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->reader.ops->symbol_name(s->reader.ctx, addr + mid, buf, sizeof(buf), &off) ==
			    KT_OK && !strcmp(buf, name))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct fn {
	char name[KT_SYM_LEN];
	uint64_t addr;
	size_t len;
	unsigned char code[KT_MAX_FN];
};

static bool read_fn_at(struct kt_session *s, uint64_t addr, const char *name, struct fn *f)
{
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->addr = addr;
	f->len = function_len(s, addr, name);
	if (f->len > KT_MAX_FN)
		f->len = KT_MAX_FN;
	/* Read page-safely: shrink until readable. */
	while (f->len > 0 && kt_read(&s->reader, addr, f->code, f->len) != KT_OK)
		f->len /= 2;
	return f->len > 0;
}

static bool read_fn(struct kt_session *s, const char *name, struct fn *f)
{
	uint64_t addr;
	return kt_symbol(&s->reader, name, &addr) == KT_OK && read_fn_at(s, addr, name, f);
}

/* The function a direct call lands in.  With CONFIG_FUNCTION_PADDING (6.2+)
 * a call may land in the padding before it, __pfx_NAME (call-depth tracking
 * thunks), and kCFI puts __cfi_NAME there: both name the function NAME. */
static void namer(void *ctx, uint64_t addr, char *buf, size_t len)
{
	struct kt_session *s = ctx;
	uint64_t off;
	if (s->reader.ops->symbol_name(s->reader.ctx, addr, buf, len, &off) != KT_OK) {
		buf[0] = 0;
		return;
	}
	const char *pfx = !strncmp(buf, "__pfx_", 6) ? buf + 6 : !strncmp(buf, "__cfi_", 6) ? buf + 6 : NULL;
	if (pfx)
		memmove(buf, pfx, strlen(pfx) + 1);
	else if (off)
		buf[0] = 0;
}

static struct kt_fix_evidence *add_item(struct kt_host *h, const char *kind,
					enum kt_fix_weight w, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static struct kt_fix_evidence *add_item(struct kt_host *h, const char *kind,
					enum kt_fix_weight w, const char *where, const char *fmt, ...)
{
	if (h->nfix_items >= KT_MAX_FIX_EVIDENCE)
		return NULL;
	struct kt_fix_evidence *e = &h->fix_items[h->nfix_items++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->weight = w;
	snprintf(e->where, sizeof(e->where), "%s", where);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->seen, sizeof(e->seen), fmt, ap);
	va_end(ap);
	return e;
}

static void where_of(char *buf, size_t len, const struct fn *f, long off)
{
	snprintf(buf, len, "%.44s+0x%lx", f->name, off);
}

/* ---- bug table: is the ud2 at addr a WARN? --------------------------------- */

/* Scan n bug_entry records at table for one whose address is addr; flags out. */
static bool bug_table_has(struct kt_session *s, uint64_t table, uint64_t n, uint64_t addr,
			  unsigned *flags)
{
	const struct kt_layout *l = &s->layout;
	long esz = l->sizeof_bug_entry;
	bool rel = kt_has(l->bug_entry__bug_addr_disp);
	struct kt_field af = rel ? l->bug_entry__bug_addr_disp : l->bug_entry__bug_addr;
	if (esz <= 0 || esz > 64 || !kt_has(af) || n > 200000)
		return false;
	unsigned char buf[4096];
	uint64_t per = sizeof(buf) / (uint64_t)esz;
	for (uint64_t i = 0; i < n; i += per) {
		uint64_t cnt = n - i < per ? n - i : per;
		uint64_t base = table + i * (uint64_t)esz;
		if (kt_read(&s->reader, base, buf, (size_t)(cnt * (uint64_t)esz)) != KT_OK)
			return false;
		for (uint64_t k = 0; k < cnt; k++) {
			const unsigned char *e = buf + k * (uint64_t)esz;
			uint64_t a;
			if (rel) {	/* bug_addr_disp is relative to the field itself */
				int64_t d = kt_gets(e, (size_t)esz, af);
				a = base + k * (uint64_t)esz + (uint64_t)af.off + (uint64_t)d;
			} else {
				a = kt_get(e, (size_t)esz, af);
			}
			if (a == addr) {
				*flags = (unsigned)kt_get(e, (size_t)esz, l->bug_entry__flags);
				return true;
			}
		}
	}
	return false;
}

/* Walk the module list (bounded), calling fn for each; stops when fn returns true. */
static void for_each_module(struct kt_session *s,
			    bool (*fn)(struct kt_session *, uint64_t mod, const char *name, void *),
			    void *arg)
{
	const struct kt_layout *l = &s->layout;
	uint64_t head, next;
	if (!kt_has(l->module__list) || !kt_has(l->module__name) ||
	    kt_symbol(&s->reader, "modules", &head) != KT_OK ||
	    kt_read_u64(&s->reader, head, &next) != KT_OK)
		return;
	for (int k = 0; k < 4096 && next && next != head; k++) {
		uint64_t mod = next - (uint64_t)l->module__list.off;
		char name[64] = "";
		long nlen = l->module__name.size > 0 && l->module__name.size < 64 ? l->module__name.size : 56;
		if (kt_read(&s->reader, mod + (uint64_t)l->module__name.off, name, (size_t)nlen) != KT_OK)
			return;
		name[63] = 0;
		name[nlen < 64 ? nlen : 63] = 0;
		if (fn(s, mod, name, arg))
			return;
		if (kt_read_u64(&s->reader, next, &next) != KT_OK)
			return;
	}
}

struct bug_find { uint64_t addr; bool found; unsigned flags; char where[64]; };

static bool module_bug(struct kt_session *s, uint64_t mod, const char *name, void *arg)
{
	const struct kt_layout *l = &s->layout;
	struct bug_find *b = arg;
	uint64_t table;
	uint32_t n;
	if (!kt_has(l->module__bug_table) || !kt_has(l->module__num_bugs) ||
	    kt_read_u64(&s->reader, mod + (uint64_t)l->module__bug_table.off, &table) != KT_OK ||
	    kt_read_u32(&s->reader, mod + (uint64_t)l->module__num_bugs.off, &n) != KT_OK || !table)
		return false;
	if (bug_table_has(s, table, n, b->addr, &b->flags)) {
		b->found = true;
		snprintf(b->where, sizeof(b->where), "module %s bug_table", name);
		return true;
	}
	return false;
}

static bool find_bug_entry(struct kt_session *s, uint64_t addr, unsigned *flags,
			   char *where, size_t wlen)
{
	uint64_t start, stop;
	if (kt_symbol(&s->reader, "__start___bug_table", &start) == KT_OK &&
	    kt_symbol(&s->reader, "__stop___bug_table", &stop) == KT_OK && stop > start &&
	    s->layout.sizeof_bug_entry > 0 &&
	    bug_table_has(s, start, (stop - start) / (uint64_t)s->layout.sizeof_bug_entry, addr,
			  flags)) {
		snprintf(where, wlen, "__bug_table");
		return true;
	}
	struct bug_find b = { .addr = addr };
	for_each_module(s, module_bug, &b);
	if (b.found) {
		*flags = b.flags;
		snprintf(where, wlen, "%s", b.where);
	}
	return b.found;
}

/* ---- the release string -------------------------------------------------- */

/* First stable release of each series that carries the series (CVE-2025-71104). */
static const struct { int major, minor, sub; } stable_fixed[] = {
	{ 5, 10, 248 }, { 5, 15, 198 }, { 6, 1, 160 }, { 6, 6, 120 }, { 6, 12, 64 }, { 6, 18, 3 },
};

static bool parse_version(const char *p, int *a, int *b, int *c)
{
	*c = 0;
	return sscanf(p, "%d.%d.%d", a, b, c) >= 2;
}

static void release_evidence(struct kt_session *s, struct kt_host *h)
{
	uint64_t addr;
	char banner[320];
	if (kt_symbol(&s->reader, "linux_banner", &addr) != KT_OK ||
	    kt_read(&s->reader, addr, banner, sizeof(banner) - 1) != KT_OK) {
		add_item(h, "release", KT_FW_NEUTRAL, "linux_banner", "not readable");
		return;
	}
	banner[sizeof(banner) - 1] = 0;
	for (char *q = banner; *q; q++)	/* one line, printable */
		if (*q == '\n') {
			*q = 0;
			break;
		} else if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e) {
			*q = '?';
		}
	const char *rel = strstr(banner, "Linux version ");
	if (!rel) {
		add_item(h, "release", KT_FW_NEUTRAL, "linux_banner", "no \"Linux version\" in it");
		return;
	}
	rel += strlen("Linux version ");
	char release[64];
	snprintf(release, sizeof(release), "%.*s", (int)strcspn(rel, " "), rel);
	/* Debian's release is ABI-numbered (6.1.0-50-cloud-amd64); its upstream
	 * version is in the build string ("Debian 6.1.176-1"). */
	const char *ver = release, *how = "release";
	const char *deb = strstr(banner, " Debian ");
	int a, b, c;
	if (deb && parse_version(deb + 8, &a, &b, &c)) {
		ver = deb + 8;
		how = "Debian package version";
	}
	if (!parse_version(ver, &a, &b, &c)) {
		add_item(h, "release", KT_FW_NEUTRAL, "linux_banner", "release %s: no version number",
			 release);
		return;
	}
	/* The compiler, for the record (gcc vs clang builds differ in shape). */
	const char *cc = strstr(banner, "clang version") ? "clang" : strstr(banner, "gcc") ? "gcc" : "?";
	enum kt_fix_weight w = KT_FW_SUPPORTS_VULNERABLE;
	char why[96];
	if (a > 6 || (a == 6 && b >= 19)) {
		w = KT_FW_SUPPORTS_FIXED;
		snprintf(why, sizeof(why), "v6.19 and later have the series");
	} else {
		snprintf(why, sizeof(why), "no stable %d.%d release has the series", a, b);
		for (size_t i = 0; i < sizeof(stable_fixed) / sizeof(stable_fixed[0]); i++)
			if (stable_fixed[i].major == a && stable_fixed[i].minor == b) {
				w = c >= stable_fixed[i].sub ? KT_FW_SUPPORTS_FIXED : KT_FW_SUPPORTS_VULNERABLE;
				snprintf(why, sizeof(why), "%s %d.%d.%d, the first %d.%d stable with the series",
					 c >= stable_fixed[i].sub ? "at or after" : "before", a, b,
					 stable_fixed[i].sub, a, b);
			}
	}
	add_item(h, "release", w, "linux_banner", "%s (%s %d.%d.%d, built with %s): %s%s", release,
		 how, a, b, c, cc, why, "; supporting only: distributions backport");
}

/* ---- livepatch ----------------------------------------------------------- */

struct klp_count { int klp; char names[96]; };

static bool module_klp(struct kt_session *s, uint64_t mod, const char *name, void *arg)
{
	struct klp_count *k = arg;
	unsigned char flag = 0;
	bool is_klp = !strncmp(name, "livepatch", 9) || !strncmp(name, "klp", 3) ||
		      !strncmp(name, "kpatch", 6);
	if (kt_has(s->layout.module__klp) &&
	    kt_read(&s->reader, mod + (uint64_t)s->layout.module__klp.off, &flag, 1) == KT_OK && flag)
		is_klp = true;
	if (is_klp) {
		size_t used = strlen(k->names);
		if (used + strlen(name) + 2 < sizeof(k->names))
			snprintf(k->names + used, sizeof(k->names) - used, "%s%s", used ? "," : "", name);
		k->klp++;
	}
	return false;
}

/* True when a livepatch is loaded (the evidence item says which). */
static bool livepatch_evidence(struct kt_session *s, struct kt_host *h)
{
	uint64_t head, next;
	bool has_klp = kt_symbol(&s->reader, "klp_patches", &head) == KT_OK;
	int patches = 0;
	if (has_klp && kt_read_u64(&s->reader, head, &next) == KT_OK)
		for (; next && next != head && patches < 64; patches++)
			if (kt_read_u64(&s->reader, next, &next) != KT_OK)
				break;
	struct klp_count k = { 0, "" };
	for_each_module(s, module_klp, &k);
	if (patches || k.klp) {
		add_item(h, "livepatch", KT_FW_DOUBT, has_klp ? "klp_patches" : "modules",
			 "%d livepatch(es) on klp_patches, module(s) %s: the running apic_timer_fn may not be the code read here",
			 patches, k.names[0] ? k.names : "-");
		return true;
	}
	add_item(h, "livepatch", KT_FW_NEUTRAL, has_klp ? "klp_patches" : "modules",
		 has_klp ? "no livepatch loaded" : "kernel without CONFIG_LIVEPATCH; no livepatch module");
	return false;
}

/* ---- the code ------------------------------------------------------------ */

static bool fields_of(const struct kt_layout *l, struct kt_timer_fields *f)
{
	if (!kt_has(l->kvm_lapic__lapic_timer) || !kt_has(l->kvm_timer__timer) ||
	    !kt_has(l->kvm_timer__period) || !kt_has(l->kvm_timer__target_expiration) ||
	    !kt_has(l->hrtimer__node) || !kt_has(l->timerqueue_node__expires))
		return false;
	long L = l->kvm_lapic__lapic_timer.off;
	f->ktimer = L;
	f->timer = L + l->kvm_timer__timer.off;
	f->period = L + l->kvm_timer__period.off;
	f->target = L + l->kvm_timer__target_expiration.off;
	f->expires = f->timer + l->hrtimer__node.off + l->timerqueue_node__expires.off;
	f->softexpires = kt_has(l->hrtimer___softexpires) ? f->timer + l->hrtimer___softexpires.off : -1;
	f->vcpu_apic = kt_has(l->kvm_vcpu__arch) && kt_has(l->kvm_vcpu_arch__apic) ?
		l->kvm_vcpu__arch.off + l->kvm_vcpu_arch__apic.off : -1;
	return true;
}

static const char *advance_fn = "advance_periodic_target_expiration";

/* The clamp, wherever advance_periodic_target_expiration's code is.
 * Returns 1 seen, 0 advance code found without it, -1 no advance code found. */
static int clamp_evidence(struct kt_session *s, struct kt_host *h, const struct fn *timer_fn,
			  const struct kt_code_facts *tf, const struct kt_timer_fields *flds)
{
	struct fn *g = malloc(sizeof(*g));
	struct kt_code_facts gf;
	char where[64], name[KT_SYM_LEN];
	int result = -1;
	long adv_off = -1;
	char adv_where[64] = "";
	if (!g)
		return -1;
	/* Sites in order: callees of apic_timer_fn named advance_periodic_target_expiration*
	 * (clones included), the standalone symbol, apic_timer_fn itself (inlined),
	 * kvm_lapic_expired_hv_timer (the other caller). */
	struct { uint64_t addr; char name[KT_SYM_LEN]; enum kt_code_entry entry; } sites[KT_CODE_MAX + 3];
	int nsites = 0;
	for (int i = 0; i < tf->ncalls; i++) {
		namer(s, tf->calls[i], name, sizeof(name));
		if (!strncmp(name, advance_fn, strlen(advance_fn))) {
			sites[nsites].addr = tf->calls[i];
			snprintf(sites[nsites].name, sizeof(sites[nsites].name), "%s", name);
			sites[nsites++].entry = strcmp(name, advance_fn) ? KT_ENTRY_UNKNOWN : KT_ENTRY_LAPIC;
		}
	}
	uint64_t a;
	if (kt_symbol(&s->reader, advance_fn, &a) == KT_OK) {
		bool dup = false;
		for (int i = 0; i < nsites; i++)
			dup |= sites[i].addr == a;
		if (!dup) {
			sites[nsites].addr = a;
			snprintf(sites[nsites].name, sizeof(sites[nsites].name), "%s", advance_fn);
			sites[nsites++].entry = KT_ENTRY_LAPIC;
		}
	}
	for (int i = 0; i < nsites && result != 1; i++) {
		if (!read_fn_at(s, sites[i].addr, sites[i].name, g))
			continue;
		kt_code_scan(g->code, g->len, g->addr, sites[i].entry, flds, namer, s, &gf);
		if (gf.target_advance < 0)
			continue;
		if (gf.clamp >= 0) {
			where_of(where, sizeof(where), g, gf.clamp);
			add_item(h, "clamp", KT_FW_FIXED, where,
				 "ktime_get() (call at +0x%lx) compared with the advanced target_expiration before it is stored (+0x%lx): the clamp to now (18ab3fc8e880)",
				 gf.ktime_call, gf.target_advance);
			result = 1;
		} else if (adv_off < 0) {
			adv_off = gf.target_advance;
			where_of(adv_where, sizeof(adv_where), g, gf.target_advance);
			result = 0;
		}
	}
	/* Inlined into apic_timer_fn or kvm_lapic_expired_hv_timer. */
	if (result != 1 && tf->target_advance >= 0) {
		if (tf->clamp >= 0) {
			where_of(where, sizeof(where), timer_fn, tf->clamp);
			add_item(h, "clamp", KT_FW_FIXED, where,
				 "inlined advance_periodic_target_expiration: ktime_get() compared with the advanced target_expiration (18ab3fc8e880)");
			result = 1;
		} else if (adv_off < 0) {
			adv_off = tf->target_advance;
			where_of(adv_where, sizeof(adv_where), timer_fn, tf->target_advance);
			result = 0;
		}
	}
	if (result != 1 && read_fn(s, "kvm_lapic_expired_hv_timer", g)) {
		kt_code_scan(g->code, g->len, g->addr, KT_ENTRY_VCPU, flds, namer, s, &gf);
		if (gf.target_advance >= 0 && gf.clamp >= 0) {
			where_of(where, sizeof(where), g, gf.clamp);
			add_item(h, "clamp", KT_FW_FIXED, where,
				 "inlined advance_periodic_target_expiration: ktime_get() compared with the advanced target_expiration (18ab3fc8e880)");
			result = 1;
		}
	}
	if (result == 0)
		add_item(h, "clamp", KT_FW_SUPPORTS_VULNERABLE, adv_where,
			 "target_expiration += period stored with no compare against ktime_get() before it (no 18ab3fc8e880 clamp seen)");
	else if (result < 0)
		add_item(h, "clamp", KT_FW_NEUTRAL, advance_fn,
			 "the code that advances target_expiration was not found (not called from apic_timer_fn, not inlined there)");
	free(g);
	return result;
}

static void warn_evidence(struct kt_session *s, struct kt_host *h, const struct fn *f,
			  const struct kt_code_facts *tf)
{
	char where[64];
	uint64_t ud = 0;
	bool found = false;
	for (int i = 0; i < tf->nzero_branch && !found; i++) {
		uint64_t t = tf->zero_branch[i];
		for (int k = 0; k < tf->nud && !found; k++)
			if (tf->ud[k] >= t && tf->ud[k] < t + 12) {
				ud = tf->ud[k];
				found = true;
			}
		if (!found && (t < f->addr || t >= f->addr + f->len)) {	/* .cold part */
			unsigned char code[32];
			if (kt_read(&s->reader, t, code, sizeof(code)) == KT_OK &&
			    kt_code_starts_with_ud(code, sizeof(code), t, &ud))
				found = true;
		}
	}
	if (!found) {
		add_item(h, "warn", KT_FW_NEUTRAL, f->name,
			 tf->period_zero_test >= 0 ?
			 "the period is tested for zero but no ud2 follows: no WARN_ON_ONCE(!period) (0ea9494be9c9)" :
			 "no zero test of the period: no WARN_ON_ONCE(!period) (0ea9494be9c9; vendors may leave it out)");
		return;
	}
	char sym[KT_SYM_LEN], bwhere[64];
	uint64_t off = 0;
	unsigned flags = 0;
	if (s->reader.ops->symbol_name(s->reader.ctx, ud, sym, sizeof(sym), &off) != KT_OK)
		snprintf(sym, sizeof(sym), "?");
	snprintf(where, sizeof(where), "%.44s+0x%llx", sym, (unsigned long long)off);
	if (find_bug_entry(s, ud, &flags, bwhere, sizeof(bwhere)))
		add_item(h, "warn", KT_FW_SUPPORTS_FIXED, where,
			 "ud2 reached when the period is zero, listed in %s with flags 0x%x (%s): WARN_ON_ONCE(!period) of 0ea9494be9c9",
			 bwhere, flags, (flags & 1) ? "warning" : "BUG");
	else
		add_item(h, "warn", KT_FW_SUPPORTS_FIXED, where,
			 "ud2 reached when the period is zero (no __bug_table entry found for it): WARN_ON_ONCE(!period) of 0ea9494be9c9?");
}

static void summarize(struct kt_host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void summarize(struct kt_host *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->fix_evidence, sizeof(h->fix_evidence), fmt, ap);
	va_end(ap);
}

static void read_fix_status(struct kt_session *s, struct kt_host *h)
{
	struct kt_timer_fields flds;
	h->fix = KT_FIX_UNKNOWN;
	h->nfix_items = 0;
	if (!fields_of(&s->layout, &flds)) {
		summarize(h, "kvm_timer/hrtimer layout unknown (no kvm debuginfo)");
		return;
	}
	struct fn *f = malloc(sizeof(*f));
	if (!f) {
		summarize(h, "out of memory");
		return;
	}
	if (!read_fn(s, "apic_timer_fn", f)) {
		summarize(h, "apic_timer_fn not found or unreadable in the dump");
		release_evidence(s, h);
		free(f);
		return;
	}
	struct kt_code_facts tf;
	char where[64];
	kt_code_scan(f->code, f->len, f->addr, KT_ENTRY_HRTIMER, &flds, namer, s, &tf);

	/* 1. The expiry source (9633f180ce99). */
	int expiry = 0;	/* 1 copy, -1 add, 0 neither, 2 both */
	if (tf.expiry_copy >= 0 && tf.expiry_add < 0) {
		expiry = 1;
		where_of(where, sizeof(where), f, tf.expiry_copy);
		add_item(h, "expiry_source", KT_FW_FIXED, where,
			 "the hrtimer expiry is set from target_expiration (%d store(s)): hrtimer_set_expires(target_expiration) of 9633f180ce99",
			 tf.nexpiry_copy);
	} else if (tf.expiry_add >= 0 && tf.expiry_copy < 0) {
		expiry = -1;
		where_of(where, sizeof(where), f, tf.expiry_add);
		add_item(h, "expiry_source", KT_FW_VULNERABLE, where,
			 "the hrtimer expiry is its old value plus kvm_timer.period (%d store(s)): hrtimer_add_expires_ns(period), before 9633f180ce99",
			 tf.nexpiry_add);
	} else if (tf.expiry_add >= 0) {
		expiry = 2;
		where_of(where, sizeof(where), f, tf.expiry_add);
		add_item(h, "expiry_source", KT_FW_NEUTRAL, where,
			 "both shapes: a copy of target_expiration (+0x%lx) and an add of the period: cannot tell",
			 tf.expiry_copy);
	} else {
		add_item(h, "expiry_source", KT_FW_NEUTRAL, f->name,
			 "no store into the hrtimer expiry recognised in %zu of %zu bytes",
			 tf.decoded, f->len);
	}
	/* 2. The clamp (18ab3fc8e880). */
	int clamp = clamp_evidence(s, h, f, &tf, &flds);
	/* 3. WARN_ON_ONCE(!period) (0ea9494be9c9). */
	warn_evidence(s, h, f, &tf);
	/* 4. Release, 5. livepatch. */
	release_evidence(s, h);
	bool klp = livepatch_evidence(s, h);
	free(f);

	if (expiry == 1 && clamp == 1) {
		h->fix = KT_FIX_FIXED;
		summarize(h, "apic_timer_fn sets the hrtimer expiry from target_expiration (9633f180ce99) and the target is clamped to now (18ab3fc8e880)");
	} else if (expiry == -1) {
		h->fix = KT_FIX_VULNERABLE;
		summarize(h, "apic_timer_fn adds the period to the hrtimer expiry (pre-9633f180ce99)%s",
			  clamp == 1 ? "; the clamp (18ab3fc8e880) alone does not stop the sw hrtimer's catch-up" :
			  clamp == 0 ? "; no clamp in the code that advances the target" : "");
	} else if (expiry == 1) {
		summarize(h, "apic_timer_fn copies target_expiration (9633f180ce99) but the clamp (18ab3fc8e880) was %s",
			  clamp == 0 ? "not seen where the target is advanced" : "not found");
	} else {
		summarize(h, "%s", expiry == 2 ? "apic_timer_fn shows both the pre-fix and the fixed expiry"
			  : "apic_timer_fn shows neither the pre-fix nor the fixed expiry source");
	}
	if (klp && h->fix == KT_FIX_VULNERABLE) {
		h->fix = KT_FIX_UNKNOWN;
		char was[sizeof(h->fix_evidence)];
		memcpy(was, h->fix_evidence, sizeof(was));
		summarize(h, "a livepatch is loaded; the dumped code says: %.150s", was);
	}
}

/* What the session keeps of it: the code does not change within a dump. */
struct fix_cache {
	enum kt_fix_status fix;
	char summary[sizeof(((struct kt_host *)0)->fix_evidence)];
	struct kt_fix_evidence items[KT_MAX_FIX_EVIDENCE];
	int nitems;
};

void kt_load_fix_status(struct kt_session *s, struct kt_host *h)
{
	struct fix_cache *c = s->fix_cache;
	if (!c) {
		read_fix_status(s, h);
		if (!s->resolved)	/* cache only with the KVM layout complete */
			return;
		c = s->fix_cache = malloc(sizeof(*c));
		if (!c)
			return;
		c->fix = h->fix;
		memcpy(c->summary, h->fix_evidence, sizeof(c->summary));
		memcpy(c->items, h->fix_items, sizeof(c->items));
		c->nitems = h->nfix_items;
		return;
	}
	h->fix = c->fix;
	memcpy(h->fix_evidence, c->summary, sizeof(h->fix_evidence));
	memcpy(h->fix_items, c->items, sizeof(h->fix_items));
	h->nfix_items = c->nitems;
}
