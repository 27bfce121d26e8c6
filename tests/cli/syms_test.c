// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The CLI's symbol table (src/cli/symbols.c) on a made-up vmlinux symbol table:
 * an ELF image built here with the shapes a real one has (aliases of every
 * rank at one address, runs of hundreds of symbols at one address as the
 * per-CPU ones at offset 0, sizeless labels, gaps from 16 bytes to 200 KiB
 * around the 4 KiB and 64 KiB limits, names shared by a global and locals).
 * Every answer is checked against the rules written out plainly here:
 *  - kt_syms_name(addr): the symbols at the greatest address <= addr, the
 *    preferred one (global before local, typed before NOTYPE, sized before
 *    sizeless, then by name); addr belongs to it up to the next symbol's
 *    address if that is less than 64 KiB away and beyond its size or 4 KiB,
 *    else within its size or 4 KiB;
 *  - kt_syms_lookup(name): the first added of that name, globals added first.
 * No dump needed: a unit test.
 */
#include <gelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "symbols.h"

#define N 30000
#define BASE 0xffffffff81000000ULL

struct fsym {
	uint64_t addr, size;
	int bind, type;
	char name[16];
};
static struct fsym f[N];
static unsigned char *img;
static Elf *elf;

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void build(void)
{
	static const char shstr[] = "\0.symtab\0.strtab\0.shstrtab";
	static const uint64_t gaps[] = { 16, 64, 4000, 4096, 4097, 9000, 65535, 65536, 65537, 200000 };
	size_t strsz = 1 + N * 16, off_sym = sizeof(Elf64_Ehdr),
	       off_str = off_sym + (N + 1) * sizeof(Elf64_Sym), off_shs = off_str + strsz,
	       off_sh = (off_shs + sizeof(shstr) + 7) & ~(size_t)7, total = off_sh + 4 * sizeof(Elf64_Shdr);
	uint64_t x = 0x9e3779b97f4a7c15ULL, a = BASE;
	size_t at = 1;
	Elf64_Ehdr *eh;
	Elf64_Sym *sym;
	Elf64_Shdr *sh;

	assert_non_null(img = calloc(1, total));
	eh = (Elf64_Ehdr *)img;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_shoff = off_sh;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = 4;
	eh->e_shstrndx = 3;
	sym = (Elf64_Sym *)(img + off_sym);
	for (int i = 0; i < N; i++) {
		uint64_t r = rnd(&x);

		if (i == 1000)
			a = 0;			/* a run of 400 at one address: per-CPU offset 0 */
		else if (i > 1000 && i < 1400)
			;
		else if (i == 1400)
			a = BASE + 0x4000000;
		else if (i && r % 5)		/* else: an alias of the one before */
			a += gaps[(r >> 8) % 10] + ((r >> 16) % 3) * 8;
		f[i].addr = a;
		f[i].size = (r >> 24) % 4 ? ((r >> 28) % 3 ? 32 + (r >> 32) % 5000 : 70000) : 0;
		f[i].bind = (r >> 40) % 2 ? STB_LOCAL : STB_GLOBAL;
		f[i].type = (r >> 41) % 3 == 0 ? STT_NOTYPE : (r >> 41) % 3 == 1 ? STT_FUNC : STT_OBJECT;
		/* 30,000 names for 30,000 symbols: some repeat (a global and locals) */
		snprintf(f[i].name, sizeof(f[i].name), "s%05d", (int)((r >> 44) % 30000));
		sym[i + 1] = (Elf64_Sym){ .st_name = (Elf64_Word)at,
					  .st_info = ELF64_ST_INFO(f[i].bind, f[i].type),
					  .st_shndx = 1, .st_value = f[i].addr, .st_size = f[i].size };
		at += (size_t)sprintf((char *)img + off_str + at, "%s", f[i].name) + 1;
	}
	memcpy(img + off_shs, shstr, sizeof(shstr));
	sh = (Elf64_Shdr *)(img + off_sh);
	sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_SYMTAB, .sh_offset = off_sym,
			      .sh_size = (N + 1) * sizeof(Elf64_Sym), .sh_link = 2, .sh_info = 1,
			      .sh_addralign = 8, .sh_entsize = sizeof(Elf64_Sym) };
	sh[2] = (Elf64_Shdr){ .sh_name = 9, .sh_type = SHT_STRTAB, .sh_offset = off_str,
			      .sh_size = strsz, .sh_addralign = 1 };
	sh[3] = (Elf64_Shdr){ .sh_name = 17, .sh_type = SHT_STRTAB, .sh_offset = off_shs,
			      .sh_size = sizeof(shstr), .sh_addralign = 1 };
	elf_version(EV_CURRENT);
	assert_non_null(elf = elf_memory((char *)img, total));
}

static int rank(const struct fsym *s)
{
	return (s->type == STT_NOTYPE ? 2 : 0) + (s->bind == STB_LOCAL ? 1 : 0);
}

/* The preferred of two symbols at one address: the rules of the header. */
static bool better(const struct fsym *a, const struct fsym *b)
{
	if (rank(a) != rank(b))
		return rank(a) < rank(b);
	if ((a->size == 0) != (b->size == 0))
		return a->size != 0;
	return strcmp(a->name, b->name) < 0;
}

static const struct fsym *expect_name(uint64_t addr, uint64_t *off)
{
	const struct fsym *best = NULL;
	uint64_t next = 0, limit;
	bool has_next = false;

	for (int i = 0; i < N; i++) {
		if (f[i].addr > addr) {
			if (!has_next || f[i].addr < next)
				next = f[i].addr, has_next = true;
		} else if (!best || f[i].addr > best->addr ||
			   (f[i].addr == best->addr && better(&f[i], best))) {
			best = &f[i];
		}
	}
	if (!best)
		return NULL;
	limit = best->size > 4096 ? best->size : 4096;
	if (has_next && next - best->addr > limit)
		limit = next - best->addr < 65536 ? next - best->addr : limit;
	*off = addr - best->addr;
	return *off < limit ? best : NULL;
}

static void test_name(void **state)
{
	static const int64_t d[] = { 0, 1, -1, 31, 4095, 4096, 4097, 5000, 65535, 65536, 65537, 70000, 150000 };
	struct kt_syms *s = kt_syms_new();
	struct kt_err err = { 0 };
	size_t probes = 0, named = 0;

	(void)state;
	assert_non_null(s);
	assert_int_equal(kt_syms_add_vmlinux(s, elf, 0, &err), KT_OK);
	for (int i = 0; i < N; i += 3)
		for (size_t k = 0; k < sizeof(d) / sizeof(d[0]); k++) {
			uint64_t p = f[i].addr + (uint64_t)d[k], o = 0, wo = 0;
			const char *got = kt_syms_name(s, p, &o, NULL);
			const struct fsym *want = expect_name(p, &wo);

			probes++;
			named += want != NULL;
			if ((got == NULL) != (want == NULL) || (got && (strcmp(got, want->name) || o != wo)))
				fail_msg("address %#llx: got %s+%#llx, want %s+%#llx", (unsigned long long)p,
					 got ? got : "(none)", (unsigned long long)o,
					 want ? want->name : "(none)", (unsigned long long)wo);
		}
	assert_true(named > probes / 4 && probes - named > probes / 20);
	print_message("kt_syms_name: %zu probes (%zu named) as the rules say\n", probes, named);
	kt_syms_free(s);
}

static void test_lookup(void **state)
{
	struct kt_syms *s = kt_syms_new();
	struct kt_err err = { 0 };
	size_t found = 0;

	(void)state;
	assert_non_null(s);
	assert_int_equal(kt_syms_add_vmlinux(s, elf, 0, &err), KT_OK);
	/* Names before and after the table is sorted (the first kt_syms_name). */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < N; i += 7) {
			const struct fsym *want = NULL;
			uint64_t a = 0;

			for (int b = 0; b < 2 && !want; b++)	/* globals first, then table order */
				for (int j = 0; j < N && !want; j++)
					if ((f[j].bind == STB_LOCAL) == (b == 1) && !strcmp(f[j].name, f[i].name))
						want = &f[j];
			assert_int_equal(kt_syms_lookup(s, f[i].name, &a), KT_OK);
			if (a != want->addr)
				fail_msg("%s: got %#llx, want %#llx", f[i].name, (unsigned long long)a,
					 (unsigned long long)want->addr);
			found++;
		}
		assert_int_equal(kt_syms_lookup(s, "no_such_name", &(uint64_t){ 0 }), KT_ENOENT);
		kt_syms_name(s, BASE, NULL, NULL);
	}
	print_message("kt_syms_lookup: %zu names as the rules say\n", found);
	kt_syms_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_lookup),
	};
	build();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
