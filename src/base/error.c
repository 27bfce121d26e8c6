// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdio.h>
#include "kvmtimer/error.h"

enum kt_status kt_err_set(struct kt_err *e, enum kt_status st, uint64_t addr,
			  const char *fmt, ...)
{
	if (!e)
		return st;
	va_list ap;
	e->status = st;
	e->addr = addr;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return st;
}

const char *kt_status_name(enum kt_status st)
{
	switch (st) {
	case KT_OK: return "ok";
	case KT_EFAULT: return "unreadable memory";
	case KT_ENOENT: return "not found";
	case KT_ECORRUPT: return "corrupt";
	case KT_ENODATA: return "no data";
	case KT_EINVAL: return "invalid argument";
	case KT_ENOMEM: return "out of memory";
	}
	return "unknown error";
}
