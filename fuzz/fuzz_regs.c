// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the register-set readers (src/core/regs.c, codeflow.c) —
 * the bytes a damaged dump hands them.  The input's first byte picks the
 * reader: an ELF note area (every NT_PRSTATUS found is decoded), the top of
 * an NMI stack (kt_nmi_frame_decode with the x86-64 pt_regs layout), or a
 * function's machine code read from its entry (kt_codeflow_read, then every
 * register's expression printed).  None may read outside its buffer, loop
 * forever or crash; every failure must be a status with a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "kvmtimer/regs.h"
#include "../src/kernel/codeflow.h"

static const struct kt_ptregs_layout ptregs = {
	{ 0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128, 136, 144, 152, 160 },
	168,
};

static bool sym(void *ctx, uint64_t addr, char *name, size_t len)
{
	(void)ctx;
	if (addr & 1)
		return false;
	snprintf(name, len, (addr & 2) ? "ktime_get" : "kvm_read_l1_tsc");
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kt_err e = { 0 };
	struct kt_regs r;

	if (!size)
		return 0;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	switch (data[0] % 3) {
	case 0: {
		int cnt = kt_notes_count_prstatus(p, n);
		for (int i = 0; i <= cnt; i++) {
			size_t off, len;
			if (kt_notes_prstatus(p, n, i, &off, &len, &e) != KT_OK) {
				if (!e.msg[0])
					__builtin_trap();	/* an error must say why */
				break;
			}
			if (off > n || len > n - off)
				__builtin_trap();	/* the descriptor must lie inside the buffer */
			kt_prstatus_decode(p + off, len, &r, &e);
		}
		break;
	}
	case 1: {
		uint64_t top = 0xfffffe0000901000ULL;
		enum kt_status st = kt_nmi_frame_decode(p, n, top, &ptregs, &r, &e);
		if (st == KT_OK && (r.where >= top || r.r[KT_ORIG_RAX] != UINT64_MAX))
			__builtin_trap();
		if (st != KT_OK && !e.msg[0])
			__builtin_trap();
		break;
	}
	default: {
		static struct kt_codeflow cf;
		char buf[512];
		if (kt_codeflow_read(p, n, 0xffffffffc0d46d00ULL, sym, NULL, &cf) != KT_OK &&
		    !cf.why[0])
			__builtin_trap();
		for (int k = 0; k < 16; k++)
			kt_codeflow_str(&cf, cf.reg[k], buf, sizeof(buf));
		break;
	}
	}
	return 0;
}
