/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Opening the files a user names (src/base/file.c). */
#ifndef KVMTIMER_FILE_H
#define KVMTIMER_FILE_H
#include "kvmtimer/error.h"

/* Open path read-only if it is a regular file: never blocks (O_NONBLOCK, so a
 * FIFO or a device cannot hang the open; then cleared), and anything but a
 * regular file (FIFO, socket, directory, device — a dump on a raw device is
 * copied to a file first, e.g. makedumpfile -R) is KT_EINVAL with a message.
 * The fd, or -1 with err set. */
int kt_open_regular(const char *path, struct kt_err *err);

#endif
