/* kvm.c — ioctl tiers and small KVM helpers for refvmm (see kvm.h). */
#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

long kvm_ioctl_raw(int fd, unsigned long req, void *arg)
{
	long r = ioctl(fd, req, arg);
	return r < 0 ? -errno : r;
}

long kvm_ioctl_retry(int fd, unsigned long req, void *arg)
{
	long r;
	do
		r = kvm_ioctl_raw(fd, req, arg);
	while (r == -EINTR || r == -EAGAIN);
	return r;
}

void kvm_die(const char *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "refvmm: %s: %s\n", ctx, msg);
	exit(1);
}

long kvm_ioctl_must(int fd, unsigned long req, const char *req_name, void *arg,
		    const char *ctx)
{
	long r = kvm_ioctl_retry(fd, req, arg);
	if (r < 0)
		kvm_die(ctx, "%s failed: %s", req_name, strerror((int)-r));
	return r;
}

int kvm_open(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	long v = kvm_ioctl_raw(fd, KVM_GET_API_VERSION, NULL);
	if (v != KVM_API_VERSION) {
		close(fd);
		return -ENOTSUP;
	}
	return fd;
}

struct kvm_cpuid2 *kvm_supported_cpuid(int kvm_fd)
{
	for (unsigned n = 64;; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			kvm_die("cpuid", "out of memory");
		c->nent = n;
		long r = kvm_ioctl_retry(kvm_fd, KVM_GET_SUPPORTED_CPUID, c);
		if (r >= 0)
			return c;
		free(c);
		if (r != -E2BIG || n >= 4096)
			kvm_die("cpuid", "KVM_GET_SUPPORTED_CPUID failed: %s", strerror((int)-r));
	}
}

/* struct kvm_msrs ends in a flexible array: give it room for one entry. */
struct one_msr {
	struct kvm_msrs hdr;
	struct kvm_msr_entry e;
};

int kvm_get_msr(int vcpu_fd, uint32_t index, uint64_t *value)
{
	struct one_msr m = { .hdr.nmsrs = 1, .e.index = index };
	long r = kvm_ioctl_retry(vcpu_fd, KVM_GET_MSRS, &m);
	if (r < 0)
		return (int)r;
	if (r != 1)
		return -EINVAL;	/* KVM returns how many MSRs it processed */
	*value = m.e.data;
	return 0;
}

int kvm_set_msr(int vcpu_fd, uint32_t index, uint64_t value)
{
	struct one_msr m = { .hdr.nmsrs = 1, .e.index = index, .e.data = value };
	long r = kvm_ioctl_retry(vcpu_fd, KVM_SET_MSRS, &m);
	if (r < 0)
		return (int)r;
	return r == 1 ? 0 : -EINVAL;
}

uint32_t lapic_reg(const struct kvm_lapic_state *s, unsigned reg)
{
	uint32_t v;
	memcpy(&v, s->regs + reg, sizeof(v));
	return v;
}

int lapic_vector_set(const struct kvm_lapic_state *s, unsigned base, unsigned vec)
{
	/* 8 registers of 32 bits, 16 bytes apart (SDM 11.8.4) */
	return (lapic_reg(s, base + (vec / 32) * 0x10) >> (vec % 32)) & 1;
}
