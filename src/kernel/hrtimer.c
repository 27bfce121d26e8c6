// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every CPU's hrtimer bases: hrtimer_bases (per-CPU), each clock base's
 * timerqueue (an rbtree of struct hrtimer, walked in order = expiry order) and
 * its running timer.  The walk is bounded (depth, count) and cycle-safe; the
 * validator (parent links, order, base back-pointers, leftmost) is separate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/addrset.h"
#include "kernel/host.h"

#define KT_MAX_TIMERS_PER_BASE 65536
#define KT_MAX_RB_DEPTH 96
#define KT_MAX_CPUS 8192	/* x86_64 MAXSMP NR_CPUS */	/* an rbtree of 2^48 nodes is < 96 deep */

void kt_hrtimer_decode(struct kt_session *s, uint64_t addr, const void *b, size_t sz,
		       struct kt_hrtimer *t)
{
	const struct kt_layout *l = &s->layout;
	memset(t, 0, sizeof(*t));
	t->addr = addr;
	t->cpu = -1;
	t->clock_index = -1;
	t->expires_ns = kt_gets(b, sz, kt_nest(l->hrtimer__node, l->timerqueue_node__expires));
	t->softexpires_ns = kt_gets(b, sz, l->hrtimer___softexpires);
	t->function = kt_get(b, sz, l->hrtimer__function);
	t->base = kt_get(b, sz, l->hrtimer__base);
	t->state = (uint8_t)kt_get(b, sz, l->hrtimer__state);
	if (!kt_has(l->hrtimer__state))	/* is_queued: bool with the same meaning */
		t->state = (uint8_t)kt_get(b, sz, l->hrtimer__is_queued);
	t->has_is_hard = kt_has(l->hrtimer__is_hard);
	t->is_hard = kt_get(b, sz, l->hrtimer__is_hard) != 0;
	if (t->function)
		kt_function_name(s, t->function, t->function_name, sizeof(t->function_name));
}

static void read_hrtimer(struct kt_session *s, uint64_t addr, struct kt_hrtimer *t)
{
	unsigned char b[256];
	size_t sz = (size_t)s->layout.sizeof_hrtimer;

	if (sz > sizeof(b))
		sz = sizeof(b);
	if (kt_read(&s->reader, addr, b, sz) != KT_OK) {
		kt_hrtimer_decode(s, addr, b, 0, t);	/* nothing readable: all zero */
		return;
	}
	kt_hrtimer_decode(s, addr, b, sz, t);
}

/* rb_node -> struct hrtimer (hrtimer.node.node). */
static uint64_t node_to_hrtimer(const struct kt_layout *l, uint64_t node)
{
	return node - (uint64_t)l->hrtimer__node.off - (uint64_t)l->timerqueue_node__node.off;
}

struct rbn { uint64_t self, parent, left, right; };

/* struct rb_node is three words; offsets from debuginfo index a 3-word buffer,
 * so anything else (damaged or foreign debuginfo) must not be used. */
static bool rb_word_ok(struct kt_field f)
{
	return f.off >= 0 && f.off % 8 == 0 && f.off / 8 < 3;
}

static bool rb_layout_ok(const struct kt_layout *l)
{
	return rb_word_ok(l->rb_node____rb_parent_color) && rb_word_ok(l->rb_node__rb_right) &&
	       rb_word_ok(l->rb_node__rb_left);
}

static bool read_rbn(struct kt_session *s, uint64_t node, struct rbn *n)
{
	const struct kt_layout *l = &s->layout;
	uint64_t w[3];
	if (kt_read(&s->reader, node, w, sizeof(w)) != KT_OK)
		return false;
	n->self = node;
	n->parent = w[l->rb_node____rb_parent_color.off / 8] & ~3ULL;
	n->right = w[l->rb_node__rb_right.off / 8];
	n->left = w[l->rb_node__rb_left.off / 8];
	return true;
}

/* What the walk saw of one node, in order, for the validator. */
struct seen_node {
	uint64_t self, parent, expect_parent;	/* rb_node, its parent link, the node above */
	uint64_t hrtimer, hrtimer_base;
	int64_t expires_ns;
};

/* In-order walk of one timerqueue, bounded and cycle-safe: fills b->timers
 * (expiry order) and *seen (every node visited).  Only damage that stops the
 * walk is noted here; consistency is validate_rbtree's. */
static void walk_rbtree(struct kt_session *s, struct kt_host *h, struct kt_clock_base *b,
			uint64_t root, bool kvm_only, uint64_t apic_timer_fn,
			struct seen_node **seen, int *nseen)
{
	const struct kt_layout *l = &s->layout;
	struct rbn stack[KT_MAX_RB_DEPTH];
	uint64_t above[KT_MAX_RB_DEPTH];	/* the node above stack[i] */
	int sp = 0, cap = 0, scap = 0;
	uint64_t cur = root, expect_parent = 0;
	struct kt_addrset visited = { 0 };

	if (!rb_layout_ok(l)) {
		kt_damage_first(&b->damage, KT_DAMAGE_INCONSISTENT, b->addr,
				"struct rb_node offsets %ld/%ld/%ld from debuginfo are not its 3 words",
				l->rb_node____rb_parent_color.off, l->rb_node__rb_right.off,
				l->rb_node__rb_left.off);
		goto out;
	}
	for (;;) {
		while (cur) {
			if (!kt_budget_take(h, KT_COST_NODE, "hrtimer trees")) {
				kt_damage_first(&b->damage, KT_DAMAGE_BOUND, cur,
						"walk stopped at node 0x%llx: output budget spent",
						(unsigned long long)cur);
				goto out;
			}
			if (sp >= KT_MAX_RB_DEPTH) {
				kt_damage_first(&b->damage, KT_DAMAGE_BOUND, cur,
						"rbtree deeper than %d at node 0x%llx (cycle?)",
						KT_MAX_RB_DEPTH, (unsigned long long)cur);
				goto out;
			}
			if (!kt_addrset_add(&visited, cur)) {
				kt_damage_first(&b->damage, KT_DAMAGE_CYCLE, cur,
						"rbtree cycle: node 0x%llx reached twice",
						(unsigned long long)cur);
				goto out;
			}
			if (!read_rbn(s, cur, &stack[sp])) {
				kt_damage_first(&b->damage, KT_DAMAGE_UNREADABLE, cur,
						"rbtree node 0x%llx unreadable", (unsigned long long)cur);
				goto out;
			}
			above[sp] = expect_parent;
			expect_parent = cur;
			cur = stack[sp].left;
			sp++;
		}
		if (!sp)
			break;
		if (*nseen >= KT_MAX_TIMERS_PER_BASE) {
			kt_damage_first(&b->damage, KT_DAMAGE_BOUND, b->addr,
					"more than %d timers: walk stopped", KT_MAX_TIMERS_PER_BASE);
			break;
		}
		struct rbn n = stack[--sp];
		struct kt_hrtimer t;
		read_hrtimer(s, node_to_hrtimer(l, n.self), &t);
		if (*nseen == scap) {
			int ncap = scap ? scap * 2 : 16;
			struct seen_node *ns = realloc(*seen, (size_t)ncap * sizeof(*ns));
			if (!ns)
				goto out;
			*seen = ns;
			scap = ncap;
		}
		(*seen)[(*nseen)++] = (struct seen_node){ n.self, n.parent, above[sp], t.addr,
							  t.base, t.expires_ns };
		t.queued = true;
		t.clock_index = b->index;
		if (!kvm_only || (apic_timer_fn && t.function == apic_timer_fn) ||
		    strstr(t.function_name, "kvm") || strstr(t.function_name, "pit_timer")) {
			if (!kt_budget_take(h, KT_COST_HRTIMER, "hrtimers")) {
				kt_damage_first(&b->damage, KT_DAMAGE_BOUND, t.addr,
						"hrtimer 0x%llx and the rest not kept: output budget spent",
						(unsigned long long)t.addr);
				goto out;
			}
			if (b->ntimers == cap) {
				int ncap = cap ? cap * 2 : 16;
				struct kt_hrtimer *nt = realloc(b->timers, (size_t)ncap * sizeof(*nt));
				if (!nt)
					goto out;
				b->timers = nt;
				cap = ncap;
			}
			b->timers[b->ntimers++] = t;
		}
		cur = n.right;
		expect_parent = n.self;
	}
out:
	kt_addrset_free(&visited);
}

/* The timerqueue's invariants over what the walk saw: each node's parent link
 * names the node above it, the cached leftmost is the first node, expiries do
 * not go down, and each hrtimer's base is this clock base.  The first broken
 * one is noted (after any damage that stopped the walk). */
static void validate_rbtree(struct kt_clock_base *b, const struct seen_node *n, int count,
			    uint64_t leftmost)
{
	for (int i = 0; i < count; i++) {
		if (n[i].parent != n[i].expect_parent)
			kt_damage_first(&b->damage, KT_DAMAGE_INCONSISTENT, n[i].self,
					"rbtree node 0x%llx: parent 0x%llx, expected 0x%llx",
					(unsigned long long)n[i].self, (unsigned long long)n[i].parent,
					(unsigned long long)n[i].expect_parent);
		if (i == 0 && leftmost && leftmost != n[0].self)
			kt_damage_first(&b->damage, KT_DAMAGE_INCONSISTENT, n[0].self,
					"leftmost is 0x%llx but the first node is 0x%llx",
					(unsigned long long)leftmost, (unsigned long long)n[0].self);
		if (i && n[i].expires_ns < n[i - 1].expires_ns)
			kt_damage_first(&b->damage, KT_DAMAGE_INCONSISTENT, n[i].hrtimer,
					"hrtimer 0x%llx expires before its predecessor (tree order broken)",
					(unsigned long long)n[i].hrtimer);
		if (n[i].hrtimer_base && n[i].hrtimer_base != b->addr)
			kt_damage_first(&b->damage, KT_DAMAGE_INCONSISTENT, n[i].hrtimer,
					"hrtimer 0x%llx .base = 0x%llx, not this clock base",
					(unsigned long long)n[i].hrtimer,
					(unsigned long long)n[i].hrtimer_base);
	}
}

/* One clock base's timers: walk, then validate. */
static void walk_base(struct kt_session *s, struct kt_host *h, struct kt_clock_base *b,
		      uint64_t root, uint64_t leftmost, bool kvm_only, uint64_t apic_timer_fn)
{
	struct seen_node *seen = NULL;
	int nseen = 0;
	walk_rbtree(s, h, b, root, kvm_only, apic_timer_fn, &seen, &nseen);
	validate_rbtree(b, seen, nseen, leftmost);
	free(seen);
	if (b->damage.what[0])
		b->walk_truncated = true;
}

static bool bit_of(const unsigned char *buf, size_t len, long bit)
{
	if (bit < 0 || (size_t)(bit / 8) >= len)
		return false;
	return (buf[bit / 8] >> (bit % 8)) & 1;
}

static void load_cpu(struct kt_session *s, struct kt_host *h, struct kt_cpu_hrtimers *c,
		     uint64_t cpu_base,
		     bool kvm_only, uint64_t apic_timer_fn)
{
	const struct kt_layout *l = &s->layout;
	size_t sz = (size_t)l->sizeof_hrtimer_cpu_base;
	unsigned char *b = malloc(sz);

	c->cpu_base = cpu_base;
	if (!b)
		return;
	if (kt_read(&s->reader, cpu_base, b, sz) != KT_OK) {
		c->nbases = 0;
		free(b);
		return;
	}
	c->has_counters = kt_has(l->hrtimer_cpu_base__nr_events);
	c->nr_events = (uint32_t)kt_get(b, sz, l->hrtimer_cpu_base__nr_events);
	c->nr_retries = (uint32_t)kt_get(b, sz, l->hrtimer_cpu_base__nr_retries);
	c->nr_hangs = (uint32_t)kt_get(b, sz, l->hrtimer_cpu_base__nr_hangs);
	c->max_hang_time_ns = (uint32_t)kt_get(b, sz, l->hrtimer_cpu_base__max_hang_time);
	c->expires_next_ns = kt_gets(b, sz, l->hrtimer_cpu_base__expires_next);
	c->next_timer = kt_get(b, sz, l->hrtimer_cpu_base__next_timer);
	c->has_bits = l->in_hrtirq_bit >= 0;
	c->in_hrtirq = bit_of(b, sz, l->in_hrtirq_bit);
	c->hang_detected = bit_of(b, sz, l->hang_detected_bit);
	c->hres_active = bit_of(b, sz, l->hres_active_bit);

	long bsz = l->sizeof_hrtimer_clock_base;
	long nb = l->hrtimer_cpu_base__clock_base.size / (bsz > 0 ? bsz : 1);
	if (nb > KT_MAX_CLOCK_BASES)
		nb = KT_MAX_CLOCK_BASES;
	c->nbases = (int)nb;
	for (int i = 0; i < c->nbases; i++) {
		struct kt_clock_base *cb = &c->bases[i];
		long boff = l->hrtimer_cpu_base__clock_base.off + i * bsz;
		struct kt_field F;
		cb->addr = cpu_base + (uint64_t)boff;
		cb->index = i;
#define BF(m) (F = l->hrtimer_clock_base__##m, F.off = F.off >= 0 ? F.off + boff : -1, F)
		cb->clockid = (int)kt_gets(b, sz, BF(clockid));
		cb->running = kt_get(b, sz, BF(running));
		struct kt_field A = BF(active);
#undef BF
		uint64_t root, leftmost = 0;
		if (kt_has(l->timerqueue_head__rb_root)) {	/* v5.4+: rb_root_cached */
			struct kt_field R = kt_nest(A, l->timerqueue_head__rb_root);
			root = kt_get(b, sz, kt_nest(R, l->rb_root_cached__rb_root));
			leftmost = kt_get(b, sz, kt_nest(R, l->rb_root_cached__rb_leftmost));
		} else {	/* before: struct rb_root head; timerqueue_node *next */
			root = kt_get(b, sz, kt_nest(A, l->timerqueue_head__head));
			leftmost = kt_get(b, sz, kt_nest(A, l->timerqueue_head__next));
			if (leftmost)
				leftmost += (uint64_t)l->timerqueue_node__node.off;
		}
		walk_base(s, h, cb, root, leftmost, kvm_only, apic_timer_fn);
	}
	free(b);
}

void kt_load_hrtimers(struct kt_session *s, struct kt_host *h, bool kvm_only)
{
	const struct kt_reader *r = &s->reader;
	uint64_t bases, apic_timer_fn = 0;

	if (!s->layout.have_hrtimer || kt_symbol(r, "hrtimer_bases", &bases) != KT_OK) {
		kt_host_damage(h, KT_DAMAGE_MISSING, 0,
			       "hrtimer_bases or struct hrtimer types not found: hrtimers not walked");
		return;
	}
	kt_symbol(r, "apic_timer_fn", &apic_timer_fn);
	int n = r->ops->nr_cpus(r->ctx);
	if (n <= 0 || n > KT_MAX_CPUS) {
		kt_host_damage(h, KT_DAMAGE_BOUND, 0, "the reader gives %d CPUs: walking %d", n,
			       n <= 0 ? 1 : KT_MAX_CPUS);
		n = n <= 0 ? 1 : KT_MAX_CPUS;
	}
	/* Both readers bound the CPUs by __per_cpu_offset[NR_CPUS] (crash: by the
	 * CPUs present), so a damaged nr_cpu_ids would be clamped silently: say it
	 * when it is 0 or indexes beyond that array. */
	uint64_t a_nr, a_off, sym_off;
	uint32_t nr_ids;
	char sym[KT_SYM_LEN];
	if (kt_symbol(r, "nr_cpu_ids", &a_nr) == KT_OK && kt_read_u32(r, a_nr, &nr_ids) == KT_OK &&
	    kt_symbol(r, "__per_cpu_offset", &a_off) == KT_OK &&
	    (nr_ids == 0 || nr_ids > (1u << 20) ||
	     r->ops->symbol_name(r->ctx, a_off + 8ull * (nr_ids - 1), sym, sizeof(sym), &sym_off) != KT_OK ||
	     strcmp(sym, "__per_cpu_offset"))) {
		kt_host_damage(h, KT_DAMAGE_INCONSISTENT, a_nr,
			       "nr_cpu_ids = %u is not a CPU count of this kernel (beyond __per_cpu_offset[]): "
			       "walked the %d CPUs the reader has", nr_ids, n);
	}
	h->cpus = calloc((size_t)n, sizeof(*h->cpus));
	if (!h->cpus)
		return;
	for (int cpu = 0; cpu < n; cpu++) {
		uint64_t off;
		if (r->ops->percpu_offset(r->ctx, cpu, &off) != KT_OK)
			continue;
		struct kt_cpu_hrtimers *c = &h->cpus[h->ncpus++];
		c->cpu = cpu;
		load_cpu(s, h, c, bases + off, kvm_only, apic_timer_fn);
		for (int i = 0; i < c->nbases; i++) {
			struct kt_clock_base *b = &c->bases[i];
			for (int j = 0; j < b->ntimers; j++)
				b->timers[j].cpu = cpu;
			if (b->damage.what[0])
				kt_host_damage(h, KT_DAMAGE_INCONSISTENT, b->addr,
					       "CPU %d clock base %d: %s", cpu, i, b->damage.what);
		}
	}
}

/* Find each vCPU's lapic hrtimer among the queued and running timers:
 * one sorted index of every timer seen, one binary search per vCPU. */
struct where { uint64_t addr; int cpu, base; bool running; };

static int where_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct where *)a)->addr, y = ((const struct where *)b)->addr;
	return x < y ? -1 : x > y;
}

static int owner_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct kt_owner *)a)->hrtimer, y = ((const struct kt_owner *)b)->hrtimer;
	return x < y ? -1 : x > y;
}

const struct kt_vcpu *kt_hrtimer_owner(const struct kt_host *h, uint64_t hrtimer,
				       const struct kt_vm **vm)
{
	struct kt_owner key = { .hrtimer = hrtimer }, *o;
	if (!hrtimer || !h->owners ||
	    !(o = bsearch(&key, h->owners, (size_t)h->nowners, sizeof(key), owner_cmp)))
		return NULL;
	if (vm)
		*vm = &h->vms[o->vm];
	return &h->vms[o->vm].vcpus[o->vcpu];
}

void kt_link_vcpu_hrtimers(struct kt_host *h)
{
	size_t n = 0, k = 0;
	for (int c = 0; c < h->ncpus; c++)
		for (int i = 0; i < h->cpus[c].nbases; i++)
			n += (size_t)h->cpus[c].bases[i].ntimers + 1;
	struct where *w = calloc(n ? n : 1, sizeof(*w));
	if (!w)
		return;
	for (int c = 0; c < h->ncpus; c++)
		for (int i = 0; i < h->cpus[c].nbases; i++) {
			const struct kt_clock_base *b = &h->cpus[c].bases[i];
			if (b->running)
				w[k++] = (struct where){ b->running, h->cpus[c].cpu, i, true };
			for (int t = 0; t < b->ntimers; t++)
				w[k++] = (struct where){ b->timers[t].addr, h->cpus[c].cpu, i, false };
		}
	qsort(w, k, sizeof(*w), where_cmp);
	for (int i = 0; i < h->nvms; i++)
		for (int j = 0; j < h->vms[i].nvcpus; j++) {
			struct kt_hrtimer *hr = &h->vms[i].vcpus[j].timer.hrtimer;
			struct where key = { .addr = hr->addr }, *e;
			if (!hr->addr || !(e = bsearch(&key, w, k, sizeof(*w), where_cmp)))
				continue;
			/* Several entries may match (running and queued): visit them all. */
			while (e > w && e[-1].addr == hr->addr)
				e--;
			for (; e < w + k && e->addr == hr->addr; e++) {
				hr->cpu = e->cpu;
				hr->clock_index = e->base;
				if (e->running)
					hr->running = true;
				else
					hr->queued = true;
			}
		}
	free(w);
	kt_index_owners(h);
}

/* The owner index used by the renderers (kt_hrtimer_owner). */
void kt_index_owners(struct kt_host *h)
{
	int n_v = 0;
	free(h->owners);
	h->owners = NULL;
	h->nowners = 0;
	for (int i = 0; i < h->nvms; i++)
		n_v += h->vms[i].nvcpus;
	h->owners = calloc(n_v ? (size_t)n_v : 1, sizeof(*h->owners));
	if (!h->owners)
		return;
	for (int i = 0; i < h->nvms; i++)
		for (int j = 0; j < h->vms[i].nvcpus; j++)
			if (h->vms[i].vcpus[j].timer.hrtimer.addr)
				h->owners[h->nowners++] = (struct kt_owner){
					h->vms[i].vcpus[j].timer.hrtimer.addr, i, j };
	qsort(h->owners, (size_t)h->nowners, sizeof(*h->owners), owner_cmp);
}
