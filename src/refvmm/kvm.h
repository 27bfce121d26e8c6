/* kvm.h — /dev/kvm ioctl wrappers for refvmm, in three tiers (after KVM selftests'
 * kvm_util, written anew):
 *   kvm_ioctl_raw()   one ioctl; returns its result or -errno;
 *   kvm_ioctl_retry() the same, retried while EINTR/EAGAIN;
 *   KVM_MUST()        retried, and on failure prints "refvmm: <ctx>: <IOCTL>: <error>"
 *                     and exits 1 (the ioctl's name comes from the macro argument).
 * Plus the few multi-step operations refvmm needs (CPUID, MSRs, LAPIC state).
 */
#ifndef REFVMM_KVM_H
#define REFVMM_KVM_H

#include <linux/kvm.h>
#include <stdint.h>

long kvm_ioctl_raw(int fd, unsigned long req, void *arg);
long kvm_ioctl_retry(int fd, unsigned long req, void *arg);
long kvm_ioctl_must(int fd, unsigned long req, const char *req_name, void *arg,
		    const char *ctx);
#define KVM_MUST(fd, req, arg, ctx) kvm_ioctl_must((fd), (req), #req, (void *)(arg), (ctx))

/* Print "refvmm: <ctx>: <msg>" on stderr and exit(1). */
_Noreturn void kvm_die(const char *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Open /dev/kvm and check KVM_GET_API_VERSION == 12.  Returns the fd or -errno. */
int kvm_open(void);

/* KVM_GET_SUPPORTED_CPUID into a malloc'd table (growing it on E2BIG); exits on error. */
struct kvm_cpuid2 *kvm_supported_cpuid(int kvm_fd);

/* Single-MSR KVM_GET_MSRS/KVM_SET_MSRS on a vCPU.  Return 0 or -errno. */
int kvm_get_msr(int vcpu_fd, uint32_t index, uint64_t *value);
int kvm_set_msr(int vcpu_fd, uint32_t index, uint64_t value);

/* 32-bit LAPIC register at xAPIC offset reg from a KVM_GET_LAPIC image. */
uint32_t lapic_reg(const struct kvm_lapic_state *s, unsigned reg);
/* Is vector vec set in the 256-bit IRR/ISR array at base (APIC_IRR or APIC_ISR)? */
int lapic_vector_set(const struct kvm_lapic_state *s, unsigned base, unsigned vec);

#endif
