// SPDX-License-Identifier: GPL-2.0-or-later
/* Snapshot replay reader (see snapshot.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "snapline.h"
#include "snapshot.h"

#define GROW(arr, n) do { \
	arr = realloc(arr, ((n) + 1) * sizeof(*(arr))); \
	if (!(arr)) abort(); \
} while (0)

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

static int cmp_region(const void *a, const void *b)
{
	const struct snap_region *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_symname(const void *a, const void *b)
{
	const struct snap_symname *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Same key seen twice (a recorder line repeated): keep one. */
static struct snap_layout *find_layout(struct snapshot *s, enum snap_kind k, const char *a,
				       const char *b)
{
	for (size_t i = 0; i < s->nlayout; i++) {
		struct snap_layout *l = &s->layout[i];
		if (l->kind == k && !strcmp(l->a, a) && (!b || !strcmp(l->b, b)))
			return l;
	}
	return NULL;
}

static void add_layout(struct snapshot *s, enum snap_kind k, const char *a, const char *b, long v)
{
	if (find_layout(s, k, a, b))
		return;
	GROW(s->layout, s->nlayout);
	struct snap_layout *l = &s->layout[s->nlayout++];
	l->kind = k;
	l->a = strdup(a);
	l->b = strdup(b ? b : "");
	l->orig = l->value = v;
}

/* Split line into at most max space-separated words (in place); their count. */
static int words(char *line, char **w, int max)
{
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(line, " ", &save); t && n < max; t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	return n;
}

static char *text(const char *w)
{
	char buf[1024];
	return strdup(snapline_get(w, buf, sizeof(buf)));
}

static struct snap_dwarf *find_dwarf(struct snap_dwarf *t, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].key, key))
			return &t[i];
	return NULL;
}

/* A dvars or dunwind line: its question and the answer's status; NULL when
 * the question was seen before (the first answer holds) or the line is bad. */
static struct snap_dwarf *add_dwarf(struct snap_dwarf **t, size_t *n, char **w, int nw, int need)
{
	char key[8192];
	if (nw < need)
		return NULL;
	snprintf(key, sizeof(key), "%s %s %s %s", w[1], w[2], w[3], w[4]);
	if (find_dwarf(*t, *n, key))
		return NULL;
	GROW(*t, *n);
	struct snap_dwarf *d = &(*t)[(*n)++];
	memset(d, 0, sizeof(*d));
	d->key = strdup(key);
	d->st = atoi(w[5]);
	d->err_addr = strtoull(w[6], NULL, 16);
	d->msg = text(w[7]);
	return d;
}

/* kvmregs' answers (snapshot.h); 0, or -1 for a line of none of these kinds. */
static int load_regs_line(struct snapshot *s, char *line, struct snap_dwarf **cur)
{
	char *w[20];
	int nw = words(line, w, 20);
	if (!nw)
		return -1;
	if (!strcmp(w[0], "prstatus") && nw == 6) {
		int cpu = atoi(w[1]);
		for (size_t i = 0; i < s->nprstatus; i++)
			if (s->prstatus[i].cpu == cpu)
				return 0;
		GROW(s->prstatus, s->nprstatus);
		struct snap_prstatus *p = &s->prstatus[s->nprstatus++];
		memset(p, 0, sizeof(*p));
		p->cpu = cpu;
		p->st = atoi(w[2]);
		p->got = strtoull(w[3], NULL, 10);
		if (strcmp(w[4], "-")) {
			p->len = strlen(w[4]) / 2;
			p->bytes = malloc(p->len ? p->len : 1);
			for (size_t i = 0; i < p->len; i++)
				p->bytes[i] = (unsigned char)(hexval(w[4][2 * i]) << 4 | hexval(w[4][2 * i + 1]));
		}
		p->msg = text(w[5]);
		return 0;
	}
	if (!strcmp(w[0], "dpath") && nw == 3) {
		uint64_t addr = strtoull(w[1], NULL, 16);
		for (size_t i = 0; i < s->ndpaths; i++)
			if (s->dpaths[i].addr == addr)
				return 0;
		GROW(s->dpaths, s->ndpaths);
		s->dpaths[s->ndpaths].addr = addr;
		s->dpaths[s->ndpaths++].name = strcmp(w[2], "-") ? text(w[2]) : NULL;
		return 0;
	}
	if (!strcmp(w[0], "dvars")) {
		*cur = add_dwarf(&s->dvars, &s->ndvars, w, nw, 10);
		if (*cur)
			(*cur)->chain = text(w[9]);
		return 0;
	}
	if (!strcmp(w[0], "dvar") && nw == 16) {
		struct snap_dwarf *d = *cur;
		if (!d)
			return 0;	/* a repeated question's variables */
		GROW(d->vars, (size_t)d->nvars);
		struct kt_var *v = &d->vars[d->nvars++];
		memset(v, 0, sizeof(*v));
		snapline_get(w[1], v->name, sizeof(v->name));
		snapline_get(w[2], v->scope, sizeof(v->scope));
		v->inlined = atoi(w[3]);
		v->param = atoi(w[4]);
		snapline_get(w[5], v->type, sizeof(v->type));
		v->byte_size = (unsigned)atoi(w[6]);
		v->is_signed = atoi(w[7]);
		v->is_pointer = atoi(w[8]);
		v->kind = (enum kt_var_kind)atoi(w[9]);
		snapline_get(w[10], v->where, sizeof(v->where));
		v->reg = atoi(w[11]);
		v->addr = strtoull(w[12], NULL, 16);
		v->value = strtoull(w[13], NULL, 16);
		v->has_value = atoi(w[14]);
		v->frame = (unsigned)atoi(w[15]);
		return 0;
	}
	if (!strcmp(w[0], "dunwind")) {
		struct snap_dwarf *d = add_dwarf(&s->dunwinds, &s->ndunwinds, w, nw, 12);
		if (d) {
			snapline_get_regs(w[8], &d->caller);
			d->caller.source = (enum kt_regs_source)atoi(w[9]);
			d->caller.where = strtoull(w[10], NULL, 16);
			d->caller.pid = atoi(w[11]);
		}
		*cur = NULL;
		return 0;
	}
	return -1;
}

int snap_load(struct snapshot *s, const char *path)
{
	memset(s, 0, sizeof(*s));
	gzFile gz = gzopen(path, "rb");
	if (!gz) {
		fprintf(stderr, "snapshot: cannot open %s\n", path);
		return -1;
	}
	size_t cap = 1 << 20;
	char *line = malloc(cap);
	char a[256], b[256], c[256];
	struct snap_dwarf *cur = NULL;	/* the dvars line the dvar lines belong to */
	while (gzgets(gz, line, (int)cap)) {
		size_t n = strlen(line);
		while (n == cap - 1 && line[n - 1] != '\n') {	/* long mem line */
			cap *= 2;
			line = realloc(line, cap);
			if (!gzgets(gz, line + n, (int)(cap - n)))
				break;
			n = strlen(line);
		}
		if (n && line[n - 1] == '\n')
			line[--n] = 0;
		long v;
		unsigned long long u, w;
		int cpu;
		if (line[0] == '#' || !line[0])
			continue;
		if (!strncmp(line, "prstatus ", 9) || !strncmp(line, "dpath ", 6) ||
		    !strncmp(line, "dvar", 4) || !strncmp(line, "dunwind ", 8)) {
			load_regs_line(s, line, &cur);
			continue;
		}
		cur = NULL;
		if (!strncmp(line, "mem ", 4)) {
			char *sp = strchr(line + 4, ' ');
			if (!sp)
				continue;
			GROW(s->regions, s->nregions);
			struct snap_region *r = &s->regions[s->nregions++];
			memset(r, 0, sizeof(*r));
			r->addr = strtoull(line + 4, NULL, 16);
			r->len = strlen(sp + 1) / 2;
			r->orig = malloc(r->len);
			r->bytes = malloc(r->len);
			for (size_t i = 0; i < r->len; i++)
				r->orig[i] = (unsigned char)(hexval(sp[1 + 2 * i]) << 4 | hexval(sp[2 + 2 * i]));
			memcpy(r->bytes, r->orig, r->len);
		} else if (!strncmp(line, "sym ", 4) && sscanf(line, "sym %255s %255s", a, b) == 2) {
			int found = 0;
			for (size_t i = 0; i < s->nsyms; i++)
				found |= !strcmp(s->syms[i].name, a);
			if (found)
				continue;
			GROW(s->syms, s->nsyms);
			struct snap_sym *y = &s->syms[s->nsyms++];
			y->name = strdup(a);
			y->orig_ok = y->ok = strcmp(b, "-") != 0;
			y->orig = y->addr = y->ok ? strtoull(b, NULL, 16) : 0;
		} else if (sscanf(line, "symname %llx %255s", &u, a) == 2) {
			w = 0;
			int ok = strcmp(a, "-") != 0;
			if (ok && sscanf(line, "symname %*x %*s %llx", &w) != 1)
				continue;
			int found = 0;
			for (size_t i = 0; i < s->nsymnames; i++)
				found |= s->symnames[i].addr == u;
			if (!found) {
				GROW(s->symnames, s->nsymnames);
				s->symnames[s->nsymnames].addr = u;
				s->symnames[s->nsymnames].off = w;
				s->symnames[s->nsymnames++].name = ok ? strdup(a) : NULL;
			}
			found = !ok;
			for (size_t i = 0; i < s->nstarts; i++)
				found |= s->starts[i].addr == u - w;
			if (!found) {
				GROW(s->starts, s->nstarts);
				s->starts[s->nstarts].addr = u - w;
				s->starts[s->nstarts].off = 0;
				s->starts[s->nstarts++].name = strdup(a);
			}
		} else if (sscanf(line, "moff %255s %255s %ld", a, b, &v) == 3) {
			add_layout(s, SK_MOFF, a, b, v);
		} else if (sscanf(line, "msize %255s %255s %ld", a, b, &v) == 3) {
			add_layout(s, SK_MSIZE, a, b, v);
		} else if (sscanf(line, "mbit %255s %255s %ld", a, b, &v) == 3) {
			add_layout(s, SK_MBIT, a, b, v);
		} else if (sscanf(line, "varoff %255s %255s %ld", a, b, &v) == 3) {
			add_layout(s, SK_VAROFF, a, b, v);
		} else if (sscanf(line, "tsize %255s %ld", a, &v) == 2) {
			add_layout(s, SK_TSIZE, a, NULL, v);
		} else if (sscanf(line, "cpus %d", &cpu) == 1) {
			s->nr_cpus = cpu;
		} else if (sscanf(line, "percpu %d %llx", &cpu, &u) == 2) {
			if (cpu >= 0 && cpu < 512) {
				s->percpu[cpu] = u;
				s->percpu_ok[cpu] = 1;
			}
		} else if (sscanf(line, "info %255s %255s", a, c) == 2) {
			GROW(s->info, s->ninfo);
			s->info[s->ninfo].key = strdup(a);
			s->info[s->ninfo++].value = strdup(c);
		} else if (sscanf(line, "target %31s", a) == 1) {
			snprintf(s->target, sizeof(s->target), "%.31s", a);
		}
	}
	free(line);
	gzclose(gz);
	if (s->nregions)
		qsort(s->regions, s->nregions, sizeof(*s->regions), cmp_region);
	if (s->nsymnames)
		qsort(s->symnames, s->nsymnames, sizeof(*s->symnames), cmp_symname);
	if (s->nstarts)
		qsort(s->starts, s->nstarts, sizeof(*s->starts), cmp_symname);
	if (!s->nregions || !s->nlayout) {
		fprintf(stderr, "snapshot: %s holds no memory or no layout\n", path);
		return -1;
	}
	return 0;
}

void snap_free(struct snapshot *s)
{
	for (size_t i = 0; i < s->nregions; i++) {
		free(s->regions[i].orig);
		free(s->regions[i].bytes);
	}
	for (size_t i = 0; i < s->nlayout; i++) {
		free(s->layout[i].a);
		free(s->layout[i].b);
	}
	for (size_t i = 0; i < s->nsyms; i++)
		free(s->syms[i].name);
	for (size_t i = 0; i < s->nsymnames; i++)
		free(s->symnames[i].name);
	for (size_t i = 0; i < s->nstarts; i++)
		free(s->starts[i].name);
	for (size_t i = 0; i < s->ninfo; i++) {
		free(s->info[i].key);
		free(s->info[i].value);
	}
	for (size_t i = 0; i < s->nprstatus; i++) {
		free(s->prstatus[i].bytes);
		free(s->prstatus[i].msg);
	}
	for (size_t i = 0; i < s->ndpaths; i++)
		free(s->dpaths[i].name);
	for (int k = 0; k < 2; k++) {
		struct snap_dwarf *t = k ? s->dunwinds : s->dvars;
		size_t n = k ? s->ndunwinds : s->ndvars;
		for (size_t i = 0; i < n; i++) {
			free(t[i].key);
			free(t[i].msg);
			free(t[i].chain);
			free(t[i].vars);
		}
	}
	free(s->prstatus);
	free(s->dpaths);
	free(s->dvars);
	free(s->dunwinds);
	free(s->regions);
	free(s->layout);
	free(s->syms);
	free(s->symnames);
	free(s->starts);
	free(s->info);
	memset(s, 0, sizeof(*s));
}

void snap_reset(struct snapshot *s)
{
	for (size_t i = 0; i < s->nregions; i++) {
		memcpy(s->regions[i].bytes, s->regions[i].orig, s->regions[i].len);
		s->regions[i].hole_len = 0;
	}
	for (size_t i = 0; i < s->nlayout; i++)
		s->layout[i].value = s->layout[i].orig;
	for (size_t i = 0; i < s->nsyms; i++) {
		s->syms[i].addr = s->syms[i].orig;
		s->syms[i].ok = s->syms[i].orig_ok;
	}
}

/* The region holding [addr, addr + len), or NULL. */
static struct snap_region *region_at(struct snapshot *s, uint64_t addr, size_t len)
{
	size_t lo = 0, hi = s->nregions;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->regions[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	struct snap_region *r = &s->regions[lo - 1];
	if (addr - r->addr > r->len || len > r->len - (addr - r->addr))
		return NULL;
	return r;
}

static enum kt_status sn_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct snapshot *s = ctx;
	if (!len)
		return KT_OK;
	if (addr + len < addr)
		return KT_EFAULT;
	struct snap_region *r = region_at(s, addr, len);
	if (!r)
		return KT_EFAULT;
	size_t off = addr - r->addr;
	if (r->hole_len && off < r->hole_off + r->hole_len && r->hole_off < off + len)
		return KT_EFAULT;
	memcpy(buf, r->bytes + off, len);
	return KT_OK;
}

static enum kt_status sn_symbol(void *ctx, const char *name, uint64_t *addr)
{
	struct snapshot *s = ctx;
	for (size_t i = 0; i < s->nsyms; i++)
		if (!strcmp(s->syms[i].name, name)) {
			if (!s->syms[i].ok)
				return KT_ENOENT;
			*addr = s->syms[i].addr;
			return KT_OK;
		}
	return KT_ENOENT;
}

/* Last entry of a sorted table at or below addr, or NULL. */
static const struct snap_symname *floor_entry(const struct snap_symname *t, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (t[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &t[lo - 1] : NULL;
}

/* The recorded answer for addr; for an address never asked, the nearest
 * symbol start at or below it within 64 KiB. */
static enum kt_status sn_symbol_name(void *ctx, uint64_t addr, char *buf, size_t len,
				     uint64_t *off)
{
	struct snapshot *s = ctx;
	if (len)
		buf[0] = 0;
	if (!len)
		return KT_ENOENT;
	const struct snap_symname *e = floor_entry(s->symnames, s->nsymnames, addr);
	if (e && e->addr == addr) {
		if (!e->name)
			return KT_ENOENT;
		snprintf(buf, len, "%s", e->name);
		*off = e->off;
		return KT_OK;
	}
	e = floor_entry(s->starts, s->nstarts, addr);
	if (!e || addr - e->addr >= 0x10000)
		return KT_ENOENT;
	snprintf(buf, len, "%s", e->name);
	*off = addr - e->addr;
	return KT_OK;
}

static long layout(struct snapshot *s, enum snap_kind k, const char *a, const char *b)
{
	struct snap_layout *l = find_layout(s, k, a, b);
	return l ? l->value : -1;
}

static long sn_moff(void *ctx, const char *t, const char *m) { return layout(ctx, SK_MOFF, t, m); }
static long sn_msize(void *ctx, const char *t, const char *m) { return layout(ctx, SK_MSIZE, t, m); }
static long sn_mbit(void *ctx, const char *t, const char *m) { return layout(ctx, SK_MBIT, t, m); }
static long sn_varoff(void *ctx, const char *v, const char *m) { return layout(ctx, SK_VAROFF, v, m); }
static long sn_tsize(void *ctx, const char *t) { return layout(ctx, SK_TSIZE, t, ""); }

static int sn_nr_cpus(void *ctx)
{
	return ((struct snapshot *)ctx)->nr_cpus;
}

static enum kt_status sn_percpu(void *ctx, int cpu, uint64_t *off)
{
	struct snapshot *s = ctx;
	if (cpu < 0 || cpu >= 512 || !s->percpu_ok[cpu])
		return KT_ENOENT;
	*off = s->percpu[cpu];
	return KT_OK;
}

static enum kt_status sn_info(void *ctx, const char *key, char *buf, size_t len)
{
	struct snapshot *s = ctx;
	for (size_t i = 0; i < s->ninfo; i++)
		if (!strcmp(s->info[i].key, key)) {
			snprintf(buf, len, "%s", s->info[i].value);
			return KT_OK;
		}
	return KT_ENOENT;
}

static enum kt_status sn_prstatus(void *ctx, int cpu, void *buf, size_t len, size_t *got,
				  struct kt_err *err)
{
	struct snapshot *s = ctx;
	*got = 0;
	for (size_t i = 0; i < s->nprstatus; i++) {
		const struct snap_prstatus *p = &s->prstatus[i];
		if (p->cpu != cpu)
			continue;
		if (p->st != KT_OK)
			return p->msg[0] ? kt_err_set(err, (enum kt_status)p->st, 0, "%s", p->msg)
					 : (enum kt_status)p->st;
		memcpy(buf, p->bytes, p->len < len ? p->len : len);
		*got = p->got;
		return KT_OK;
	}
	return kt_err_set(err, KT_ENOENT, 0, "no NT_PRSTATUS note of CPU %d in the snapshot", cpu);
}

static enum kt_status sn_debuginfo_path(void *ctx, uint64_t addr, char *buf, size_t len)
{
	struct snapshot *s = ctx;
	for (size_t i = 0; i < s->ndpaths; i++)
		if (s->dpaths[i].addr == addr && s->dpaths[i].name) {
			snprintf(buf, len, "%s", s->dpaths[i].name);
			return KT_OK;
		}
	return KT_ENOENT;
}

static const struct snap_dwarf *dwarf_answer(const struct snap_dwarf *t, size_t n,
					     const char *path, const char *function,
					     uint64_t offset, const struct kt_regs *regs,
					     struct kt_err *err, enum kt_status *st)
{
	char key[8192];
	snapline_key(path, function, offset, regs, key, sizeof(key));
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].key, key)) {
			*st = (enum kt_status)t[i].st;
			if (*st != KT_OK)
				kt_err_set(err, *st, t[i].err_addr, "%s", t[i].msg);
			return &t[i];
		}
	*st = kt_err_set(err, KT_ENOENT, 0, "no DWARF answer for %s+%#llx in the snapshot",
			 function, (unsigned long long)offset);
	return NULL;
}

static enum kt_status sn_dwarf_vars_at(void *ctx, const char *path, const char *function,
				       uint64_t offset, const struct kt_regs *regs,
				       struct kt_var *vars, int max, int *n, char *chain,
				       size_t chainlen, struct kt_err *err)
{
	struct snapshot *s = ctx;
	enum kt_status st;
	const struct snap_dwarf *d = dwarf_answer(s->dvars, s->ndvars, path, function, offset,
						  regs, err, &st);
	*n = 0;
	if (!d || st != KT_OK)
		return st;
	*n = d->nvars < max ? d->nvars : max;
	if (*n > 0)
		memcpy(vars, d->vars, (size_t)*n * sizeof(*vars));
	snprintf(chain, chainlen, "%s", d->chain ? d->chain : "");
	return KT_OK;
}

static enum kt_status sn_dwarf_unwind(void *ctx, const char *path, const char *function,
				      uint64_t offset, const struct kt_regs *regs,
				      struct kt_regs *caller, struct kt_err *err)
{
	struct snapshot *s = ctx;
	enum kt_status st;
	const struct snap_dwarf *d = dwarf_answer(s->dunwinds, s->ndunwinds, path, function,
						  offset, regs, err, &st);
	if (d)
		*caller = d->caller;
	return st;
}

const struct kt_reader_ops snap_ops = {
	.read = sn_read, .symbol = sn_symbol, .symbol_name = sn_symbol_name,
	.member_offset = sn_moff, .member_size = sn_msize, .type_size = sn_tsize,
	.var_member_offset = sn_varoff, .member_bit_offset = sn_mbit, .nr_cpus = sn_nr_cpus,
	.percpu_offset = sn_percpu, .vmcoreinfo = sn_info, .cpu_prstatus = sn_prstatus,
	.debuginfo_path = sn_debuginfo_path, .dwarf_vars_at = sn_dwarf_vars_at,
	.dwarf_unwind = sn_dwarf_unwind,
};
