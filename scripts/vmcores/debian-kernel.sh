#!/usr/bin/env bash
# debian-kernel.sh [SERIES] — fetch (or reuse) a Debian test kernel and its debuginfo.
# SERIES 6.1 (default): the ABI the meta package linux-image-cloud-amd64-dbg points to
# now (the newest 6.1 cloud kernel apt offers), unless DEBIAN_KERNEL_ABI=6.1.0-NN is set.
# SERIES 6.12: what linux-image-6.12-cloud-amd64-dbg points to (bookworm-security's
# 6.12.NNN+deb12), unless DEBIAN_612_KERNEL_ABI is set; its modules are .ko.xz.
# Prints the cache directory, which holds:
#   vmlinuz  vmlinux (debug)  debug/kvm.ko debug/kvm-amd.ko (module debuginfo)
#   root/lib/modules/<abi>-cloud-amd64/...  (the package's modules)
#   version  (e.g. "6.1.0-56-cloud-amd64 6.1.192-2")
# (Body in braces: bash parses it whole before running, so editing this file
# cannot break a run in progress.)
{
. "$(dirname "$0")/lib.sh"
series=${1:-6.1}
case $series in
  6.1)  abi=${DEBIAN_KERNEL_ABI:-}     meta=linux-image-cloud-amd64-dbg      pat='6.1.0-*' ;;
  6.12) abi=${DEBIAN_612_KERNEL_ABI:-} meta=linux-image-6.12-cloud-amd64-dbg pat='6.12.*' ;;
  *) die "unknown kernel series $series" ;;
esac
metaabi() { apt-cache depends "$meta" 2>/dev/null \
            | sed -n 's/.*Depends: linux-image-\(.*\)-cloud-amd64-dbg$/\1/p' | head -1; }
[ -n "$abi" ] || abi=$(metaabi) || true
if [ -z "$abi" ]; then
  # No apt lists (fresh container): use what the cache already has, else refresh lists.
  abi=$(cd "$CACHE/debian" 2>/dev/null && ls -d $pat 2>/dev/null | sort -V | tail -1) || true
  if [ -z "$abi" ]; then
    SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -q >/dev/null
    abi=$(metaabi)
  fi
fi
[ -n "$abi" ] || die "cannot determine the Debian cloud kernel ABI"
out=$CACHE/debian/$abi
flav=$abi-cloud-amd64
lock "debian-$abi"
if [ -s "$out/vmlinux" ] && [ -s "$out/debug/kvm.ko" ] && [ -s "$out/version" ]; then echo "$out"; exit 0; fi

dl=$CACHE/debian/dl-$abi; rm -rf "$dl" "$out.tmp"; mkdir -p "$dl" "$out.tmp/debug"
log "debian-kernel: downloading linux-image-$flav-unsigned and -dbg"
( cd "$dl" && apt-get download "linux-image-$flav-unsigned" "linux-image-$flav-dbg" 2>&1 \
    | grep -v 'Download is performed unsandboxed' >&2 || true )
img=$(ls "$dl"/linux-image-"$flav"-unsigned_*.deb) || die "download failed"
dbg=$(ls "$dl"/linux-image-"$flav"-dbg_*.deb) || die "download failed"
dpkg -x "$img" "$out.tmp/root"
mv "$out.tmp/root/boot/vmlinuz-$flav" "$out.tmp/vmlinuz"
# From the 280 MB debug package only vmlinux and the KVM modules' debuginfo.
log "debian-kernel: extracting vmlinux + kvm*.ko debuginfo"
dpkg --fsys-tarfile "$dbg" | tar x -C "$out.tmp" --wildcards \
  "./usr/lib/debug/boot/vmlinux-$flav" "./usr/lib/debug/lib/modules/$flav/kernel/arch/x86/kvm/*.ko*"
mv "$out.tmp/usr/lib/debug/boot/vmlinux-$flav" "$out.tmp/vmlinux"
mv "$out.tmp/usr/lib/debug/lib/modules/$flav/kernel/arch/x86/kvm/"*.ko* "$out.tmp/debug/"
# crash's `mod -s` and gdb want plain ELF (6.12 may ship compressed debug modules).
for f in "$out.tmp"/debug/*.ko.xz; do [ -e "$f" ] && xz -d "$f"; done
# The kernel's own config, for docs/KERNELS.md and the hard-lockup detector question.
cp "$out.tmp/root/boot/config-$flav" "$out.tmp/config" 2>/dev/null || true
rm -rf "$out.tmp/usr"
echo "$flav $(dpkg-deb -f "$img" Version)" > "$out.tmp/version"
rm -rf "$out" && mv "$out.tmp" "$out" && rm -rf "$dl"
echo "$out"
exit
}
