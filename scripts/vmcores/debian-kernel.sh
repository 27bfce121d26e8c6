#!/usr/bin/env bash
# debian-kernel.sh — fetch (or reuse) the Debian test kernel and its debuginfo.
# Picks the ABI the meta package linux-image-cloud-amd64-dbg points to now (the newest
# 6.1 cloud kernel apt offers), unless DEBIAN_KERNEL_ABI=6.1.0-NN is set.  Prints the
# cache directory, which holds:
#   vmlinuz  vmlinux (debug)  debug/kvm.ko debug/kvm-amd.ko (module debuginfo)
#   root/lib/modules/<abi>-cloud-amd64/...  (the package's modules)
#   version  (e.g. "6.1.0-56-cloud-amd64 6.1.192-2")
# (Body in braces: bash parses it whole before running, so editing this file
# cannot break a run in progress.)
{
. "$(dirname "$0")/lib.sh"
abi=${DEBIAN_KERNEL_ABI:-}
if [ -z "$abi" ]; then
  abi=$(apt-cache depends linux-image-cloud-amd64-dbg 2>/dev/null \
        | sed -n 's/.*Depends: linux-image-\(.*\)-cloud-amd64-dbg$/\1/p' | head -1) || true
fi
if [ -z "$abi" ]; then
  # No apt lists (fresh container): use what the cache already has, else refresh lists.
  abi=$(ls "$CACHE/debian" 2>/dev/null | sort -V | tail -1)
  if [ -z "$abi" ]; then
    SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -q >/dev/null
    abi=$(apt-cache depends linux-image-cloud-amd64-dbg | sed -n 's/.*Depends: linux-image-\(.*\)-cloud-amd64-dbg$/\1/p' | head -1)
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
  "./usr/lib/debug/boot/vmlinux-$flav" "./usr/lib/debug/lib/modules/$flav/kernel/arch/x86/kvm/*.ko"
mv "$out.tmp/usr/lib/debug/boot/vmlinux-$flav" "$out.tmp/vmlinux"
mv "$out.tmp/usr/lib/debug/lib/modules/$flav/kernel/arch/x86/kvm/"*.ko "$out.tmp/debug/"
rm -rf "$out.tmp/usr"
echo "$flav $(dpkg-deb -f "$img" Version)" > "$out.tmp/version"
rm -rf "$out" && mv "$out.tmp" "$out" && rm -rf "$dl"
echo "$out"
exit
}
