// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Types from DWARF through libdw.  See debuginfo.h for the lookup model.
 *
 * Each debug file is opened with libelf and libdw alone.  A module's debug file
 * is ET_REL: in Debian's kvm.ko every string and cross-unit reference of
 * .debug_info is a relocation (read raw, every name would be the first string
 * of .debug_str).  Types need .debug_info only, so that one section is
 * relocated here, in place in the file's private mapping.  libdwfl relocates
 * every debug section (kvm.ko: 4.4 MB of .debug_info, 1.9 MB of line, location
 * and range lists, 9 MB of relocations, copied page by page): a third of a
 * CLI run on one dump.  vmlinux is ET_EXEC and needs nothing.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kvmtimer/debuginfo.h"
#include "kvmtimer/file.h"
#include "kvmtimer/htab.h"

#define KT_DI_MAX_FILES 16
#define KT_DI_MAX_HINTS 16
/* Index values: file index in the top 16 bits, DIE offset in the rest. */
#define DIE_OFF_BITS 48

enum kind { K_STRUCT, K_UNION, K_TYPEDEF, K_BASE, K_ENUM, K_VAR, NKINDS };

struct di_file {
	char *path;
	char *modname;		/* NULL: vmlinux */
	int fd;
	Dwarf *dw;		/* NULL: no DWARF (error reported at add) */
	Elf *elf;
	Dwarf_Off next_cu;	/* where the incremental scan resumes */
	Dwarf_Off hinted[KT_DI_MAX_HINTS];	/* units indexed out of order */
	int nhinted;
	bool scanned;		/* every CU indexed */
};

struct kt_di {
	struct di_file files[KT_DI_MAX_FILES];
	int nfiles;
	/* Per kind (enum kind), name -> DIE; names borrowed from the DWARF string
	 * sections, which live as long as the files. */
	struct kt_htab names[NKINDS];
	struct kt_htab cache;	/* "o:type:member" "z:type:member" "Z:type" "V:var:member" */
};

struct kt_di *kt_di_new(void)
{
	struct kt_di *di = calloc(1, sizeof(struct kt_di));

	for (int k = 0; di && k < NKINDS; k++)
		di->names[k].borrow = true;
	return di;
}

void kt_di_free(struct kt_di *di)
{
	if (!di)
		return;
	for (int i = 0; i < di->nfiles; i++) {
		dwarf_end(di->files[i].dw);
		elf_end(di->files[i].elf);
		close(di->files[i].fd);
		free(di->files[i].path);
		free(di->files[i].modname);
	}
	for (int k = 0; k < NKINDS; k++)
		kt_htab_free(&di->names[k]);
	kt_htab_free(&di->cache);
	free(di);
}

static bool same_modname(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;

		if (x != y)
			return false;
	}
	return !*a && !*b;
}

int kt_di_find_module(const struct kt_di *di, const char *name)
{
	for (int i = 0; i < di->nfiles; i++)
		if (di->files[i].modname && same_modname(di->files[i].modname, name))
			return i;
	return -1;
}

/* The section named name, or NULL. */
static Elf_Scn *section_named(Elf *elf, size_t shstrndx, const char *name)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh)) {
			const char *n = elf_strptr(elf, shstrndx, sh.sh_name);

			if (n && !strcmp(n, name))
				return scn;
		}
	return NULL;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23	/* Linux 5.14 */
#endif
static void prefault_write(void *buf, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)buf & ~(page - 1);

	(void)madvise((void *)start, (uintptr_t)buf + len - start, MADV_POPULATE_WRITE);
}

/* Apply the x86-64 relocations of an ET_REL file's .debug_info to the section
 * (S + A: in an ET_REL debug file the symbols are sections at address 0, so
 * the values are offsets into .debug_str, .debug_abbrev... and section-relative
 * code addresses).  false with *why on anything unexpected. */
static bool relocate_debug_info(Elf *elf, const char **why)
{
	size_t shstrndx, nrel;
	Elf_Scn *info, *rela = NULL, *scn = NULL, *symscn;
	Elf_Data *d, *rd, *sd;
	GElf_Shdr sh, rsh;
	GElf_Ehdr eh;

	*why = "malformed ELF";
	if (!gelf_getehdr(elf, &eh) || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return false;
	if (!(info = section_named(elf, shstrndx, ".debug_info")))
		return true;	/* no DWARF: dwarf_begin_elf says so */
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_RELA || sh.sh_type == SHT_REL) &&
		    sh.sh_info == elf_ndxscn(info)) {
			rela = scn;
			rsh = sh;
			break;
		}
	if (!rela)
		return true;
	*why = "relocations other than x86-64 RELA";
	if (eh.e_machine != EM_X86_64 || rsh.sh_type != SHT_RELA)
		return false;
	*why = "compressed or unreadable .debug_info";
	if (!gelf_getshdr(info, &sh) || (sh.sh_flags & SHF_COMPRESSED) ||
	    !(d = elf_getdata(info, NULL)) || !d->d_buf)
		return false;
	*why = "unreadable relocations or symbol table";
	if (!(rd = elf_getdata(rela, NULL)) || !(symscn = elf_getscn(elf, rsh.sh_link)) ||
	    !(sd = elf_getdata(symscn, NULL)) || !rsh.sh_entsize)
		return false;
	nrel = rsh.sh_size / rsh.sh_entsize;
	/* The relocations write all over the section, each page of it a
	 * copy-on-write fault of the private mapping (kvm.ko's: ~1,100): copy
	 * them all in one call where the kernel can (Linux 5.14+; a hint). */
	prefault_write(d->d_buf, d->d_size);
	for (size_t i = 0; i < nrel; i++) {
		GElf_Rela r;
		GElf_Sym sym;
		uint64_t v;
		size_t len;

		*why = "a relocation outside .debug_info or of an unknown type";
		if (!gelf_getrela(rd, (int)i, &r) ||
		    !gelf_getsym(sd, (int)GELF_R_SYM(r.r_info), &sym))
			return false;
		switch (GELF_R_TYPE(r.r_info)) {
		case R_X86_64_NONE: continue;
		case R_X86_64_64: len = 8; break;
		case R_X86_64_32: len = 4; break;
		default: return false;
		}
		if (r.r_offset > d->d_size || len > d->d_size - r.r_offset)
			return false;
		v = sym.st_value + (uint64_t)r.r_addend;
		memcpy((char *)d->d_buf + r.r_offset, &v, len);	/* little-endian */
	}
	return true;
}

enum kt_status kt_di_add(struct kt_di *di, const char *path, const char *modname,
			 struct kt_err *err)
{
	struct di_file *f;
	const char *why = NULL;
	GElf_Ehdr eh;

	if (di->nfiles == KT_DI_MAX_FILES)
		return kt_err_set(err, KT_EINVAL, 0, "%s: too many debug files (max %d)",
				  path, KT_DI_MAX_FILES);
	/* Our own open: a FIFO or device given as a debug file must neither hang
	 * nor be read. */
	int fd = kt_open_regular(path, err);
	if (fd < 0)
		return err->status;
	f = &di->files[di->nfiles];
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	elf_version(EV_CURRENT);
	/* Private and writable: the relocations are applied in place. */
	f->elf = elf_begin(fd, ELF_C_READ_MMAP_PRIVATE, NULL);
	if (!f->elf || elf_kind(f->elf) != ELF_K_ELF || !gelf_getehdr(f->elf, &eh)) {
		kt_err_set(err, KT_EINVAL, 0, "%s: not an ELF debug file (%s)", path,
			   elf_errmsg(-1));
		goto fail;
	}
	if (eh.e_type == ET_REL && !relocate_debug_info(f->elf, &why)) {
		kt_err_set(err, KT_EINVAL, 0, "%s: cannot relocate its DWARF: %s", path, why);
		goto fail;
	}
	f->dw = dwarf_begin_elf(f->elf, DWARF_C_READ, NULL);
	if (!f->dw) {
		kt_err_set(err, KT_ENOENT, 0, "%s: no DWARF debuginfo (%s): give the -dbg "
			   "package's file, not the stripped one", path, dwarf_errmsg(-1));
		goto fail;
	}
	f->path = strdup(path);
	f->modname = modname ? strdup(modname) : NULL;
	if (!f->path || (modname && !f->modname)) {
		kt_err_set(err, KT_ENOMEM, 0, "%s: out of memory", path);
		goto fail;
	}
	di->nfiles++;
	/* Lookups that failed before may succeed now. */
	kt_htab_free(&di->cache);
	return KT_OK;
fail:
	free(f->path);
	free(f->modname);
	dwarf_end(f->dw);
	elf_end(f->elf);
	close(fd);
	memset(f, 0, sizeof(*f));
	return err->status;
}

int kt_di_nfiles(const struct kt_di *di) { return di->nfiles; }
Elf *kt_di_elf(const struct kt_di *di, int i) { return di->files[i].elf; }
const char *kt_di_path(const struct kt_di *di, int i) { return di->files[i].path; }
const char *kt_di_modname(const struct kt_di *di, int i) { return di->files[i].modname; }

bool kt_elf_symtab_open(Elf *elf, struct kt_elf_symtab *t)
{
	GElf_Shdr sh, strsh;
	Elf_Scn *scn = NULL, *strscn;
	Elf_Data *data, *strs;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			break;
	if (!scn || !(data = elf_getdata(scn, NULL)) || !sh.sh_entsize)
		return false;
	*t = (struct kt_elf_symtab){ .elf = elf, .data = data, .strndx = sh.sh_link,
				     .count = sh.sh_size / sh.sh_entsize };
	if (gelf_getclass(elf) == ELFCLASS64 && sh.sh_entsize == sizeof(Elf64_Sym) &&
	    data->d_type == ELF_T_SYM && data->d_size >= t->count * sizeof(Elf64_Sym) &&
	    (strscn = elf_getscn(elf, sh.sh_link)) && gelf_getshdr(strscn, &strsh) &&
	    (strs = elf_getdata(strscn, NULL)) && strs->d_buf && strs->d_size &&
	    !((const char *)strs->d_buf)[strs->d_size - 1]) {
		t->raw = data->d_buf;
		t->str = strs->d_buf;
		t->nstr = strs->d_size;
	}
	return true;
}

bool kt_elf_symtab_get(const struct kt_elf_symtab *t, size_t i, GElf_Sym *sym, const char **name)
{
	if (t->raw) {
		const Elf64_Sym *r = &t->raw[i];

		sym->st_name = r->st_name;
		sym->st_info = r->st_info;
		sym->st_other = r->st_other;
		sym->st_shndx = r->st_shndx;
		sym->st_value = r->st_value;
		sym->st_size = r->st_size;
		*name = r->st_name < t->nstr ? t->str + r->st_name : NULL;
		return true;
	}
	if (!gelf_getsym(t->data, (int)i, sym))
		return false;
	*name = elf_strptr(t->elf, t->strndx, sym->st_name);
	return true;
}

/* One name: three per CLI run cost 47 million instructions through
 * gelf_getsym()/elf_strptr() (5 % of a run at 1,024 vCPUs); in place, with the
 * name's first byte compared first, ~5 million. */
uint64_t kt_elf_symbol(Elf *elf, const char *name)
{
	struct kt_elf_symtab t;

	if (!kt_elf_symtab_open(elf, &t))
		return 0;
	for (size_t i = 1; i < t.count; i++) {
		GElf_Sym sym;
		const char *n;

		if (t.raw && (t.raw[i].st_name >= t.nstr || t.str[t.raw[i].st_name] != name[0]))
			continue;	/* the common case, without copying the entry */
		if (kt_elf_symtab_get(&t, i, &sym, &n) && sym.st_shndx != SHN_UNDEF && n &&
		    !strcmp(n, name))
			return sym.st_value;
	}
	return 0;
}

/* ---- the incremental index ---- */

static int tag_kind(int tag)
{
	switch (tag) {
	case DW_TAG_structure_type: return K_STRUCT;
	case DW_TAG_union_type: return K_UNION;
	case DW_TAG_typedef: return K_TYPEDEF;
	case DW_TAG_base_type: return K_BASE;
	case DW_TAG_enumeration_type: return K_ENUM;
	case DW_TAG_variable: return K_VAR;
	}
	return -1;
}

/* Index the top-level DIEs of compile unit cu of file fi. */
static void index_cu(struct kt_di *di, int fi, Dwarf_Die *cu)
{
	Dwarf_Die die;

	if (dwarf_child(cu, &die) != 0)
		return;
	do {
		int kind = tag_kind(dwarf_tag(&die));
		const char *name;

		if (kind < 0 || !(name = dwarf_diename(&die)))
			continue;
		/* A declared struct has no members; a declared variable still has
		 * its type, which is all we need of it. */
		if (kind == K_VAR ? !dwarf_hasattr(&die, DW_AT_type)
				  : dwarf_hasattr(&die, DW_AT_declaration))
			continue;
		kt_htab_add(&di->names[kind], name,
			    ((uint64_t)fi << DIE_OFF_BITS) | dwarf_dieoffset(&die));
	} while (dwarf_siblingof(&die, &die) == 0);
}

/* Index the top-level DIEs of the next compile unit of file fi.  false when
 * the file has no more units (or an error ended the scan). */
static bool scan_next_cu(struct kt_di *di, int fi)
{
	struct di_file *f = &di->files[fi];
	Dwarf_Off off = f->next_cu, next;
	size_t hsize;
	Dwarf_Die cu;

	if (f->scanned || !f->dw)
		return false;
	if (dwarf_next_unit(f->dw, off, &next, &hsize, NULL, NULL, NULL, NULL, NULL, NULL) != 0 ||
	    !dwarf_offdie(f->dw, off + hsize, &cu)) {
		f->scanned = true;
		return false;
	}
	f->next_cu = next;
	index_cu(di, fi, &cu);
	return true;
}

/* The .debug_info offset of the unit whose code covers addr, from
 * .debug_aranges read raw (libdw's dwarf_getaranges reads every unit's header
 * to check it: 0.12 s and 100 MB on a distribution vmlinux).  false: none. */
static bool aranges_unit(Elf *elf, uint64_t addr, Dwarf_Off *unit)
{
	size_t shstrndx;
	Elf_Scn *scn;
	Elf_Data *d;
	const unsigned char *p, *end;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0 ||
	    !(scn = section_named(elf, shstrndx, ".debug_aranges")) ||
	    !(d = elf_getdata(scn, NULL)) || !d->d_buf)
		return false;
	p = d->d_buf;
	end = p + d->d_size;
	while ((size_t)(end - p) >= 16) {
		const unsigned char *set = p, *q, *next;
		uint32_t len32;
		uint64_t len, info;
		size_t off = 4, osz = 4;

		memcpy(&len32, p, 4);
		len = len32;
		if (len32 == 0xffffffffu) {	/* 64-bit DWARF */
			if ((size_t)(end - p) < 12)
				return false;
			memcpy(&len, p + 4, 8);
			off = 12;
			osz = 8;
		}
		if (len > (uint64_t)(end - p) - off)
			return false;
		next = p + off + len;
		q = p + off + 2;	/* version */
		if (q + osz + 2 > next)
			return false;
		info = 0;
		memcpy(&info, q, osz);
		q += osz;
		if (q[0] != 8 || q[1] != 0)	/* 8-byte addresses, no segments */
			return false;
		q += 2;
		q = set + (((size_t)(q - set) + 15) & ~(size_t)15);	/* tuples align to 16 */
		for (; q + 16 <= next; q += 16) {
			uint64_t a, n;

			memcpy(&a, q, 8);
			memcpy(&n, q + 8, 8);
			if (!a && !n)
				break;
			if (addr >= a && addr - a < n) {
				*unit = info;
				return true;
			}
		}
		p = next;
	}
	return false;
}

void kt_di_index_unit_of(struct kt_di *di, int fi, const char *function)
{
	struct di_file *f;
	uint64_t addr;
	Dwarf_Off unit, next;
	size_t hsize;
	Dwarf_Die cu;

	if (fi < 0 || fi >= di->nfiles || !(f = &di->files[fi])->dw || f->scanned)
		return;
	addr = kt_elf_symbol(f->elf, function);
	if (!addr || !aranges_unit(f->elf, addr, &unit) || unit < f->next_cu)
		return;		/* no such code, or the scan has been there */
	for (int i = 0; i < f->nhinted; i++)
		if (f->hinted[i] == unit)
			return;
	if (f->nhinted == KT_DI_MAX_HINTS)
		return;
	f->hinted[f->nhinted++] = unit;
	if (dwarf_next_unit(f->dw, unit, &next, &hsize, NULL, NULL, NULL, NULL, NULL, NULL) == 0 &&
	    dwarf_offdie(f->dw, unit + hsize, &cu))
		index_cu(di, fi, &cu);
}

/*
 * Names the core looks up that no module debug file has and that vmlinux
 * defines in one .c file only, each with a function of that file: its unit is
 * indexed first.  Without the hint such a name costs a scan of every vmlinux
 * unit before its first definition (module files are scanned first, and a
 * kernel type they use is found there).  Counted with callgrind on Debian's
 * 6.1 vmlinux, `kvmtimer --command kvmlapic -a` at 1,024 vCPUs:
 *  - tk_core: kernel/time/timekeeping.c, ~380 units in (ktime_get);
 *  - struct xa_node (the vCPU xarray's nodes): in no kvm.ko unit; first
 *    defined 163 units into vmlinux (arch/x86/kernel/cpu/sgx/encl.c), then in
 *    kernel/pid.c (unit 286; 309 on Debian's 6.12, 207 on the reference 6.1):
 *    the hint on alloc_pid takes the run from 922 to 707 million
 *    instructions.  A hint must not lie far past the others: libdw reads
 *    every unit header before the one asked for, and one on xa_load
 *    (lib/xarray.c, ~2,500 units in) cost 80 MB and was slower in wall time.
 */
static const char *const core_unit_hints[] = {
	"ktime_get",	/* tk_core: kernel/time/timekeeping.c */
	"alloc_pid",	/* struct xa_node (through the pid idr): kernel/pid.c */
};

void kt_di_index_core_units(struct kt_di *di)
{
	for (size_t i = 0; i < sizeof(core_unit_hints) / sizeof(core_unit_hints[0]); i++)
		kt_di_index_unit_of(di, 0, core_unit_hints[i]);
}

/* Find the DIE for name under any of kinds[0..n-1] (earlier kinds preferred),
 * scanning on, one compile unit at a time, until one is found or every file is
 * indexed.  Module files are scanned before vmlinux: they are small, hold the
 * KVM types, and their kernel types come from the same build's headers. */
static bool lookup(struct kt_di *di, const char *name, const int *kinds, int n,
		   Dwarf_Die *out)
{
	for (;;) {
		uint64_t v;
		int fi, k;

		for (k = 0; k < n; k++)
			if (kt_htab_get(&di->names[kinds[k]], name, &v)) {
				fi = (int)(v >> DIE_OFF_BITS);
				return dwarf_offdie(di->files[fi].dw,
						    v & ((1ULL << DIE_OFF_BITS) - 1), out) != NULL;
			}
		for (fi = di->nfiles - 1; fi >= 0; fi--)
			if (scan_next_cu(di, fi))
				break;
		if (fi < 0)
			return false;
	}
}

/* Find a type by name: "struct x", "union x", "enum x", or a bare name tried
 * as struct, union, typedef, base type, enum. */
static bool lookup_type(struct kt_di *di, const char *type, Dwarf_Die *out)
{
	static const int s[] = { K_STRUCT }, u[] = { K_UNION }, e[] = { K_ENUM };
	static const int any[] = { K_STRUCT, K_UNION, K_TYPEDEF, K_BASE, K_ENUM };

	if (!strncmp(type, "struct ", 7))
		return lookup(di, type + 7, s, 1, out);
	if (!strncmp(type, "union ", 6))
		return lookup(di, type + 6, u, 1, out);
	if (!strncmp(type, "enum ", 5))
		return lookup(di, type + 5, e, 1, out);
	return lookup(di, type, any, 5, out);
}

/* Follow typedefs and qualifiers to the underlying type. */
static bool peel(Dwarf_Die *die)
{
	for (int depth = 0; depth < 32; depth++) {
		Dwarf_Attribute a;

		switch (dwarf_tag(die)) {
		case DW_TAG_typedef:
		case DW_TAG_const_type:
		case DW_TAG_volatile_type:
		case DW_TAG_restrict_type:
		case DW_TAG_atomic_type:
			if (!dwarf_formref_die(dwarf_attr_integrate(die, DW_AT_type, &a), die))
				return false;
			break;
		default:
			return true;
		}
	}
	return false;
}

static bool die_type(Dwarf_Die *die, Dwarf_Die *type)
{
	Dwarf_Attribute a;

	return dwarf_formref_die(dwarf_attr_integrate(die, DW_AT_type, &a), type) != NULL;
}

static bool is_aggregate(Dwarf_Die *d)
{
	int t = dwarf_tag(d);

	return t == DW_TAG_structure_type || t == DW_TAG_union_type;
}

/* Bit offset of a member DIE from the start of its parent (x86: little
 * endian).  DWARF 4+ bit-fields: DW_AT_data_bit_offset.  Older bit-fields:
 * DW_AT_bit_offset counts from the most significant bit of a storage unit of
 * DW_AT_byte_size bytes at DW_AT_data_member_location.  Other members:
 * DW_AT_data_member_location (a constant, or DWARF 2's DW_OP_plus_uconst) * 8;
 * none at all: 0 (union members).  -1 when unreadable. */
static long member_bits(Dwarf_Die *m)
{
	Dwarf_Attribute a;
	Dwarf_Word w, loc = 0;

	if (dwarf_attr(m, DW_AT_data_bit_offset, &a))
		return dwarf_formudata(&a, &w) == 0 ? (long)w : -1;
	if (dwarf_attr(m, DW_AT_data_member_location, &a)) {
		Dwarf_Op *ops;
		size_t n;

		if (dwarf_formudata(&a, &loc) != 0) {
			if (dwarf_getlocation(&a, &ops, &n) != 0 || n != 1 ||
			    ops[0].atom != DW_OP_plus_uconst)
				return -1;
			loc = ops[0].number;
		}
	}
	if (dwarf_attr(m, DW_AT_bit_offset, &a)) {
		Dwarf_Word boff, bsize, unit;
		Dwarf_Attribute x;

		if (dwarf_formudata(&a, &boff) != 0 ||
		    !dwarf_attr(m, DW_AT_bit_size, &x) || dwarf_formudata(&x, &bsize) != 0 ||
		    !dwarf_attr(m, DW_AT_byte_size, &x) || dwarf_formudata(&x, &unit) != 0)
			return -1;
		return (long)(loc * 8 + unit * 8 - boff - bsize);
	}
	return (long)(loc * 8);
}

/* Find member `name` (len bytes, not NUL-terminated) in aggregate `agg`,
 * descending into anonymous structs/unions.  On success *member is the member
 * DIE and *bits its bit offset from the start of agg. */
static bool find_member(Dwarf_Die *agg, const char *name, size_t len, Dwarf_Die *member,
			long *bits, int depth)
{
	Dwarf_Die child;

	if (depth > 16 || dwarf_child(agg, &child) != 0)
		return false;
	do {
		const char *n;

		if (dwarf_tag(&child) != DW_TAG_member)
			continue;
		n = dwarf_diename(&child);
		if (n) {
			if (strlen(n) == len && !memcmp(n, name, len)) {
				long loc = member_bits(&child);

				if (loc < 0)
					return false;
				*member = child;
				*bits = loc;
				return true;
			}
		} else {
			Dwarf_Die t;
			long inner, loc;

			if (!die_type(&child, &t) || !peel(&t) || !is_aggregate(&t))
				continue;
			if (find_member(&t, name, len, member, &inner, depth + 1)) {
				loc = member_bits(&child);
				if (loc < 0)
					return false;
				*bits = loc + inner;
				return true;
			}
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

/* Resolve a dotted member path from aggregate type die: *bits from its start. */
static bool resolve_path(Dwarf_Die *type, const char *path, Dwarf_Die *member, long *bits)
{
	Dwarf_Die cur = *type;
	long total = 0;

	for (;;) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);
		long o;

		if (!peel(&cur) || !is_aggregate(&cur) || !len)
			return false;
		if (!find_member(&cur, path, len, member, &o, 0))
			return false;
		total += o;
		if (!dot)
			break;
		if (!die_type(member, &cur))
			return false;
		path = dot + 1;
	}
	*bits = total;
	return true;
}

static long type_die_size(Dwarf_Die *t)
{
	Dwarf_Word size;

	if (dwarf_aggregate_size(t, &size) != 0)
		return -1;
	return (long)size;
}

/* Cache helpers: values stored as (uint64_t)(long), -1 included. */
static bool cache_get(struct kt_di *di, char k, const char *a, const char *b, long *v)
{
	char key[512];
	uint64_t u;

	snprintf(key, sizeof(key), "%c:%s:%s", k, a, b ? b : "");
	if (!kt_htab_get(&di->cache, key, &u))
		return false;
	*v = (long)u;
	return true;
}

static long cache_put(struct kt_di *di, char k, const char *a, const char *b, long v)
{
	char key[512];

	snprintf(key, sizeof(key), "%c:%s:%s", k, a, b ? b : "");
	kt_htab_put(&di->cache, key, (uint64_t)v);
	return v;
}

long kt_di_member_offset(struct kt_di *di, const char *type, const char *member)
{
	long v;

	if (cache_get(di, 'o', type, member, &v))
		return v;
	v = kt_di_member_bit_offset(di, type, member);
	return cache_put(di, 'o', type, member, v < 0 ? -1 : v / 8);
}

long kt_di_member_bit_offset(struct kt_di *di, const char *type, const char *member)
{
	Dwarf_Die t, m;
	long v;

	if (cache_get(di, 'b', type, member, &v))
		return v;
	if (!lookup_type(di, type, &t) || !resolve_path(&t, member, &m, &v))
		v = -1;
	return cache_put(di, 'b', type, member, v);
}

long kt_di_member_size(struct kt_di *di, const char *type, const char *member)
{
	Dwarf_Die t, m, mt;
	long v;

	if (cache_get(di, 'z', type, member, &v))
		return v;
	if (!lookup_type(di, type, &t) || !resolve_path(&t, member, &m, &v) ||
	    !die_type(&m, &mt))
		v = -1;
	else
		v = type_die_size(&mt);
	return cache_put(di, 'z', type, member, v);
}

long kt_di_type_size(struct kt_di *di, const char *type)
{
	Dwarf_Die t;
	long v;

	if (cache_get(di, 'Z', type, NULL, &v))
		return v;
	v = lookup_type(di, type, &t) ? type_die_size(&t) : -1;
	return cache_put(di, 'Z', type, NULL, v);
}

static bool lookup_var_type(struct kt_di *di, const char *var, Dwarf_Die *t)
{
	static const int k[] = { K_VAR };
	Dwarf_Die v;

	return lookup(di, var, k, 1, &v) && die_type(&v, t);
}

long kt_di_var_member_offset(struct kt_di *di, const char *var, const char *member)
{
	Dwarf_Die t, m;
	long v;

	if (cache_get(di, 'V', var, member, &v))
		return v;
	if (!lookup_var_type(di, var, &t) || !resolve_path(&t, member, &m, &v))
		v = -1;
	return cache_put(di, 'V', var, member, v < 0 ? -1 : v / 8);
}

long kt_di_var_array_len(struct kt_di *di, const char *var)
{
	Dwarf_Die t, sub;
	Dwarf_Attribute a;
	Dwarf_Word w;
	long v = -1;

	if (cache_get(di, 'A', var, NULL, &v))
		return v;
	v = -1;
	if (lookup_var_type(di, var, &t) && peel(&t) && dwarf_tag(&t) == DW_TAG_array_type &&
	    dwarf_child(&t, &sub) == 0 && dwarf_tag(&sub) == DW_TAG_subrange_type) {
		if (dwarf_attr(&sub, DW_AT_count, &a) && dwarf_formudata(&a, &w) == 0)
			v = (long)w;
		else if (dwarf_attr(&sub, DW_AT_upper_bound, &a) && dwarf_formudata(&a, &w) == 0)
			v = (long)w + 1;
	}
	return cache_put(di, 'A', var, NULL, v);
}
