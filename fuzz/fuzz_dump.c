// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the CLI's dump layer (src/cli/dump.c): format detection,
 * makedumpfile's flattened format (our own reassembly), then libkdumpfile on
 * kdump-compressed and ELF files, VMCOREINFO and reads.  The input is the
 * dump file (written to a memfd).  Must never crash, hang or leak the temp
 * file; a bad file is one KT_EINVAL message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-dump", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct kt_dump *d;
	struct kt_err err = { 0 };
	if (kt_dump_open(path, &d, &err) == KT_OK) {
		static const char *const keys[] = { "OSRELEASE", "KERNELOFFSET", "CRASHTIME",
						    "SYMBOL(_stext)", "PAGESIZE", "NUMBER(phys_base)" };
		static const uint64_t addrs[] = { 0xffffffff81000000ULL, 0xffff888000000000ULL,
						  0xff11000000000000ULL, 0, 0xfffffffffffff000ULL };
		char buf[256];
		unsigned char mem[64];
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			kt_dump_vmcoreinfo(d, keys[i], buf, sizeof(buf));
		for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
			kt_dump_read(d, addrs[i], mem, sizeof(mem));
			kt_dump_read_phys(d, addrs[i] & 0xffffff, mem, sizeof(mem));
		}
		(void)kt_dump_format(d);
		(void)kt_dump_errmsg(d);
		kt_dump_close(d);
	} else if (!err.msg[0]) {
		fprintf(stderr, "fuzz_dump: kt_dump_open failed without a message\n");
		abort();
	}
	close(fd);
	return 0;
}
