#!/usr/bin/env bash
# initramfs.sh KERNEL_DIR KIND REFVMM SCENARIO ENVFILE [kdump CAPTURE_IMAGE] — build (or reuse) a
# scenario's initramfs and print its path.  Two concatenated gzip'd newc cpio archives:
#   base  (per kernel): busybox-static, /init (init.sh), kernel modules in load order
#         (KIND=debian: kvm, kvm-amd, msr, qemu_fw_cfg + their modinfo depends=;
#         6.12's .ko.xz are decompressed: busybox insmod loads plain ELF);
#         with kdump also Debian's kexec and makedumpfile with their shared libraries
#   top   (per scenario): /refvmm-static and /scenario.env (REFVMM_ARGS, SCENARIO);
#         with kdump also /boot/vmlinuz (CAPTURE_IMAGE, the capture kernel) and /boot/capture.gz (base +
#         scenario.env: the capture kernel's initramfs, whose init runs makedumpfile).
# (Body in braces: bash parses it whole before running, so editing this file
# cannot break a run in progress.)
{
. "$(dirname "$0")/lib.sh"
kdir=$1 kind=$2 refvmm=$3 scen=$4 envfile=$5 kdump=${6:-} capimg=${7:-}
bb=/bin/busybox
[ -x "$bb" ] || bb=$(command -v busybox)
[ -x "$bb" ] || die "busybox-static missing"
mkdir -p "$CACHE/initramfs"
tools=(); [ "$kdump" = kdump ] && tools=(/usr/sbin/kexec /usr/bin/makedumpfile)
basekey=$(printf '%s %s %s\n' "$kdir" "$kind" "$kdump" | cat - "$FACTORY_DIR/init.sh" "$bb" "$0" "${tools[@]}" | sha256sum | cut -c1-12)
base=$CACHE/initramfs/base-$basekey.cpio.gz
if [ ! -s "$base" ]; then
  st=$(mktemp -d); trap 'rm -rf "$st"' EXIT
  mkdir -p "$st"/{bin,dev,proc,sys,tmp,lib/modules}
  cp "$bb" "$st/bin/busybox"; ln -s busybox "$st/bin/sh"
  cp "$FACTORY_DIR/init.sh" "$st/init"; chmod +x "$st/init"
  if [ "$kind" = debian ]; then
    mdir=$(ls -d "$kdir"/root/lib/modules/*/kernel)
    declare -A seen=(); order=()
    # add NAME: depth-first over modinfo depends= so dependencies load first.
    add() {
      local n=$1 f d; [ -n "${seen[$n]:-}" ] && return; seen[$n]=1
      f=$(find "$mdir" -name "$n.ko" -o -name "${n//_/-}.ko" -o -name "$n.ko.xz" -o -name "${n//_/-}.ko.xz" | head -1)
      [ -n "$f" ] || die "module $n not found"
      for d in $(/sbin/modinfo -F depends "$f" | tr ',' ' '); do add "$d"; done
      case $f in *.xz) xz -dc "$f" > "$st/lib/modules/$n.ko" ;; *) cp "$f" "$st/lib/modules/$n.ko" ;; esac
      order+=("$n")
    }
    for m in irqbypass kvm kvm_amd msr qemu_fw_cfg; do add $m; done
    printf '%s\n' "${order[@]}" > "$st/lib/modules/order"
    log "initramfs: modules ${order[*]}"
  fi
  # kdump: the binaries with their libraries (ldd) and the dynamic loader, same paths.
  for t in "${tools[@]}"; do
    [ -x "$t" ] || die "$t missing (apt-get install kexec-tools makedumpfile)"
    for f in "$t" $(ldd "$t" | grep -oE '/[^ ]+'); do
      mkdir -p "$st$(dirname "$f")"; cp -L "$f" "$st$f"
    done
  done
  if [ ${#tools[@]} -gt 0 ]; then
    mkdir -p "$st/etc" "$st/boot" "$st/var/tmp"; : > "$st/etc/makedumpfile.conf"
  fi
  (cd "$st" && find . | cpio -o -H newc --quiet -R 0:0 | gzip -6) > "$base.tmp"
  mv "$base.tmp" "$base"; rm -rf "$st"; trap - EXIT
fi
rv=(); [ -s "$refvmm" ] && rv=("$refvmm")
kimg=(); if [ "$kdump" = kdump ]; then
  [ -s "$capimg" ] || die "kdump: capture kernel image '$capimg' missing"
  kimg=("$capimg")
fi
topkey=$(printf '%s\n' "$basekey" | cat - "$envfile" "${rv[@]}" "${kimg[@]}" | sha256sum | cut -c1-12)
out=$CACHE/initramfs/$scen-$topkey.cpio.gz
if [ ! -s "$out" ]; then
  st=$(mktemp -d)
  cp "$envfile" "$st/scenario.env"
  [ -s "$refvmm" ] && cp "$refvmm" "$st/refvmm-static"
  if [ ${#kimg[@]} -gt 0 ]; then
    mkdir -p "$st/boot"; cp "${kimg[0]}" "$st/boot/vmlinuz"
    cst=$(mktemp -d); cp "$envfile" "$cst/scenario.env"
    (cd "$cst" && find . -mindepth 1 | cpio -o -H newc --quiet -R 0:0 | gzip -6) > "$st/capture-top.gz"
    cat "$base" "$st/capture-top.gz" > "$st/boot/capture.gz"; rm -rf "$cst" "$st/capture-top.gz"
    # kexec-tools reads the kernel's text mapping from /proc/kcore, which the reference
    # kernel (tinyconfig, no PROC_KCORE) lacks: a minimal ELF core header with one PT_LOAD
    # for _text.._end (no KASLR there), mounted over /proc/kcore in a chroot by init.sh.
    if [ "$kind" != debian ]; then
      python3 - "$kdir/vmlinux" "$st/boot/kcore" <<'PY'
import struct, subprocess, sys
sym = {l.split()[2]: int(l.split()[0], 16) for l in subprocess.run(["nm", sys.argv[1]],
       capture_output=True, text=True).stdout.splitlines() if len(l.split()) == 3}
text, end = sym["_text"], sym["_end"]
eh = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56, 1, 0, 0, 0)
ph = struct.pack("<IIQQQQQQ", 1, 7, 0x1000, text, text - 0xffffffff80000000, end - text, end - text, 0x1000)
open(sys.argv[2], "wb").write(eh + ph)
PY
    fi
  fi
  (cd "$st" && find . -mindepth 1 | cpio -o -H newc --quiet -R 0:0 | gzip -6) > "$out.tmp"
  cat "$base" "$out.tmp" > "$out"; rm -rf "$st" "$out.tmp"
fi
echo "$out"
exit
}
