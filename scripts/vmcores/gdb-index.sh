#!/usr/bin/env bash
# gdb-index.sh VMLINUX — make (or reuse) VMLINUX.gdb-index beside it and print its path:
# the same file plus a .gdb_index section (Debian's gdb-add-index).  With it, crash's
# gdb looks a symbol or type up in the index and reads only the compilation units that
# hold it; without it, gdb builds partial symbol tables from all of vmlinux's DWARF when
# crash starts, then searches those (what it saves: vmcores/README.md, index.json).
# The tests' crash sessions open this copy (the index's "crash_vmlinux",
# tests/ext/crashrun.py); tests/ext/e2e.py checks that the plain file gives the same
# answers, and the factory's own checks (crashcheck.sh) use the plain file, as a user would.
# Cached with the kernel it belongs to (a rebuilt kernel lands in a new directory).
# (Body in braces: bash parses it whole before running, so editing this file
# cannot break a run in progress.)
{
. "$(dirname "$0")/lib.sh"
v=${1:?usage: gdb-index.sh VMLINUX}
out=$v.gdb-index
[ -s "$v" ] || die "gdb-index: $v missing"
lock gdb-index
if [ -s "$out" ]; then echo "$out"; exit 0; fi
command -v gdb-add-index >/dev/null || die "gdb-index: gdb-add-index missing (Debian's gdb package)"
tmp=$out.tmp
rm -f "$tmp" "$tmp.gdb-index"
cp "$v" "$tmp"
$NICE gdb-add-index "$tmp" >&2 || { rm -f "$tmp" "$tmp.gdb-index"; die "gdb-index: gdb-add-index $v failed"; }
readelf -S "$tmp" | grep -q '\.gdb_index' || { rm -f "$tmp"; die "gdb-index: no .gdb_index section in $tmp"; }
mv "$tmp" "$out"
echo "$out"
exit
}
