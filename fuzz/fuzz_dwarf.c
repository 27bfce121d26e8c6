// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the CLI's DWARF and symbol-table side (src/cli/debuginfo.c,
 * symbols.c): kt_di_add on an arbitrary ELF file (as vmlinux, or as a module
 * with relocations applied when byte 0 is odd), then the lookups the core
 * makes — dotted member paths, anonymous members, sizes, global variables,
 * array lengths — and the symbol table.  Must never crash or hang.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kvmtimer/debuginfo.h"
#include "symbols.h"

static const char *const members[][2] = {
	{ "kvm_lapic", "lapic_timer" }, { "kvm_lapic", "lapic_timer.timer" },
	{ "kvm_timer", "period" }, { "kvm_vcpu", "arch.apic" }, { "kvm", "vcpu_array" },
	{ "struct kvm_timer", "target_expiration" }, { "hrtimer", "node.expires" },
	{ "hrtimer_cpu_base", "clock_base" }, { "timekeeper", "tkr_mono.xtime_nsec" },
	{ "tk_data", "timekeeper" }, { "union u", "a" }, { "s", "x.y.z" }, { "", "" },
	{ "s", "" }, { "s", "a..b" }, { "s", "." },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	int fd = memfd_create("fuzz-dwarf", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct kt_di *di = kt_di_new();
	struct kt_err err = { 0 };
	if (di && kt_di_add(di, path, (size & 1) ? "kvm" : NULL, &err) == KT_OK) {
		for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
			kt_di_member_offset(di, members[i][0], members[i][1]);
			kt_di_member_size(di, members[i][0], members[i][1]);
			kt_di_type_size(di, members[i][0]);
		}
		kt_di_type_size(di, "ktime_t");
		kt_di_type_size(di, "union ktime");
		kt_di_var_member_offset(di, "tk_core", "timekeeper");
		kt_di_var_member_offset(di, "timekeeper_data", "timekeeper");
		kt_di_var_array_len(di, "__per_cpu_offset");
		kt_di_var_array_len(di, "hrtimer_bases");
		Elf *elf = kt_di_elf(di, 0);
		if (elf) {
			struct kt_syms *s = kt_syms_new();
			uint64_t a, off;
			if (s) {
				if (size & 1)
					kt_syms_add_module(s, elf, "kvm", NULL, 0, &err);
				else
					kt_syms_add_vmlinux(s, elf, 0, &err);
				kt_syms_lookup(s, "apic_timer_fn", &a);
				kt_syms_name(s, 0xffffffff81000000ULL, &off, NULL);
				kt_syms_free(s);
			}
			kt_elf_symbol(elf, "vm_list");
		}
	}
	kt_di_free(di);
	close(fd);
	return 0;
}
