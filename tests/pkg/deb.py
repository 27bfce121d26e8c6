#!/usr/bin/env python3
"""deb.py DEB — suite pkg-deb: the .deb of `make deb`, installed for real.

As root, holding $CACHE/locks/pkg-dpkg.lock (one dpkg test at a time per machine):
 1. the package's control data: version = VERSION, Depends on exactly the
    installed crash, the description says so; its files are where crash and man
    look for them;
 2. a kvmtimer package already installed is purged first (said in a comment),
    and files of the package's paths that no package owns (a `make install`)
    are moved aside and put back at the end;
 3. dpkg -i; /usr/bin/kvmtimer --version; man -w kvmtimer, man -w 7 kvmtimer;
 4. crash on the healthy factory dump, from an empty directory and without
    $CRASH_EXTENSIONS: a bare `extend kvmtimer.so` loads the package's file
    (load message with the version, no version warning), kvmtriage -j is a valid
    kvmtimer/1 document carrying that version, `help kvmtriage` is the page of
    docs/man/kvmtimer.7.in; /usr/bin/kvmtimer --json on the same dump: a valid
    CLI line of that version (both front-ends run without the source tree);
 5. dpkg --purge: every file of `dpkg -L` is gone, and every directory too
    unless it existed before the install (or another package owns it).
Prints TAP lines.
"""
import fcntl, json, os, re, shutil, subprocess, sys, tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "ext"))
sys.path.insert(0, os.path.join(REPO, "tests", "pkg"))
import crashrun  # noqa: E402
import schemacheck  # noqa: E402

N = FAILED = 0


def ok(cond, what, detail=None):
    global N, FAILED
    N += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", N, what))
    if not cond:
        FAILED += 1
        for l in str(detail if detail is not None else "").rstrip().splitlines()[:30]:
            print("#   " + l)
    sys.stdout.flush()
    return cond


def sh(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", **kw)
    return p.returncode, p.stdout, p.stderr


def field(deb, name):
    return sh(["dpkg-deb", "-f", deb, name])[1].strip()


def installed_version(pkg):
    rc, out, _ = sh(["dpkg-query", "-W", "-f", "${Status} ${Version}", pkg])
    return out.split()[-1] if rc == 0 and out.startswith("install ok installed") else None


def deb_paths(deb):
    rc, out, _ = sh(["dpkg-deb", "-c", deb])
    return [re.sub(r"^\./", "/", l.split()[-1]).rstrip("/") or "/" for l in out.splitlines() if l.strip()]


def owner(path):
    rc, out, _ = sh(["dpkg-query", "-S", path])
    return out.split(":")[0] if rc == 0 else None


def leftovers(listed, existed):
    """Paths of `dpkg -L` still on disk after the purge: any file; a directory
    only if it was not there before the install and no package owns it."""
    left = []
    for p in listed:
        if not os.path.lexists(p) or p == "/.":
            continue
        if os.path.isdir(p) and not os.path.islink(p) and (p in existed or owner(p)):
            continue
        left.append(p)
    return left


def check_control(deb, version, crash_ver):
    ok(field(deb, "Package") == "kvmtimer" and field(deb, "Version") == version,
       "control: package kvmtimer, version %s (VERSION)" % version, field(deb, "Version"))
    dep = field(deb, "Depends")
    ok(("crash (= %s)" % crash_ver) in dep, "control: Depends on exactly the crash it was built against (%s)"
       % crash_ver, dep)
    desc = field(deb, "Description")
    ok(("crash\n %s" % crash_ver) in desc or ("crash %s" % crash_ver) in desc.replace("\n ", " "),
       "control: the description names that crash version", desc)
    paths = deb_paths(deb)
    want = ["/usr/lib/crash/extensions/kvmtimer.so", "/usr/bin/kvmtimer", "/usr/share/man/man1/kvmtimer.1.gz",
            "/usr/share/man/man7/kvmtimer.7.gz", "/usr/share/kvmtimer/schema/kvmlapic.json",
            "/usr/share/kvmtimer/schema/common.json", "/usr/share/doc/kvmtimer/SCHEMA.md",
            "/usr/share/doc/kvmtimer/README.md", "/usr/share/doc/kvmtimer/copyright"]
    ok(all(w in paths for w in want), "files: extension in crash's extension directory, CLI, man pages, "
       "schema, docs", "missing: %s" % [w for w in want if w not in paths])
    return paths


def crash_session(entry, version, describe):
    """crash with a bare `extend kvmtimer.so`, from an empty directory."""
    cmds = ["extend kvmtimer.so", "kvmtriage -j", "help kvmtriage", "extend",
            "extend -u /usr/lib/crash/extensions/kvmtimer.so"]
    other = os.environ.get("KT_OTHER_CRASH_SO")
    if other:
        cmds.append("extend " + other)
    env = {k: v for k, v in os.environ.items() if k != "CRASH_EXTENSIONS"}
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as d:
        os.chdir(d)
        try:
            os.environ.pop("CRASH_EXTENSIONS", None)
            s = crashrun.run(entry, cmds, extend=False, timeout=600, env=env)
        finally:
            os.chdir(here)
    load = s.out(0) or ""
    ok("/usr/lib/crash/extensions/kvmtimer.so: shared object loaded" in load
       and ("kvmtimer %s (git %s)" % (version, describe)) in load and "WARNING" not in load,
       "crash: bare 'extend kvmtimer.so' loads /usr/lib/crash/extensions/kvmtimer.so, "
       "load message 'kvmtimer %s (git %s)', no version warning" % (version, describe), load + s.stderr[-800:])
    doc = None
    t = (s.out(1) or "").strip()
    if "{" in t:
        try:
            doc = json.JSONDecoder().raw_decode(t[t.index("{"):])[0]
        except ValueError:
            pass
    errs = schemacheck.errors(doc) if doc is not None else ["no JSON"]
    ok(not errs and doc.get("command") == "kvmtriage"
       and doc.get("version") == {"kvmtimer": version, "git": describe}
       and doc.get("fix_status") == "fixed",
       "crash: kvmtriage -j from the package: a valid kvmtimer/1 document, version %s/%s, fix_status fixed"
       % (version, describe), "\n".join(errs) + "\n" + t[:600])
    summary = ""
    for l in open(os.path.join(REPO, "docs", "man", "kvmtimer.7.in")):
        if summary == "" and l.startswith(".command kvmtriage"):
            summary = None
        elif summary is None and l.startswith(".summary "):
            summary = l.split(" ", 1)[1].strip()
    h = s.out(2) or ""
    ok(summary and summary in h and "EXAMPLES" in h and "crash> kvmtriage" in h,
       "crash: 'help kvmtriage' is the page of docs/man/kvmtimer.7.in ('%s', EXAMPLES, prompt)" % summary, h[:800])
    ok("kvmtriage" in (s.out(3) or "") and not s.timed_out and s.alive_after(3),
       "crash: 'extend' lists kvmtimer.so's commands; crash survived the session", (s.out(3) or "") + s.stderr[-500:])
    if other:
        crash_ver = sh(["crash", "--version"])[1].split()[1]
        o = s.out(5) or ""
        ok("WARNING: built for crash 0.0.0, running in crash %s" % crash_ver in o and "shared object loaded" in o,
           "crash: the same extension built for another crash (0.0.0) warns when loaded", o)


def cli_session(entry, version, describe):
    """The installed CLI on the same dump, from an empty directory."""
    mods = []
    for m, ko in sorted((entry.get("modules") or {}).items()):
        if ko and os.path.exists(ko):
            mods += ["--module", "%s=%s" % (m, ko)]
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.run(["/usr/bin/kvmtimer", "--vmlinux", entry["vmlinux"]] + mods +
                           ["--json", entry["vmcore"]], capture_output=True, text=True, cwd=d, timeout=600)
    doc = None
    try:
        doc = json.loads(p.stdout.splitlines()[0])
    except (ValueError, IndexError):
        pass
    errs = schemacheck.errors(doc, "cli-line") if doc is not None else ["no JSON line"]
    ok(p.returncode in (0, 1) and not errs and doc.get("dump") == entry["vmcore"]
       and doc.get("version") == {"kvmtimer": version, "git": describe} and doc.get("fix_status") == "fixed",
       "/usr/bin/kvmtimer --json on the healthy dump: a valid CLI line of version %s/%s"
       % (version, describe), "exit %d\n%s\n%s%s" % (p.returncode, "\n".join(errs), p.stdout[:400], p.stderr[-800:]))


def main():
    if len(sys.argv) != 2 or not os.path.exists(sys.argv[1]):
        print("not ok 1 - usage: deb.py DEB (make deb first)")
        return 1
    deb = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        print("not ok 1 - pkg-deb installs a package: run as root")
        return 1
    version = open(os.path.join(REPO, "VERSION")).read().strip()
    # The describe the package was built with: its source tarball's .git-describe.
    describe = (os.environ.get("KT_DESCRIBE") or
                sh([os.path.join(REPO, "scripts", "version.sh"), "describe"])[1]).strip()
    crash_ver = installed_version("crash")
    paths = check_control(deb, version, crash_ver)

    lockdir = os.path.join(os.environ.get("CACHE", os.path.expanduser("~/.cache/kvmtimer")), "locks")
    os.makedirs(lockdir, exist_ok=True)
    lock = open(os.path.join(lockdir, "pkg-dpkg.lock"), "w")
    fcntl.flock(lock, fcntl.LOCK_EX)

    before = installed_version("kvmtimer")
    if before:
        print("# kvmtimer %s was installed before this test: purging it (reinstall it afterwards)" % before)
        rc, out, err = sh(["dpkg", "--purge", "kvmtimer"])
        ok(rc == 0, "a kvmtimer package installed before the test (%s) is purged first" % before, out + err)
    aside = tempfile.mkdtemp(prefix="kvmtimer-aside-")
    moved = []
    for p in paths:
        if os.path.isfile(p) or os.path.islink(p):
            if owner(p) is None:
                dst = os.path.join(aside, p.lstrip("/"))
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.move(p, dst)
                moved.append((p, dst))
    if moved:
        print("# moved aside, not owned by any package (make install?): %s" % ", ".join(p for p, _ in moved))
    existed = {p for p in paths if os.path.lexists(p)}
    listed, left = [], []
    try:
        rc, out, err = sh(["dpkg", "-i", deb])
        ok(rc == 0 and installed_version("kvmtimer") == version, "dpkg -i %s" % os.path.basename(deb), out + err)
        rc, out, err = sh(["/usr/bin/kvmtimer", "--version"])
        ok(rc == 0 and out.strip() == "kvmtimer %s (git %s)" % (version, describe),
           "/usr/bin/kvmtimer --version: 'kvmtimer %s (git %s)'" % (version, describe), out + err)
        rc, out, err = sh(["man", "-w", "kvmtimer"])
        ok(rc == 0 and out.strip() == "/usr/share/man/man1/kvmtimer.1.gz", "man -w kvmtimer: %s" % out.strip(),
           out + err)
        rc, out, err = sh(["man", "-w", "7", "kvmtimer"])
        ok(rc == 0 and out.strip() == "/usr/share/man/man7/kvmtimer.7.gz", "man -w 7 kvmtimer: %s" % out.strip(),
           out + err)
        entry = crashrun.find(crashrun.load_index(), "healthy")
        why = "healthy not in vmcores/index.json" if not entry else crashrun.usable(entry)
        if ok(not why, "the healthy factory dump is there (make vmcores)", why):
            crash_session(entry, version, describe)
            cli_session(entry, version, describe)
        rc, listed, err = sh(["dpkg", "-L", "kvmtimer"])
        listed = [l for l in listed.splitlines() if l.startswith("/")]
    finally:
        rc, out, err = sh(["dpkg", "--purge", "kvmtimer"])
        ok(rc == 0 and installed_version("kvmtimer") is None, "dpkg --purge kvmtimer", out + err)
        left = leftovers(listed, existed)     # before what was moved aside comes back
        for p, dst in moved:
            os.makedirs(os.path.dirname(p), exist_ok=True)
            shutil.move(dst, p)
        shutil.rmtree(aside, ignore_errors=True)
    ok(leftovers(["/etc/hostname", "/usr"], set()) == ["/etc/hostname"],
       "the leftover check itself reports a file that is still there (and not a shared directory)")
    ok(len(listed) > 20 and not left,
       "after purge nothing of the %d paths of dpkg -L is left (directories only if they were there before)"
       % len(listed), "left: %s" % left)
    if moved:
        ok(all(os.path.lexists(p) for p, _ in moved), "files moved aside are back: %s" % [p for p, _ in moved])
    print("1..%d" % (N + 1))  # and deb.sh's "ok 1 - make deb"
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
