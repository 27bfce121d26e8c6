#!/usr/bin/env python3
"""crashrun.py — run crash in batch mode on a scenario dump, with kvmtimer.so.

As a program:
    tests/ext/crashrun.py [--index F] [--so F] [--no-mod] [--no-extend] [--list]
                          SCENARIO [COMMAND...]
Commands come from the arguments, else one per line on stdin.  Prints each
command's output after a "crash> COMMAND" header, like an interactive session.

As a module (tests/ext/e2e.py): load_index(), find(), run().  One crash process
runs every command of a list; a marker command (`p 7777000NNN`) after each one
splits the output per command, and proves that crash was still alive after it.
"""
import json, os, re, subprocess, sys, time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_INDEX = os.path.join(REPO, "vmcores", "index.json")
DEFAULT_SO = os.path.join(REPO, os.environ.get("BUILD", "build"), "kvmtimer.so")
MARK_BASE = 7777000000
MARK_RE = re.compile(r"^\$\d+ = (7777\d{6})$")


def load_index(path=DEFAULT_INDEX):
    """The factory's index: a JSON list, {"scenarios": [...]}, a {name: entry}
    object, or JSON lines (what scenario.sh prints).  Returns a list of entries
    ({"name", "vmcore", "vmlinux", "modules": {mod: ko}, "manifest", ...})."""
    if not os.path.exists(path):
        return []
    text = open(path).read().strip()
    if not text:
        return []
    try:
        doc = json.loads(text)
    except ValueError:
        doc = [json.loads(l) for l in text.splitlines() if l.strip()]
    if isinstance(doc, dict):
        if isinstance(doc.get("scenarios"), list):
            doc = doc["scenarios"]
        elif "vmcore" in doc:
            doc = [doc]
        else:
            doc = [dict(v, name=v.get("name", k)) for k, v in doc.items() if isinstance(v, dict)]
    return [e for e in doc if isinstance(e, dict) and e.get("vmcore")]


def find(index, name):
    for e in index:
        if e.get("name") == name:
            return e
    return None


def usable(entry):
    """Why the entry cannot be used, or None."""
    for k in ("vmcore", "vmlinux"):
        if not entry.get(k) or not os.path.exists(entry[k]):
            return "%s %s missing" % (k, entry.get(k))
    return None


class Session:
    """The outcome of one crash run: outputs[i] is command i's stdout text
    (None when crash never got past it), plus crash's stderr and status."""

    def __init__(self, cmds, outputs, stdout, stderr, rc, seconds, timed_out):
        self.cmds, self.outputs = cmds, outputs
        self.stdout, self.stderr, self.rc = stdout, stderr, rc
        self.seconds, self.timed_out = seconds, timed_out

    def out(self, i):
        return self.outputs[i] if i < len(self.outputs) else None

    def alive_after(self, i):
        """crash ran the marker after command i (so it survived command i)."""
        return self.out(i) is not None


def crash_of(entry):
    """The crash binary for this dump: the index names one where Debian 12's crash
    8.0.2 cannot open the kernel (6.12: crash 8.0.6 from scripts/crash-build.sh)."""
    c = entry.get("crash") or "crash"
    return c


def vmlinux_of(entry):
    """The vmlinux crash opens: the factory's copy with a gdb index when it made one
    (the index's "crash_vmlinux", scripts/vmcores/gdb-index.sh: crash starts 2-3x
    faster, same answers; e2e.py checks that), else the kernel's own file."""
    v = entry.get("crash_vmlinux")
    return v if v and os.path.exists(v) else entry["vmlinux"]


def so_for(entry, so):
    """The extension built for the entry's crash: BUILD/kvmtimer.so for the system's
    crash, BUILD/crash-VERSION/kvmtimer.so for $CACHE/crash/VERSION/crash."""
    c = crash_of(entry)
    if c == "crash" or not so:
        return so
    ver = os.path.basename(os.path.dirname(c))
    return os.path.join(os.path.dirname(so), "crash-" + ver, os.path.basename(so))


def run(entry, cmds, so=DEFAULT_SO, mod=True, extend=True, timeout=600, env=None,
        vmlinux=None):
    """Run crash on entry's dump.  Prologue: `mod -s M KO` for each module the
    entry lists (unless mod=False), `extend SO` (unless extend=False).  Returns a
    Session whose outputs line up with cmds (prologue outputs are dropped).
    The crash binary, the extension and the vmlinux follow the entry (crash_of,
    so_for, vmlinux_of); vmlinux= overrides the last."""
    so = so_for(entry, so)
    pro = []
    if mod:
        for m, ko in sorted((entry.get("modules") or {}).items()):
            if ko and os.path.exists(ko):
                pro.append("mod -s %s %s" % (m, ko))
    if extend:
        pro.append("extend %s" % os.path.abspath(so))
    allc = pro + list(cmds)
    script = []
    for i, c in enumerate(allc):
        script.append(c)
        script.append("p %d" % (MARK_BASE + i))
    script.append("quit")
    e = dict(os.environ)
    e.update(env or {})
    t0 = time.time()
    timed_out = False
    try:
        p = subprocess.run([crash_of(entry), "-s", vmlinux or vmlinux_of(entry), entry["vmcore"]],
                           input="\n".join(script) + "\n", capture_output=True, text=True,
                           errors="replace", timeout=timeout, env=e)
        stdout, stderr, rc = p.stdout, p.stderr, p.returncode
    except subprocess.TimeoutExpired as x:
        stdout = x.stdout.decode(errors="replace") if isinstance(x.stdout, bytes) else (x.stdout or "")
        stderr = x.stderr.decode(errors="replace") if isinstance(x.stderr, bytes) else (x.stderr or "")
        rc, timed_out = -1, True
    outs, cur = {}, []
    for line in stdout.splitlines():
        m = MARK_RE.match(line.strip())
        if m:
            outs[int(m.group(1)) - MARK_BASE] = "\n".join(cur)
            cur = []
        else:
            cur.append(line)
    outputs = []
    for i in range(len(pro), len(allc)):
        outputs.append(outs.get(i))
    s = Session(list(cmds), outputs, stdout, stderr, rc, time.time() - t0, timed_out)
    s.prologue = [outs.get(i) for i in range(len(pro))]
    s.prologue_cmds = pro
    return s


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", default=DEFAULT_INDEX)
    ap.add_argument("--so", default=DEFAULT_SO)
    ap.add_argument("--no-mod", action="store_true", help="do not mod -s the index's modules")
    ap.add_argument("--no-extend", action="store_true")
    ap.add_argument("--list", action="store_true", help="list the scenarios of the index")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("scenario", nargs="?")
    ap.add_argument("commands", nargs="*")
    a = ap.parse_args()
    index = load_index(a.index)
    if a.list or not a.scenario:
        for e in index:
            print("%-16s %s" % (e.get("name"), e.get("vmcore")))
        return 0
    e = find(index, a.scenario)
    if not e:
        print("crashrun: scenario %s not in %s" % (a.scenario, a.index), file=sys.stderr)
        return 2
    why = usable(e)
    if why:
        print("crashrun: scenario %s: %s" % (a.scenario, why), file=sys.stderr)
        return 2
    cmds = a.commands or [l.rstrip("\n") for l in sys.stdin if l.strip()]
    s = run(e, cmds, so=a.so, mod=not a.no_mod, extend=not a.no_extend, timeout=a.timeout)
    for c, o in zip(s.prologue_cmds, s.prologue):
        if o and o.strip():
            sys.stdout.write("crash> %s\n%s\n" % (c, o.strip("\n")))
    for i, c in enumerate(cmds):
        o = s.out(i)
        sys.stdout.write("crash> %s\n%s\n" % (c, o.strip("\n") if o is not None
                                               else "(crash did not get past this command)"))
    noise = [l for l in s.stderr.splitlines()
             if l.strip() and not l.startswith("bt: ")]   # crash's start-up noise on 6.1
    if noise:
        sys.stderr.write("\n".join(noise) + "\n")
    return 0 if not s.timed_out and all(o is not None for o in s.outputs) else 1


if __name__ == "__main__":
    sys.exit(main())
