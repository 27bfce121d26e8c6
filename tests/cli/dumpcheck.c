// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dumpcheck FILE — open FILE with the CLI's dump layer (src/cli/dump.c) alone,
 * no debuginfo: prints "ok FORMAT" or "error STATUS MESSAGE" and exits with
 * the kt_status.  tests/cli/damaged.py feeds it damaged and hostile files.
 */
#include <stdio.h>
#include "dump.h"

int main(int argc, char **argv)
{
	struct kt_dump *d;
	struct kt_err err = { 0 };

	if (argc != 2) {
		fprintf(stderr, "usage: dumpcheck FILE\n");
		return 2;
	}
	if (kt_dump_open(argv[1], &d, &err) != KT_OK) {
		printf("error %s %s\n", kt_status_name(err.status), err.msg);
		return (int)err.status;
	}
	printf("ok %s\n", kt_dump_format(d));
	kt_dump_close(d);
	return 0;
}
