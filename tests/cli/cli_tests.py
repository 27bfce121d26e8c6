#!/usr/bin/env python3
"""cli_tests.py SUITE — tests of the standalone kvmtimer CLI (build/kvmtimer).

Suites (each prints TAP-ish "ok N - what" / "not ok N - what" / "# SKIP why"):
  args     usage errors, missing files, non-dumps, a dump without module
           debuginfo, a mismatched vmlinux, several dumps in one run: one clear
           message and the documented exit status each.
  backend  the reader backend (tests/cli/probe) against crash's own answers on
           every scenario dump: symbols (kernel, module, per-CPU), member
           offsets (anonymous members too), sizes, nr_cpu_ids, per-CPU offsets,
           vm_list walk, address -> symbol, raw reads.
  agree    the CLI's JSON equals the crash extension's on every scenario dump
           (kvmlapic -a -j, kvmhrtimer -j, kvmtriage -j), and exit statuses
           agree with the findings.
  mem      valgrind memcheck on the healthy and corrupt dumps: no errors, no
           definite leaks (one known libkdumpfile 0.5.1 bug in kdump_free is
           suppressed: tests/cli/libkdumpfile.supp).
Dumps come from vmcores/index.json (the dump factory); a missing scenario is a
SKIP with its name.
"""
import json, os, re, shutil, subprocess, sys, tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(REPO, os.environ.get("BUILD", "build"))
CLI = os.path.join(BUILD, "kvmtimer")
PROBE = os.path.join(BUILD, "tests", "cli", "probe")
SO = os.path.join(BUILD, "kvmtimer.so")
sys.path.insert(0, os.path.join(REPO, "tests", "ext"))
import crashrun  # noqa: E402  (the extension's batch runner: one crash per dump)
sys.path.insert(0, os.path.join(REPO, "tests", "pkg"))
import schemacheck  # noqa: E402  (every JSON line against docs/schema/)

N = 0
FAILED = 0


def ok(cond, what, detail=None):
    global N, FAILED
    N += 1
    if cond:
        print("ok %d - %s" % (N, what))
    else:
        FAILED += 1
        print("not ok %d - %s" % (N, what))
        if detail:
            for l in str(detail).rstrip().splitlines()[:30]:
                print("#   " + l)
    sys.stdout.flush()
    return cond


def valid(doc):
    """doc, checked against docs/schema/cli-line.json (a CLI line) or kvmtimer.json:
    a schema violation is a failed test."""
    errs = schemacheck.errors(doc, "cli-line" if isinstance(doc, dict) and "dump" in doc else "kvmtimer")
    if errs:
        ok(False, "JSON document valid against docs/schema/", "\n".join(errs))
    return doc


def skip(what, why):
    global N
    N += 1
    print("ok %d - %s # SKIP %s" % (N, what, why))


EXPECTED = ["healthy", "stale-fixed", "storm", "scale", "corrupt"]
_REPORTED = []


def scenarios():
    """The usable dumps of the index.  Each expected scenario that is missing or
    unusable is said once, as a SKIP (a failure under KT_REQUIRE_TOOLS=1, which
    make check sets: there every dump must be there)."""
    idx = crashrun.load_index()
    if not _REPORTED:
        _REPORTED.append(True)
        names = [e.get("name") for e in idx]
        why = {n: "not in the index (make vmcores)" for n in EXPECTED if n not in names}
        why.update({e.get("name"): crashrun.usable(e) for e in idx if crashrun.usable(e)})
        for n, w in sorted(why.items()):
            if os.environ.get("KT_REQUIRE_TOOLS") == "1":
                ok(False, "scenario %s: %s (KT_REQUIRE_TOOLS=1)" % (n, w))
            else:
                skip("scenario %s" % n, w)
    return [e for e in idx if not crashrun.usable(e)]


def scenario(name):
    for e in scenarios():
        if e["name"] == name:
            return e
    return None


def mod_args(e):
    a = []
    for m, ko in sorted((e.get("modules") or {}).items()):
        if ko and os.path.exists(ko):
            a += ["--module", "%s=%s" % (m, ko)]
    return a


def cli(args, timeout=300, prefix=()):
    p = subprocess.run(list(prefix) + [CLI] + list(args), capture_output=True, text=True,
                       errors="replace", timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def cli_on(e, args, **kw):
    return cli(["--vmlinux", e["vmlinux"]] + mod_args(e) + list(args), **kw)


def one_line(err):
    lines = [l for l in err.splitlines() if l.strip()]
    return len(lines) == 1


# ---------------------------------------------------------------- args
def suite_args():
    rc, out, err = cli([])
    ok(rc == 2 and "--vmlinux" in err and one_line(err), "no arguments: exit 2, asks for --vmlinux", err)
    rc, out, err = cli(["--help"])
    ok(rc == 0 and "usage:" in out and "Exit status" in out, "--help: exit 0, usage and exit statuses", out + err)
    rc, out, err = cli(["--bogus", "x"])
    ok(rc == 2 and "unknown option" in err and one_line(err), "unknown option: exit 2", err)
    rc, out, err = cli(["--vmlinux"])
    ok(rc == 2 and "needs an argument" in err, "--vmlinux without its argument: exit 2", err)
    rc, out, err = cli(["--vmlinux", "/nonexistent/vmlinux", "/nonexistent/vmcore"])
    ok(rc == 2 and "/nonexistent/vmlinux" in err and one_line(err),
       "missing vmlinux file: exit 2, names the file", err)
    rc, out, err = cli(["--vmlinux", "/etc/passwd", "/etc/passwd"])
    ok(rc == 2 and "not an ELF" in err and one_line(err), "vmlinux not ELF: exit 2", err)
    rc, out, err = cli(["--vmlinux", "/etc/passwd", "-c", "kvmfoo", "x"])
    ok(rc == 2 and "unknown command" in err and one_line(err), "unknown command: exit 2", err)

    e = scenario("healthy")
    if not e:
        for w in ("no VMCORE", "missing dump", "non-dump file", "vmlinux as the dump",
                  "bad command arguments", "module debuginfo not found", "several dumps, table",
                  "several dumps, JSON lines", "default command kvmtriage"):
            skip(w, "scenario healthy not built")
        return
    rc, out, err = cli(["--vmlinux", e["vmlinux"]])
    ok(rc == 2 and "no VMCORE" in err, "no VMCORE: exit 2", err)
    rc, out, err = cli_on(e, ["/nonexistent/vmcore"])
    ok(rc == 3 and "/nonexistent/vmcore" in err and "No such file" in err and one_line(err),
       "missing dump: exit 3, one line naming it", err)
    rc, out, err = cli_on(e, ["/etc/passwd"])
    ok(rc == 3 and "not a kernel dump" in err and one_line(err), "non-dump file: exit 3", err)
    rc, out, err = cli_on(e, [e["vmlinux"]])
    ok(rc == 3 and "not a kernel dump" in err and one_line(err), "vmlinux given as the dump: exit 3", err)
    rc, out, err = cli_on(e, [e["vmcore"], "--", "-Z"])
    ok(rc == 2 and one_line(err) and "-Z" in err, "bad command arguments after --: exit 2", err)
    rc, out, err = cli_on(e, ["--json", e["vmcore"], "/nonexistent/vmcore"])
    lines = out.splitlines()
    docs = []
    try:
        docs = [valid(json.loads(l)) for l in lines]
    except ValueError:
        pass
    ok(rc == 3 and len(docs) == 2 and docs[0].get("dump") == e["vmcore"] and "schema" in docs[0]
       and docs[1].get("dump") == "/nonexistent/vmcore" and "error" in docs[1],
       "several dumps, JSON lines: one document per dump in order, error line for the bad one, exit 3",
       out + err)
    rc, out, err = cli_on(e, [e["vmcore"], e["vmcore"]])
    ok(rc in (0, 1) and out.count("==> %s <==" % e["vmcore"]) == 2 and out.count("VERDICT") == 2,
       "several dumps, table: a header line per dump, default command kvmtriage", out[-2000:] + err)
    # No --module, and nothing in the standard places: the message says what to run.
    with tempfile.TemporaryDirectory() as d:
        link = os.path.join(d, "vmlinux")
        os.symlink(e["vmlinux"], link)
        rc, out, err = cli(["--vmlinux", link, "-c", "kvmlapic", e["vmcore"]])
        ok(rc == 3 and "--module" in err and "kvm.ko" in err and one_line(err),
           "module debuginfo not found: exit 3, one line naming --module kvm.ko", err)
    # No --module, but kvm.ko in the standard place next to vmlinux (debug/kvm.ko).
    kvm = (e.get("modules") or {}).get("kvm", "")
    if kvm and os.path.dirname(kvm) == os.path.join(os.path.dirname(e["vmlinux"]), "debug"):
        rc, out, err = cli(["--vmlinux", e["vmlinux"], "-c", "kvmlapic", "-j", e["vmcore"]])
        ok(rc in (0, 1) and valid(json.loads(out.splitlines()[0])).get("vms"),
           "module debuginfo found next to vmlinux without --module", out[:500] + err)
    else:
        skip("module debuginfo found next to vmlinux", "factory layout differs")
    # A vmlinux from another kernel: refused, not garbage.
    st = scenario("storm")
    if st and st["vmlinux"] != e["vmlinux"]:
        rc, out, err = cli(["--vmlinux", st["vmlinux"], e["vmcore"]])
        ok(rc == 3 and "does not match" in err and one_line(err), "mismatched vmlinux: exit 3", err)
    else:
        skip("mismatched vmlinux", "scenario storm (another kernel) not built")


# ---------------------------------------------------------------- backend
# (probe query, crash command, parser of crash's answer -> probe's answer)
def _sym(name):
    def parse(o):
        m = re.search(r"^([0-9a-f]+) \(\w\) %s\b" % re.escape(name), o, re.M)
        return "sym %s 0x%x" % (name, int(m.group(1), 16)) if m else "sym %s absent" % name
    return ("sym " + name, "sym " + name, parse)


def _off(t, m):
    def parse(o):
        ms = re.findall(r"^\s*\[(\d+)\]", o, re.M)
        return "off %s.%s %s" % (t, m, ms[-1] if ms else "-1")
    return ("off %s %s" % (t, m), "struct -o %s.%s" % (t, m), parse)


def _size(t):
    def parse(o):
        m = re.search(r"SIZE: (\d+)", o)
        return "size %s %s" % (t, m.group(1) if m else "-1")
    return ("size " + t, "struct -o %s" % t, parse)


BACKEND_SYMS = ["vm_list", "apic_timer_fn", "hrtimer_bases", "jiffies", "tk_core", "modules",
                "kvm_x86_ops", "advance_periodic_target_expiration", "__per_cpu_offset"]
BACKEND_OFFS = [("kvm", "vm_list"), ("kvm", "userspace_pid"), ("kvm_vcpu", "arch"),
                ("kvm_vcpu_arch", "apic"), ("kvm_lapic", "lapic_timer"), ("kvm_timer", "pending"),
                ("kvm_timer", "target_expiration"), ("hrtimer", "function"),
                ("hrtimer_cpu_base", "clock_base"), ("hrtimer_clock_base", "active"),
                ("timerqueue_node", "expires"), ("page", "lru"), ("page", "compound_head"),
                ("module", "sect_attrs"), ("task_struct", "pid")]
BACKEND_SIZES = ["kvm_lapic", "kvm_vcpu", "hrtimer_cpu_base", "hrtimer", "timekeeper"]


def suite_backend():
    es = scenarios()
    if not es:
        skip("reader backend vs crash", "no scenario dump built (vmcores/index.json)")
        return
    seen = set()
    for e in es:
        if e["vmcore"] in seen:
            continue
        seen.add(e["vmcore"])
        name = e["name"]
        checks = [_sym(s) for s in BACKEND_SYMS] + [_off(t, m) for t, m in BACKEND_OFFS] + \
                 [_size(t) for t in BACKEND_SIZES]
        cmds = [c[1] for c in checks] + ["p nr_cpu_ids", "p/x __per_cpu_offset[0]",
                                          "list -H vm_list -o kvm.vm_list", "rd -64 jiffies",
                                          "sym apic_timer_fn"]
        s = crashrun.run(e, cmds, extend=False, timeout=600)
        if s.timed_out or any(o is None for o in s.outputs):
            ok(False, "%s: crash answered the reference queries" % name, s.stderr[-1500:])
            continue
        want = [c[2](s.out(i)) for i, c in enumerate(checks)]
        queries = [c[0] for c in checks]
        k = len(checks)
        m = re.search(r"= (\d+)", s.out(k) or "")
        nr = m.group(1) if m else "?"
        m = re.search(r"= (0x[0-9a-f]+)", s.out(k + 1) or "")
        pc0 = m.group(1) if m else "?"
        vms = [l.strip() for l in (s.out(k + 2) or "").splitlines() if re.match(r"^\s*[0-9a-f]{8,}$", l)]
        m = re.search(r"^[0-9a-f]+:\s+([0-9a-f]+)", s.out(k + 3) or "", re.M)
        jif = "0x%x" % int(m.group(1), 16) if m else "?"
        m = re.search(r"^([0-9a-f]+) \(\w\) apic_timer_fn\b", s.out(k + 4) or "", re.M)
        atf = int(m.group(1), 16) if m else None
        kvm_off = re.findall(r"^\s*\[(\d+)\]", s.out(queries.index("off kvm vm_list")) or "", re.M)
        queries += ["cpus", "percpu 0", "rd64 jiffies",
                    "list vm_list %s" % (kvm_off[-1] if kvm_off else "0")]
        if atf:
            queries.append("name 0x%x" % (atf + 5))
        p = subprocess.run([PROBE, e["vmlinux"], e["vmcore"]] +
                           ["%s=%s" % (m_, ko) for m_, ko in sorted((e.get("modules") or {}).items())],
                           input="\n".join(queries) + "\n", capture_output=True, text=True, timeout=300)
        if not ok(p.returncode == 0, "%s: probe opened the dump (%s)" % (name, e.get("format")), p.stderr):
            continue
        got = [l for l in p.stdout.splitlines() if not l.startswith("kaslr ")]
        gi = 0
        bad = []
        for w in want:
            g = got[gi] if gi < len(got) else "(nothing)"
            gi += 1
            if w != g:
                bad.append("crash: %s   probe: %s" % (w, g))
        ok(not bad, "%s: %d symbols, %d member offsets (anonymous members too), %d sizes equal crash's"
           % (name, len(BACKEND_SYMS), len(BACKEND_OFFS), len(BACKEND_SIZES)), "\n".join(bad))
        rest = got[gi:]
        ok(len(rest) > 0 and rest[0] == "cpus %s" % nr, "%s: nr_cpus = nr_cpu_ids = %s" % (name, nr), rest[:1])
        ok(len(rest) > 1 and rest[1] == "percpu 0 %s" % pc0, "%s: __per_cpu_offset[0] = %s" % (name, pc0), rest[1:2])
        ok(len(rest) > 2 and rest[2] == "rd64 jiffies %s" % jif, "%s: reads through the dump (jiffies)" % name, rest[2:3])
        # A wild pointer (corrupt scenario): both stop at the same place, both say so.
        lst = [l.split()[-1] for l in rest if l.startswith("list ")]
        crash_fault = "invalid kernel virtual address" in (s.out(k + 2) or "")
        probe_fault = bool(lst) and lst[-1] == "fault"
        addrs = [int(x, 16) for x in lst if x != "fault"]
        want_addrs = [int(v, 16) for v in vms]
        # A page-table page outside the dump (pt-hole): crash fails the translation
        # ("seek error ... page table") before it prints the entry; the probe names the
        # entry whose read faulted, then the fault.
        out_l = s.out(k + 2) or ""
        if "seek error" in out_l and "page table" in out_l:
            crash_fault = True
            if probe_fault and len(addrs) == len(want_addrs) + 1:
                want_addrs = want_addrs + addrs[-1:]
        ok(addrs == want_addrs and crash_fault == probe_fault,
           "%s: vm_list walk (module symbol, vmalloc'd struct kvm) = crash's %d entr%s%s"
           % (name, len(vms), "y" if len(vms) == 1 else "ies",
              ", then the same unreadable link" if crash_fault else ""),
           "crash: %s\nprobe: %s" % (vms, lst))
        if atf:
            nm = [l for l in rest if l.startswith("name ")]
            ok(nm and nm[0].endswith("apic_timer_fn+0x5"), "%s: address -> apic_timer_fn+0x5" % name, nm)


# ---------------------------------------------------------------- agree
AGREE = [("kvmlapic", ["kvmlapic", "-a", "-j"]), ("kvmhrtimer", ["kvmhrtimer", "-j"]),
         ("kvmtriage", ["kvmtriage", "-j"]), ("kvmregs", ["kvmregs", "-j"])]


def json_diff(a, b, path="", out=None, limit=20):
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    if type(a) != type(b):
        out.append("%s: crash %r, cli %r" % (path or ".", a, b))
    elif isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append("%s.%s: only in %s" % (path, k, "crash" if k in a else "cli"))
            else:
                json_diff(a[k], b[k], path + "." + k, out, limit)
    elif isinstance(a, list):
        if len(a) != len(b):
            out.append("%s: %d items in crash, %d in cli" % (path, len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            json_diff(x, y, "%s[%d]" % (path, i), out, limit)
    elif a != b and not (path.endswith(".function") and isinstance(a, str) and
                         isinstance(b, str) and a == CLONE.sub("", b)):
        out.append("%s: crash %r, cli %r" % (path, a, b))
    return out


# crash's symbol table drops GCC's clone suffixes (do_execveat_common.isra.0 is
# do_execveat_common there); the CLI names the ELF symbol.  The same function.
CLONE = re.compile(r"(\.(isra|part|constprop|cold|lto_priv)(\.\d+)?)+$")


def has_alarm(doc):
    """A finding above "info" anywhere, or reported damage (the core's rule for
    exit status 1)."""
    if isinstance(doc, dict):
        if doc.get("severity") not in (None, "info"):
            return True
        if doc.get("damage"):
            return True
        return any(has_alarm(v) for v in doc.values())
    if isinstance(doc, list):
        return any(has_alarm(v) for v in doc)
    return False


def first_json(text):
    for l in (text or "").splitlines():
        l = l.strip()
        if l.startswith("{"):
            try:
                return valid(json.loads(l))
            except ValueError:
                pass
    return None


def suite_agree():
    es = scenarios()
    if not es:
        skip("CLI JSON == extension JSON", "no scenario dump built (vmcores/index.json)")
        return
    if not os.path.exists(SO):
        skip("CLI JSON == extension JSON", "extension %s not built" % SO)
        return
    for e in es:
        s = crashrun.run(e, [" ".join(c) for _, c in AGREE], so=SO, timeout=900)
        # crash opened the gdb-indexed copy (crashrun.vmlinux_of), the CLI the kernel's
        # own file; messages that name the file name it as the CLI does.
        vml = crashrun.vmlinux_of(e)
        for i, (cmd, argv) in enumerate(AGREE):
            what = "%s: %s JSON: CLI == crash extension" % (e["name"], cmd)
            ext = first_json((s.out(i) or "").replace(vml, e["vmlinux"]))
            if ext is None:
                ok(False, what, "no JSON from the extension:\n%s\n%s" % ((s.out(i) or "")[-800:], s.stderr[-800:]))
                continue
            rc, out, err = cli_on(e, ["-c", cmd, "--json", e["vmcore"], "--"] +
                                  [a for a in argv[1:] if a != "-j"])
            mine = first_json(out)
            if mine is None:
                ok(False, what, "no JSON from the CLI (exit %d):\n%s" % (rc, err[-800:]))
                continue
            if mine.get("dump") != e["vmcore"]:
                ok(False, what, "CLI JSON lacks \"dump\": %r" % mine.get("dump"))
                continue
            del mine["dump"]
            d = json_diff(ext, mine)
            ok(not d, what, "\n".join(d))
            if cmd == "kvmtriage":
                alarm = has_alarm(mine)
                ok(rc == (1 if alarm else 0), "%s: CLI exit %d matches %s findings"
                   % (e["name"], rc, "alarming" if alarm else "no alarming"), err[-500:])


# ---------------------------------------------------------------- mem
def suite_mem():
    vg = shutil.which("valgrind")
    if not vg:
        skip("valgrind clean", "valgrind not installed")
        return
    for name in ("healthy", "corrupt"):
        e = scenario(name)
        if not e:
            skip("%s: valgrind clean" % name, "scenario %s not built" % name)
            continue
        for cmd in (["-c", "kvmtriage"], ["-c", "kvmlapic", "-j"], ["-c", "kvmhrtimer"]):
            rc, out, err = cli(["--vmlinux", e["vmlinux"]] + mod_args(e) + cmd + [e["vmcore"]],
                               timeout=1200,
                               prefix=[vg, "-q", "--error-exitcode=99", "--leak-check=full",
                                       "--errors-for-leak-kinds=definite",
                                       "--suppressions=" + os.path.join(REPO, "tests", "cli",
                                                                        "libkdumpfile.supp")])
            ok(rc in (0, 1) and "ERROR SUMMARY" not in err and "definitely lost" not in err,
               "%s: valgrind clean: kvmtimer %s (exit %d)" % (name, " ".join(cmd), rc), err[-2000:])
            for l in out.splitlines() if "-j" in cmd else []:
                valid(json.loads(l))


def main():
    suites = {"args": suite_args, "backend": suite_backend, "agree": suite_agree, "mem": suite_mem}
    if len(sys.argv) != 2 or sys.argv[1] not in suites:
        print("usage: cli_tests.py %s" % "|".join(suites), file=sys.stderr)
        return 2
    if not os.access(CLI, os.X_OK):
        print("not ok 1 - %s not built" % CLI)
        print("1..1")
        return 1
    suites[sys.argv[1]]()
    print("# %d JSON documents validated against docs/schema/" % schemacheck.count)
    print("1..%d" % N)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
