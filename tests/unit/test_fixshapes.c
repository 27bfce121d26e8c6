// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fix-status reader on real machine code: tests/unit/shapes/shapes.c,
 * lapic.c's periodic-timer code in each shape of the upstream series, built
 * by shapes/build.sh with gcc and clang at -O2/-Os, with and without
 * -fcf-protection and -mfunction-return=thunk-extern (gcc), into static ELF
 * images.  Each image is mapped behind the FIXTURE reader (its sections as
 * memory, its symbol table as symbols, shapes.h's offsets as the types) and
 * read by kt_load_fix_status(), the same code that reads dumps.
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
#include "shapes/shapes.h"

#define EXPECTED_IMAGES 84	/* 7 shapes x (8 gcc + 4 clang variants), build.sh */

static char dir[4096];

struct image { char file[128]; char want[16]; };

#define M(t, m) { #t, #m, (long)offsetof(struct t, m), (long)sizeof(((struct t *)0)->m) }
static const struct fx_member members[] = {
	M(kvm_lapic, lapic_timer), M(kvm_lapic, vcpu),
	M(kvm_timer, timer), M(kvm_timer, period), M(kvm_timer, target_expiration),
	M(kvm_timer, timer_mode), M(kvm_timer, tscdeadline), M(kvm_timer, pending),
	M(hrtimer, node), M(hrtimer, _softexpires), M(hrtimer, function),
	M(timerqueue_node, expires), M(kvm_vcpu, arch), M(kvm_vcpu_arch, apic),
	M(bug_entry, bug_addr_disp), M(bug_entry, flags),
	{ NULL, NULL, 0, 0 },
};
static const struct fx_type types[] = {
	{ "bug_entry", sizeof(struct bug_entry) }, { "kvm_lapic", sizeof(struct kvm_lapic) },
	{ NULL, 0 },
};

/* Map an ELF executable: allocated sections as memory, symtab as symbols. */
static struct fx_sym *load_elf(const char *path, struct fixture *fx)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	unsigned char *b = malloc((size_t)n);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	const Elf64_Ehdr *eh = (const void *)b;
	assert_memory_equal(eh->e_ident, ELFMAG, SELFMAG);
	const Elf64_Shdr *sh = (const void *)(b + eh->e_shoff);
	struct fx_sym *syms = NULL;
	size_t nsyms = 0;
	for (int i = 0; i < eh->e_shnum; i++) {
		if ((sh[i].sh_flags & SHF_ALLOC) && sh[i].sh_size && sh[i].sh_addr) {
			unsigned char *m = fx_map(fx, sh[i].sh_addr, sh[i].sh_size);
			if (sh[i].sh_type != SHT_NOBITS)
				memcpy(m, b + sh[i].sh_offset, sh[i].sh_size);
		}
		if (sh[i].sh_type == SHT_SYMTAB) {
			const Elf64_Sym *st = (const void *)(b + sh[i].sh_offset);
			const char *str = (const char *)b + sh[sh[i].sh_link].sh_offset;
			size_t cnt = sh[i].sh_size / sizeof(Elf64_Sym);
			syms = calloc(cnt + 1, sizeof(*syms));
			assert_non_null(syms);
			for (size_t k = 0; k < cnt; k++) {
				int type = ELF64_ST_TYPE(st[k].st_info);
				if (st[k].st_shndx == SHN_UNDEF || !st[k].st_name || type == STT_FILE ||
				    type == STT_SECTION)
					continue;
				syms[nsyms].name = strdup(str + st[k].st_name);
				syms[nsyms].addr = st[k].st_value;
				syms[nsyms++].size = st[k].st_size;
			}
		}
	}
	free(b);
	assert_non_null(syms);
	return syms;
}

static const struct kt_fix_evidence *item(const struct kt_host *h, const char *kind)
{
	for (int i = 0; i < h->nfix_items; i++)
		if (!strcmp(h->fix_items[i].kind, kind))
			return &h->fix_items[i];
	return NULL;
}

static void check_image(void **state)
{
	const struct image *im = *state;
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", dir, im->file);
	struct fixture fx = { .members = members, .types = types, .nr_cpus = 1 };
	struct fx_sym *syms = load_elf(path, &fx);
	fx.syms = syms;
	struct kt_reader r = { &fx_ops, &fx };
	struct kt_session *s = kt_session_new(&r);
	assert_non_null(s);
	kt_layout_resolve(&s->reader, &s->layout);
	struct kt_host *h = calloc(1, sizeof(*h));
	assert_non_null(h);
	kt_load_fix_status(s, h);

	const char *got = h->fix == KT_FIX_FIXED ? "fixed" : h->fix == KT_FIX_VULNERABLE ? "vulnerable" : "unknown";
	if (strcmp(got, im->want)) {
		print_message("# %s: %s, want %s: %s\n", im->file, got, im->want, h->fix_evidence);
		for (int i = 0; i < h->nfix_items; i++)
			print_message("#   %s %s: %s (%d)\n", h->fix_items[i].kind, h->fix_items[i].where,
				      h->fix_items[i].seen, h->fix_items[i].weight);
	}
	assert_string_equal(got, im->want);
	const struct kt_fix_evidence *ex = item(h, "expiry_source"), *cl = item(h, "clamp"),
				     *wa = item(h, "warn");
	assert_non_null(ex);
	assert_non_null(cl);
	assert_non_null(wa);
	/* Each piece of evidence says what its shape has, positively. */
	bool copy = strstr(im->file, "-fixed") || strstr(im->file, "-copyonly");
	bool add = strstr(im->file, "-prefix") || strstr(im->file, "-clamponly");
	bool clamp = strstr(im->file, "-fixed") || strstr(im->file, "-clamponly") ||
		     strstr(im->file, "-neither");
	bool warn = strstr(im->file, "-fixed") || strstr(im->file, "-neither");
	assert_int_equal(ex->weight, copy ? KT_FW_FIXED : add ? KT_FW_VULNERABLE : KT_FW_NEUTRAL);
	assert_int_equal(cl->weight, clamp ? KT_FW_FIXED : KT_FW_SUPPORTS_VULNERABLE);
	assert_int_equal(wa->weight, warn ? KT_FW_SUPPORTS_FIXED : KT_FW_NEUTRAL);
	if (warn)	/* found through the image's own __bug_table */
		assert_non_null(strstr(wa->seen, "listed in __bug_table with flags 0x3"));
	if (!strcmp(got, "unknown"))	/* the reason is given */
		assert_non_null(strstr(h->fix_evidence, strstr(im->file, "-neither") ?
				       "shows neither the pre-fix nor the fixed expiry source" :
				       "but the clamp (18ab3fc8e880) was not seen"));
	free(h);
	kt_session_free(s);
	fx_free(&fx);
	for (struct fx_sym *p = syms; p->name; p++)
		free((char *)p->name);
	free(syms);
}

static struct image *images;
static int nimages;

static void every_image_built(void **state)
{
	(void)state;
	assert_int_equal(nimages, EXPECTED_IMAGES);
}

int main(int argc, char **argv)
{
	(void)argc;
	char self[4096];
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(dir, sizeof(dir), "%s/shapes", dirname(self));
	char list[8192];
	snprintf(list, sizeof(list), "%s/list.txt", dir);
	FILE *f = fopen(list, "r");
	images = calloc(256, sizeof(*images));
	if (f) {
		while (nimages < 256 && fscanf(f, "%127s %15s", images[nimages].file,
					       images[nimages].want) == 2)
			nimages++;
		fclose(f);
	}
	struct CMUnitTest *tests = calloc((size_t)nimages + 1, sizeof(*tests));
	tests[0] = (struct CMUnitTest)cmocka_unit_test(every_image_built);
	for (int i = 0; i < nimages; i++)
		tests[i + 1] = (struct CMUnitTest){ images[i].file, check_image, NULL, NULL, &images[i] };
	int rc = _cmocka_run_group_tests("fixshapes", tests, (size_t)nimages + 1, NULL, NULL);
	free(tests);
	free(images);
	return rc;
}
