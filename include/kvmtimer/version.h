/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The version of this build, shown by `kvmtimer --version`, the extension's
 * load message and every JSON document ("version": {"kvmtimer", "git"}).
 * Defined in a file generated at build time from VERSION and `git describe`
 * (mk/pkg.mk: $(BUILD)/gen/version.c), so only that file is rebuilt when the
 * describe changes.
 */
#ifndef KVMTIMER_VERSION_H
#define KVMTIMER_VERSION_H

/* The project version, from the VERSION file, e.g. "0.1.0". */
extern const char kt_version[];
/* `git describe --tags --always --dirty` of the tree built, or "unknown". */
extern const char kt_git_describe[];

#endif
