/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Large zeroed arrays (the CLI's symbol table and its indexes, one analysis
 * per vCPU) in transparent huge pages where the kernel offers them.
 *
 * Why: such an array is written once, whole, soon after it is allocated, and
 * each 4 KiB page of it first costs a page fault.  A 1,024-vCPU run of the CLI
 * took ~7,500 faults, and a fault is dear on a virtual machine (measured on the
 * project's 2-core paravirtual VM: 32 MiB touched page by page 180 ms, in
 * madvised huge pages 11 ms).  Under that size, or where THP is off, this is
 * calloc in effect.
 */
#ifndef KVMTIMER_BIGMEM_H
#define KVMTIMER_BIGMEM_H
#include <stddef.h>

/* n * size zeroed bytes, aligned for any type; NULL on overflow or out of
 * memory.  Free with kt_big_free (not free). */
void *kt_big_calloc(size_t n, size_t size);
/* Resize to n * size bytes, keeping the first min(old, new) bytes; the added
 * bytes are zero.  On failure NULL, and p is untouched. */
void *kt_big_realloc(void *p, size_t n, size_t size);
void kt_big_free(void *p);

#endif
