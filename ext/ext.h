/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to the crash extension (ext/): what its three files share. */
#ifndef KT_EXT_H
#define KT_EXT_H
#include "kvmtimer/reader.h"

/* reader_crash.c */
extern const struct kt_reader_ops kt_crash_reader_ops;
int kt_crash_module_generation(void);
/* Free the DWARF type reader and the page cache (at unload). */
void kt_crash_reader_cleanup(void);
/* Forget the pages read by the last command. */
void kt_crash_reader_begin_command(void);
/* fn(arg) under a temporary longjmp target: false when crash error(FATAL)ed
 * inside it.  A Ctrl-C inside it goes on to crash's prompt. */
#include <stdbool.h>
bool kt_crash_guarded_call(int (*fn)(char *), char *arg, int *ret);

/* help.c: crash-style help pages (NAME, SYNOPSIS, DESCRIPTION, EXAMPLES). */
extern char *kt_help_kvmlapic[];
extern char *kt_help_kvmhrtimer[];
extern char *kt_help_kvmtsc[];
extern char *kt_help_kvmtriage[];
extern char *kt_help_kvmregs[];
/* All of them, NULL-terminated; page[0] is the command's name. */
extern char **kt_help_pages[];

#endif
