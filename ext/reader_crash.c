// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The crash-API backend of struct kt_reader_ops (include/kvmtimer/reader.h).
 *
 * Every call here must return to its caller: crash's error(FATAL) and
 * FAULT_ON_ERROR longjmp back to the prompt and would leave the core
 * half-done.  So reads use RETURN_ON_ERROR|QUIET, gdb requests use
 * GNU_RETURN_ON_ERROR, symbol_value() is only called after symbol_exists(),
 * and what may still error(FATAL) runs under a temporary longjmp target
 * (guard_begin/guard_end): loading module symbols, and every read — for a
 * vmalloc or module address readmem() walks the page tables itself with
 * FAULT_ON_ERROR (x86_64 FILL_PUD/PMD/PTBL), so a page-table page missing
 * from the dump would otherwise abandon the command mid-document.
 */
#include "defs.h"
#include <ctype.h>
#include <elf.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kvmtimer/debuginfo.h"
#include "kvmtimer/reader.h"
#include "ext.h"

/* Names we hand to gdb must be plain C identifiers (and member paths of them):
 * anything else could smuggle a gdb command in. */
static bool is_c_path(const char *s, bool allow_dots)
{
	if (!s || !*s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++) {
		if (isalnum((unsigned char)*s) || *s == '_')
			continue;
		if (allow_dots && *s == '.' && s[1] && s[1] != '.')
			continue;
		return false;
	}
	return true;
}

/*
 * Run one gdb command quietly and parse its single-line output as a signed
 * decimal.  Output (and gdb's error text, if any) goes to a private tmpfile,
 * never to the user, and crash's own tmpfile/tmpfile2 are left alone so that
 * callers that hold them open are not disturbed.
 */
static bool gdb_long(const char *cmd, long *out)
{
	char line[256];
	char buf[BUFSIZE];
	bool ok = false;
	FILE *tf = tmpfile();

	if (!tf)
		return false;
	snprintf(buf, sizeof(buf), "%s", cmd);
	if (gdb_pass_through(buf, tf, GNU_RETURN_ON_ERROR)) {
		rewind(tf);
		if (fgets(line, sizeof(line), tf)) {
			char *end;
			long v = strtol(line, &end, 0);
			while (*end == '\n' || *end == ' ')
				end++;
			if (end != line && *end == '\0') {
				*out = v;
				ok = true;
			}
		}
	}
	fclose(tf);
	return ok;
}

/* Callers name types bare ("kvm_lapic"); accept "struct kvm_lapic" too. */
static const char *bare_type(const char *type)
{
	if (type && !strncmp(type, "struct ", 7))
		return type + 7;
	if (type && !strncmp(type, "union ", 6))
		return type + 6;
	return type;
}

/* "struct T", then "union T", then the bare name (a typedef). */
static const char *const aggregate_kinds[] = { "struct ", "union ", "" };

/* gdb: offset (what == 'o'), size ('s') of T.path, or -1. */
static long gdb_member(const char *type, const char *path, char what)
{
	char cmd[512];
	long v;

	if (!is_c_path(type, false) || !is_c_path(path, true))
		return -1;
	for (size_t i = 0; i < sizeof(aggregate_kinds) / sizeof(aggregate_kinds[0]); i++) {
		if (what == 'o')
			snprintf(cmd, sizeof(cmd),
				 "printf \"%%ld\\n\", (long)&((%s%s *)0)->%s",
				 aggregate_kinds[i], type, path);
		else
			snprintf(cmd, sizeof(cmd),
				 "printf \"%%ld\\n\", (long)sizeof(((%s%s *)0)->%s)",
				 aggregate_kinds[i], type, path);
		if (gdb_long(cmd, &v) && v >= 0)
			return v;
	}
	return -1;
}

/*
 * A temporary longjmp target for crash's error(FATAL): guard_begin() saves
 * crash's main_loop_env and output streams (crash's message about the fault
 * is discarded: the core reports the address itself), then the caller does
 *	if (setjmp(pc->main_loop_env) == 0) { ...crash call... }
 * and guard_end() puts everything back.  Only the setjmp can live in the
 * caller's frame; state is static so that it survives the longjmp.
 */
static struct {
	jmp_buf saved;
	FILE *fp, *error_fp;
	int sigint_cnt;
	ulonglong sigint_flag;
} guard;

static void guard_begin(void)
{
	memcpy(guard.saved, pc->main_loop_env, sizeof(jmp_buf));
	guard.fp = fp;
	guard.error_fp = pc->error_fp;
	guard.sigint_cnt = pc->sigint_cnt;
	guard.sigint_flag = pc->flags & _SIGINT_;
	fp = pc->nullfp;
	pc->error_fp = pc->nullfp;
}

/* faulted: the crash call longjmp'ed.  A Ctrl-C is the user's, not a fault:
 * it is passed on to crash's prompt (the command stops, as for any other
 * crash command) instead of being reported as missing data. */
static void guard_end(bool faulted)
{
	memcpy(pc->main_loop_env, guard.saved, sizeof(jmp_buf));
	fp = guard.fp;
	pc->error_fp = guard.error_fp;
	if (faulted && (pc->sigint_cnt != guard.sigint_cnt ||
			(pc->flags & _SIGINT_) != guard.sigint_flag))
		longjmp(pc->main_loop_env, 1);
}

static bool crash_readmem(uint64_t addr, void *buf, size_t len)
{
	static volatile bool ok;	/* static: must survive the longjmp */

	ok = false;
	guard_begin();
	if (setjmp(pc->main_loop_env) == 0) {
		ok = readmem(addr, KVADDR, buf, (long)len, "kvmtimer", RETURN_ON_ERROR | QUIET);
		guard_end(false);
	} else {
		guard_end(true);
	}
	return ok;
}

/*
 * Whole pages, kept for one command.  The core reads fields, several per
 * page (kvmlapic -a on 2,048 vCPUs: 16,724 reads of 7,979 pages), and crash
 * keeps only a few pages of a compressed dump inflated (diskdump.c's page
 * cache): it inflated 10,143 times for that command, 8,551 with this cache
 * (crash's help -D).  A page is read
 * whole, once; one that cannot be read whole (a page missing from the dump)
 * is not cached, and its bytes are asked of crash as they were, so a read
 * fails exactly as it did.  Direct-mapped, 4 MiB, cleared when a command
 * starts (kt_crash_reader_begin_command).
 */
#define PCACHE_PAGE 4096u
#define PCACHE_SLOTS 1024u
static struct {
	uint64_t *tag;		/* page address + 1; 0: empty */
	unsigned char *data;	/* PCACHE_SLOTS pages */
	bool unusable;		/* out of memory: read through */
} pcache;

void kt_crash_reader_begin_command(void)
{
	if (pcache.tag)
		memset(pcache.tag, 0, PCACHE_SLOTS * sizeof(*pcache.tag));
}

static const unsigned char *pcache_page(uint64_t page)
{
	if (!pcache.tag && !pcache.unusable) {
		pcache.tag = calloc(PCACHE_SLOTS, sizeof(*pcache.tag));
		pcache.data = malloc((size_t)PCACHE_SLOTS * PCACHE_PAGE);
		if (!pcache.tag || !pcache.data) {
			free(pcache.tag);
			free(pcache.data);
			pcache.tag = NULL;
			pcache.data = NULL;
			pcache.unusable = true;
		}
	}
	if (!pcache.tag)
		return NULL;
	size_t slot = (size_t)(page / PCACHE_PAGE) % PCACHE_SLOTS;
	unsigned char *d = pcache.data + slot * PCACHE_PAGE;
	if (pcache.tag[slot] == page + 1)
		return d;
	if (!crash_readmem(page, d, PCACHE_PAGE)) {
		pcache.tag[slot] = 0;
		return NULL;
	}
	pcache.tag[slot] = page + 1;
	return d;
}

static enum kt_status crash_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	while (len) {
		uint64_t page = addr & ~(uint64_t)(PCACHE_PAGE - 1);
		size_t off = (size_t)(addr - page);
		size_t n = PCACHE_PAGE - off < len ? PCACHE_PAGE - off : len;
		const unsigned char *d = pcache_page(page);

		if (d)
			memcpy(buf, d + off, n);
		else if (!crash_readmem(addr, buf, n))
			return KT_EFAULT;
		buf = (unsigned char *)buf + n;
		addr += n;
		len -= n;
	}
	return KT_OK;
}

static enum kt_status crash_symbol(void *ctx, const char *name, uint64_t *addr)
{
	char buf[BUFSIZE];

	(void)ctx;
	if (!name || strlen(name) >= sizeof(buf))
		return KT_ENOENT;
	strcpy(buf, name);
	/* symbol_exists() covers vmlinux and the loaded modules' symbols;
	 * symbol_value() would error(FATAL) on a missing one. */
	if (!symbol_exists(buf))
		return KT_ENOENT;
	*addr = symbol_value(buf);
	return KT_OK;
}

static enum kt_status crash_symbol_name(void *ctx, uint64_t addr, char *buf, size_t len,
					uint64_t *offset)
{
	struct syment *sp;
	ulong off = 0;

	(void)ctx;
	if (len)
		buf[0] = '\0';
	if (offset)
		*offset = 0;
	if (!addr || !(sp = value_search(addr, &off)) || !sp->name)
		return KT_ENOENT;
	if (len)
		snprintf(buf, len, "%s", sp->name);
	if (offset)
		*offset = off;
	return KT_OK;
}

/*
 * Types, first choice: the DWARF of the files crash itself loaded (its vmlinux
 * or separate debuginfo file, the `mod -s` files of kvm, kvm_amd, kvm_intel),
 * read with the core's libdw reader (src/dump/debuginfo.c, the CLI's).  On a
 * session's first command this is several times faster than asking gdb,
 * whose first lookup of each type searches every unit's partial symbols and
 * expands the unit that has it (0.15 s for kvm_lapic alone, in kvm.ko's
 * x86.c): the reader opens the files (1 ms for vmlinux, 70 ms to relocate
 * kvm.ko's .debug_info) and indexes units in order until it finds a name,
 * modules first (bench/RESULTS-2026-12-01.md has both measured).  Rebuilt
 * when crash loads module debuginfo; when a file cannot be read (no DWARF in
 * it, an unexpected format) every type question goes to gdb instead.
 */
static struct {
	struct kt_di *di;
	int generation;		/* kt_crash_module_generation() it was built for */
	bool unusable;		/* then gdb answers */
} dwarf_types = { .generation = -1 };

static struct kt_di *types_dwarf(void)
{
	static const char *const kvm_modules[] = { "kvm", "kvm_amd", "kvm_intel" };
	int gen = kt_crash_module_generation();
	struct kt_err e = { 0 };
	const char *vmlinux;
	struct kt_di *di;

	if (gen == dwarf_types.generation)
		return dwarf_types.unusable ? NULL : dwarf_types.di;
	kt_di_free(dwarf_types.di);
	dwarf_types.di = NULL;
	dwarf_types.generation = gen;
	dwarf_types.unusable = true;
	vmlinux = pc->debuginfo_file && *pc->debuginfo_file ? pc->debuginfo_file : pc->namelist;
	if (!vmlinux || !*vmlinux || !(di = kt_di_new()))
		return NULL;
	if (kt_di_add(di, vmlinux, NULL, &e) != KT_OK) {
		kt_di_free(di);
		return NULL;
	}
	for (int i = 0; i < st->mods_installed; i++) {
		struct load_module *lm = &st->load_modules[i];
		bool kvm = false;

		for (size_t k = 0; k < sizeof(kvm_modules) / sizeof(kvm_modules[0]); k++)
			kvm |= !strcmp(lm->mod_name, kvm_modules[k]);
		if (!kvm || !(lm->mod_flags & MOD_LOAD_SYMS) || !lm->mod_namelist[0])
			continue;
		if (kt_di_add(di, lm->mod_namelist, lm->mod_name, &e) != KT_OK) {
			kt_di_free(di);
			return NULL;
		}
	}
	/* The units of vmlinux-only names first (an ordering hint, as in the CLI). */
	kt_di_index_core_units(di);
	dwarf_types.di = di;
	dwarf_types.unusable = false;
	return di;
}

void kt_crash_reader_cleanup(void)
{
	free(pcache.tag);
	free(pcache.data);
	pcache.tag = NULL;
	pcache.data = NULL;
	kt_di_free(dwarf_types.di);
	dwarf_types.di = NULL;
	dwarf_types.generation = -1;
}

/*
 * Types, when the DWARF files cannot be read: through crash's own gdb request, GNU_GET_DATATYPE (what crash's
 * datatype_info(), behind MEMBER_OFFSET, MEMBER_SIZE and STRUCT_SIZE, makes):
 * one request answers a member's offset in bits (exact for bit-fields), its
 * size and the type's size.  The layout asks offset, size and sometimes the
 * bit offset of each member in turn: the last answer is kept, so that is one
 * gdb lookup instead of two (and instead of a `printm` through gdb's
 * expression parser, ~0.15 s per bit-field on a session's first command).
 * A type gdb does not know is remembered too, so its other members cost
 * nothing; both are forgotten when crash loads module debuginfo (`mod -s`).
 * gdb descends into anonymous structs and unions itself (get_member_data);
 * member paths with dots ("tkr_mono.base") are not understood by it: for
 * those the fallback is our own quiet gdb expression, tried only when the
 * containing type exists.
 */
#define KT_NAME_MAX 64
static struct {
	int generation;		/* kt_crash_module_generation() of the answers */
	char type[KT_NAME_MAX], member[KT_NAME_MAX];	/* the last question */
	long type_size, bits, size;			/* its answer, -1: absent */
	char absent[KT_NAME_MAX];	/* the last type gdb did not know */
} dt_cache = { .generation = -1 };

/* Ask gdb about type (bare name, a typedef, or a struct/union tag) and,
 * member non-NULL, one of its members: as datatype_info() does, the bare
 * name first, then "struct T", then "union T". */
static void gdb_datatype(const char *type, const char *member, long *type_size, long *bits,
			 long *size)
{
	static const char *const kinds[] = { "", "struct ", "union " };
	struct gnu_request req;
	char name[BUFSIZE], m[BUFSIZE];

	*type_size = *bits = *size = -1;
	snprintf(m, sizeof(m), "%s", member ? member : "");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", kinds[i], type);
		BZERO(&req, sizeof(req));
		req.command = GNU_GET_DATATYPE;
		req.flags = GNU_RETURN_ON_ERROR;
		req.name = name;
		req.member = member ? m : NULL;
		req.fp = pc->nullfp;
		gdb_interface(&req);
		if (req.flags & GNU_COMMAND_FAILED)
			return;
		if (req.typecode != TYPE_CODE_UNDEF)
			break;
	}
	switch (req.typecode) {
	case TYPE_CODE_STRUCT:
	case TYPE_CODE_UNION:
		*type_size = (long)req.length;
		if (member && req.member_offset >= 0) {
			*bits = req.member_offset;
			*size = req.member_length;
		}
		break;
	case TYPE_CODE_UNDEF:
		break;
	default:	/* a typedef'd scalar, pointer, array, enum: no members */
		*type_size = (long)req.length;
		break;
	}
}

/* The answer for type.member (member NULL: the type alone), from the cache
 * when it was the last question. */
static void datatype(const char *type, const char *member, long *type_size, long *bits,
		     long *size)
{
	int gen = kt_crash_module_generation();

	if (gen != dt_cache.generation) {
		memset(&dt_cache, 0, sizeof(dt_cache));
		dt_cache.generation = gen;
	}
	*type_size = *bits = *size = -1;
	if (strlen(type) >= KT_NAME_MAX || (member && strlen(member) >= KT_NAME_MAX)) {
		gdb_datatype(type, member, type_size, bits, size);
		return;
	}
	if (!strcmp(dt_cache.absent, type))
		return;
	if (!strcmp(dt_cache.type, type) && !strcmp(dt_cache.member, member ? member : "")) {
		*type_size = dt_cache.type_size;
		*bits = dt_cache.bits;
		*size = dt_cache.size;
		return;
	}
	gdb_datatype(type, member, type_size, bits, size);
	if (*type_size < 0) {
		snprintf(dt_cache.absent, sizeof(dt_cache.absent), "%s", type);
		return;
	}
	snprintf(dt_cache.type, sizeof(dt_cache.type), "%s", type);
	snprintf(dt_cache.member, sizeof(dt_cache.member), "%s", member ? member : "");
	dt_cache.type_size = *type_size;
	dt_cache.bits = *bits;
	dt_cache.size = *size;
}

/* Offset ('o'), size ('s') or bit offset ('b') of type.member, or -1. */
static long member_query(const char *type, const char *member, char what)
{
	long tsz, bits, size;
	struct kt_di *di;

	type = bare_type(type);
	if (!is_c_path(type, false) || !is_c_path(member, true))
		return -1;
	if ((di = types_dwarf()))
		return what == 'o' ? kt_di_member_offset(di, type, member) :
		       what == 's' ? kt_di_member_size(di, type, member) :
				     kt_di_member_bit_offset(di, type, member);
	if (strchr(member, '.')) {
		datatype(type, NULL, &tsz, &bits, &size);
		if (tsz < 0 || what == 'b')
			return -1;
		return gdb_member(type, member, what);
	}
	datatype(type, member, &tsz, &bits, &size);
	if (bits < 0)
		return -1;
	return what == 'o' ? bits / 8 : what == 's' ? size : bits;
}

static long crash_member_offset(void *ctx, const char *type, const char *member)
{
	(void)ctx;
	return member_query(type, member, 'o');
}

static long crash_member_size(void *ctx, const char *type, const char *member)
{
	(void)ctx;
	return member_query(type, member, 's');
}

/* Bit offset of a member from the start of the type (bit-fields such as
 * hrtimer_cpu_base.in_hrtirq). */
static long crash_member_bit_offset(void *ctx, const char *type, const char *member)
{
	(void)ctx;
	return member_query(type, member, 'b');
}

static long crash_type_size(void *ctx, const char *type)
{
	long tsz, bits, size;

	struct kt_di *di;

	(void)ctx;
	type = bare_type(type);
	if (!is_c_path(type, false))
		return -1;
	if ((di = types_dwarf()))
		return kt_di_type_size(di, type);
	datatype(type, NULL, &tsz, &bits, &size);
	return tsz;
}

/* Variables of anonymous struct type (tk_core): no tag to ask datatype_info
 * about, so let gdb do the address arithmetic.  Reads no memory. */
static long crash_var_member_offset(void *ctx, const char *var, const char *member)
{
	char cmd[512];
	char v[BUFSIZE];
	long off;

	(void)ctx;
	if (!is_c_path(var, false) || !is_c_path(member, true))
		return -1;
	snprintf(v, sizeof(v), "%s", var);
	if (!symbol_exists(v))
		return -1;
	if (types_dwarf())
		return kt_di_var_member_offset(types_dwarf(), var, member);
	snprintf(cmd, sizeof(cmd),
		 "printf \"%%ld\\n\", (long)((char *)&%s.%s - (char *)&%s)", var, member, var);
	if (!gdb_long(cmd, &off) || off < 0)
		return -1;
	return off;
}

static int crash_nr_cpus(void *ctx)
{
	(void)ctx;
	if (kt->cpus <= 0)
		return 1;
	return kt->cpus < NR_CPUS ? kt->cpus : NR_CPUS;
}

static enum kt_status crash_percpu_offset(void *ctx, int cpu, uint64_t *offset)
{
	if (cpu < 0 || cpu >= crash_nr_cpus(ctx))
		return KT_ENOENT;
	if (!(kt->flags & PER_CPU_OFF)) {
		/* A UP kernel: per-CPU variables are plain variables. */
		if (cpu != 0)
			return KT_ENOENT;
		*offset = 0;
		return KT_OK;
	}
	/* crash fills __per_cpu_offset[] for the CPUs it found; an SMP x86_64
	 * kernel never has a zero offset for a present CPU. */
	if (kt->__per_cpu_offset[cpu] == 0)
		return KT_ENOENT;
	*offset = (uint64_t)kt->__per_cpu_offset[cpu];
	return KT_OK;
}

static enum kt_status crash_vmcoreinfo(void *ctx, const char *key, char *buf, size_t len)
{
	char *val;

	(void)ctx;
	if (len)
		buf[0] = '\0';
	if (!pc->read_vmcoreinfo || !key)
		return KT_ENOENT;
	/* Returns a malloc'd copy (NULL when the dump has no VMCOREINFO or
	 * no such key). */
	val = pc->read_vmcoreinfo(key);
	if (!val)
		return KT_ENOENT;
	if (len)
		snprintf(buf, len, "%s", val);
	free(val);
	return KT_OK;
}

/*
 * Run fn(arg) with crash's longjmp target pointed here, so an error(FATAL)
 * inside it returns false to us instead of abandoning our caller.  Output
 * crash prints on the way (the module table `mod -s` shows) is discarded.
 * A Ctrl-C meanwhile stops the command (guard_end), as crash's own would.
 */
bool kt_crash_guarded_call(int (*fn)(char *), char *arg, int *ret)
{
	static volatile bool ok;	/* static: must survive the longjmp */

	ok = false;
	guard_begin();
	if (setjmp(pc->main_loop_env) == 0) {
		*ret = fn(arg);
		ok = true;
		guard_end(false);
	} else {
		guard_end(true);
	}
	return ok;
}

/* A type only the module's debuginfo has: how we tell "loaded with types"
 * from "loaded a stripped .ko". */
static const char *module_probe_type(const char *module)
{
	if (!strcmp(module, "kvm"))
		return "kvm_lapic";
	if (!strcmp(module, "kvm_amd"))
		return "vcpu_svm";
	if (!strcmp(module, "kvm_intel"))
		return "vcpu_vmx";
	return NULL;
}

/*
 * Whether the module's types are there: asked of the DWARF reader when it has
 * the module's file (gdb's first lookup of kvm_lapic searches every unit's
 * partial symbols: 0.15 s, which the first command of a session paid here even
 * when every type it then used came from the DWARF reader), else of gdb.
 */
static bool module_has_type(const char *module, char *type)
{
	struct kt_di *di = types_dwarf();

	if (di)
		return kt_di_find_module(di, module) >= 0 && kt_di_type_size(di, type) > 0;
	return STRUCT_SIZE(type) > 0;
}

static enum kt_status crash_load_module_debuginfo(void *ctx, const char *module,
						  struct kt_err *err)
{
	char name[BUFSIZE], probe[BUFSIZE], file[BUFSIZE];
	struct load_module *lm = NULL;
	const char *ptype;
	ulong base = 0;
	int loaded = 0;

	(void)ctx;
	if (!is_c_path(module, false))
		return kt_err_set(err, KT_EINVAL, 0, "bad module name");
	snprintf(name, sizeof(name), "%s", module);
	if (!is_module_name(name, &base, &lm) || !lm)
		return kt_err_set(err, KT_ENODATA, 0, "module %s is not loaded in this dump",
				  module);
	ptype = module_probe_type(module);
	if (ptype) {
		snprintf(probe, sizeof(probe), "%s", ptype);
		if (module_has_type(module, probe))
			return KT_OK;
	}
	/* load_module_symbols_helper() is `mod -s MODULE` without a path: it
	 * searches /usr/lib/debug/lib/modules/<release>, $CRASH_MODULE_PATH,
	 * /lib/modules/<release>/{updates,} and the vmlinux's directory tree. */
	/* Module "kvm_amd" lives in file kvm-amd.ko. */
	snprintf(file, sizeof(file), "%s", module);
	for (char *p = file; *p; p++)
		if (*p == '_')
			*p = '-';
	if (!(lm->mod_flags & MOD_LOAD_SYMS) &&
	    (!kt_crash_guarded_call(load_module_symbols_helper, name, &loaded) || !loaded))
		return kt_err_set(err, KT_ENOENT, 0,
				  "%s types not found: run 'mod -s %s /path/to/%s.ko' with the "
				  "module's debuginfo (e.g. from the kernel's -dbg package)",
				  module, module, file);
	if (ptype && !module_has_type(module, probe))
		return kt_err_set(err, KT_ENOENT, 0,
				  "%s types not found (%s has no debuginfo): run 'mod -s %s "
				  "/path/to/debug/%s.ko'",
				  module, lm->mod_namelist[0] ? lm->mod_namelist : "its object file",
				  module, file);
	return KT_OK;
}

/*
 * Per-CPU registers: crash has already mapped the dump's NT_PRSTATUS notes to
 * CPUs (online CPUs in order, as `help -r` shows them); we take its pointer to
 * the note (an Elf64_Nhdr) and copy the descriptor.  ELF cores (QEMU, kdump's
 * /proc/vmcore copies) are NETDUMP/KDUMP to crash, kdump-compressed DISKDUMP.
 */
#define KT_NOTE_DESC_MAX 4096
static enum kt_status crash_cpu_prstatus(void *ctx, int cpu, void *buf, size_t len, size_t *got,
					 struct kt_err *err)
{
	Elf64_Nhdr nh;
	void *note = NULL;

	(void)ctx;
	if (cpu < 0 || cpu >= kt->cpus)
		return kt_err_set(err, KT_ENOENT, 0, "no CPU %d", cpu);
	if (DISKDUMP_DUMPFILE())
		note = diskdump_get_prstatus_percpu(cpu);
	else if (NETDUMP_DUMPFILE() || KDUMP_DUMPFILE())
		note = netdump_get_prstatus_percpu(cpu);
	else
		return kt_err_set(err, KT_ENOENT, 0, "this dump format carries no ELF notes");
	if (!note)
		return kt_err_set(err, KT_ENOENT, 0, "crash has no NT_PRSTATUS note for CPU %d", cpu);
	memcpy(&nh, note, sizeof(nh));
	if (nh.n_type != NT_PRSTATUS || nh.n_descsz > KT_NOTE_DESC_MAX || nh.n_namesz > 64)
		return kt_err_set(err, KT_ECORRUPT, 0,
				  "CPU %d's note: type %u, name %u, descriptor %u bytes: not an "
				  "NT_PRSTATUS note", cpu, nh.n_type, nh.n_namesz, nh.n_descsz);
	memcpy(buf, (char *)note + sizeof(nh) + ((nh.n_namesz + 3) & ~3u),
	       nh.n_descsz < len ? nh.n_descsz : len);
	*got = nh.n_descsz;
	return KT_OK;
}

/* The file gdb read DWARF from: the module's `mod -s` file, or vmlinux (its
 * separate debuginfo file when crash was given one). */
static enum kt_status crash_debuginfo_path(void *ctx, uint64_t addr, char *buf, size_t len)
{
	struct load_module *lm = NULL;

	(void)ctx;
	if (module_symbol(addr, NULL, &lm, NULL, 0)) {
		if (!lm || !(lm->mod_flags & MOD_LOAD_SYMS) || !lm->mod_namelist[0])
			return KT_ENOENT;
		snprintf(buf, len, "%s", lm->mod_namelist);
		return KT_OK;
	}
	if (pc->debuginfo_file && *pc->debuginfo_file)
		snprintf(buf, len, "%s", pc->debuginfo_file);
	else if (pc->namelist && *pc->namelist)
		snprintf(buf, len, "%s", pc->namelist);
	else
		return KT_ENOENT;
	return KT_OK;
}

const struct kt_reader_ops kt_crash_reader_ops = {
	.read = crash_read,
	.symbol = crash_symbol,
	.symbol_name = crash_symbol_name,
	.member_offset = crash_member_offset,
	.member_size = crash_member_size,
	.type_size = crash_type_size,
	.var_member_offset = crash_var_member_offset,
	.member_bit_offset = crash_member_bit_offset,
	.nr_cpus = crash_nr_cpus,
	.percpu_offset = crash_percpu_offset,
	.vmcoreinfo = crash_vmcoreinfo,
	.load_module_debuginfo = crash_load_module_debuginfo,
	.cpu_prstatus = crash_cpu_prstatus,
	.debuginfo_path = crash_debuginfo_path,
};

/* Number of modules whose symbols/debuginfo crash has loaded: when it
 * changes (the user ran `mod -s`), cached layouts are stale. */
int kt_crash_module_generation(void)
{
	int n = 0;

	for (int i = 0; i < st->mods_installed; i++)
		if (st->load_modules[i].mod_flags & MOD_LOAD_SYMS)
			n++;
	return n;
}
