#!/usr/bin/env bash
# rpm.sh — suite pkg-rpm: build kvmtimer.spec with Debian's rpmbuild (make rpm),
# then tests/pkg/rpm.py against the .deb (made here too if pkg-deb did not).
cd "$(dirname "$0")/../.." || exit 1
B=${BUILD:-build}; v=$(cat VERSION)
deb=$B/pkg/deb/kvmtimer_${v}_amd64.deb; mkdir -p "$B/pkg"
if ! make --no-print-directory BUILD="$B" rpm > "$B/pkg/make-rpm.log" 2>&1; then
  echo "not ok 1 - make rpm (rpmbuild -bb kvmtimer.spec) failed:"; tail -25 "$B/pkg/make-rpm.log" | sed 's/^/#   /'; exit 1
fi
rpm=$(ls "$B"/pkg/rpm/RPMS/*/kvmtimer-"$v"-*.rpm)
echo "ok 1 - make rpm: $rpm"
if [ ! -e "$deb" ] && ! make --no-print-directory BUILD="$B" deb > "$B/pkg/make-deb.log" 2>&1; then
  echo "not ok 2 - make deb failed (see $B/pkg/make-deb.log)"; exit 1
fi
exec python3 tests/pkg/rpm.py "$rpm" "$deb"
