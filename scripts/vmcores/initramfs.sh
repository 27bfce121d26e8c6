#!/usr/bin/env bash
# initramfs.sh KERNEL_DIR KIND REFVMM SCENARIO ENVFILE — build (or reuse) a scenario's
# initramfs and print its path.  Two concatenated gzip'd newc cpio archives:
#   base  (per kernel): busybox-static, /init (init.sh), kernel modules in load order
#         (KIND=debian: kvm, kvm-amd, msr, qemu_fw_cfg + their modinfo depends=)
#   top   (per scenario): /refvmm-static and /scenario.env (REFVMM_ARGS, SCENARIO).
# (Body in braces: bash parses it whole before running, so editing this file
# cannot break a run in progress.)
{
. "$(dirname "$0")/lib.sh"
kdir=$1 kind=$2 refvmm=$3 scen=$4 envfile=$5
bb=/bin/busybox
[ -x "$bb" ] || bb=$(command -v busybox)
[ -x "$bb" ] || die "busybox-static missing"
mkdir -p "$CACHE/initramfs"
basekey=$(printf '%s %s\n' "$kdir" "$kind" | cat - "$FACTORY_DIR/init.sh" "$bb" "$0" | sha256sum | cut -c1-12)
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
      f=$(find "$mdir" -name "$n.ko" -o -name "${n//_/-}.ko" | head -1)
      [ -n "$f" ] || die "module $n not found"
      for d in $(/sbin/modinfo -F depends "$f" | tr ',' ' '); do add "$d"; done
      cp "$f" "$st/lib/modules/$n.ko"; order+=("$n")
    }
    for m in irqbypass kvm kvm_amd msr qemu_fw_cfg; do add $m; done
    printf '%s\n' "${order[@]}" > "$st/lib/modules/order"
    log "initramfs: modules ${order[*]}"
  fi
  (cd "$st" && find . | cpio -o -H newc --quiet -R 0:0 | gzip -6) > "$base.tmp"
  mv "$base.tmp" "$base"; rm -rf "$st"; trap - EXIT
fi
rv=(); [ -s "$refvmm" ] && rv=("$refvmm")
topkey=$(printf '%s\n' "$basekey" | cat - "$envfile" "${rv[@]}" | sha256sum | cut -c1-12)
out=$CACHE/initramfs/$scen-$topkey.cpio.gz
if [ ! -s "$out" ]; then
  st=$(mktemp -d)
  cp "$envfile" "$st/scenario.env"
  [ -s "$refvmm" ] && cp "$refvmm" "$st/refvmm-static"
  (cd "$st" && find . -mindepth 1 | cpio -o -H newc --quiet -R 0:0 | gzip -6) > "$out.tmp"
  cat "$base" "$out.tmp" > "$out"; rm -rf "$st" "$out.tmp"
fi
echo "$out"
exit
}
