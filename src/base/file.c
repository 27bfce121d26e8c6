// SPDX-License-Identifier: GPL-2.0-or-later
/* Opening the files a user names (dumps, debug files), safely. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kvmtimer/file.h"

int kt_open_regular(const char *path, struct kt_err *err)
{
	struct stat st = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	int e = errno;

	if (fd < 0) {
		kt_err_set(err, e == ENOENT ? KT_ENOENT : KT_EINVAL, 0, "%s: %s", path, strerror(e));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		kt_err_set(err, KT_EINVAL, 0, "%s: not a regular file (%s)", path,
			   S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO" :
			   S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device: copy the dump to a file" :
			   S_ISSOCK(st.st_mode) ? "a socket" : "unknown type");
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}
