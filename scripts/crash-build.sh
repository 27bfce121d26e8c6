#!/usr/bin/env bash
# crash-build.sh [VERSION] — build crash VERSION (default 8.0.6) from Debian 13's source
# package and print the directory that holds it: DIR/crash (the binary) and
# DIR/include/defs.h (the extension header).  Debian 12 ships crash 8.0.2, which cannot
# read 6.4+ kernels' dumps (maple-tree VMAs, new vmap layout, ...), so the 6.12 dumps
# need a newer crash.
#
# Cached in $CACHE/crash/VERSION, keyed by version and RECIPE (bump RECIPE when the
# build changes).  Offline once the orig tarball is cached: it carries gdb-10.2.tar.gz.
# The deb-src line for trixie lives in a private apt configuration under the cache, so
# the system's package lists are never touched.
set -euo pipefail
VERSION=${1:-8.0.6}
: "${CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/kvmtimer}"
mkdir -p "$CACHE/crash" "$CACHE/locks"
CACHE=$(cd "$CACHE" && pwd)
OUT=$CACHE/crash/$VERSION
RECIPE=5   # orig tarball, lzo+snappy+zstd, target=X86_64, MAKEINFO=true on the make command line,
           # gdb compiled -O1 without -g, without gdbserver and libctf
STAMP="$VERSION r$RECIPE"
if [ -x "$OUT/crash" ] && [ -f "$OUT/include/defs.h" ] && [ "$(cat "$OUT/STAMP" 2>/dev/null)" = "$STAMP" ]; then
  echo "$OUT"; exit 0
fi

# One build at a time across checkouts; a second caller waits, then finds it done.
exec {lockfd}>"$CACHE/locks/crash-$VERSION.lock"
flock "$lockfd"
if [ -x "$OUT/crash" ] && [ -f "$OUT/include/defs.h" ] && [ "$(cat "$OUT/STAMP" 2>/dev/null)" = "$STAMP" ]; then
  echo "$OUT"; exit 0
fi
log() { echo "crash-build: $*" >&2; }

# --- the source: Debian 13 (trixie) source package, orig tarball only --------------
SRC=$CACHE/crash/src
mkdir -p "$SRC"
TARBALL=$SRC/crash_$VERSION.orig.tar.gz
if [ ! -s "$TARBALL" ]; then
  # The mirror the machine already uses for Debian (deb.debian.org if none is found).
  mirror=$(grep -rhoE 'https?://[^ ]*/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
           | grep -v -- '-security' | head -1 | tr -d ' ' | sed 's,/$,,' || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  apt=$SRC/apt; mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
  echo "deb-src $mirror trixie main" > "$apt/sources.list"
  aptopts=(-o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=/dev/null
           -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o Debug::NoLocking=1)
  log "fetching the trixie source index from $mirror"
  apt-get "${aptopts[@]}" -q update >&2
  # The .dsc and the Debian diff are not needed (and the .dsc may 404 on a mirror
  # between updates); take the orig tarball's URI and checksum from the index.
  line=$(apt-get "${aptopts[@]}" source --print-uris "crash=$VERSION-1" 2>/dev/null | grep "orig.tar.gz" || true)
  [ -n "$line" ] || line=$(apt-get "${aptopts[@]}" source --print-uris crash 2>/dev/null | grep "crash_$VERSION.orig.tar.gz")
  uri=$(echo "$line" | awk '{print $1}' | tr -d "'")
  sum=$(echo "$line" | grep -oE 'SHA256:[0-9a-f]{64}' | cut -d: -f2)
  [ -n "$uri" ] && [ -n "$sum" ] || { log "no crash_$VERSION.orig.tar.gz in trixie's index"; exit 1; }
  log "downloading $uri"
  curl -fsSL -o "$TARBALL.part" "$uri"
  echo "$sum  $TARBALL.part" | sha256sum -c --quiet - >&2
  mv "$TARBALL.part" "$TARBALL"
fi

# --- the build ---------------------------------------------------------------------
WORK=$CACHE/crash/build-$VERSION
rm -rf "$WORK"; mkdir -p "$WORK"
tar -xzf "$TARBALL" -C "$WORK"
dir=$(find "$WORK" -mindepth 1 -maxdepth 1 -type d | head -1)
# Compressed-kdump support as Debian builds it: makedumpfile -l (lzo), -p (snappy),
# -z (zstd) and zlib.  crash's configure reads these files (what `make lzo` etc. write).
echo "-DLZO -DSNAPPY -DZSTD" > "$dir/CFLAGS.extra"
echo "-llzo2 -lsnappy -lzstd" > "$dir/LDFLAGS.extra"
log "building crash $VERSION in $dir (gdb included; 13 min on 2 idle cores at -O2, less at -O1)"
t0=$SECONDS
# MAKEINFO=true on the command line (so it overrides every sub-make's own setting; in
# the environment gdb's configure replaces it by `missing makeinfo`): bfd would otherwise
# want texinfo to rebuild bfd.info.  crash builds gdb through $(MAKE), so -j2 and the
# variable reach it through MAKEFLAGS.
# CFLAGS/CXXFLAGS=-O1 in the environment: gdb's configure takes them instead of its
# default "-g -O2" (crash's own objects keep their -g -O2: CRASH_CFLAGS has them).
# Nobody debugs this gdb; and a cold `make check` must stay under 60 min, of which this
# build is the largest single part.  Measured on six of gdb's heaviest units (target,
# remote, gdbarch, dwarf2/read, symtab, infrun), user CPU seconds, idle machine, two
# runs each: -O2 31-34, -O1 20-22, -O0 17-18.  -O0 would save little more and leave
# gdb's DWARF reading, which every crash session starts with, unoptimised.
# GDB_CONF_FLAGS (crash passes it to gdb's configure; on the command line it overrides
# the Makefile's): gdbserver (~54 C++ units) and libctf (~33 C units,
# CTF type sections, which kernels do not carry) are not part of what crash links.
# Nice 19: the dump factory's QEMU runs at nice 10 beside this build on a cold run and
# should not be slowed by it.
( cd "$dir" && CFLAGS=-O1 CXXFLAGS=-O1 nice -n 19 make -j2 target=X86_64 MAKEINFO=true \
    GDB_CONF_FLAGS="--disable-gdbserver --disable-libctf" ) > "$WORK/build.log" 2>&1 || {
  log "build failed; last lines of $WORK/build.log:"; tail -30 "$WORK/build.log" >&2; exit 1; }
rm -rf "$OUT.new"; mkdir -p "$OUT.new/include"
install -m 0755 "$dir/crash" "$OUT.new/crash"
install -m 0644 "$dir/defs.h" "$OUT.new/include/defs.h"
# (crash --version starts with an empty line: look for the version's own line.)
ver=$("$OUT.new/crash" --version 2>/dev/null || true)
grep -qx "crash $VERSION" <<<"$ver" || { log "built binary does not report $VERSION"; exit 1; }
echo "$STAMP" > "$OUT.new/STAMP"
rm -rf "$OUT"; mv "$OUT.new" "$OUT"
rm -rf "$WORK"
printf '%s %-28s %4ds rc=0\n' "$(date -u +%FT%TZ)" "crash-$VERSION-build" $((SECONDS - t0)) >> "$CACHE/times.log"
echo "$OUT"
