// SPDX-License-Identifier: GPL-2.0-or-later
#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <libkdumpfile/kdumpfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdbool.h>
#include "dump.h"

struct kt_dump {
	kdump_ctx_t *ctx;
	int fd;
};

/*
 * makedumpfile's "flattened" format: what `makedumpfile -F` and QEMU's
 * dump-guest-memory kdump-* formats (QEMU < 8.2, e.g. Debian 12's 7.2) write.
 * A 4 KiB header, then records {be64 offset, be64 size, data} that say where
 * each piece of the real kdump-compressed file goes; offset -1 ends it.
 * libkdumpfile 0.5.1 (Debian 12) does not read it, so, as `makedumpfile -R`
 * does, we reassemble the file: into an unlinked temporary file (sparse, so
 * the cost is one copy of the dump's bytes).
 */
#define FLAT_SIGNATURE "makedumpfile"
#define FLAT_HEADER_SIZE 4096
#define FLAT_COPY_CHUNK (1 << 20)

static bool is_flattened(int fd)
{
	char sig[16];

	return pread(fd, sig, sizeof(sig), 0) == (ssize_t)sizeof(sig) &&
	       !memcmp(sig, FLAT_SIGNATURE, sizeof(FLAT_SIGNATURE));
}

/* Sequential reads of the flattened file through one buffer: its records
 * may be 16-byte headers back to back (a damaged file of zeros is 16 M of
 * them per 256 MB), which must not cost a syscall each. */
struct seq {
	int fd;
	off_t pos;		/* file offset of buf[0] */
	char *buf;
	size_t len, at;		/* bytes in buf, bytes consumed */
};

/* Up to n bytes at the current position, in place in the buffer: *k of them
 * at *p (1..n); false at EOF or on a read error. */
static bool seq_borrow(struct seq *q, size_t n, const char **p, size_t *k)
{
	if (q->at == q->len) {
		q->pos += (off_t)q->len;
		ssize_t got = pread(q->fd, q->buf, FLAT_COPY_CHUNK, q->pos);
		if (got <= 0)
			return false;
		q->len = (size_t)got;
		q->at = 0;
	}
	*k = q->len - q->at < n ? q->len - q->at : n;
	*p = q->buf + q->at;
	q->at += *k;
	return true;
}

/* Copy n bytes at the current position to dst; false at EOF or on a read
 * error. */
static bool seq_read(struct seq *q, void *dst, size_t n)
{
	const char *p;
	size_t k;

	for (; n; n -= k, dst = (char *)dst + k) {
		if (!seq_borrow(q, n, &p, &k))
			return false;
		memcpy(dst, p, k);
	}
	return true;
}

/* Reassemble fd into a new unlinked file; its fd, or -1 with err set. */
static int unflatten(int fd, const char *path, struct kt_err *err)
{
	const char *tmpdir = getenv("TMPDIR");
	struct seq q = { .fd = fd, .pos = FLAT_HEADER_SIZE, .buf = malloc(FLAT_COPY_CHUNK) };
	int out;

	if (!q.buf) {
		kt_err_set(err, KT_ENOMEM, 0, "%s: out of memory", path);
		return -1;
	}
	out = open(tmpdir && *tmpdir ? tmpdir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (out < 0) {
		kt_err_set(err, KT_EINVAL, 0, "%s: flattened dump: cannot create a temporary "
			   "file in %s to reassemble it: %s", path, tmpdir ? tmpdir : "/tmp",
			   strerror(errno));
		free(q.buf);
		return -1;
	}
	for (;;) {
		int64_t hdr[2], off, size;

		if (!seq_read(&q, hdr, sizeof(hdr)))
			goto truncated;
		off = (int64_t)be64toh((uint64_t)hdr[0]);
		size = (int64_t)be64toh((uint64_t)hdr[1]);
		if (off == -1)
			break;
		if (off < 0 || size < 0)
			goto truncated;
		/* Written from the read buffer itself: a copy less of the dump. */
		while (size > 0) {
			const char *p;
			size_t n;

			if (!seq_borrow(&q, (uint64_t)size > SIZE_MAX ? SIZE_MAX : (size_t)size, &p, &n))
				goto truncated;
			if (pwrite(out, p, n, off) != (ssize_t)n) {
				kt_err_set(err, KT_EINVAL, 0, "%s: flattened dump: writing the "
					   "reassembled copy failed: %s", path, strerror(errno));
				goto fail;
			}
			off += (off_t)n;
			size -= (int64_t)n;
		}
	}
	free(q.buf);
	return out;
truncated:
	kt_err_set(err, KT_EINVAL, 0, "%s: flattened dump truncated or damaged at file "
		   "offset %lld", path, (long long)(q.pos + (off_t)q.at));
fail:
	free(q.buf);
	close(out);
	return -1;
}

/*
 * libkdumpfile 0.5.1 trusts an ELF core's headers and faults (SIGSEGV/SIGBUS,
 * found by fuzz/fuzz_dump) on a truncated file: check the ELF header, the
 * program headers and every segment against the file size before handing it
 * over.  Returns false with err set when the file is damaged.
 */
static bool elf_sane(int fd, const char *path, struct kt_err *err)
{
	Elf64_Ehdr eh;
	struct stat st;

	if (fstat(fd, &st) != 0 || pread(fd, &eh, 4, 0) != 4 || memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return true;	/* not ELF: libkdumpfile's own format checks apply */
	uint64_t size = (uint64_t)st.st_size, phnum;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phoff > size)
		goto bad_headers;
	phnum = eh.e_phnum;
	if (phnum == PN_XNUM) {
		/* 65535 or more segments (a big machine's /proc/vmcore): the real
		 * count is section header 0's sh_info (elf(5), gABI "Extended
		 * Program Header Numbering"). */
		Elf64_Shdr sh0;
		if (eh.e_shoff == 0 || eh.e_shoff > size || sizeof(sh0) > size - eh.e_shoff ||
		    pread(fd, &sh0, sizeof(sh0), (off_t)eh.e_shoff) != (ssize_t)sizeof(sh0) ||
		    sh0.sh_info == 0)
			goto bad_headers;
		phnum = sh0.sh_info;
	}
	if (phnum * sizeof(Elf64_Phdr) > size - eh.e_phoff)
		goto bad_headers;
	for (uint64_t i = 0; i < phnum; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) != (ssize_t)sizeof(ph) ||
		    ph.p_offset > size || ph.p_filesz > size - ph.p_offset) {
			kt_err_set(err, KT_EINVAL, 0,
				   "%s: damaged or truncated ELF core (segment %llu beyond the end of the file)",
				   path, (unsigned long long)i);
			return false;
		}
	}
	return true;
bad_headers:
	kt_err_set(err, KT_EINVAL, 0, "%s: damaged or truncated ELF core (headers)", path);
	return false;
}

/*
 * The same for kdump-compressed files: libkdumpfile maps the bitmaps named by
 * the header without checking them against the file (SIGBUS on a short file,
 * found by fuzz/fuzz_dump).  struct disk_dump_header (makedumpfile's
 * diskdump_mod.h): block_size at 428, sub_hdr_size at 432, bitmap_blocks at 436.
 * libkdumpfile takes both signatures: "KDUMP   " (makedumpfile, QEMU) and
 * "DISKDUMP" (the older diskdump format, same header layout).
 */
static bool kdump_sane(int fd, const char *path, struct kt_err *err)
{
	unsigned char h[464];
	struct stat st;

	if (fstat(fd, &st) != 0 || pread(fd, h, 8, 0) != 8 ||
	    (memcmp(h, "KDUMP   ", 8) && memcmp(h, "DISKDUMP", 8)))
		return true;
	int32_t block_size, sub_hdr_size;
	uint32_t bitmap_blocks;
	if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h))
		goto bad;
	memcpy(&block_size, h + 428, 4);
	memcpy(&sub_hdr_size, h + 432, 4);
	memcpy(&bitmap_blocks, h + 436, 4);
	block_size = (int32_t)le32toh((uint32_t)block_size);
	sub_hdr_size = (int32_t)le32toh((uint32_t)sub_hdr_size);
	bitmap_blocks = le32toh(bitmap_blocks);
	if (block_size < 512 || block_size > (1 << 24) || (block_size & (block_size - 1)) ||
	    sub_hdr_size < 0 ||
	    (1 + (uint64_t)sub_hdr_size + bitmap_blocks) * (uint64_t)block_size > (uint64_t)st.st_size)
		goto bad;
	return true;
bad:
	kt_err_set(err, KT_EINVAL, 0, "%s: damaged or truncated kdump-compressed dump (header, "
		   "sub-header or bitmaps beyond the end of the file)", path);
	return false;
}

void kt_dump_close(struct kt_dump *d)
{
	if (!d)
		return;
	if (d->ctx)
		kdump_free(d->ctx);
	if (d->fd >= 0)
		close(d->fd);
	free(d);
}

/* libkdumpfile's context for d->fd: open, architecture, Linux translation. */
static enum kt_status ctx_open(struct kt_dump *d, const char *path, struct kt_err *err)
{
	d->ctx = kdump_new();
	if (!d->ctx) {
		return kt_err_set(err, KT_ENOMEM, 0, "%s: out of memory", path);
	}
	/* libkdumpfile keeps 1,024 pages by default and looks an address up by a
	 * scan of them: at 1,024 vCPUs that scan was 83 M instructions (callgrind)
	 * and its buffer ~1,000 page faults.  With 256, inflating cost 1.5 % more
	 * (the reads go vCPU by vCPU; the page tables stay hot), the whole run
	 * 9 % less (555 -> 504 M); 32..256 were all within 1 % of that. */
	{
		kdump_attr_t size = { .type = KDUMP_NUMBER, .val.number = 256 };

		(void)kdump_set_attr(d->ctx, "cache.size", &size);	/* a hint */
	}
	kdump_status st = kdump_open_fd(d->ctx, d->fd);
	if (st != KDUMP_OK) {
		kt_err_set(err, KT_EINVAL, 0, "%s: not a kernel dump (libkdumpfile: %s)", path,
			   kdump_get_err(d->ctx));
		d->ctx = NULL;	/* see below: kdump_free() may fault after a failed open */
		return KT_EINVAL;
	}
	/* QEMU's kdump-compressed header names the machine ("x86_64") only in
	 * utsname.machine, with sysname empty, and libkdumpfile 0.5.1 then leaves
	 * arch.name unset: without it no address translates, not even physical.
	 * kvmtimer is x86-only (the KVM x86 LAPIC), so say it. */
	{
		const char *arch = NULL;

		if (kdump_get_string_attr(d->ctx, KDUMP_ATTR_ARCH_NAME, &arch) != KDUMP_OK ||
		    !arch)
			kdump_set_string_attr(d->ctx, KDUMP_ATTR_ARCH_NAME, "x86_64");
	}
	/* Linux translation (VMCOREINFO, page tables) for KVADDR reads. */
	st = kdump_set_string_attr(d->ctx, KDUMP_ATTR_OSTYPE, "linux");
	if (st != KDUMP_OK) {
		kt_err_set(err, KT_EINVAL, 0, "%s: cannot set up Linux address translation "
			   "(libkdumpfile: %s)", path, kdump_get_err(d->ctx));
		/* libkdumpfile 0.5.1's kdump_free() faults on a context whose open or
		 * setup failed half-way (fuzz/regress/fuzz_dump/kdump-open-fail-free-segv):
		 * leak this one context rather than crash; the process reports and
		 * moves on to the next dump. */
		d->ctx = NULL;
		return KT_EINVAL;
	}
	return KT_OK;
}

/*
 * libkdumpfile 0.5.1 faults (SIGSEGV, SIGBUS, SIGFPE) on some damaged headers
 * that no cheap check of ours catches (fuzz/regress/fuzz_dump/).  Open the dump
 * once in a child first: if libkdumpfile dies there, the file is reported as
 * damaged and this process, with the other dumps of the run, carries on.
 */
#define KT_PROBE_FAILED 42	/* the child's "libkdumpfile refused the file" */
static bool ctx_probe(struct kt_dump *d, const char *path, struct kt_err *err)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old;
	pid_t pid;
	int status = 0, rc;

	/* With SIGCHLD ignored (an inherited SIG_IGN), the child is reaped by
	 * the kernel and waitpid() fails with ECHILD, status never set: wait
	 * with the default disposition, then put the caller's back. */
	sigemptyset(&dfl.sa_mask);
	if (sigaction(SIGCHLD, &dfl, &old) != 0)
		return true;	/* cannot probe: open in-process as before */
	pid = fork();
	if (pid < 0) {
		sigaction(SIGCHLD, &old, NULL);
		return true;
	}
	if (pid == 0) {
		struct kt_err e = { 0 };
		_exit(ctx_open(d, path, &e) == KT_OK ? 0 : KT_PROBE_FAILED);
	}
	while ((rc = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	sigaction(SIGCHLD, &old, NULL);
	if (rc != pid)
		return true;	/* no status to judge by: open in-process as before */
	/* Under ASan a fault is an exit(1), not a signal: any other end than
	 * "opened" or "refused" means libkdumpfile did not survive the file. */
	if (!WIFSIGNALED(status) && WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
	    WEXITSTATUS(status) != KT_PROBE_FAILED) {
		kt_err_set(err, KT_EINVAL, 0, "%s: damaged dump: libkdumpfile failed hard "
			   "(exit %d) reading its headers", path, WEXITSTATUS(status));
		return false;
	}
	if (WIFSIGNALED(status)) {
		kt_err_set(err, KT_EINVAL, 0, "%s: damaged dump: libkdumpfile died with signal %d "
			   "(%s) reading its headers", path, WTERMSIG(status),
			   strsignal(WTERMSIG(status)));
		return false;
	}
	return true;
}


enum kt_status kt_dump_open(const char *path, struct kt_dump **out, struct kt_err *err)
{
	struct kt_dump *d;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return kt_err_set(err, KT_ENOMEM, 0, "%s: out of memory", path);
	d->fd = kt_open_regular(path, err);
	if (d->fd < 0) {
		free(d);
		return err->status;
	}
	if (is_flattened(d->fd)) {
		int fd = unflatten(d->fd, path, err);

		if (fd < 0) {
			kt_dump_close(d);
			return err ? err->status : KT_EINVAL;
		}
		close(d->fd);
		d->fd = fd;
	}
	if (!elf_sane(d->fd, path, err) || !kdump_sane(d->fd, path, err)) {
		kt_dump_close(d);
		return KT_EINVAL;
	}
	if (!ctx_probe(d, path, err)) {
		kt_dump_close(d);
		return KT_EINVAL;
	}
	enum kt_status rc = ctx_open(d, path, err);
	if (rc != KT_OK) {
		kt_dump_close(d);
		return rc;
	}
	*out = d;
	return KT_OK;
}

static enum kt_status read_as(struct kt_dump *d, kdump_addrspace_t as, uint64_t addr,
			      void *buf, size_t len)
{
	size_t got = len;

	if (!len)
		return KT_OK;
	if (addr + len < addr)
		return KT_EFAULT;
	if (kdump_read(d->ctx, as, addr, buf, &got) != KDUMP_OK || got != len)
		return KT_EFAULT;
	return KT_OK;
}

enum kt_status kt_dump_read(struct kt_dump *d, uint64_t addr, void *buf, size_t len)
{
	return read_as(d, KDUMP_KVADDR, addr, buf, len);
}

enum kt_status kt_dump_read_phys(struct kt_dump *d, uint64_t addr, void *buf, size_t len)
{
	return read_as(d, KDUMP_KPHYSADDR, addr, buf, len);
}

enum kt_status kt_dump_vmcoreinfo(struct kt_dump *d, const char *key, char *buf, size_t len)
{
	char *val = NULL;

	if (kdump_vmcoreinfo_line(d->ctx, key, &val) != KDUMP_OK || !val)
		return KT_ENOENT;
	if (len) {
		strncpy(buf, val, len - 1);
		buf[len - 1] = 0;
	}
	free(val);
	return KT_OK;
}

const char *kt_dump_format(struct kt_dump *d)
{
	const char *fmt = NULL;

	if (kdump_get_string_attr(d->ctx, KDUMP_ATTR_FILE_FORMAT, &fmt) != KDUMP_OK || !fmt)
		return "unknown";
	return fmt;
}

const char *kt_dump_errmsg(struct kt_dump *d)
{
	const char *m = kdump_get_err(d->ctx);

	return m ? m : "no error";
}

/*
 * The dump's ELF notes (NT_PRSTATUS per CPU, VMCOREINFO, QEMU's CPU state),
 * as one buffer: every PT_NOTE segment of an ELF core, or the note area a
 * kdump-compressed file's sub-header points to (kdump_sub_header, header
 * version 4+: offset_note at 48, size_note at 56).  Bounded by the file size
 * and KT_DUMP_NOTES_MAX; KT_ENOENT when the format carries none.
 */
#define KT_DUMP_NOTES_MAX (16u << 20)
static enum kt_status notes_append(int fd, uint64_t off, uint64_t size, uint64_t file_size,
				   unsigned char **buf, size_t *len, struct kt_err *err)
{
	if (off > file_size || size > file_size - off || size > KT_DUMP_NOTES_MAX - *len)
		return kt_err_set(err, KT_ECORRUPT, off, "note area at file offset %llu (%llu bytes) "
				  "is beyond the end of the file or too large",
				  (unsigned long long)off, (unsigned long long)size);
	unsigned char *b = realloc(*buf, *len + (size_t)size + 1);
	if (!b)
		return kt_err_set(err, KT_ENOMEM, 0, "out of memory");
	*buf = b;
	if (size && pread(fd, b + *len, (size_t)size, (off_t)off) != (ssize_t)size)
		return kt_err_set(err, KT_ECORRUPT, off, "note area at file offset %llu unreadable",
				  (unsigned long long)off);
	*len += (size_t)size;
	return KT_OK;
}

enum kt_status kt_dump_notes(struct kt_dump *d, unsigned char **out, size_t *outlen,
			     struct kt_err *err)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	struct stat st;
	unsigned char h[8];
	enum kt_status rc = KT_OK;

	*out = NULL;
	*outlen = 0;
	if (fstat(d->fd, &st) != 0 || pread(d->fd, h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return kt_err_set(err, KT_ENOENT, 0, "dump file unreadable");
	uint64_t fsize = (uint64_t)st.st_size;
	if (!memcmp(h, ELFMAG, SELFMAG)) {
		Elf64_Ehdr eh;
		if (pread(d->fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
			return kt_err_set(err, KT_ECORRUPT, 0, "ELF header unreadable");
		for (unsigned i = 0; rc == KT_OK && i < eh.e_phnum; i++) {
			Elf64_Phdr ph;
			if (pread(d->fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
			    (ssize_t)sizeof(ph)) {
				rc = kt_err_set(err, KT_ECORRUPT, 0, "ELF program header %u unreadable", i);
				break;
			}
			if (ph.p_type == PT_NOTE)
				rc = notes_append(d->fd, ph.p_offset, ph.p_filesz, fsize, &buf, &len, err);
		}
	} else if (!memcmp(h, "KDUMP   ", 8)) {
		unsigned char dh[464];
		int32_t version, block_size;
		uint64_t sub[8];
		if (pread(d->fd, dh, sizeof(dh), 0) != (ssize_t)sizeof(dh))
			return kt_err_set(err, KT_ECORRUPT, 0, "kdump header unreadable");
		memcpy(&version, dh + 8, 4);
		memcpy(&block_size, dh + 428, 4);
		if (version < 4)
			return kt_err_set(err, KT_ENOENT, 0, "kdump-compressed header version %d "
					  "carries no ELF notes (4+ does)", version);
		if (block_size <= 0 || pread(d->fd, sub, sizeof(sub), block_size) != (ssize_t)sizeof(sub))
			return kt_err_set(err, KT_ECORRUPT, (uint64_t)block_size,
					  "kdump sub-header unreadable");
		rc = notes_append(d->fd, le64toh(sub[6]), le64toh(sub[7]), fsize, &buf, &len, err);
	} else {
		return kt_err_set(err, KT_ENOENT, 0, "dump format without ELF notes");
	}
	if (rc != KT_OK) {
		free(buf);
		return rc;
	}
	if (!len) {
		free(buf);
		return kt_err_set(err, KT_ENOENT, 0, "the dump has no ELF notes");
	}
	*out = buf;
	*outlen = len;
	return KT_OK;
}
