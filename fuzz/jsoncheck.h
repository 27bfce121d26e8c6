/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A strict RFC 8259 validator for the fuzz targets: does the writer's output parse? */
#ifndef KT_FUZZ_JSONCHECK_H
#define KT_FUZZ_JSONCHECK_H
#include <stddef.h>

/* 0 when buf[0..len) is exactly one JSON value (surrounding whitespace allowed),
 * else the 1-based byte position of the first error. */
size_t json_check(const char *buf, size_t len);

#endif
