#!/usr/bin/env bash
# refkernel.sh [SERIES] — build (or reuse) the reference kernel: Debian's
# linux-source-SERIES (6.1 default, or 6.12) with the upstream periodic-timer fix
# reverted (scripts/patches/0001-*.patch applies to both: same hunks, other lines),
# tinyconfig + refkernel.config, KVM/KVM_AMD built in, KEXEC (crashkernel= and kexec -p
# work; the capture kernel is Debian's kernel of the same series).  Prints the cache
# directory holding
#   bzImage  vmlinux  config  version
# Cache key = source package version + patch hash + config fragment hash (+ variant).
# Variants (env): REF_CC=gcc|clang (clang: `make LLVM=-14`, Debian's clang 14, with
# refkernel-clang.config: the same plus KVM_INTEL, both vendors built in as distribution
# kernels have them, so only the runtime kvm_x86_ops says which runs; a file of its own
# so that the gcc kernel's cache key stays), REF_FIX=reverted|fixed (fixed: the source
# as Debian ships it, fix included).
# (Body in braces: bash parses it whole before running, so editing this file
# cannot break a run in progress.)
{
. "$(dirname "$0")/lib.sh"
series=${1:-6.1}
src=/usr/src/linux-source-$series.tar.xz
[ -r "$src" ] || die "$src missing (apt-get install linux-source-$series)"
srcver=$(dpkg-query -W -f='${Version}' linux-source-$series)
patch=$REPO/scripts/patches/0001-kvm-revert-periodic-timer-fix.patch
REF_CC=${REF_CC:-gcc} REF_FIX=${REF_FIX:-reverted}
case "$REF_CC/$REF_FIX" in gcc/reverted|gcc/fixed|clang/reverted|clang/fixed) ;; *) die "bad REF_CC/REF_FIX: $REF_CC/$REF_FIX" ;; esac
frag=$FACTORY_DIR/refkernel.config
[ $REF_CC = clang ] && frag=$FACTORY_DIR/refkernel-clang.config
# The default variant keeps the key it always had; others add their name to it.
variant=; [ "$REF_CC/$REF_FIX" = gcc/reverted ] || variant="$REF_CC/$REF_FIX"
llvm=(); [ $REF_CC = clang ] && llvm=(LLVM=-14)
# A series' own settings (refkernel-6.12.config), merged last; in the key only where
# the file exists, so the 6.1 kernels keep theirs.
sfrag=$FACTORY_DIR/refkernel-$series.config; [ -r "$sfrag" ] || sfrag=
key=$( { printf '%s\n' "$srcver"; cat "$patch" "$frag" $sfrag; printf '%s' "$variant"; } | sha256sum | cut -c1-12)
out=$CACHE/refkernel/$srcver-$key
lock "refkernel-$key"
if [ -s "$out/vmlinux" ] && [ -s "$out/bzImage" ]; then echo "$out"; exit 0; fi

work=$CACHE/refkernel/build-$key
rm -rf "$work" && mkdir -p "$work"
log "refkernel: unpacking linux-source $srcver"
$BUILD_NICE tar xJf "$src" -C "$work" --strip-components=1
cd "$work"
if [ $REF_FIX = reverted ]; then
  patch -p1 < "$patch" >&2
  # Sanity: the clamp is gone and apic_timer_fn re-arms by one period.
  grep -q 'hrtimer_add_expires_ns(&ktimer->timer, ktimer->period)' arch/x86/kvm/lapic.c || die "patch did not apply as expected"
  grep -q 'target_expiration = now;' arch/x86/kvm/lapic.c && die "clamp still present"
else
  grep -q 'target_expiration = now;' arch/x86/kvm/lapic.c || die "linux-source $srcver lacks the clamp: not a fixed kernel"
fi
log "refkernel: configuring (tinyconfig + $(basename "$frag"), $REF_CC)"
$NICE make -s "${llvm[@]}" tinyconfig >/dev/null 2>&1
scripts/kconfig/merge_config.sh -m .config "$frag" $sfrag >/dev/null
$NICE make -s "${llvm[@]}" olddefconfig >&2
# Every line of the fragments must have survived olddefconfig (catches dependency misses).
bad=0
while IFS= read -r l; do
  case "$l" in CONFIG_*=*) grep -qx "$l" .config || { log "config: $l did not stick"; bad=1; } ;; esac
done < <(cat "$frag" $sfrag)
# and every "is not set" of the series' fragment stayed unset.
if [ -n "$sfrag" ]; then
  while IFS= read -r l; do
    case "$l" in "# CONFIG_"*" is not set") o=${l#\# }; o=${o%% *}
      grep -q "^$o=" .config && { log "config: $o is still set"; bad=1; } ;; esac
  done < "$sfrag"
fi
[ $bad = 0 ] || die "reference kernel config incomplete"
log "refkernel: building with -j$JOBS (nice 19)"
$BUILD_NICE make -s "${llvm[@]}" -j"$JOBS" bzImage >&2
tmp=$out.tmp; rm -rf "$tmp"; mkdir -p "$tmp"
cp vmlinux "$tmp/vmlinux"; cp arch/x86/boot/bzImage "$tmp/bzImage"; cp .config "$tmp/config"
# The object the fix-status reader is about (testdata/lapic-objects/ is made from these).
cp arch/x86/kvm/lapic.o "$tmp/lapic.o"
fixnote="fix reverted"; [ $REF_FIX = fixed ] && fixnote="fix present"
echo "$(make -s kernelrelease) (linux-source-$series $srcver, $fixnote, $REF_CC)" > "$tmp/version"
rm -rf "$out"; mv "$tmp" "$out"
cd / && rm -rf "$work"
echo "$out"
exit
}
