/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A session caches what one dump's reader resolved (offsets, names) between
 * commands: one per dump (src/dump/session.c). */
#ifndef KVMTIMER_SESSION_H
#define KVMTIMER_SESSION_H
#include "kvmtimer/reader.h"

struct kt_session;

struct kt_session *kt_session_new(const struct kt_reader *r);
void kt_session_free(struct kt_session *s);

#endif
