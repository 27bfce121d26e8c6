# lib.sh — shared helpers for the dump factory (sourced, not run).
# Cache layout under $CACHE (default ~/.cache/kvmtimer), see vmcores/README.md:
#   debian/<abi>/          Debian cloud kernel: vmlinuz, modules, vmlinux + kvm*.ko debuginfo
#   refkernel/<key>/       reference kernel (fix reverted): bzImage, vmlinux, .config
#   initramfs/<key>.cpio.gz
#   dumps/<scenario>/<key>/  vmcore, manifest.json, serial.log, factory.log
#   times.log              measured wall times of every step (appended)
set -euo pipefail
FACTORY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$FACTORY_DIR/../.." && pwd)
: "${CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/kvmtimer}"
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
# Be a good neighbour: everything heavy runs at low priority.
NICE="nice -n 10"
# Builds lower still: on a cold cache they run beside the scenarios (vmcores.sh), whose
# QEMU must keep its pace (TCG timing, the factory's timeouts).
BUILD_NICE="nice -n 19"
JOBS=${JOBS:-$(nproc)}

log()  { printf '[vmcores %s] %s\n' "$(date +%T)" "$*" >&2; }
die()  { log "ERROR: $*"; exit 1; }
# timed LABEL CMD... — run CMD, append its wall time to $CACHE/times.log.
timed() {
  local label=$1; shift; local t0=$SECONDS rc=0
  "$@" || rc=$?
  printf '%s %-28s %4ds rc=%d\n' "$(date -u +%FT%TZ)" "$label" $((SECONDS - t0)) $rc >> "$CACHE/times.log"
  return $rc
}
# hash of files/strings, short: key for cache directories.
hashof() { cat "$@" | sha256sum | cut -c1-12; }
# lock NAME — hold an exclusive lock on $CACHE/locks/NAME until this script exits, so
# concurrent `make vmcores` runs (e.g. two engineers' `make check`) wait for each other
# instead of building into the same directories.
lock() {
  mkdir -p "$CACHE/locks"
  local fd; exec {fd}>"$CACHE/locks/$1.lock"; LOCK_FD=$fd
  flock -n "$fd" || { log "waiting for another run holding $1"; flock "$fd"; }
}
