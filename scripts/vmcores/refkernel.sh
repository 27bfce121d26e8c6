#!/usr/bin/env bash
# refkernel.sh [SERIES] — build (or reuse) the reference kernel: Debian's
# linux-source-SERIES (6.1 default, or 6.12) with the upstream periodic-timer fix
# reverted (scripts/patches/0001-*.patch applies to both: same hunks, other lines),
# tinyconfig + refkernel.config, KVM/KVM_AMD built in, KEXEC (crashkernel= and kexec -p
# work; the capture kernel is Debian's kernel of the same series).  Prints the cache
# directory holding
#   bzImage  vmlinux  config  version
# Cache key = source package version + patch hash + config fragment hash.
# (Body in braces: bash parses it whole before running, so editing this file
# cannot break a run in progress.)
{
. "$(dirname "$0")/lib.sh"
series=${1:-6.1}
src=/usr/src/linux-source-$series.tar.xz
[ -r "$src" ] || die "$src missing (apt-get install linux-source-$series)"
srcver=$(dpkg-query -W -f='${Version}' linux-source-$series)
patch=$REPO/scripts/patches/0001-kvm-revert-periodic-timer-fix.patch
frag=$FACTORY_DIR/refkernel.config
key=$(printf '%s\n' "$srcver" | cat - "$patch" "$frag" | sha256sum | cut -c1-12)
out=$CACHE/refkernel/$srcver-$key
lock "refkernel-$key"
if [ -s "$out/vmlinux" ] && [ -s "$out/bzImage" ]; then echo "$out"; exit 0; fi

work=$CACHE/refkernel/build-$key
rm -rf "$work" && mkdir -p "$work"
log "refkernel: unpacking linux-source $srcver"
tar xJf "$src" -C "$work" --strip-components=1
cd "$work"
patch -p1 < "$patch" >&2
# Sanity: the clamp is gone and apic_timer_fn re-arms by one period.
grep -q 'hrtimer_add_expires_ns(&ktimer->timer, ktimer->period)' arch/x86/kvm/lapic.c || die "patch did not apply as expected"
grep -q 'target_expiration = now;' arch/x86/kvm/lapic.c && die "clamp still present"
log "refkernel: configuring (tinyconfig + $(basename "$frag"))"
$NICE make -s tinyconfig >/dev/null 2>&1
scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null
$NICE make -s olddefconfig >&2
# Every line of the fragment must have survived olddefconfig (catches dependency misses).
bad=0
while IFS= read -r l; do
  case "$l" in CONFIG_*=*) grep -qx "$l" .config || { log "config: $l did not stick"; bad=1; } ;; esac
done < "$frag"
[ $bad = 0 ] || die "reference kernel config incomplete"
log "refkernel: building with -j$JOBS (nice)"
$NICE make -s -j"$JOBS" bzImage >&2
tmp=$out.tmp; rm -rf "$tmp"; mkdir -p "$tmp"
cp vmlinux "$tmp/vmlinux"; cp arch/x86/boot/bzImage "$tmp/bzImage"; cp .config "$tmp/config"
echo "$(make -s kernelrelease) (linux-source-$series $srcver, fix reverted)" > "$tmp/version"
rm -rf "$out"; mv "$tmp" "$out"
cd / && rm -rf "$work"
echo "$out"
exit
}
