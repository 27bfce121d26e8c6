// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
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

enum kt_status kt_err_wrap(struct kt_err *e, uint64_t addr, const char *fmt, ...)
{
	if (!e)
		return KT_OK;
	char ctx[sizeof(e->msg)], inner[sizeof(e->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(inner, e->msg, sizeof(inner));
	inner[sizeof(inner) - 1] = 0;
	/* "ctx: inner", cut at the end of msg (no snprintf: it may truncate). */
	size_t n = strlen(ctx), cap = sizeof(e->msg) - 1;
	memcpy(e->msg, ctx, n);
	if (inner[0] && n < cap) {
		const char *parts[] = { ": ", inner };
		for (int i = 0; i < 2; i++) {
			size_t k = strlen(parts[i]);
			if (k > cap - n)
				k = cap - n;
			memcpy(e->msg + n, parts[i], k);
			n += k;
		}
	}
	e->msg[n] = 0;
	if (!e->addr)
		e->addr = addr;
	return e->status;
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
