#!/usr/bin/env bash
# deps.sh build|pkg|all — install the Debian packages kvmtimer needs (only what is missing).
#   build: compiler, crash headers, test framework, libraries for the core, extension, CLI.
#   all:   also what the dump factory and the end-to-end tests need (QEMU, busybox, gdb...),
#          and the packaging tests (debhelper, rpm, python3-jsonschema, man-db).
#   pkg:   build + what `make deb` and `make rpm` need.
set -euo pipefail
build_pkgs="gcc make crash libcmocka-dev libdw-dev libelf-dev libkdumpfile-dev pkg-config python3"
all_pkgs="$build_pkgs gdb qemu-system-x86 busybox-static cpio linux-source-6.1 linux-source-6.12 kexec-tools python3-drgn
  makedumpfile clang valgrind bc flex bison libssl-dev xz-utils zstd kmod python3 jq
  debhelper dpkg-dev rpm python3-jsonschema man-db groff-base"
pkg_pkgs="$build_pkgs debhelper dpkg-dev rpm"
case "${1:-all}" in build) want=$build_pkgs ;; pkg) want=$pkg_pkgs ;; *) want=$all_pkgs ;; esac
missing=()
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0
echo "deps: installing ${missing[*]}"
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
# Try without a fresh package list first (fast); a fresh machine has none, so update once then.
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; then
  $SUDO apt-get update -q >/dev/null
  $SUDO apt-get install -y -q "${missing[@]}" >/dev/null
fi
