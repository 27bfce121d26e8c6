// SPDX-License-Identifier: GPL-2.0-or-later
/* Help pages (placeholder; filled with real output once the core runs). */
#include <stddef.h>
#include "ext.h"

char *kt_help_kvmlapic[] = { "kvmlapic", "KVM vCPU local-APIC timers", "[-a] [-j]", "  TBD", NULL };
char *kt_help_kvmhrtimer[] = { "kvmhrtimer", "per-CPU hrtimer bases", "[-j]", "  TBD", NULL };
char *kt_help_kvmtsc[] = { "kvmtsc", "TSC conversions", "[-j]", "  TBD", NULL };
char *kt_help_kvmtriage[] = { "kvmtriage", "triage", "[-j]", "  TBD", NULL };
