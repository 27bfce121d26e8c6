/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KVM's TSC scaling capabilities, as read from the dump (kernel/kvm_caps.c:
 * kvm_caps on v6.0+, the kvm_default_tsc_scaling_ratio globals before).  Its
 * own header so the decoded state (state.h) needs nothing from the model.
 */
#ifndef KVMTIMER_KVM_CAPS_H
#define KVMTIMER_KVM_CAPS_H
#include <stdint.h>

#define KT_VMX_TSC_FRAC_BITS 48
#define KT_SVM_TSC_FRAC_BITS 32

/* Scaling parameters of the host's KVM (kvm_caps or the pre-6.0 globals). */
struct kt_tsc_caps {
	uint64_t default_ratio;	/* 1ULL << frac_bits */
	unsigned int frac_bits;	/* 48 VMX, 32 SVM */
};

#endif
