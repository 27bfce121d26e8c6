#!/usr/bin/env bash
# deb.sh — suite pkg-deb: build the .deb (make deb), then tests/pkg/deb.py on it.
cd "$(dirname "$0")/../.." || exit 1
B=${BUILD:-build}; v=$(cat VERSION)
log=$B/pkg/make-deb.log; mkdir -p "$B/pkg"
if ! make --no-print-directory BUILD="$B" deb > "$log" 2>&1; then
  echo "not ok 1 - make deb (dpkg-buildpackage -b -us -uc) failed:"; tail -25 "$log" | sed 's/^/#   /'; exit 1
fi
echo "ok 1 - make deb: $(ls "$B"/pkg/deb/kvmtimer_*.deb)"
export KT_DESCRIBE; KT_DESCRIBE=$(cat "$B/pkg/src/kvmtimer-$v/.git-describe")
export KT_OTHER_CRASH_SO; KT_OTHER_CRASH_SO=$(realpath "$B/pkg/kvmtimer-crash0.so")
exec python3 tests/pkg/deb.py "$B/pkg/deb/kvmtimer_${v}_amd64.deb"
