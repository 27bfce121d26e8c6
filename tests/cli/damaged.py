#!/usr/bin/env python3
"""damaged.py — the CLI on hostile and damaged files (issue #13), no dump needed.

build/tests/cli/dumpcheck opens a file with the CLI's dump layer alone;
build/kvmtimer is run where the whole program matters.  Each case is a file
made here, byte by byte, with the damage that once hung, killed or fooled it:
  - a FIFO as the dump or as the vmlinux (open blocked forever)
  - a damaged "DISKDUMP" header (libkdumpfile takes that signature; our
    header check did not, and the probe child died)
  - SIGCHLD ignored by the parent (waitpid: ECHILD, status unset: a dump that
    kills libkdumpfile was then opened in-process and killed the CLI)
  - an ELF core with e_phnum = PN_XNUM (65535+ segments: refused as damaged)
  - a flattened dump whose records are 256 MiB of zeros (one syscall per 16
    bytes: 8 s)
  - a dump path with bytes 0x7f-0xff in --json output (invalid UTF-8)
Prints TAP lines.
"""
import json, os, resource, signal, struct, subprocess, sys, tempfile, time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(REPO, os.environ.get("BUILD", "build"))
CHECK = os.path.join(BUILD, "tests", "cli", "dumpcheck")
CLI = os.path.join(BUILD, "kvmtimer")
N = FAILED = 0


def ok(cond, what, detail=None):
    global N, FAILED
    N += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", N, what))
    if not cond:
        FAILED += 1
        for l in str(detail or "").rstrip().splitlines()[:20]:
            print("#   " + l)
    sys.stdout.flush()
    return cond


def run(argv, timeout=20, sigchld_ignored=False):
    """(rc, stdout, stderr, seconds); rc None on timeout."""
    pre = (lambda: signal.signal(signal.SIGCHLD, signal.SIG_IGN)) if sigchld_ignored else None
    t0 = time.time()
    try:
        p = subprocess.run(argv, capture_output=True, timeout=timeout, preexec_fn=pre)
        return p.returncode, p.stdout, p.stderr, time.time() - t0
    except subprocess.TimeoutExpired:
        return None, b"", b"timed out", time.time() - t0


def kdump_header(sig, block_size=4096, sub_hdr_size=1, bitmap_blocks=1000):
    """A disk_dump_header (makedumpfile diskdump_mod.h) with the given signature."""
    h = bytearray(4096)
    h[0:8] = sig
    struct.pack_into("<i", h, 8, 6)                      # header_version
    h[8 + 4 + 65 * 4:8 + 4 + 65 * 4 + 6] = b"x86_64"     # utsname.machine
    struct.pack_into("<iiI", h, 428, block_size, sub_hdr_size, bitmap_blocks)
    return bytes(h)


def main():
    for tool in (CHECK, CLI):
        if not os.access(tool, os.X_OK):
            ok(False, "%s built" % tool)
            return 1
    tmp = tempfile.mkdtemp(prefix="kt-damaged-")
    path = lambda n: os.path.join(tmp, n)

    # FIFO as the dump, and as the vmlinux: refused at once, never blocks.
    os.mkfifo(path("fifo"))
    rc, out, err, s = run([CHECK, path("fifo")], timeout=10)
    ok(rc is not None and b"not a regular file (a FIFO)" in out,
       "a FIFO as the dump: refused in %.1f s, not a regular file" % s, out + err)
    rc, out, err, s = run([CLI, "--vmlinux", path("fifo"), path("fifo")], timeout=10)
    ok(rc == 2 and b"not a regular file (a FIFO)" in err,
       "a FIFO as the vmlinux: exit 2 in %.1f s, not a regular file" % s, err)
    rc, out, err, s = run([CHECK, tmp], timeout=10)
    ok(rc is not None and b"not a regular file (a directory)" in out, "a directory as the dump: refused", out)

    # "DISKDUMP" signature, bitmaps beyond the end of the file.
    open(path("diskdump"), "wb").write(kdump_header(b"DISKDUMP") + bytes(8192))
    rc, out, err, s = run([CHECK, path("diskdump")])
    ok(rc is not None and b"damaged or truncated kdump-compressed dump" in out,
       "DISKDUMP header with bitmaps past EOF: our header check refuses it (no dying child)", out + err)

    # SIGCHLD ignored: a file that passes our checks but kills libkdumpfile in
    # the probe child must still be reported, not opened in-process.
    killer = os.path.join(REPO, "fuzz", "regress", "fuzz_dump", "elf-addrxlat-sigfpe")
    rc, out, err, s = run([CHECK, killer])
    base = out
    # (under ASan the child's SIGFPE is an ASan report and exit 1: "failed hard")
    ok(rc is not None and (b"libkdumpfile died with signal" in out or
                           b"libkdumpfile failed hard" in out),
       "a file that kills libkdumpfile: the probe child reports it", out + err)
    rc, out, err, s = run([CHECK, killer], sigchld_ignored=True)
    ok(rc is not None and rc >= 0 and out == base,
       "the same with SIGCHLD ignored by the parent: same report, the CLI survives (rc %s)" % rc,
       out + err)

    # PN_XNUM: e_phnum = 0xffff, the real count in section header 0's sh_info.
    elf = bytearray(open(os.path.join(REPO, "fuzz", "corpus", "fuzz_dump", "elf-small"), "rb").read())
    phnum = struct.unpack_from("<H", elf, 0x38)[0]
    shoff = len(elf)
    sh0 = bytearray(64)
    struct.pack_into("<I", sh0, 44, phnum)               # sh_info
    struct.pack_into("<Q", elf, 0x28, shoff)             # e_shoff
    struct.pack_into("<HHH", elf, 0x38, 0xffff, 64, 1)   # e_phnum, e_shentsize, e_shnum
    open(path("xnum"), "wb").write(bytes(elf) + bytes(sh0))
    rc, out, err, s = run([CHECK, path("xnum")])
    rc0, out0, _, _ = run([CHECK, os.path.join(REPO, "fuzz", "corpus", "fuzz_dump", "elf-small")])
    ok(rc is not None and b"damaged or truncated ELF core" not in out and out == out0,
       "ELF core with e_phnum = PN_XNUM (count in sh_info): read like the same core without",
       b"PN_XNUM: " + out + b"\nplain: " + out0)
    struct.pack_into("<I", sh0, 44, 0)                   # no count in sh_info: damaged
    open(path("xnum-bad"), "wb").write(bytes(elf) + bytes(sh0))
    rc, out, err, s = run([CHECK, path("xnum-bad")])
    ok(rc is not None and b"damaged or truncated ELF core (headers)" in out,
       "PN_XNUM with no count in section header 0: damaged headers", out)

    # Flattened dump: 256 MiB of zero records after the header (sparse file).
    with open(path("flat-zeros"), "wb") as f:
        f.write(b"makedumpfile\0" + bytes(4096 - 13))
        f.truncate(4096 + (256 << 20))
    # Judged by system time, not wall time (a loaded machine, ASan): 16 M
    # preads cost seconds of it, one buffer's worth of reads a fraction.
    sys0 = resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime
    rc, out, err, s = run([CHECK, path("flat-zeros")], timeout=120)
    st = resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime - sys0
    ok(rc is not None and b"flattened dump truncated or damaged" in out and st < 1.5,
       "flattened dump of 256 MiB zero records: refused with %.2f s of system time (< 1.5 s: "
       "buffered, not a syscall per 16 bytes; %.1f s wall)" % (st, s), out + err)

    # --json with a dump path holding bytes 0x7f-0xff: the error line is valid
    # UTF-8 JSON, the bytes as \u00XX.  Any ELF file with DWARF does as the
    # vmlinux here (the dump fails first): dumpcheck itself.
    bad = os.fsencode(tmp) + b"/no\x7f\xff\xfe-dump"
    rc, out, err, s = run([CLI, "--json", "--vmlinux", CHECK, bad])
    try:
        doc = json.loads(out.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        doc = {"bad": str(e)}
    ok(rc == 3 and doc.get("dump", "").encode("latin-1") == bad and b"\\u007f\\u00ff\\u00fe" in out,
       "--json: a dump path with bytes 0x7f-0xff is valid UTF-8 JSON (\\u00XX), bytes recoverable",
       out + err)

    for n in os.listdir(tmp):
        os.unlink(path(n))
    os.rmdir(tmp)
    print("# %d tests, %d failed" % (N, FAILED))
    print("1..%d" % N)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
