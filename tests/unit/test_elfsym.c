// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kt_elf_symbol() reads a 64-bit symbol table in place (src/dump/debuginfo.c);
 * on this test program's own table (a real ELF file; no dump needed, so it
 * runs with the unit tests) it must return what the gelf_getsym()/elf_strptr()
 * scan returns for every name, and 0 for a name that is not there.
 */
#include <fcntl.h>
#include <gelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "kvmtimer/debuginfo.h"

static Elf *self;
static int self_fd = -1;

static int setup(void **state)
{
	(void)state;
	elf_version(EV_CURRENT);
	self_fd = open("/proc/self/exe", O_RDONLY);
	if (self_fd < 0 || !(self = elf_begin(self_fd, ELF_C_READ_MMAP, NULL)))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	elf_end(self);
	close(self_fd);
	return 0;
}

/* The definition kt_elf_symbol() must keep: the first defined symbol of that name. */
static uint64_t slow_symbol(const char *name)
{
	GElf_Shdr sh;
	Elf_Scn *scn = NULL;
	Elf_Data *d;

	while ((scn = elf_nextscn(self, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			break;
	if (!scn || !(d = elf_getdata(scn, NULL)))
		return 0;
	for (size_t i = 1; i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Sym s;
		const char *n;

		if (gelf_getsym(d, (int)i, &s) && s.st_shndx != SHN_UNDEF &&
		    (n = elf_strptr(self, sh.sh_link, s.st_name)) && !strcmp(n, name))
			return s.st_value;
	}
	return 0;
}

/* Every symbol of the table, for probes. */
static size_t all_symbols(GElf_Sym **syms, const char ***names)
{
	GElf_Shdr sh;
	Elf_Scn *scn = NULL;
	Elf_Data *d;
	size_t n = 0, count;

	while ((scn = elf_nextscn(self, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			break;
	assert_non_null(scn);
	assert_non_null(d = elf_getdata(scn, NULL));
	count = sh.sh_size / sh.sh_entsize;
	*syms = calloc(count, sizeof(**syms));
	*names = calloc(count, sizeof(**names));
	assert_non_null(*syms);
	assert_non_null(*names);
	for (size_t i = 1; i < count; i++) {
		const char *nm;

		if (gelf_getsym(d, (int)i, &(*syms)[n]) && (nm = elf_strptr(self, sh.sh_link, (*syms)[n].st_name)) && *nm)
			(*names)[n++] = nm;
	}
	return n;
}

static void test_elf_symbol(void **state)
{
	GElf_Sym *syms;
	const char **names;
	size_t n = all_symbols(&syms, &names), defined = 0;

	(void)state;
	assert_true(n > 100);
	for (size_t i = 0; i < n; i++) {
		uint64_t want = slow_symbol(names[i]);

		defined += want != 0;
		if (kt_elf_symbol(self, names[i]) != want)
			fail_msg("kt_elf_symbol(%s) = %#llx, the gelf scan says %#llx", names[i],
				 (unsigned long long)kt_elf_symbol(self, names[i]), (unsigned long long)want);
	}
	assert_true(defined > 50);
	assert_int_equal(kt_elf_symbol(self, "no_such_symbol_kvmtimer"), 0);
	assert_int_equal(kt_elf_symbol(self, "main_"), slow_symbol("main_"));	/* a prefix of main */
	assert_int_not_equal(kt_elf_symbol(self, "main"), 0);
	print_message("kt_elf_symbol: %zu names, %zu defined, all as gelf\n", n, defined);
	free(syms);
	free(names);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_symbol),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
