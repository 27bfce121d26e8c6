// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * probe — drive the CLI's reader backend directly, one query per stdin line,
 * so tests can hold its answers against crash's own on the same dump:
 *
 *   probe VMLINUX VMCORE [NAME=MODULE.ko]...  < queries
 *
 *   sym NAME            -> "sym NAME 0xADDR" | "sym NAME absent"
 *   off TYPE MEMBER     -> "off TYPE.MEMBER N"  (N = -1: absent)
 *   msize TYPE MEMBER   -> "msize TYPE.MEMBER N"
 *   size TYPE           -> "size TYPE N"
 *   voff VAR MEMBER     -> "voff VAR.MEMBER N"
 *   cpus                -> "cpus N"
 *   percpu CPU          -> "percpu CPU 0xOFF" | "percpu CPU absent"
 *   rd64 ADDR|SYM       -> "rd64 ARG 0xVALUE" | "rd64 ARG fault"
 *   name ADDR           -> "name 0xADDR NAME+0xOFF" | "name 0xADDR absent"
 *   list SYM OFFSET     -> each list_head entry's containing address, one per line
 *   vmcoreinfo KEY      -> "vmcoreinfo KEY VALUE" | absent
 * Exit 0, or the open error's kt_status with its message on stderr.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "reader_dwarf.h"

static const struct kt_reader *R;

static int resolve(const char *arg, uint64_t *addr)
{
	if (!strncmp(arg, "0x", 2)) {
		*addr = strtoull(arg, NULL, 16);
		return 0;
	}
	return R->ops->symbol(R->ctx, arg, addr) == KT_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct kt_cli_module mods[8];
	struct kt_cli_reader *cr;
	struct kt_err err = { 0 };
	char line[512];
	int nm = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: probe VMLINUX VMCORE [NAME=KO]...\n");
		return 2;
	}
	for (int i = 3; i < argc && nm < 8; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq)
			return 2;
		*eq = 0;
		mods[nm].name = argv[i];
		mods[nm++].path = eq + 1;
	}
	if (kt_cli_reader_open(argv[1], mods, nm, argv[2], &cr, &err) != KT_OK) {
		fprintf(stderr, "probe: %s\n", err.msg);
		return (int)err.status;
	}
	R = kt_cli_reader_get(cr);
	kt_cli_reader_notes(cr, stderr, "probe: note: ");
	printf("kaslr 0x%" PRIx64 "\n", kt_cli_reader_kaslr(cr));
	while (fgets(line, sizeof(line), stdin)) {
		char a[256] = "", b[256] = "", c[256] = "";
		uint64_t v, off;
		char name[256];
		int n = sscanf(line, "%255s %255s %255s", a, b, c);

		if (n < 1)
			continue;
		if (!strcmp(a, "sym")) {
			if (R->ops->symbol(R->ctx, b, &v) == KT_OK)
				printf("sym %s 0x%" PRIx64 "\n", b, v);
			else
				printf("sym %s absent\n", b);
		} else if (!strcmp(a, "off")) {
			printf("off %s.%s %ld\n", b, c, R->ops->member_offset(R->ctx, b, c));
		} else if (!strcmp(a, "msize")) {
			printf("msize %s.%s %ld\n", b, c, R->ops->member_size(R->ctx, b, c));
		} else if (!strcmp(a, "size")) {
			printf("size %s %ld\n", b, R->ops->type_size(R->ctx, b));
		} else if (!strcmp(a, "voff")) {
			printf("voff %s.%s %ld\n", b, c, R->ops->var_member_offset(R->ctx, b, c));
		} else if (!strcmp(a, "cpus")) {
			printf("cpus %d\n", R->ops->nr_cpus(R->ctx));
		} else if (!strcmp(a, "percpu")) {
			if (R->ops->percpu_offset(R->ctx, atoi(b), &v) == KT_OK)
				printf("percpu %s 0x%" PRIx64 "\n", b, v);
			else
				printf("percpu %s absent\n", b);
		} else if (!strcmp(a, "rd64")) {
			if (resolve(b, &v) == 0 && R->ops->read(R->ctx, v, &v, 8) == KT_OK)
				printf("rd64 %s 0x%" PRIx64 "\n", b, v);
			else
				printf("rd64 %s fault\n", b);
		} else if (!strcmp(a, "name")) {
			v = strtoull(b, NULL, 16);
			if (R->ops->symbol_name(R->ctx, v, name, sizeof(name), &off) == KT_OK)
				printf("name 0x%" PRIx64 " %s+0x%" PRIx64 "\n", v, name, off);
			else
				printf("name 0x%" PRIx64 " absent\n", v);
		} else if (!strcmp(a, "list")) {
			uint64_t head, p;
			long o = strtol(c, NULL, 0);
			int i = 0;

			if (resolve(b, &head) || R->ops->read(R->ctx, head, &p, 8) != KT_OK) {
				printf("list %s fault\n", b);
				continue;
			}
			while (p != head && i++ < 100000) {
				printf("list %s 0x%" PRIx64 "\n", b, p - (uint64_t)o);
				if (R->ops->read(R->ctx, p, &p, 8) != KT_OK) {
					printf("list %s fault\n", b);
					break;
				}
			}
		} else if (!strcmp(a, "vmcoreinfo")) {
			if (R->ops->vmcoreinfo(R->ctx, b, name, sizeof(name)) == KT_OK)
				printf("vmcoreinfo %s %s\n", b, name);
			else
				printf("vmcoreinfo %s absent\n", b);
		} else {
			printf("? %s\n", a);
		}
	}
	kt_cli_reader_close(cr);
	return 0;
}
