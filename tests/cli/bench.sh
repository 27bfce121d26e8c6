#!/usr/bin/env bash
# bench.sh [SCENARIO...] — wall time of the standalone CLI against crash start-up +
# the extension, per scenario dump of vmcores/index.json (not part of make check).
# Columns: crash start-up alone (mod -s + extend, no command), crash + kvmtriage,
# CLI kvmtriage, CLI kvmlapic -a -j, and the ratio crash+kvmtriage / CLI kvmtriage.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
python3 - "$BUILD" "$@" <<'PY'
import os, subprocess, sys, time
sys.path.insert(0, "tests/ext")
import crashrun
build, want = sys.argv[1], sys.argv[2:]
so = os.path.join(build, "kvmtimer.so")
def t(f):
    t0 = time.time(); f(); return time.time() - t0
def cli(e, args):
    mods = sum((["--module", "%s=%s" % kv] for kv in sorted(e.get("modules", {}).items())), [])
    subprocess.run([os.path.join(build, "kvmtimer"), "--vmlinux", e["vmlinux"]] + mods + args + [e["vmcore"]],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("%-12s %8s %10s %8s %9s %7s" % ("scenario", "crash-up", "crash+tri", "cli-tri", "cli-lapic", "ratio"))
es = [e for e in crashrun.load_index() if not crashrun.usable(e) and (not want or e["name"] in want)]
for e in es:
    up = t(lambda: crashrun.run(e, [], so=so))
    ct = t(lambda: crashrun.run(e, ["kvmtriage"], so=so))
    cli(e, ["-c", "kvmtriage"])                      # page cache warm, like crash's runs
    tt = min(t(lambda: cli(e, ["-c", "kvmtriage"])) for _ in range(3))
    tl = min(t(lambda: cli(e, ["-c", "kvmlapic", "--json"])) for _ in range(3))
    print("%-12s %7.2fs %9.2fs %7.2fs %8.2fs %6.1fx" % (e["name"], up, ct, tt, tl, ct / tt))
if len(es) > 1:
    # All dumps of one kernel in one CLI run (debuginfo shared).
    by = {}
    for e in es:
        by.setdefault((e["vmlinux"], tuple(sorted(e.get("modules", {}).items()))), []).append(e)
    for (vml, mods), group in by.items():
        if len(group) < 2:
            continue
        margs = sum((["--module", "%s=%s" % kv] for kv in mods), [])
        d = t(lambda: subprocess.run([os.path.join(build, "kvmtimer"), "--vmlinux", vml] + margs +
                                     [g["vmcore"] for g in group], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL))
        print("one CLI run, %d dumps of %s: %.2fs (%.2fs per dump)" % (len(group), os.path.basename(os.path.dirname(vml)), d, d / len(group)))
PY
