// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fix-status reader on real kernel objects: arch/x86/kvm/lapic.o of the
 * reference kernels (Debian's linux-source, tinyconfig + KVM), built by the
 * kernel's own build with gcc 12 and clang 14 (LLVM=1), with the upstream fix
 * reverted (scripts/patches/0001-*) and as shipped (fixed), for 6.1 and 6.12:
 * testdata/lapic-objects/ (see its README for how each was made).  Each
 * relocatable object is mapped behind the FIXTURE reader with its relocations
 * applied (calls land on named symbols, __bug_table entries on their ud2) and
 * the struct offsets its DWARF gave (MANIFEST), then read by
 * kt_load_fix_status(), the code that reads dumps.  Prints the matrix.
 */
#include <elf.h>
#include <libgen.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kvmtimer/session.h"
#include "fixture.h"
#include "kernel/host.h"

#define MAX_OBJ 16
struct obj {
	char file[64], cc[16], kernel[16], fix[16];
	long off[9];
	char got[16];
};
static struct obj objs[MAX_OBJ];
static int nobjs;
static char dir[4096];

/* Load a relocatable object (ET_REL): allocated sections at made-up addresses,
 * undefined symbols at stub addresses, relocations applied, so calls land on
 * symbols with their names. */
static struct fx_sym *load_rel(const char *path, struct fixture *fx)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	unsigned char *b = malloc((size_t)n);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	const Elf64_Ehdr *eh = (const void *)b;
	Elf64_Shdr *sh = (void *)(b + eh->e_shoff);
	uint64_t *base = calloc(eh->e_shnum, 8);
	unsigned char **mem = calloc(eh->e_shnum, sizeof(*mem));
	uint64_t next = 0xffffffff81000000ULL;
	int bug = -1;
	for (int i = 0; i < eh->e_shnum; i++) {
		if (!(sh[i].sh_flags & SHF_ALLOC) || !sh[i].sh_size)
			continue;
		if (fx->nregions >= FX_MAX_REGIONS - 2)
			continue;
		base[i] = next;
		mem[i] = fx_map(fx, next, sh[i].sh_size);
		if (sh[i].sh_type != SHT_NOBITS)
			memcpy(mem[i], b + sh[i].sh_offset, sh[i].sh_size);
		next += (sh[i].sh_size + 0xfff) & ~0xfffULL;
		next += 0x1000;
		if (!strcmp((char *)b + sh[eh->e_shstrndx].sh_offset + sh[i].sh_name, "__bug_table"))
			bug = i;
	}
	uint64_t stubs = next + 0x100000;
	int symtab = -1;
	for (int i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == SHT_SYMTAB)
			symtab = i;
	const Elf64_Sym *st = (const void *)(b + sh[symtab].sh_offset);
	const char *str = (const char *)b + sh[sh[symtab].sh_link].sh_offset;
	size_t cnt = sh[symtab].sh_size / sizeof(Elf64_Sym);
	uint64_t *addr = calloc(cnt, 8);
	struct fx_sym *syms = calloc(cnt + 3, sizeof(*syms));
	size_t ns = 0;
	for (size_t k = 0; k < cnt; k++) {
		int type = ELF64_ST_TYPE(st[k].st_info);
		if (st[k].st_shndx == SHN_UNDEF) {
			addr[k] = stubs;
			stubs += 64;
			if (st[k].st_name) {
				syms[ns].name = strdup(str + st[k].st_name);
				syms[ns].addr = addr[k];
				syms[ns++].size = 64;
			}
			continue;
		}
		if (st[k].st_shndx >= SHN_LORESERVE)
			continue;
		addr[k] = base[st[k].st_shndx] + st[k].st_value;
		if (type == STT_SECTION || type == STT_FILE || !st[k].st_name || !base[st[k].st_shndx])
			continue;
		syms[ns].name = strdup(str + st[k].st_name);
		syms[ns].addr = addr[k];
		syms[ns++].size = st[k].st_size;
	}
	if (bug >= 0) {
		syms[ns].name = strdup("__start___bug_table");
		syms[ns].addr = base[bug];
		syms[ns++].size = 0;
		syms[ns].name = strdup("__stop___bug_table");
		syms[ns].addr = base[bug] + sh[bug].sh_size;
		syms[ns++].size = 0;
	}
	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_RELA || !mem[sh[i].sh_info])
			continue;
		int t = (int)sh[i].sh_info;
		const Elf64_Rela *r = (const void *)(b + sh[i].sh_offset);
		for (size_t k = 0; k < sh[i].sh_size / sizeof(*r); k++) {
			uint64_t S = addr[ELF64_R_SYM(r[k].r_info)], P = base[t] + r[k].r_offset;
			int64_t A = r[k].r_addend;
			unsigned char *loc = mem[t] + r[k].r_offset;
			switch (ELF64_R_TYPE(r[k].r_info)) {
			case R_X86_64_PC32: case R_X86_64_PLT32: { int32_t v = (int32_t)(S + A - P); memcpy(loc, &v, 4); break; }
			case R_X86_64_64: { uint64_t v = S + A; memcpy(loc, &v, 8); break; }
			case R_X86_64_32S: case R_X86_64_32: { int32_t v = (int32_t)(S + A); memcpy(loc, &v, 4); break; }
			default: break;
			}
		}
	}
	free(b);
	free(base);
	free(mem);
	free(addr);
	return syms;
}


static void check_object(void **state)
{
	struct obj *o = *state;
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", dir, o->file);
	const char *names[9][2] = {
		{ "kvm_lapic", "lapic_timer" }, { "kvm_timer", "timer" }, { "kvm_timer", "period" },
		{ "kvm_timer", "target_expiration" }, { "hrtimer", "node" },
		{ "timerqueue_node", "expires" }, { "hrtimer", "_softexpires" },
		{ "kvm_vcpu", "arch" }, { "kvm_vcpu_arch", "apic" },
	};
	struct fx_member members[12];
	for (int i = 0; i < 9; i++)
		members[i] = (struct fx_member){ names[i][0], names[i][1], o->off[i], 8 };
	/* x86-64 struct bug_entry: int bug_addr_disp, int file_disp, u16 line, u16 flags. */
	members[9] = (struct fx_member){ "bug_entry", "bug_addr_disp", 0, 4 };
	members[10] = (struct fx_member){ "bug_entry", "flags", 10, 2 };
	members[11] = (struct fx_member){ NULL, NULL, 0, 0 };
	const struct fx_type types[] = { { "bug_entry", 12 }, { NULL, 0 } };
	struct fixture fx = { .members = members, .types = types, .nr_cpus = 1 };
	struct fx_sym *syms = load_rel(path, &fx);
	fx.syms = syms;
	struct kt_reader r = { &fx_ops, &fx };
	struct kt_session *s = kt_session_new(&r);
	assert_non_null(s);
	kt_layout_resolve(&s->reader, &s->layout);
	struct kt_host *h = calloc(1, sizeof(*h));
	assert_non_null(h);
	kt_load_fix_status(s, h);
	snprintf(o->got, sizeof(o->got), "%s", h->fix == KT_FIX_FIXED ? "fixed" :
		 h->fix == KT_FIX_VULNERABLE ? "vulnerable" : "unknown");
	const char *want = !strcmp(o->fix, "fixed") ? "fixed" : "vulnerable";
	if (strcmp(o->got, want))
		for (int i = 0; i < h->nfix_items; i++)
			print_message("#   %s %s: %s\n", h->fix_items[i].kind, h->fix_items[i].where,
				      h->fix_items[i].seen);
	assert_string_equal(o->got, want);
	/* Positive code evidence both ways, never the absence of a pattern. */
	int copy = 0, add = 0, clamp = 0;
	for (int i = 0; i < h->nfix_items; i++) {
		const struct kt_fix_evidence *e = &h->fix_items[i];
		copy |= !strcmp(e->kind, "expiry_source") && e->weight == KT_FW_FIXED;
		add |= !strcmp(e->kind, "expiry_source") && e->weight == KT_FW_VULNERABLE;
		clamp |= !strcmp(e->kind, "clamp") && e->weight == KT_FW_FIXED;
	}
	assert_int_equal(copy, !strcmp(want, "fixed"));
	assert_int_equal(add, !strcmp(want, "vulnerable"));
	assert_int_equal(clamp, !strcmp(want, "fixed"));
	free(h);
	kt_session_free(s);
	fx_free(&fx);
	for (struct fx_sym *p = syms; p->name; p++)
		free((char *)p->name);
	free(syms);
}

/* Every cell of gcc/clang x 6.1/6.12 x fixed/reverted has its object. */
static void matrix_complete(void **state)
{
	(void)state;
	const char *cc[] = { "gcc", "clang" }, *k[] = { "6.1", "6.12" }, *fx[] = { "fixed", "reverted" };
	int missing = 0;
	for (int a = 0; a < 2; a++)
		for (int b = 0; b < 2; b++)
			for (int c = 0; c < 2; c++) {
				int found = 0;
				for (int i = 0; i < nobjs; i++)
					found |= !strcmp(objs[i].cc, cc[a]) && !strcmp(objs[i].kernel, k[b]) &&
						 !strcmp(objs[i].fix, fx[c]);
				if (!found) {
					print_message("# no object for %s %s %s\n", k[b], cc[a], fx[c]);
					missing++;
				}
			}
	assert_int_equal(missing, 0);
}

int main(int argc, char **argv)
{
	(void)argc;
	char self[4096], man[8192];
	snprintf(self, sizeof(self), "%s", argv[0]);
	/* build/tests/unit/test_fixobjects -> testdata/lapic-objects (from the repo root) */
	snprintf(dir, sizeof(dir), "%s", getenv("KT_LAPIC_OBJECTS") ? getenv("KT_LAPIC_OBJECTS") : "testdata/lapic-objects");
	snprintf(man, sizeof(man), "%s/MANIFEST", dir);
	FILE *f = fopen(man, "r");
	char line[512];
	while (f && nobjs < MAX_OBJ && fgets(line, sizeof(line), f)) {
		struct obj *o = &objs[nobjs];
		if (line[0] == '#')
			continue;
		if (sscanf(line, "%63s %15s %15s %15s %ld %ld %ld %ld %ld %ld %ld %ld %ld", o->file, o->cc,
			   o->kernel, o->fix, &o->off[0], &o->off[1], &o->off[2], &o->off[3], &o->off[4],
			   &o->off[5], &o->off[6], &o->off[7], &o->off[8]) == 13)
			nobjs++;
	}
	if (f)
		fclose(f);
	struct CMUnitTest tests[MAX_OBJ + 1];
	tests[0] = (struct CMUnitTest)cmocka_unit_test(matrix_complete);
	for (int i = 0; i < nobjs; i++)
		tests[i + 1] = (struct CMUnitTest){ objs[i].file, check_object, NULL, NULL, &objs[i] };
	int rc = _cmocka_run_group_tests("fixobjects", tests, (size_t)nobjs + 1, NULL, NULL);
	printf("# fix-status matrix, real lapic.o of the reference kernels (want: how each was built)\n");
	printf("#   %-7s %-8s %-9s %-11s %s\n", "kernel", "compiler", "fix", "want", "got");
	for (int i = 0; i < nobjs; i++)
		printf("#   %-7s %-8s %-9s %-11s %s\n", objs[i].kernel, objs[i].cc, objs[i].fix,
		       !strcmp(objs[i].fix, "fixed") ? "fixed" : "vulnerable", objs[i].got[0] ? objs[i].got : "-");
	(void)self;
	return rc;
}
