/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Errors as values: the core never prints, exits or longjmps. */
#ifndef KVMTIMER_ERROR_H
#define KVMTIMER_ERROR_H
#include <stdint.h>

enum kt_status {
	KT_OK = 0,
	KT_EFAULT,	/* memory at .addr could not be read */
	KT_ENOENT,	/* symbol, type or member not found (e.g. no debuginfo) */
	KT_ECORRUPT,	/* a structure or tree is inconsistent */
	KT_ENODATA,	/* the dump holds no such thing (e.g. no KVM) */
	KT_EINVAL,	/* bad argument from the user */
	KT_ENOMEM,
};

struct kt_err {
	enum kt_status status;
	uint64_t addr;		/* where, for KT_EFAULT / KT_ECORRUPT */
	char msg[256];		/* one line, context first: "vm_list: ...: ..." */
};

/* Set status, address and message in one expression; returns status.  The
 * address is where the trouble is (0: none, e.g. a missing symbol). */
enum kt_status kt_err_set(struct kt_err *e, enum kt_status st, uint64_t addr,
			  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Chain a context in front of an error on its way up, as libdrgn and
 * libkdumpfile do: "context: inner message"; status and address are kept (an
 * address is set only if the error had none).  Returns the status. */
enum kt_status kt_err_wrap(struct kt_err *e, uint64_t addr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *kt_status_name(enum kt_status st);

#endif
