// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "kvmtimer/bigmem.h"
#include "symbols.h"

/* x86_64 __START_KERNEL_map: kernel image symbols are above it, per-CPU
 * symbols (offsets into each CPU's area) far below. */
#define START_KERNEL_MAP 0xffffffff80000000ULL
/* How far past a sizeless symbol (assembler labels) an address still counts. */
#define SIZELESS_SLACK 4096
/* Largest gap to the next symbol still counted as padding of the one before. */
#define MAX_GAP (64 * 1024)

struct sym {
	uint64_t addr;
	uint64_t size;
	const char *name;	/* points into the ELF string table (owned by libelf) */
	const char *module;	/* NULL: vmlinux */
	int rank;		/* lower is preferred as the name of an address */
	uint32_t hash;		/* of name (name_hash) */
	uint32_t seq;		/* order added: the first one added wins a name */
};

/*
 * By name: an open-addressing index of entry numbers by name hash, built at the
 * first lookup (and again after the table changed or was sorted by address).
 * A command looks up ~20 names: a scan of the 150,000 entries per name was
 * cheap in instructions but read the whole 7 MB table each time (4 % of a CLI
 * run at 1,024 vCPUs in perf, all of it memory traffic); the index costs one
 * pass and 2 MB.  (A string-keyed hash table of every name, the first design,
 * cost ~50 ms to build.)
 */
struct kt_syms {
	struct sym *v;
	size_t n, cap;
	bool sorted;
	int32_t *byname;	/* entry numbers, -1 empty; size mask + 1 */
	size_t mask;
	size_t byname_n;	/* n when built */
	bool byname_sorted;	/* sorted when built */
};

/* FNV-1a, 32-bit. */
static uint32_t name_hash(const char *name)
{
	uint32_t h = 0x811c9dc5u;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x01000193u;
	return h;
}

struct kt_syms *kt_syms_new(void)
{
	return calloc(1, sizeof(struct kt_syms));
}

void kt_syms_free(struct kt_syms *s)
{
	if (!s)
		return;
	kt_big_free(s->v);
	kt_big_free(s->byname);
	free(s);
}

static bool push(struct kt_syms *s, const struct sym *e)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		struct sym *v = kt_big_realloc(s->v, cap, sizeof(*v));

		if (!v)
			return false;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n] = *e;
	s->v[s->n].seq = (uint32_t)s->n;
	s->n++;
	s->sorted = false;
	return true;
}

static bool wanted_type(int type)
{
	return type == STT_FUNC || type == STT_OBJECT || type == STT_NOTYPE;
}

static int rank_of(const GElf_Sym *sym)
{
	int type = GELF_ST_TYPE(sym->st_info), bind = GELF_ST_BIND(sym->st_info);

	return (type == STT_NOTYPE ? 2 : 0) + (bind == STB_LOCAL ? 1 : 0);
}

/* Relocate one symbol; false to skip it. */
typedef bool (*reloc_fn)(Elf *elf, const GElf_Sym *sym, const void *arg, uint64_t *addr);

static enum kt_status add_symtab(struct kt_syms *s, Elf *elf, const char *module,
				 reloc_fn reloc, const void *arg, struct kt_err *err)
{
	struct kt_elf_symtab t;
	size_t count;

	if (!kt_elf_symtab_open(elf, &t))
		return kt_err_set(err, KT_ENOENT, 0, "%s: no symbol table",
				  module ? module : "vmlinux");
	count = t.count;
	/* vmlinux has ~150,000 symbols: size the table once (7 MB: in huge
	 * pages, include/kvmtimer/bigmem.h). */
	if (s->cap < s->n + count) {
		struct sym *v = kt_big_realloc(s->v, s->n + count, sizeof(*v));

		if (!v)
			return kt_err_set(err, KT_ENOMEM, 0, "symbols: out of memory");
		s->v = v;
		s->cap = s->n + count;
	}
	/* Two passes so that globals, added first, win a name (kt_syms_lookup). */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 1; i < count; i++) {
			GElf_Sym sym;
			const char *name;
			struct sym e;
			bool local;

			if (!kt_elf_symtab_get(&t, i, &sym, &name))
				continue;
			local = GELF_ST_BIND(sym.st_info) == STB_LOCAL;
			if (local != (pass == 1) || !wanted_type(GELF_ST_TYPE(sym.st_info)) ||
			    sym.st_shndx == SHN_UNDEF)
				continue;
			if (!name || !*name)
				continue;
			e.name = name;
			e.module = module;
			e.size = sym.st_size;
			e.rank = rank_of(&sym);
			e.hash = name_hash(name);
			if (!reloc(elf, &sym, arg, &e.addr))
				continue;
			if (!push(s, &e))
				return kt_err_set(err, KT_ENOMEM, 0, "symbols: out of memory");
		}
	return KT_OK;
}

static bool reloc_vmlinux(Elf *elf, const GElf_Sym *sym, const void *arg, uint64_t *addr)
{
	uint64_t kaslr = *(const uint64_t *)arg;

	(void)elf;
	if (sym->st_shndx == SHN_ABS && sym->st_value < START_KERNEL_MAP)
		return false;	/* link-time constants, not addresses */
	*addr = sym->st_value >= START_KERNEL_MAP ? sym->st_value + kaslr : sym->st_value;
	return true;
}

enum kt_status kt_syms_add_vmlinux(struct kt_syms *s, Elf *elf, uint64_t kaslr,
				   struct kt_err *err)
{
	return add_symtab(s, elf, NULL, reloc_vmlinux, &kaslr, err);
}

struct modarg {
	const struct kt_modsect *sects;
	int nsects;
	size_t shstrndx;
};

static bool reloc_module(Elf *elf, const GElf_Sym *sym, const void *arg, uint64_t *addr)
{
	const struct modarg *m = arg;
	GElf_Shdr sh;
	Elf_Scn *scn;
	const char *secname;

	if (sym->st_shndx >= SHN_LORESERVE)
		return false;
	scn = elf_getscn(elf, sym->st_shndx);
	if (!scn || !gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC))
		return false;
	secname = elf_strptr(elf, m->shstrndx, sh.sh_name);
	if (!secname)
		return false;
	for (int i = 0; i < m->nsects; i++)
		if (!strcmp(m->sects[i].name, secname)) {
			*addr = m->sects[i].addr + sym->st_value;
			return true;
		}
	return false;
}

enum kt_status kt_syms_add_module(struct kt_syms *s, Elf *elf, const char *modname,
				  const struct kt_modsect *sects, int nsects,
				  struct kt_err *err)
{
	struct modarg m = { sects, nsects, 0 };

	if (elf_getshdrstrndx(elf, &m.shstrndx) != 0)
		return kt_err_set(err, KT_EINVAL, 0, "%s: no section names", modname);
	return add_symtab(s, elf, modname, reloc_module, &m, err);
}

static bool build_byname(struct kt_syms *s)
{
	size_t size = 1024;

	while (size < 2 * s->n)
		size *= 2;
	if (!s->byname || s->mask + 1 != size) {
		int32_t *t = kt_big_realloc(s->byname, size, sizeof(*t));

		if (!t)
			return false;
		s->byname = t;
		s->mask = size - 1;
	}
	memset(s->byname, 0xff, size * sizeof(*s->byname));
	for (size_t i = 0; i < s->n; i++) {
		size_t slot = s->v[i].hash & s->mask;

		while (s->byname[slot] >= 0)
			slot = (slot + 1) & s->mask;
		s->byname[slot] = (int32_t)i;
	}
	s->byname_n = s->n;
	s->byname_sorted = s->sorted;
	return true;
}

enum kt_status kt_syms_lookup(struct kt_syms *s, const char *name, uint64_t *addr)
{
	uint32_t h = name_hash(name);
	const struct sym *best = NULL;

	if (!s->n || s->n > INT32_MAX)
		return KT_ENOENT;
	if ((!s->byname || s->byname_n != s->n || s->byname_sorted != s->sorted) && !build_byname(s))
		return KT_ENOMEM;
	/* The first added of that name (sorting by address reorders the table). */
	for (size_t slot = h & s->mask; s->byname[slot] >= 0; slot = (slot + 1) & s->mask) {
		const struct sym *e = &s->v[s->byname[slot]];

		if (e->hash == h && (!best || e->seq < best->seq) && !strcmp(e->name, name))
			best = e;
	}
	if (!best)
		return KT_ENOENT;
	*addr = best->addr;
	return KT_OK;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	/* Sized before sizeless; then by name, for a stable choice. */
	if ((x->size == 0) != (y->size == 0))
		return x->size ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * The table in cmp_sym order: a radix sort of (address, entry) pairs, 16 bits
 * a pass (passes where every address has the same digit skipped: vmlinux's
 * symbols share their top bits), the entries then moved into place along the
 * permutation's cycles, and each run of one address put in cmp_sym order.
 * qsort() with cmp_sym on all the 48-byte entries
 * was 53 million instructions of a 640-million CLI run.  false: no memory
 * for the keys (the caller sorts with qsort).
 */
struct addr_key {
	uint64_t addr;
	size_t at;
};

static bool sort_by_addr(struct kt_syms *s)
{
	struct addr_key *k = kt_big_calloc(s->n, sizeof(*k)), *t = kt_big_calloc(s->n, sizeof(*t));
	static size_t count[1 << 16];

	if (!k || !t) {
		kt_big_free(k);
		kt_big_free(t);
		return false;
	}
	for (size_t i = 0; i < s->n; i++)
		k[i] = (struct addr_key){ s->v[i].addr, i };
	for (int shift = 0; shift < 64; shift += 16) {
		size_t sum = 0;
		struct addr_key *x;

		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < s->n; i++)
			count[(k[i].addr >> shift) & 0xffff]++;
		if (count[(k[0].addr >> shift) & 0xffff] == s->n)
			continue;	/* one digit for all: nothing to order */
		for (size_t d = 0; d < (1 << 16); d++) {
			size_t c = count[d];

			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < s->n; i++)
			t[count[(k[i].addr >> shift) & 0xffff]++] = k[i];
		x = k, k = t, t = x;
	}
	kt_big_free(t);
	/* Entry k[i].at belongs at i: follow each cycle once (k[].at marks done). */
	for (size_t i = 0; i < s->n; i++) {
		struct sym hold;
		size_t j = i;

		if (k[i].at == i || k[i].at == SIZE_MAX)
			continue;
		hold = s->v[i];
		while (k[j].at != i) {
			size_t from = k[j].at;

			s->v[j] = s->v[from];
			k[j].at = SIZE_MAX;
			j = from;
		}
		s->v[j] = hold;
		k[j].at = SIZE_MAX;
	}
	kt_big_free(k);
	/* Aliases: each run of one address in cmp_sym order (most runs are one
	 * entry; a few are long, e.g. the per-CPU symbols at offset 0). */
	for (size_t i = 0, j; i < s->n; i = j) {
		for (j = i + 1; j < s->n && s->v[j].addr == s->v[i].addr; j++)
			;
		if (j - i > 1)
			qsort(s->v + i, j - i, sizeof(*s->v), cmp_sym);
	}
	return true;
}

const char *kt_syms_name(struct kt_syms *s, uint64_t addr, uint64_t *offset,
			 const char **module)
{
	size_t lo = 0, hi, best;
	const struct sym *e;

	if (!s->n)
		return NULL;
	if (!s->sorted) {
		if (!sort_by_addr(s))
			qsort(s->v, s->n, sizeof(*s->v), cmp_sym);
		s->sorted = true;
	}
	/* Last entry with addr <= target. */
	hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	best = lo - 1;
	/* Back to the first (preferred) entry at that address. */
	while (best > 0 && s->v[best - 1].addr == s->v[best].addr)
		best--;
	e = &s->v[best];
	/* Like crash (and kallsyms): an address belongs to the nearest symbol at
	 * or below it, up to the next symbol, so the alignment padding after a
	 * function is still that function's (the core measures functions this
	 * way; both readers must agree).  Past the last symbol of a region, only
	 * within the symbol's size or SIZELESS_SLACK. */
	{
		uint64_t off = addr - e->addr, limit = e->size > SIZELESS_SLACK ? e->size : SIZELESS_SLACK;
		size_t next = best;

		while (next < s->n && s->v[next].addr == e->addr)
			next++;
		if (next < s->n && s->v[next].addr - e->addr > limit)
			limit = s->v[next].addr - e->addr < MAX_GAP ? s->v[next].addr - e->addr : limit;
		if (off >= limit)
			return NULL;
		if (offset)
			*offset = off;
		if (module)
			*module = e->module;
		return e->name;
	}
}

