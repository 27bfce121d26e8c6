#!/usr/bin/env python3
"""mkseeds.py INDEX OUTDIR — small seed inputs for fuzz_dump from the factory's dumps:
a flattened (makedumpfile -F) dump cut to its first records (< 96 KiB of the
reassembled file, end marker added), the same cut without the end marker, and an
ELF vmcore reduced to its headers, notes (VMCOREINFO) and one 4 KiB PT_LOAD."""
import json, os, struct, sys

idx = json.load(open(sys.argv[1]))
out = sys.argv[2]
os.makedirs(out, exist_ok=True)
by = {s["name"]: s for s in idx["scenarios"]}

def flat_cut(path, limit=96 * 1024):
    with open(path, "rb") as f:
        head = f.read(4096)
        recs = []
        while True:
            h = f.read(16)
            if len(h) < 16:
                break
            off, size = struct.unpack(">qq", h)
            if off == -1:
                break
            data = f.read(size)
            if off < limit:
                keep = data[: max(0, min(size, limit - off))]
                recs.append(struct.pack(">qq", off, len(keep)) + keep)
            if sum(len(r) for r in recs) > 2 * limit:
                break
    body = head + b"".join(recs)
    return body + struct.pack(">qq", -1, 0), body

def elf_small(path):
    with open(path, "rb") as f:
        eh = f.read(64)
        phoff, = struct.unpack_from("<Q", eh, 32)
        phentsize, phnum = struct.unpack_from("<HH", eh, 54)
        f.seek(phoff)
        phs = [list(struct.unpack("<IIQQQQQQ", f.read(phentsize))) for _ in range(phnum)]
        notes = [p for p in phs if p[0] == 4]
        loads = [p for p in phs if p[0] == 1][:1]
        keep = notes + loads
        pos = 64 + 56 * len(keep)
        blobs = []
        for p in keep:
            size = p[5] if p[0] == 4 else min(p[5], 4096)
            f.seek(p[2])
            blobs.append(f.read(size))
            p[2] = pos
            p[5] = size
            if p[0] == 1:
                p[6] = size
            pos += size
        eh = bytearray(eh)
        struct.pack_into("<QHH", eh, 32, 64, 0, 0)  # phoff; keep e_flags/ehsize after
        struct.pack_into("<Q", eh, 32, 64)
        struct.pack_into("<HH", eh, 54, 56, len(keep))
        struct.pack_into("<Q", eh, 40, 0)  # no section headers
        struct.pack_into("<H", eh, 60, 0)
        struct.pack_into("<H", eh, 62, 0)
        return bytes(eh) + b"".join(struct.pack("<IIQQQQQQ", *p) for p in keep) + b"".join(blobs)

full, cut = flat_cut(by["healthy"]["vmcore"])
open(f"{out}/flat-healthy-head", "wb").write(full)
open(f"{out}/flat-truncated", "wb").write(cut)
elf = [s for s in idx["scenarios"] if s.get("format") == "elf"]
if elf:
    open(f"{out}/elf-small", "wb").write(elf_small(elf[0]["vmcore"]))
for n in os.listdir(out):
    print(n, os.path.getsize(f"{out}/{n}"))
