// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The CLI's kt_reader backend: dump.c (libkdumpfile) for memory and VMCOREINFO,
 * debuginfo.c (libdw) for types, symbols.c (libelf) for symbols.
 *
 * Opening does, in order: open the dump; add vmlinux's DWARF; find the KASLR
 * offset (VMCOREINFO KERNELOFFSET, else SYMBOL(_stext) against vmlinux's
 * _stext); check that vmlinux matches the dump (linux_banner in the dump vs in
 * the file); read nr_cpu_ids and __per_cpu_offset[]; walk the kernel's module
 * list and place each given module's symbols at its sections' addresses.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kvmtimer/debuginfo.h"
#include "dump.h"
#include "reader_dwarf.h"
#include "symbols.h"
#include "kvmtimer/regs.h"

#define MAX_NOTES 16
#define MAX_MODULES_WALKED 4096	/* bound on the module list walk (cycle-safe) */
#define MAX_SECTIONS 512	/* bound on module_sect_attrs.nsections */

/* A module found in the dump's module list. */
struct dump_module {
	char name[64];
	uint64_t addr;		/* struct module * */
	bool placed;		/* its debuginfo's symbols are in syms */
};

struct kt_cli_reader {
	struct kt_reader reader;
	struct kt_dump *dump;
	struct kt_di *di;
	struct kt_syms *syms;
	bool own_di;		/* else borrowed from the caller, shared between dumps */
	const char *vmlinux;	/* kt_di_path(di, 0) */
	uint64_t kaslr;
	int nr_cpus;
	uint64_t *percpu;	/* __per_cpu_offset[0..nr_cpus-1] */
	struct dump_module *mods;
	int nmods;
	bool mods_walked;
	char osrelease[128];
	char notes[MAX_NOTES][256];
	int nnotes;
	/* The dump's ELF notes (per-CPU registers), read on first use. */
	unsigned char *elf_notes;
	size_t elf_notes_len;
	bool elf_notes_read;
	struct kt_err elf_notes_err;
};

static void note(struct kt_cli_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct kt_cli_reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->nnotes == MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(r->notes[r->nnotes++], sizeof(r->notes[0]), fmt, ap);
	va_end(ap);
}

/* ---- small readers on top of the dump ---- */

static enum kt_status rd(struct kt_cli_reader *r, uint64_t addr, void *buf, size_t len)
{
	return kt_dump_read(r->dump, addr, buf, len);
}

static enum kt_status rd_u64(struct kt_cli_reader *r, uint64_t addr, uint64_t *v)
{
	return rd(r, addr, v, sizeof(*v));
}

/* Read a NUL-terminated string of at most len-1 bytes, page by page so that a
 * string ending just before an unreadable page still reads. */
static enum kt_status rd_str(struct kt_cli_reader *r, uint64_t addr, char *buf, size_t len)
{
	size_t done = 0;

	while (done + 1 < len) {
		size_t chunk = 4096 - ((addr + done) & 4095);

		if (chunk > len - 1 - done)
			chunk = len - 1 - done;
		if (rd(r, addr + done, buf + done, chunk) != KT_OK)
			return KT_EFAULT;
		if (memchr(buf + done, 0, chunk))
			return KT_OK;
		done += chunk;
	}
	buf[len - 1] = 0;
	return KT_OK;
}

/* ---- ops ---- */

static enum kt_status op_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return rd(ctx, addr, buf, len);
}

static void place_modules(struct kt_cli_reader *r);

static enum kt_status op_symbol(void *ctx, const char *name, uint64_t *addr)
{
	return kt_syms_lookup(((struct kt_cli_reader *)ctx)->syms, name, addr);
}

static enum kt_status op_symbol_name(void *ctx, uint64_t addr, char *buf, size_t len,
				     uint64_t *offset)
{
	struct kt_cli_reader *r = ctx;
	uint64_t off = 0;
	const char *name = kt_syms_name(r->syms, addr, &off, NULL);

	if (len)
		snprintf(buf, len, "%s", name ? name : "");
	if (offset)
		*offset = name ? off : 0;
	return name ? KT_OK : KT_ENOENT;
}

static long op_member_offset(void *ctx, const char *type, const char *member)
{
	return kt_di_member_offset(((struct kt_cli_reader *)ctx)->di, type, member);
}

static long op_member_bit_offset(void *ctx, const char *type, const char *member)
{
	return kt_di_member_bit_offset(((struct kt_cli_reader *)ctx)->di, type, member);
}

static long op_member_size(void *ctx, const char *type, const char *member)
{
	return kt_di_member_size(((struct kt_cli_reader *)ctx)->di, type, member);
}

static long op_type_size(void *ctx, const char *type)
{
	return kt_di_type_size(((struct kt_cli_reader *)ctx)->di, type);
}

static long op_var_member_offset(void *ctx, const char *var, const char *member)
{
	return kt_di_var_member_offset(((struct kt_cli_reader *)ctx)->di, var, member);
}

static int op_nr_cpus(void *ctx)
{
	return ((struct kt_cli_reader *)ctx)->nr_cpus;
}

static enum kt_status op_percpu_offset(void *ctx, int cpu, uint64_t *offset)
{
	struct kt_cli_reader *r = ctx;

	if (cpu < 0 || cpu >= r->nr_cpus)
		return KT_ENOENT;
	*offset = r->percpu[cpu];
	return KT_OK;
}

static enum kt_status op_vmcoreinfo(void *ctx, const char *key, char *buf, size_t len)
{
	return kt_dump_vmcoreinfo(((struct kt_cli_reader *)ctx)->dump, key, buf, len);
}

static int find_dump_module(struct kt_cli_reader *r, const char *name)
{
	for (int i = 0; i < r->nmods; i++) {
		const char *a = r->mods[i].name, *b = name;

		for (; *a && *b; a++, b++)
			if ((*a == '-' ? '_' : *a) != (*b == '-' ? '_' : *b))
				break;
		if (!*a && !*b)
			return i;
	}
	return -1;
}

/* Where crash's `mod -s` and Debian's -dbg packages put module debuginfo,
 * plus the dump factory's cache layout (vmlinux next to debug/NAME.ko). */
static bool find_module_file(struct kt_cli_reader *r, const char *module, char *path,
			     size_t len)
{
	const char *slash = strrchr(r->vmlinux, '/');
	int dl = slash ? (int)(slash - r->vmlinux) : 1;
	const char *dir = slash ? r->vmlinux : ".";
	char dashed[128];

	snprintf(dashed, sizeof(dashed), "%s", module);
	for (char *p = dashed; *p; p++)
		if (*p == '_')
			*p = '-';
	for (int n = 0; n < 2; n++) {
		const char *name = n ? dashed : module;
		int w[3];

		w[0] = snprintf(path, len, "%.*s/debug/%s.ko", dl, dir, name);
		if (w[0] > 0 && (size_t)w[0] < len && access(path, R_OK) == 0)
			return true;
		w[1] = snprintf(path, len, "%.*s/%s.ko", dl, dir, name);
		if (w[1] > 0 && (size_t)w[1] < len && access(path, R_OK) == 0)
			return true;
		if (!r->osrelease[0])
			continue;
		w[2] = snprintf(path, len, "/usr/lib/debug/lib/modules/%s/kernel/arch/x86/kvm/%s.ko",
				r->osrelease, name);
		if (w[2] > 0 && (size_t)w[2] < len && access(path, R_OK) == 0)
			return true;
	}
	return false;
}

static enum kt_status op_load_module_debuginfo(void *ctx, const char *module,
					       struct kt_err *err)
{
	struct kt_cli_reader *r = ctx;
	char path[4096];
	enum kt_status st;

	place_modules(r);
	if (find_dump_module(r, module) < 0)
		return kt_err_set(err, KT_ENODATA, 0,
				  "module %s is not loaded in this dump (no KVM on this host?)",
				  module);
	if (kt_di_find_module(r->di, module) >= 0)
		return KT_OK;
	if (!find_module_file(r, module, path, sizeof(path)))
		return kt_err_set(err, KT_ENOENT, 0,
				  "no debuginfo for module %s: run again with --module "
				  "/usr/lib/debug/lib/modules/%s/kernel/arch/x86/kvm/%s.ko "
				  "(Debian: package linux-image-%s-dbg)",
				  module, r->osrelease[0] ? r->osrelease : "RELEASE", module,
				  r->osrelease[0] ? r->osrelease : "RELEASE");
	st = kt_di_add(r->di, path, module, err);
	if (st != KT_OK)
		return st;
	note(r, "module %s: debuginfo loaded from %s", module, path);
	place_modules(r);
	return KT_OK;
}

/*
 * NT_PRSTATUS notes are per online CPU, in CPU order (QEMU: every vCPU; kdump:
 * /proc/vmcore keeps the notes of the CPUs that saved theirs): the n-th note
 * is the n-th CPU of __cpu_online_mask, or CPU n when the mask is unreadable
 * or there is a note for every CPU.
 */
static int note_index_of_cpu(struct kt_cli_reader *r, int cpu, int nnotes)
{
	uint64_t mask_addr, word;
	int idx = 0;

	if (nnotes >= r->nr_cpus || kt_syms_lookup(r->syms, "__cpu_online_mask", &mask_addr) != KT_OK)
		return cpu;
	for (int c = 0; c <= cpu; c++) {
		if (rd_u64(r, mask_addr + (uint64_t)(c / 64) * 8, &word) != KT_OK)
			return cpu;
		if (!(word >> (c % 64) & 1)) {
			if (c == cpu)
				return -1;	/* offline: no note */
			continue;
		}
		if (c == cpu)
			return idx;
		idx++;
	}
	return -1;
}

static enum kt_status op_cpu_prstatus(void *ctx, int cpu, void *buf, size_t len, size_t *got,
				      struct kt_err *err)
{
	struct kt_cli_reader *r = ctx;
	size_t off, dlen;

	if (!r->elf_notes_read) {
		r->elf_notes_read = true;
		kt_dump_notes(r->dump, &r->elf_notes, &r->elf_notes_len, &r->elf_notes_err);
	}
	if (!r->elf_notes) {
		*err = r->elf_notes_err;
		return err->status ? err->status : KT_ENOENT;
	}
	if (cpu < 0 || cpu >= r->nr_cpus)
		return kt_err_set(err, KT_ENOENT, 0, "no CPU %d", cpu);
	int n = note_index_of_cpu(r, cpu, kt_notes_count_prstatus(r->elf_notes, r->elf_notes_len));
	if (n < 0)
		return kt_err_set(err, KT_ENOENT, 0, "CPU %d is offline: no NT_PRSTATUS note", cpu);
	enum kt_status st = kt_notes_prstatus(r->elf_notes, r->elf_notes_len, n, &off, &dlen, err);
	if (st != KT_OK)
		return st;
	memcpy(buf, r->elf_notes + off, dlen < len ? dlen : len);
	*got = dlen;
	return KT_OK;
}

static enum kt_status op_debuginfo_path(void *ctx, uint64_t addr, char *buf, size_t len)
{
	struct kt_cli_reader *r = ctx;
	const char *module = NULL;
	uint64_t off;
	int f = 0;

	if (!kt_syms_name(r->syms, addr, &off, &module))
		return KT_ENOENT;
	if (module && (f = kt_di_find_module(r->di, module)) < 0)
		return KT_ENOENT;
	snprintf(buf, len, "%s", kt_di_path(r->di, f));
	return KT_OK;
}

const struct kt_reader_ops kt_dwarf_reader_ops = {
	.read = op_read,
	.symbol = op_symbol,
	.symbol_name = op_symbol_name,
	.member_offset = op_member_offset,
	.member_size = op_member_size,
	.member_bit_offset = op_member_bit_offset,
	.type_size = op_type_size,
	.var_member_offset = op_var_member_offset,
	.nr_cpus = op_nr_cpus,
	.percpu_offset = op_percpu_offset,
	.vmcoreinfo = op_vmcoreinfo,
	.load_module_debuginfo = op_load_module_debuginfo,
	.cpu_prstatus = op_cpu_prstatus,
	.debuginfo_path = op_debuginfo_path,
};

/* ---- modules: the kernel's `modules` list ---- */

/* Read the dump's module list once: names and struct module addresses. */
static void walk_module_list(struct kt_cli_reader *r)
{
	long o_list = kt_di_member_offset(r->di, "module", "list");
	long o_name = kt_di_member_offset(r->di, "module", "name");
	long name_sz = kt_di_member_size(r->di, "module", "name");
	uint64_t head, p;
	int cap = 0;

	r->mods_walked = true;
	if (o_list < 0 || o_name < 0 || name_sz <= 0) {
		note(r, "struct module not in vmlinux debuginfo: module symbols unavailable");
		return;
	}
	if (kt_syms_lookup(r->syms, "modules", &head) != KT_OK) {
		note(r, "no `modules` symbol: module symbols unavailable");
		return;
	}
	if (rd_u64(r, head, &p) != KT_OK) {
		note(r, "modules list at %#llx unreadable: module symbols unavailable",
		     (unsigned long long)head);
		return;
	}
	for (int i = 0; p != head; i++) {
		struct dump_module m = { .addr = p - (uint64_t)o_list };
		size_t nl = (size_t)name_sz < sizeof(m.name) ? (size_t)name_sz : sizeof(m.name);

		if (i == MAX_MODULES_WALKED) {
			note(r, "modules list longer than %d entries (cycle?): stopped",
			     MAX_MODULES_WALKED);
			break;
		}
		if (rd(r, m.addr + o_name, m.name, nl) != KT_OK) {
			note(r, "module at %#llx unreadable: module list walk stopped",
			     (unsigned long long)m.addr);
			break;
		}
		m.name[sizeof(m.name) - 1] = 0;
		if (r->nmods == cap) {
			struct dump_module *v;

			cap = cap ? cap * 2 : 32;
			v = realloc(r->mods, (size_t)cap * sizeof(*v));
			if (!v)
				break;
			r->mods = v;
		}
		r->mods[r->nmods++] = m;
		if (rd_u64(r, p, &p) != KT_OK) {
			note(r, "module list link at %#llx unreadable: walk stopped",
			     (unsigned long long)p);
			break;
		}
	}
}

/* The addresses of a module's sections, from module->sect_attrs (sysfs'
 * /sys/module/NAME/sections): every SHF_ALLOC section, data and bss included.
 * Layout: 5.8 and older struct module_sect_attr { mattr; char *name; address };
 * since 5.9 (commit ed66f991bb19, sysfs bin_attribute) the name is
 * battr.attr.name.  Falls back to .text at core_layout.base (4.5..6.3) or
 * mem[MOD_TEXT].base (6.4+) or module_core (<4.5) when sect_attrs is unusable. */
static int module_sections(struct kt_cli_reader *r, uint64_t mod, struct kt_modsect **out)
{
	struct kt_di *di = r->di;
	long o_sa = kt_di_member_offset(di, "module", "sect_attrs");
	long o_nsec = kt_di_member_offset(di, "module_sect_attrs", "nsections");
	long o_attrs = kt_di_member_offset(di, "module_sect_attrs", "attrs");
	long sz_attr = kt_di_type_size(di, "module_sect_attr");
	long o_addr = kt_di_member_offset(di, "module_sect_attr", "address");
	long o_sname = kt_di_member_offset(di, "module_sect_attr", "battr.attr.name");
	struct kt_modsect *v;
	uint64_t sa;
	uint32_t nsec;
	int n = 0;

	if (o_sname < 0)
		o_sname = kt_di_member_offset(di, "module_sect_attr", "name");
	*out = NULL;
	if (o_sa >= 0 && o_nsec >= 0 && o_attrs >= 0 && sz_attr > 0 && o_addr >= 0 &&
	    o_sname >= 0 && rd_u64(r, mod + o_sa, &sa) == KT_OK && sa &&
	    rd(r, sa + o_nsec, &nsec, sizeof(nsec)) == KT_OK && nsec &&
	    nsec <= MAX_SECTIONS && (v = calloc(nsec, sizeof(*v)))) {
		for (uint32_t i = 0; i < nsec; i++) {
			uint64_t a = sa + o_attrs + i * (uint64_t)sz_attr, np;

			if (rd_u64(r, a + o_addr, &v[n].addr) != KT_OK ||
			    rd_u64(r, a + o_sname, &np) != KT_OK ||
			    rd_str(r, np, v[n].name, sizeof(v[n].name)) != KT_OK)
				continue;
			n++;
		}
		if (n) {
			*out = v;
			return n;
		}
		free(v);
	}
	/* Fallback: .text only. */
	static const char *const text_base[] = {
		"mem.base",		/* 6.4+: mem[MOD_TEXT] is mem[0] */
		"core_layout.base",	/* 4.5 .. 6.3 */
		"module_core",		/* older */
	};
	for (size_t i = 0; i < sizeof(text_base) / sizeof(text_base[0]); i++) {
		long o = kt_di_member_offset(di, "module", text_base[i]);
		uint64_t base;

		if (o < 0 || rd_u64(r, mod + o, &base) != KT_OK || !base)
			continue;
		v = calloc(1, sizeof(*v));
		if (!v)
			return 0;
		snprintf(v->name, sizeof(v->name), ".text");
		v->addr = base;
		*out = v;
		return 1;
	}
	return 0;
}

/* Give every module whose debuginfo we have and that is loaded its symbols. */
static void place_modules(struct kt_cli_reader *r)
{
	struct kt_err err = { 0 };

	if (!r->mods_walked)
		walk_module_list(r);
	for (int f = 0; f < kt_di_nfiles(r->di); f++) {
		const char *name = kt_di_modname(r->di, f);
		struct kt_modsect *sects;
		int i, n;

		if (!name)
			continue;
		i = find_dump_module(r, name);
		if (i < 0) {
			note(r, "module %s (%s) is not loaded in this dump", name,
			     kt_di_path(r->di, f));
			continue;
		}
		if (r->mods[i].placed)
			continue;
		r->mods[i].placed = true;
		n = module_sections(r, r->mods[i].addr, &sects);
		if (!n) {
			note(r, "module %s: section addresses unreadable: its symbols are unavailable",
			     name);
			continue;
		}
		if (n == 1 && !strcmp(sects[0].name, ".text") )
			note(r, "module %s: only .text placed (sect_attrs unusable)", name);
		if (kt_syms_add_module(r->syms, kt_di_elf(r->di, f), r->mods[i].name, sects, n,
				       &err) != KT_OK)
			note(r, "module %s: %s", name, err.msg);
		free(sects);
	}
}

/* ---- open ---- */

/* Copy len bytes at link-time address vaddr out of the ELF file's sections. */
static bool elf_read_at(Elf *elf, uint64_t vaddr, void *buf, size_t len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) ||
		    sh.sh_type != SHT_PROGBITS || vaddr < sh.sh_addr ||
		    vaddr + len > sh.sh_addr + sh.sh_size)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || vaddr - sh.sh_addr + len > d->d_size)
			return false;
		memcpy(buf, (char *)d->d_buf + (vaddr - sh.sh_addr), len);
		return true;
	}
	return false;
}

static void find_kaslr(struct kt_cli_reader *r, Elf *elf)
{
	char v[64];

	if (kt_dump_vmcoreinfo(r->dump, "KERNELOFFSET", v, sizeof(v)) == KT_OK) {
		r->kaslr = strtoull(v, NULL, 16);
		return;
	}
	if (kt_dump_vmcoreinfo(r->dump, "SYMBOL(_stext)", v, sizeof(v)) == KT_OK) {
		uint64_t stext = kt_elf_symbol(elf, "_stext");

		if (stext) {
			r->kaslr = strtoull(v, NULL, 16) - stext;
			return;
		}
	}
	note(r, "no VMCOREINFO KERNELOFFSET: assuming the kernel is not relocated (KASLR off)");
}

/* vmlinux must be the dumped kernel: compare linux_banner. */
static enum kt_status check_banner(struct kt_cli_reader *r, Elf *elf, struct kt_err *err)
{
	uint64_t addr = kt_elf_symbol(elf, "linux_banner");
	char want[128], got[128];
	char *nl;

	if (!addr || !elf_read_at(elf, addr, want, sizeof(want))) {
		note(r, "linux_banner not in vmlinux's sections: cannot check that it matches the dump");
		return KT_OK;
	}
	want[sizeof(want) - 1] = 0;
	if ((nl = strchr(want, '\n')))
		*nl = 0;
	if (rd(r, addr + r->kaslr, got, sizeof(got)) != KT_OK)
		return kt_err_set(err, KT_ENODATA, addr + r->kaslr,
				  "cannot read linux_banner at %#llx in the dump: wrong vmlinux, "
				  "or the dump lacks kernel memory (%s)",
				  (unsigned long long)(addr + r->kaslr), kt_dump_errmsg(r->dump));
	got[sizeof(got) - 1] = 0;
	if ((nl = strchr(got, '\n')))
		*nl = 0;
	for (char *p = got; *p; p++)
		if (!isprint((unsigned char)*p))
			*p = '?';
	if (strcmp(want, got))
		return kt_err_set(err, KT_ENODATA, 0,
				  "vmlinux does not match the dump: dump has \"%.90s\", vmlinux has \"%.90s\"",
				  got, want);
	return KT_OK;
}

static enum kt_status read_percpu(struct kt_cli_reader *r, struct kt_err *err)
{
	uint64_t a_nr, a_off;
	uint32_t nr;
	long len = kt_di_var_array_len(r->di, "__per_cpu_offset");

	if (kt_syms_lookup(r->syms, "__per_cpu_offset", &a_off) != KT_OK)
		return kt_err_set(err, KT_ENODATA, 0, "vmlinux has no __per_cpu_offset (not SMP?)");
	if (kt_syms_lookup(r->syms, "nr_cpu_ids", &a_nr) != KT_OK ||
	    rd(r, a_nr, &nr, sizeof(nr)) != KT_OK) {
		if (len <= 0)
			return kt_err_set(err, KT_ENODATA, a_nr, "nr_cpu_ids unreadable");
		nr = (uint32_t)len;
		note(r, "nr_cpu_ids unreadable: using all %u slots of __per_cpu_offset", nr);
	}
	/* A damaged nr_cpu_ids is bounded by the array, not fatal; the core
	 * reports it as CORRUPT (kt_load_hrtimers). */
	if (len > 0 && (!nr || nr > (uint32_t)len)) {
		note(r, "nr_cpu_ids = %u is damaged: __per_cpu_offset has %ld slots, all used", nr, len);
		nr = (uint32_t)len;
	}
	if (!nr || nr > 65536)
		return kt_err_set(err, KT_ECORRUPT, a_nr, "nr_cpu_ids = %u is implausible", nr);
	r->percpu = calloc(nr, sizeof(*r->percpu));
	if (!r->percpu)
		return kt_err_set(err, KT_ENOMEM, 0, "out of memory");
	if (rd(r, a_off, r->percpu, nr * sizeof(*r->percpu)) != KT_OK)
		return kt_err_set(err, KT_ENODATA, a_off,
				  "__per_cpu_offset at %#llx unreadable", (unsigned long long)a_off);
	r->nr_cpus = (int)nr;
	return KT_OK;
}

void kt_cli_reader_close(struct kt_cli_reader *r)
{
	if (!r)
		return;
	kt_syms_free(r->syms);
	if (r->own_di)
		kt_di_free(r->di);
	kt_dump_close(r->dump);
	free(r->percpu);
	free(r->mods);
	free(r->elf_notes);
	free(r);
}

/*
 * The module placement's names, defined in one .c file of vmlinux only, far
 * into its units, with a function of the same file whose unit is indexed
 * first (kt_di_index_unit_of; the core's own: kt_di_index_core_units).  On
 * Debian's 6.1 vmlinux ~380 units (of 2,800) in: 17 ms to reach instead of
 * 110 ms to scan.
 */
static const char *const unit_hints[] = {
	"mod_sysfs_setup",	/* struct module_sect_attrs, module_sect_attr: kernel/module/sysfs.c
				 * (kernel/module.c before 5.19) */
};

static enum kt_status open_dump(struct kt_cli_reader *r, const char *dump, struct kt_err *err)
{
	enum kt_status st;
	Elf *elf;

	r->reader.ops = &kt_dwarf_reader_ops;
	r->reader.ctx = r;
	r->vmlinux = kt_di_path(r->di, 0);
	for (size_t i = 0; i < sizeof(unit_hints) / sizeof(unit_hints[0]); i++)
		kt_di_index_unit_of(r->di, 0, unit_hints[i]);
	kt_di_index_core_units(r->di);
	r->syms = kt_syms_new();
	if (!r->syms)
		return kt_err_set(err, KT_ENOMEM, 0, "out of memory");
	st = kt_dump_open(dump, &r->dump, err);
	if (st != KT_OK)
		return st;
	if (kt_dump_vmcoreinfo(r->dump, "OSRELEASE", r->osrelease, sizeof(r->osrelease)) != KT_OK)
		r->osrelease[0] = 0;
	elf = kt_di_elf(r->di, 0);
	find_kaslr(r, elf);
	st = kt_syms_add_vmlinux(r->syms, elf, r->kaslr, err);
	if (st != KT_OK)
		return st;
	st = check_banner(r, elf, err);
	if (st != KT_OK)
		return st;
	st = read_percpu(r, err);
	if (st != KT_OK)
		return st;
	place_modules(r);
	return KT_OK;
}

enum kt_status kt_cli_reader_open_di(struct kt_di *di, const char *dump,
				     struct kt_cli_reader **out, struct kt_err *err)
{
	struct kt_cli_reader *r = calloc(1, sizeof(*r));
	enum kt_status st;

	*out = NULL;
	if (!r)
		return kt_err_set(err, KT_ENOMEM, 0, "out of memory");
	if (kt_di_nfiles(di) < 1 || kt_di_modname(di, 0)) {
		free(r);
		return kt_err_set(err, KT_EINVAL, 0, "debuginfo: vmlinux must be the first file");
	}
	r->di = di;
	st = open_dump(r, dump, err);
	if (st != KT_OK) {
		kt_cli_reader_close(r);
		return st;
	}
	*out = r;
	return KT_OK;
}

enum kt_status kt_cli_reader_open(const char *vmlinux, const struct kt_cli_module *mods,
				  int nmods, const char *dump, struct kt_cli_reader **out,
				  struct kt_err *err)
{
	struct kt_di *di = kt_di_new();
	enum kt_status st;

	*out = NULL;
	if (!di)
		return kt_err_set(err, KT_ENOMEM, 0, "out of memory");
	st = kt_di_add(di, vmlinux, NULL, err);
	for (int i = 0; st == KT_OK && i < nmods; i++)
		st = kt_di_add(di, mods[i].path, mods[i].name, err);
	if (st == KT_OK)
		st = kt_cli_reader_open_di(di, dump, out, err);
	if (st != KT_OK) {
		kt_di_free(di);
		return st;
	}
	(*out)->own_di = true;
	return KT_OK;
}

const struct kt_reader *kt_cli_reader_get(struct kt_cli_reader *r)
{
	return &r->reader;
}

void kt_cli_reader_notes(struct kt_cli_reader *r, FILE *fp, const char *prefix)
{
	for (int i = 0; i < r->nnotes; i++)
		fprintf(fp, "%s%s\n", prefix, r->notes[i]);
}

bool kt_cli_reader_have_kvm(struct kt_cli_reader *r, struct kt_err *err)
{
	uint64_t a;

	/* KVM as a module: its debuginfo first.  Asked before it is loaded, the
	 * type lookup would index every vmlinux unit in vain (kvm_vcpu is not
	 * there): 2x the run time and 2.5x the memory on the scale dump. */
	place_modules(r);
	if (find_dump_module(r, "kvm") >= 0 && kt_di_find_module(r->di, "kvm") < 0 &&
	    op_load_module_debuginfo(r, "kvm", err) != KT_OK)
		return false;
	if (kt_di_type_size(r->di, "kvm_vcpu") > 0 && kt_di_type_size(r->di, "kvm_lapic") > 0)
		return true;
	if (kt_syms_lookup(r->syms, "vm_list", &a) != KT_OK) {
		/* Built-in KVM has vm_list in vmlinux; a module's needs its symbols. */
		place_modules(r);
		if (find_dump_module(r, "kvm") < 0) {
			kt_err_set(err, KT_ENODATA, 0, "no KVM in this dump: kvm.ko is not loaded "
				   "and the kernel has no vm_list");
			return false;
		}
	}
	if (op_load_module_debuginfo(r, "kvm", err) != KT_OK)
		return false;
	if (kt_di_type_size(r->di, "kvm_vcpu") > 0 && kt_di_type_size(r->di, "kvm_lapic") > 0)
		return true;
	kt_err_set(err, KT_ENOENT, 0, "kvm types (struct kvm_vcpu, kvm_lapic) not in the "
		   "debuginfo given: pass kvm.ko's debug file with --module");
	return false;
}

uint64_t kt_cli_reader_kaslr(struct kt_cli_reader *r)
{
	return r->kaslr;
}

const char *kt_cli_reader_format(struct kt_cli_reader *r)
{
	return kt_dump_format(r->dump);
}
