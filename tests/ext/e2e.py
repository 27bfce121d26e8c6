#!/usr/bin/env python3
"""e2e.py — kvmtimer.so in crash, on every scenario dump of vmcores/index.json.

One crash session per scenario runs every command once (tables and -j JSON) and
proves crash survived each one; a second session cross-checks the decoded fields
against crash's own `struct`/`p` output for the same addresses and exercises
the error paths.  The JSON is compared with the scenario's manifest (refvmm's
ground truth plus the factory's record of what it injected or damaged).

Prints TAP-style lines ("ok N - what", "not ok N - what", "... # SKIP why").
A scenario missing from the index is reported as SKIP, never passed silently.
"""
import json, os, re, shutil, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crashrun  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pkg"))
import schemacheck  # noqa: E402  (every -j document against docs/schema/)

ALARMS = {"BEHIND", "RUNAWAY", "STORMING", "BACKWARDS", "HV_ERANGE", "DESYNC", "LOST", "CORRUPT"}
SCENARIOS = ["healthy", "healthy-elf", "stale-fixed", "storm", "scale", "corrupt"]
# Dumps with a suite of their own: their planted damage hides every VM from these checks.
OWN_SUITE = {"pt-hole": "ext-pthole (tests/ext/pthole.py)"}
# Scenario -> the expectations it shares (the clang kernel's dumps are the gcc ones' twins).
BASE = {"healthy-elf": "healthy", "storm-clang": "storm", "stale-clang": "stale-fixed"}


class Tap:
    def __init__(self):
        self.n = self.failed = 0

    def ok(self, cond, what, diag=None):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, what))
        if not cond:
            self.failed += 1
            if diag:
                for line in str(diag).splitlines()[:40]:
                    print("#   " + line)
        sys.stdout.flush()
        return cond

    def skip(self, what, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, what, why))
        sys.stdout.flush()


T = Tap()


def parse_json(text):
    """The one JSON document a -j command printed (None when it did not)."""
    if text is None:
        return None
    t = text.strip()
    i = t.find("{")
    if i < 0:
        return None
    try:
        doc = json.JSONDecoder().raw_decode(t[i:])[0]
    except ValueError:
        return None
    errs = schemacheck.errors(doc)
    if errs:
        T.ok(False, "%s -j document valid against docs/schema/" % doc.get("command"), "\n".join(errs))
    return doc


def hexnorm(a):
    if a is None:
        return None
    if isinstance(a, int):
        return a
    return int(str(a), 16)


def vcpus_of(doc):
    for vm in (doc or {}).get("vms", []):
        for v in vm.get("vcpus", []):
            yield vm, v


def manifest_vcpus(man):
    for vm in man.get("vms", []):
        for v in vm.get("vcpus", []):
            yield vm, v


def all_findings(obj):
    """Every finding object anywhere in a JSON document."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "findings" and isinstance(v, list):
                out += [f for f in v if isinstance(f, dict)]
            else:
                out += all_findings(v)
    elif isinstance(obj, list):
        for v in obj:
            out += all_findings(v)
    return out


def damage_text(doc):
    """Text of every CORRUPT finding and damage string in a document, lower case."""
    parts = []

    def walk(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k == "damage" and isinstance(v, str):
                    parts.append(v)
                walk(v)
            if o.get("flag") == "CORRUPT":
                parts.append(json.dumps(o))
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(doc)
    return "\n".join(parts).lower()


def message_lines(text):
    return [l for l in (text or "").splitlines() if l.strip()]


def exact_message(text, want):
    """The command printed exactly the line want, and nothing else."""
    return message_lines(text) == [want]


def one_message(text, cmd, *words):
    """Exactly one line, "CMD: ...", holding every one of words."""
    lines = message_lines(text)
    return len(lines) == 1 and lines[0].startswith(cmd + ": ") and all(w in lines[0] for w in words)


def require_tools():
    """make check (CI) sets KT_REQUIRE_TOOLS=1: there a missing dump or tool fails."""
    return os.environ.get("KT_REQUIRE_TOOLS") == "1"


def help_examples():
    """{command: first line of each golden file its help EXAMPLES show}, from the
    one source of the help pages (docs/man/kvmtimer.7.in, `.output FILE`)."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    out, cmd = {}, None
    try:
        src = open(os.path.join(root, "docs", "man", "kvmtimer.7.in")).read().splitlines()
    except OSError:
        return out
    for line in src:
        m = re.match(r"^crash> (kvm\w+)", line)
        if m:
            cmd = m.group(1)
        m = re.match(r"^\.output (\S+)", line)
        if m and cmd:
            try:
                first = open(os.path.join(root, m.group(1))).readline().rstrip("\n")
            except OSError:
                first = None
            if first:
                out.setdefault(cmd, []).append(first)
            cmd = None
    return out


# ---------------------------------------------------------------------------------------
# Session 1: every command, on every scenario.

# jiffies_64, not jiffies: `jiffies` is a linker-script alias, and a clang kernel's
# DWARF gives it no type, so crash's own `p jiffies` fails there with or without us.
MAIN_CMDS = ["kvmlapic -a -j", "kvmlapic -a", "kvmhrtimer -j", "kvmhrtimer", "kvmtriage -j",
             "kvmtriage", "sym jiffies", "sys", "p jiffies_64"]
I_LAPIC_J, I_LAPIC, I_HR_J, I_HR, I_TRI_J, I_TRI, I_SYM, I_SYS, I_JIF = range(len(MAIN_CMDS))


def check_common(name, s, man):
    """Returns the parsed documents, or None when the session is unusable."""
    T.ok(not s.timed_out, "%s: crash finished within the time limit (%.0f s)" % (name, s.seconds))
    T.ok(any(o and "shared object loaded" in o for o in s.prologue),
         "%s: extend loads kvmtimer.so" % name, "\n".join(o or "" for o in s.prologue))
    for i, c in enumerate(MAIN_CMDS):
        T.ok(s.alive_after(i), "%s: crash alive after '%s'" % (name, c),
             s.stdout[-3000:] + s.stderr[-2000:])
    T.ok(s.out(I_SYS) is not None and "RELEASE:" in s.out(I_SYS),
         "%s: crash's own 'sys' still works after our commands" % name)
    T.ok(s.out(I_JIF) is not None and re.search(r"jiffies_64 = \$\d+ = \d+", s.out(I_JIF) or ""),
         "%s: crash's own 'p jiffies_64' still works after our commands" % name)
    docs = {}
    for i, key, cmd in ((I_LAPIC_J, "lapic", "kvmlapic"), (I_HR_J, "hrtimer", "kvmhrtimer"),
                        (I_TRI_J, "triage", "kvmtriage")):
        d = parse_json(s.out(i))
        T.ok(d is not None and d.get("schema") == "kvmtimer/1",
             "%s: '%s' prints one JSON document, schema kvmtimer/1" % (name, MAIN_CMDS[i]),
             (s.out(i) or "")[:2000])
        docs[key] = d or {}
    d = docs["lapic"]
    T.ok(isinstance(d.get("now_ns"), int) and d.get("now_ns") > 0 and d.get("now_source"),
         "%s: now_ns %s from %s" % (name, d.get("now_ns"), d.get("now_source")))
    fixed = ((man.get("factory") or {}).get("kernel") or {}).get("fixed")
    want_fix = {True: "fixed", False: "vulnerable"}.get(fixed)
    T.ok(want_fix is not None and d.get("fix_status") == want_fix,
         "%s: fix_status %s, as the manifest's kernel (fixed: %s)" % (name, d.get("fix_status"), fixed),
         "fix_evidence: %s" % d.get("fix_evidence"))
    # Each table's first line is the now estimate, the same number as the JSON's.
    for i in (I_LAPIC, I_HR, I_TRI):
        first = (message_lines(s.out(i)) or [""])[0]
        m = re.match(r"^NOW:?\s+(\d+) ns\b", first)
        T.ok(m is not None and int(m.group(1)) == d.get("now_ns"),
             "%s: '%s' prints a table headed by now = %s ns" % (name, MAIN_CMDS[i], d.get("now_ns")),
             (s.out(i) or "")[:1500])
    return docs


def unreachable_vcpus(man):
    """(pid, vCPU index) pairs the corrupt scenario made unreachable on purpose:
    slot N of a VM's vcpu_array root xa_node pointed at unmapped memory."""
    out = set()
    for dm in ((man.get("factory") or {}).get("corruption") or {}).get("damages") or []:
        if dm.get("kind") == "vcpu_array_node":
            m = re.search(r"slots\[(\d+)\]", dm.get("symbol", ""))
            out.add((dm.get("userspace_pid"), int(m.group(1)) if m else 1))
    return out


def match_vcpus(name, doc, man):
    """Pair every manifest vCPU with the vCPU kvmlapic found (by thread id).
    Returns [(man_vm, man_vcpu, vm, vcpu)] and asserts that all were found
    (but those the corrupt scenario cut off on purpose)."""
    cut = unreachable_vcpus(man)
    bytid = {}
    for vm, v in vcpus_of(doc):
        bytid.setdefault(v.get("tid"), (vm, v))
    pairs, missing = [], []
    for mvm, mv in manifest_vcpus(man):
        got = bytid.get(mv.get("tid"))
        if got:
            pairs.append((mvm, mv, got[0], got[1]))
        elif (mvm.get("pid"), mv.get("id")) not in cut:
            missing.append("%s vCPU %s tid %s" % (mvm.get("name"), mv.get("id"), mv.get("tid")))
    total = sum(1 for _ in manifest_vcpus(man))
    T.ok(total > 0 and not missing,
         "%s: every manifest vCPU found by tid (%d of %d%s)" % (name, len(pairs), total,
             ", %d cut off by planted damage" % len(cut) if cut else ""),
         "missing: " + ", ".join(missing[:20]))
    return pairs


def check_identity(name, pairs, man):
    bad = []
    for mvm, mv, vm, v in pairs:
        if vm.get("pid") != mvm.get("pid"):
            bad.append("%s vCPU %s: VM pid %s, manifest %s" % (mvm["name"], mv["id"], vm.get("pid"), mvm.get("pid")))
        if v.get("id") != mv.get("id"):
            bad.append("%s tid %s: vCPU id %s, manifest %s" % (mvm["name"], mv["tid"], v.get("id"), mv.get("id")))
    T.ok(pairs and not bad, "%s: VM pids and vCPU ids equal the manifest (%d vCPUs)" % (name, len(pairs)),
         "\n".join(bad[:20]))
    want = sorted(set(vm.get("pid") for vm in man.get("vms", [])))
    got = sorted(set(vm.get("pid") for _, _, vm, _ in pairs))
    T.ok(want == got, "%s: VM pids %s" % (name, want), "found %s" % got)


def check_timers(name, pairs, skip_tids=()):
    bad, n = [], 0
    for mvm, mv, vm, v in pairs:
        if mv.get("tid") in skip_tids:
            continue
        t = v.get("timer") or {}
        who = "%s vCPU %s" % (mvm.get("name"), mv.get("id"))
        n += 1
        if t.get("mode") != mv.get("mode"):
            bad.append("%s: mode %s, manifest %s" % (who, t.get("mode"), mv.get("mode")))
        if bool(t.get("masked")) != bool(mv.get("masked")):
            bad.append("%s: masked %s, manifest %s" % (who, t.get("masked"), mv.get("masked")))
        if bool(t.get("x2apic")) != bool(mv.get("x2apic")):
            bad.append("%s: x2apic %s, manifest %s" % (who, t.get("x2apic"), mv.get("x2apic")))
        if mv.get("vector") is not None and t.get("vector") != mv.get("vector"):
            bad.append("%s: vector %s, manifest %s" % (who, t.get("vector"), mv.get("vector")))
        if mv.get("mode") == "periodic" and t.get("period_ns") != mv.get("period_ns"):
            bad.append("%s: period_ns %s, manifest %s" % (who, t.get("period_ns"), mv.get("period_ns")))
        if mv.get("tmict") is not None and t.get("tmict") is not None and t.get("tmict") != mv.get("tmict"):
            bad.append("%s: TMICT %s, manifest %s" % (who, t.get("tmict"), mv.get("tmict")))
    T.ok(n and not bad, "%s: timer mode, masking, x2APIC, vector, period_ns equal the manifest (%d vCPUs)"
         % (name, n), "\n".join(bad[:20]))


def flags_of(v):
    return set(v.get("flags") or [])


# ---------------------------------------------------------------------------------------
# Session 2: crash's own view of the same addresses.

STRUCT_FIELDS = ("period", "target_expiration", "tscdeadline", "timer_mode", "expires",
                 "hv_timer_in_use", "counter")


def parse_struct(text):
    """`struct kvm_lapic.lapic_timer ADDR` output → {field: int} (first occurrence)."""
    out = {}
    for line in (text or "").splitlines():
        m = re.match(r"^\s+(\w+) = (0x[0-9a-f]+|-?\d+|true|false),?$", line)
        if m and m.group(1) not in out:
            v = m.group(2)
            out[m.group(1)] = 1 if v == "true" else 0 if v == "false" else int(v, 0)
    return out


def gdb_value(text):
    m = re.search(r"\$\d+ = (?:\([^)]*\) )?(0x[0-9a-f]+|-?\d+)", text or "")
    return int(m.group(1), 0) if m else None


def crosscheck_cmds(vcpus):
    """Commands that make crash print, for each vCPU, what kvmlapic decoded."""
    cmds, keys = [], []
    for vm, v in vcpus:
        t = v.get("timer") or {}
        lapic = t.get("lapic")
        if not lapic:
            continue
        cmds.append("struct kvm_lapic.lapic_timer %s" % lapic)
        keys.append(("struct", vm, v))
        cmds.append("p/x *(unsigned int *)(((struct kvm_lapic *)%s)->regs + 0x320)" % lapic)
        keys.append(("lvtt", vm, v))
        cmds.append("p ((struct kvm_vcpu *)%s)->pid->numbers[0].nr" % v["vcpu"])
        keys.append(("tid", vm, v))
        cmds.append("p ((struct kvm *)%s)->userspace_pid" % vm["kvm"])
        keys.append(("pid", vm, v))
    return cmds, keys


def check_crosscheck(name, s, keys, base):
    bad, n = [], 0
    for i, (kind, vm, v) in enumerate(keys):
        out = s.out(base + i)
        t = v.get("timer") or {}
        who = "vCPU %s of %s" % (v.get("id"), vm.get("kvm"))
        if out is None:
            bad.append("%s: crash did not answer '%s'" % (who, s.cmds[base + i]))
            continue
        if kind == "struct":
            n += 1
            f = parse_struct(out)
            want = {"period": t.get("period_ns"), "target_expiration": t.get("target_expiration_ns"),
                    "tscdeadline": t.get("tscdeadline"), "timer_mode": t.get("timer_mode"),
                    "expires": (t.get("hrtimer") or {}).get("expires_ns"),
                    "hv_timer_in_use": int(bool(t.get("hv_timer_in_use"))),
                    "counter": t.get("pending")}
            for k, w in want.items():
                if w is None:
                    continue
                got = f.get(k)
                if k == "tscdeadline" and got is not None and got < 0:
                    got += 1 << 64
                if got != w:
                    bad.append("%s: %s: crash %s, kvmlapic %s" % (who, k, got, w))
        elif kind == "lvtt":
            g = gdb_value(out)
            if g != t.get("lvtt"):
                bad.append("%s: LVTT: crash %s, kvmlapic %s" % (who, g, t.get("lvtt")))
        elif kind == "tid":
            g = gdb_value(out)
            if g != v.get("tid"):
                bad.append("%s: tid: crash %s, kvmlapic %s" % (who, g, v.get("tid")))
        elif kind == "pid":
            g = gdb_value(out)
            if g != vm.get("pid"):
                bad.append("%s: VM pid: crash %s, kvmlapic %s" % (who, g, vm.get("pid")))
    T.ok(n and not bad,
         "%s: period, target_expiration, tscdeadline, timer_mode, hrtimer expires, hv_timer_in_use, "
         "pending, LVTT, tid, VM pid equal crash's own struct/p output (%d vCPUs)" % (name, n),
         "\n".join(bad[:30]))


# ---------------------------------------------------------------------------------------
# Scenarios.

# The index's "family" says what a dump must show (storm-kdump and storm-612 are storms);
# entries without it (older indexes) fall back to the name.
FAMILY = {}


def family(name):
    return FAMILY.get(name) or BASE.get(name) or name.split("-elf")[0]


def evidence(d, kind):
    return next((e for e in d.get("fix_evidence") or [] if isinstance(e, dict) and e.get("kind") == kind), {})


MATRIX = []    # (kernel series, compiler, fixed, scenario, want, got) of every dump


def fix_status_checks(name, d, man):
    """The fix status on every dump against the factory's ground truth (kernel.fixed)."""
    k = man.get("factory", {}).get("kernel") or {}
    if "fixed" not in k:
        T.skip("%s: fix status against the manifest" % name, "manifest has no kernel.fixed")
        return
    fixed = bool(k.get("fixed"))
    want = "fixed" if fixed else "vulnerable"
    ex, cl = evidence(d, "expiry_source"), evidence(d, "clamp")
    T.ok(d.get("fix_status") == want and ex.get("weight") == want,
         "%s: fix_status %s from apic_timer_fn's expiry source (%s)" % (name, want, ex.get("where")),
         json.dumps(d.get("fix_evidence"))[:1500])
    T.ok(cl.get("weight") == ("fixed" if fixed else "supports-vulnerable"),
         "%s: the clamp %s (%s)" % (name, "seen" if fixed else "absent where the target advances",
                                     cl.get("where")), json.dumps(cl))
    kinds = sorted(e.get("kind") for e in d.get("fix_evidence") or [])
    T.ok(kinds == ["clamp", "expiry_source", "livepatch", "release", "warn"],
         "%s: fix_evidence[] has every kind" % name, kinds)
    rel = evidence(d, "release").get("seen") or ""
    m = re.search(r"built with (\w+)", rel)
    series = ".".join(str(k.get("version") or "?").split(".")[:2])
    MATRIX.append((series, m.group(1) if m else "?", "fixed" if fixed else "reverted", name, want,
                   d.get("fix_status")))


def print_matrix():
    """The fix-status matrix, gcc/clang x 6.1/6.12 x fixed/reverted, as TAP comments."""
    print("# fix-status matrix (want: the factory's ground truth; got: kvmlapic -j fix_status)")
    print("#   %-7s %-8s %-9s %-22s %-11s %s" % ("kernel", "compiler", "fix", "dump", "want", "got"))
    seen = set()
    for row in sorted(MATRIX):
        seen.add(row[:3])
        print("#   %-7s %-8s %-9s %-22s %-11s %s" % row)
    for series in ("6.1", "6.12"):
        for cc in ("gcc", "clang"):
            for fx in ("fixed", "reverted"):
                if (series, cc, fx) not in seen:
                    print("#   %-7s %-8s %-9s %-22s %-11s %s" % (series, cc, fx, "(no dump)", "-", "-"))


def verdict_checks(name, docs, man, pairs, s):
    """Issue 12: the vendor from kvm_x86_ops, unknown host TSC, masked and pending periodic
    timers (the fix status: fix_status_checks, on every dump)."""
    d = docs["lapic"]
    host = d.get("host") or {}
    T.ok(host.get("vendor") == "svm" and "kvm_amd" in (host.get("vendor_evidence") or ""),
         "%s: vendor svm from kvm_x86_ops.name (QEMU TCG emulates SVM)" % name, json.dumps(host))
    hv = ["%s vCPU %s" % (vm.get("pid"), v.get("id")) for vm, v in vcpus_of(d) if "HV_ERANGE" in flags_of(v)]
    T.ok(not hv and host.get("hv_timer") is False, "%s: no HV_ERANGE on an SVM host" % name, ", ".join(hv))
    tri = s.out(I_TRI) or ""
    T.ok("HOST     AMD SVM" in tri and "Intel VMX" not in tri, "%s: kvmtriage says AMD SVM" % name,
         tri[:1500])
    src = d.get("now_sources") or {}
    if src.get("host_tsc") is None:
        rec = [v.get("id") for vm, v in vcpus_of(d) if (v.get("timer") or {}).get("tscdeadline_recomputed") is not None
               or (v.get("tsc") or {}).get("guest_tsc_now") is not None]
        T.ok(src.get("host_tsc_source", "").startswith("unknown") and not rec,
             "%s: host TSC unknown (%s): nothing computed from it" % (name, src.get("host_tsc_source")),
             "recomputed on vCPUs %s" % rec)
    else:
        T.ok(src.get("host_tsc_error_cycles") is not None and src.get("host_tsc_source"),
             "%s: host TSC %s with its source and error bound (%s, +-%s)"
             % (name, src.get("host_tsc"), src.get("host_tsc_source"), src.get("host_tsc_error_cycles")))
    # Masked and pending periodic timers: apic_timer_fn re-arms them all the same.
    mp = [(mvm, mv, vm, v) for mvm, mv, vm, v in pairs if mv.get("mode") == "periodic"
          and (mv.get("masked") or ((v.get("timer") or {}).get("pending") or 0) > 0)]
    stale = family(name) == "stale-fixed"
    quiet = any(m.get("name") == "quiet" for m in man.get("vms", []))
    if stale and not quiet:
        T.ok(False, "%s: the stale dump has the 'quiet' VM (masked and pending periodic vCPUs)" % name,
             "scripts/vmcores/scenarios.sh STALE_QUIET missing from the workload")
    elif stale:
        pend = [1 for _, _, _, v in mp if ((v.get("timer") or {}).get("pending") or 0) > 0]
        msk = [1 for _, mv, _, _ in mp if mv.get("masked")]
        T.ok(len(pend) >= 2 and len(msk) >= 2,
             "%s: the dump has pending (%d) and masked (%d) periodic vCPUs" % (name, len(pend), len(msk)))
        miss = ["%s vCPU %s" % (mvm["name"], mv["id"]) for mvm, mv, vm, v in mp if "BEHIND" not in flags_of(v)]
        T.ok(mp and not miss, "%s: BEHIND on every masked or pending periodic vCPU (%d)" % (name, len(mp)),
             ", ".join(miss))
        T.ok("No LAPIC timer anomaly" not in tri, "%s: the verdict is not 'no anomaly'" % name, tri[-800:])
    elif family(name) == "healthy":
        hit = ["%s vCPU %s" % (mvm["name"], mv["id"]) for mvm, mv, vm, v in mp if flags_of(v) & ALARMS]
        T.ok(mp and not hit, "%s: no flag on the masked periodic vCPUs of a healthy host (%d)" % (name, len(mp)),
             ", ".join(hit))


def scenario_expectations(name, docs, man, pairs, s):
    d = docs["lapic"]
    fac = man.get("factory", {})
    base = family(name)
    if base in ("healthy", "stale-fixed", "storm"):
        verdict_checks(name, docs, man, pairs, s)
    if base == "healthy":
        # A kdump capture freezes the host at an arbitrary instant: the NMI can land while
        # a CPU is inside its hrtimer interrupt, about to run a timer that the loaded TCG
        # host let slip a fraction of a second.  That timer (and only that kind: on a CPU
        # in_hrtirq, < 1 s behind, no RUNAWAY) is what the NMI caught, not a fault.
        caught = set()
        if fac.get("kdump"):
            # The CPU of the vCPU's hrtimer is inside its hrtimer interrupt (kvmhrtimer -j);
            # on a fixed kernel there is no STORMING to say so (no catch-up loop there).
            irq = {c.get("cpu") for c in docs["hrtimer"].get("cpus", []) if c.get("in_hrtirq")}
            for vm, v in vcpus_of(d):
                fs = v.get("findings", [])
                cpu = (((v.get("timer") or {}).get("hrtimer")) or {}).get("cpu")
                # A BEHIND warning alone, < 1 s: the panic stopped the timer's CPU (NMI to
                # every CPU) a moment before the timekeeper's last update (seen: 13 ms on
                # two 1-2 ms timers of a CPU not in its hrtimer interrupt).
                behind_only = all(f.get("flag") == "BEHIND" and f.get("severity") == "warning"
                                  for f in fs)
                if fs and all(f.get("flag") in ("BEHIND", "STORMING") and 0 <= (f.get("lag_ns") or 0) < 10**9
                              for f in fs) and (behind_only or any(f.get("in_hrtirq") for f in fs)
                                                or cpu in irq):
                    caught.add(id(v))
            if caught:
                print("# %s: %d vCPU timer(s) frozen by the panic's NMI, < 1 s behind"
                      % (name, len(caught)))
        flagged = ["%s vCPU %s: %s" % (vm.get("pid"), v.get("id"), sorted(flags_of(v)))
                   for vm, v in vcpus_of(d) if flags_of(v) & ALARMS and id(v) not in caught]
        T.ok(not flagged, "%s: no alarm flags on any vCPU" % name, "\n".join(flagged))
        caught_f = {id(f) for vm, v in vcpus_of(d) if id(v) in caught for f in all_findings(v)}
        loud = [f for f in all_findings(d) if f.get("severity") in ("warning", "critical")
                and id(f) not in caught_f]
        T.ok(not loud, "%s: no warning/critical findings" % name, json.dumps(loud)[:1500])
        modes = set(mv.get("mode") for _, mv, _, _ in pairs)
        T.ok({"periodic", "oneshot", "tscdeadline"} <= modes,
             "%s: the dump covers every timer mode (%s)" % (name, sorted(modes)))
    elif base == "stale-fixed":
        periodic = [(mvm, mv, vm, v) for mvm, mv, vm, v in pairs if mv.get("mode") == "periodic"]
        notb = ["%s vCPU %s: %s" % (mvm["name"], mv["id"], sorted(flags_of(v)))
                for mvm, mv, vm, v in periodic if "BEHIND" not in flags_of(v)]
        T.ok(periodic and not notb, "%s: BEHIND on every periodic vCPU (%d)" % (name, len(periodic)),
             "\n".join(notb))
        run = ["%s vCPU %s" % (vm.get("pid"), v.get("id")) for vm, v in vcpus_of(d) if "RUNAWAY" in flags_of(v)]
        T.ok(not run, "%s: no RUNAWAY (the fixed kernel clamps)" % name, ", ".join(run))
        inj = fac.get("injection") or {}
        after, before, secs = inj.get("mono_now_after_ns"), inj.get("mono_now_before_ns"), inj.get("seconds")
        now = d.get("now_ns") or 0
        if after is None:
            T.skip("%s: now moved by the injected amount" % name, "manifest has no injection record")
        else:
            T.ok(abs(now - after) < 10**9 and abs((now - before) - secs * 10**9) < 10**9,
                 "%s: now moved by the injected %s s (now %d, before %d, expected %d)"
                 % (name, secs, now, before, after))
            T.ok(d.get("now_source") == "timekeeper", "%s: now from the timekeeper" % name,
                 "now_source %s" % d.get("now_source"))
        for mvm, mv, vm, v in periodic:
            t = v.get("timer") or {}
            te = t.get("target_expiration_ns")
            lag = now - te if isinstance(te, int) else None
            if not (secs and lag is not None and lag > (secs - 5) * 10**9):
                T.ok(False, "%s: %s vCPU %s lags by about the injected %s s" % (name, mvm["name"], mv["id"], secs),
                     "lag %d ns" % lag)
                break
        else:
            T.ok(bool(periodic), "%s: every periodic timer lags by about the injected %s s" % (name, secs))
    elif base == "storm":
        st = fac.get("storm") or {}
        hr = hexnorm(st.get("hrtimer"))
        cpu = st.get("cpu")
        hit = [(vm, v) for vm, v in vcpus_of(d)
               if hexnorm(((v.get("timer") or {}).get("hrtimer") or {}).get("addr")) == hr]
        if not T.ok(len(hit) == 1, "%s: the running hrtimer %s (CPU %s) belongs to one vCPU"
                    % (name, st.get("hrtimer"), cpu), json.dumps(st)):
            return
        vm, v = hit[0]
        mvm = next((m for m in man.get("vms", []) if m.get("name") == "storm"), {})
        mv0 = next((c for c in mvm.get("vcpus", []) if c.get("id") == 0), {})
        T.ok(vm.get("pid") == mvm.get("pid") and v.get("id") == 0 and v.get("tid") == mv0.get("tid"),
             "%s: it is the 'storm' VM (pid %s) vCPU 0 (tid %s)" % (name, mvm.get("pid"), mv0.get("tid")),
             "found pid %s vCPU %s tid %s" % (vm.get("pid"), v.get("id"), v.get("tid")))
        T.ok({"RUNAWAY", "STORMING"} <= flags_of(v), "%s: RUNAWAY and STORMING on that vCPU" % name,
             sorted(flags_of(v)))
        h = (v.get("timer") or {}).get("hrtimer") or {}
        T.ok(h.get("cpu") == cpu and h.get("running") is True,
             "%s: its hrtimer is the one CPU %s is running" % (name, cpu), json.dumps(h))
        others = ["%s vCPU %s" % (vm2.get("pid"), v2.get("id")) for vm2, v2 in vcpus_of(d)
                  if v2 is not v and "STORMING" in flags_of(v2)]
        T.ok(not others, "%s: no other vCPU is STORMING" % name, ", ".join(others))
        t = v.get("timer") or {}
        ra = next((f for f in v.get("findings", []) if f.get("flag") == "RUNAWAY"), {})
        it = ra.get("iterations_left")
        # The factory's numbers, read by crash itself when it took the dump: the
        # timer it planted and its lag (tkr_mono.base - target_expiration).
        T.ok(t.get("target_expiration_ns") == st.get("target_expiration") and
             t.get("period_ns") == st.get("period"),
             "%s: target_expiration %s and period %s equal crash's (manifest)"
             % (name, st.get("target_expiration"), st.get("period")),
             "kvmlapic: %s %s" % (t.get("target_expiration_ns"), t.get("period_ns")))
        mlag, mper = st.get("lag_ns"), st.get("period")
        exp = mlag / mper if isinstance(mlag, int) and mper else None
        # The tool's now is tkr_mono.base plus the timekeeper's xtime_nsec (the ns of
        # its last update); the manifest's lag counts from tkr_mono.base alone, so the
        # two differ by that part: seen 0.85 s on a storm dump (the catch-up loop holds
        # the CPU in hardirq). So: now lies in [base, base + 2 s] (crash's base), and
        # iterations_left is the loop's own count from now and crash's target/period.
        now = d.get("now_ns")
        mbase = st.get("tkr_mono_base")
        T.ok(isinstance(now, int) and isinstance(mbase, int) and 0 <= now - mbase <= 2 * 10**9,
             "%s: now %s is within 2 s after crash's tkr_mono.base %s" % (name, now, mbase),
             "now - base = %s" % (now - mbase if isinstance(now, int) and isinstance(mbase, int) else None))
        tgt = st.get("target_expiration")
        # The loop counts from the hrtimer's expiry, which equals target_expiration
        # except while the CPU is between advance_periodic_target_expiration() (target
        # moved) and hrtimer_add_expires_ns() (expiry not yet): then the expiry is one
        # period behind and the iteration in progress still counts.  (That expiry
        # equals crash's: check_crosscheck.)
        frm, what = tgt, "target_expiration"
        if isinstance(tgt, int) and mper and h.get("softexpires_ns") == tgt - mper:
            frm, what = tgt - mper, "hrtimer expiry (= target - period: mid-iteration)"
        want_it = ((now - frm) // mper + 1 if isinstance(now, int) and isinstance(frm, int) and mper
                   else None)
        T.ok(isinstance(it, int) and it == want_it and exp is not None and it >= exp,
             "%s: iterations_left %s = (now - crash's %s) // period + 1 = (%s - %s) // %s + 1,"
             " and >= the planted lag / period %s" % (name, it, what, now, frm, mper,
                                                      "%.0f" % exp if exp else None),
             json.dumps(ra))
        tri = s.out(I_TRI) or ""
        # Where the CPU's registers were saved, the verdict cites them first (same CPU,
        # the manifest's hrtimer and VM pid); the register numbers are tested in regs.py.
        c_ = cpu if isinstance(cpu, int) else -1
        pid_ = mvm.get("pid") or -1
        want = (r"^VERDICT\s+(?:CPU %d stopped at [\w.]+\+\d+ \([^)]*\) running the lapic "
                r"hrtimer 0x0*%x of VM %d vCPU 0 \([^)]*\); basenow \d+ ns: \d+ expiries left "
                r"before the loop ends(?:; delta -?\d+ = target_expiration -?\d+ - now -?\d+ exactly)?\. )?"
                r"CPU %d is inside a periodic LAPIC timer catch-up loop "
                r"\(__hrtimer_run_queues -> apic_timer_fn\) for VM pid %d \([^)]*\) vCPU 0 "
                r"\(thread %d, kvm_lapic 0x0*%x\)" % (c_, hr or 0, pid_, c_, pid_,
                                                      mv0.get("tid") or -1,
                                                      hexnorm(st.get("kvm_lapic")) or 0))
        T.ok(re.search(want, tri, re.M) is not None,
             "%s: kvmtriage's verdict names CPU %s, VM pid %s, vCPU 0 (thread %s, kvm_lapic %s) "
             "and the catch-up loop" % (name, cpu, mvm.get("pid"), mv0.get("tid"), st.get("kvm_lapic")),
             "want /%s/ in:\n%s" % (want, tri[:2000]))
        hd = docs["hrtimer"]
        c = next((c for c in hd.get("cpus", []) if c.get("cpu") == cpu), {})
        cb = next((b for b in c.get("clock_bases", []) if b.get("index") == st.get("clock_base")), {})
        T.ok(hexnorm(cb.get("running")) == hr and c.get("in_hrtirq") is True,
             "%s: kvmhrtimer -j: CPU %s clock base %s is running %s, in_hrtirq"
             % (name, cpu, st.get("clock_base"), st.get("hrtimer")),
             json.dumps({k: c.get(k) for k in ("cpu", "in_hrtirq")}) + " running " + str(cb.get("running")))
    elif base == "scale":
        n = sum(1 for _ in vcpus_of(d))
        want = sum(1 for _ in manifest_vcpus(man))
        T.ok(n == want and want >= 1000, "%s: kvmlapic -a lists all %d vCPUs (got %d)" % (name, want, n))
        nvm = len(d.get("vms", []))
        T.ok(nvm == len(man.get("vms", [])), "%s: all %d VMs" % (name, len(man.get("vms", []))), "got %d" % nvm)
        T.ok(not s.timed_out, "%s: the whole session took %.0f s" % (name, s.seconds))
    elif base == "corrupt":
        dam = (fac.get("corruption") or {}).get("damages") or []
        T.ok(len(dam) >= 3, "%s: manifest lists the planted damages (%d)" % (name, len(dam)))
        text = "\n".join(damage_text(docs[k]) for k in ("lapic", "hrtimer", "triage"))
        textall = text + "\n" + (s.out(I_LAPIC) or "").lower() + (s.out(I_HR) or "").lower()
        hd = docs["hrtimer"]
        for dm in dam:
            kind = dm.get("kind")
            bad = str(dm.get("new") or "").lower()    # the wild value planted ("" when none)
            if kind == "hrtimer_rbtree_cycle":
                cpu = next((c for c in hd.get("cpus", []) if c.get("cpu") == dm.get("cpu")), {})
                cb = next((b for b in cpu.get("clock_bases", []) if b.get("index") == dm.get("clock_base")), {})
                where = "CPU %s clock base %s" % (dm.get("cpu"), dm.get("clock_base"))
                ok = "cycle" in str(cb.get("damage", "")).lower() and "corrupt" in text
            elif kind == "lapic_pointer_unmapped":
                vv = [v for vm, v in vcpus_of(d) if hexnorm(v.get("vcpu")) == hexnorm(dm.get("vcpu"))]
                where = "vCPU %s" % dm.get("vcpu")
                ok = bool(vv) and bad != "" and "CORRUPT" in flags_of(vv[0]) and bad in json.dumps(vv[0]).lower()
            elif kind == "vcpu_array_node":
                vmm = [vm for vm in d.get("vms", []) if hexnorm(vm.get("kvm")) == hexnorm(dm.get("kvm"))]
                where = "VM %s" % dm.get("kvm")
                ok = bool(vmm) and bad != "" and bad in damage_text(vmm[0])
            elif kind == "vm_list_wild":
                where = "vm_list"
                ok = bad != "" and "vm_list" in text and bad in text
            else:
                where = "? (a damage kind this test does not know: teach it)"
                ok = False
            T.ok(ok, "%s: damage '%s' (%s = %s) reported as CORRUPT at %s"
                 % (name, kind, dm.get("symbol"), bad, where),
                 json.dumps(dm) + "\n--- reported:\n" + text[:1500])
        pids = sorted(set(vm.get("pid") for vm in man.get("vms", [])))
        got = sorted(set(vm.get("pid") for vm in d.get("vms", [])))
        T.ok(pids == got, "%s: every VM still found despite the broken vm_list (%s)" % (name, pids),
             "found %s" % got)


def session2_cmds(doc, jiffies_addr, full):
    vcpus = list(vcpus_of(doc))
    if not full:
        vcpus = vcpus[:: max(1, len(vcpus) // 8)][:8]
    vcpus = [(vm, v) for vm, v in vcpus if not v.get("damage") and "CORRUPT" not in flags_of(v)]
    cmds, keys = crosscheck_cmds(vcpus)
    return cmds, keys


ERR_CMDS = ["kvmlapic -Z", "p jiffies_64", "kvmlapic %s", "p jiffies_64", "kvmlapic 999999", "p jiffies_64",
            "kvmtsc", "p jiffies_64", "kvmlapic -a -j", "kvmhrtimer -k -j", "kvmlapic -a -j", "help kvmlapic",
            "help kvmhrtimer", "help kvmtsc", "help kvmtriage",
            "kvmlapic -a -j -c 1", "kvmhrtimer -j -c 1", "kvmlapic -a -j -n 123456789",
            "kvmtsc -j -m 2356694726 -s 2 -d -4485734413211762", "kvmtsc -j -m 2356694726 -s 2 -d 1739904",
            "extend -u {so}", "kvmlapic -a", "extend {so}", "kvmlapic -a -j"]


def nsec_to_cycles(ns, mult, shift):
    """pvclock_scale_delta as the kernel computes it: a negative delta is used as
    its u64 bit pattern, shifted, then bits 32..95 of the 128-bit product."""
    m = (1 << 64) - 1
    d = ns & m
    d = (d << shift) & m if shift >= 0 else d >> -shift
    return ((d * mult) >> 32) & m


def check_errors(name, s, base, first_json, jaddr):
    o = lambda i: s.out(base + i)  # noqa: E731
    T.ok(exact_message(o(0), "kvmlapic: invalid option or missing argument: -Z (see 'help kvmlapic')"),
         "%s: unknown option -> one clear message" % name, o(0))
    T.ok(re.search(r"jiffies_64 = \$\d+ = \d+", o(1) or ""), "%s: session alive after the bad option" % name)
    nokvm = ": not a struct kvm, kvm_vcpu or kvm_lapic address of a VM on vm_list, nor a VM pid or vCPU tid"
    T.ok(exact_message(o(2), "kvmlapic: " + jaddr + nokvm),
         "%s: kvmlapic on a non-KVM address (jiffies, %s) -> one clear message" % (name, jaddr), o(2))
    T.ok(re.search(r"jiffies_64 = \$\d+ = \d+", o(3) or ""), "%s: session alive after the wrong-type address" % name)
    T.ok(exact_message(o(4), "kvmlapic: 999999" + nokvm),
         "%s: kvmlapic on an unknown pid -> one clear message" % name, o(4))
    T.ok(re.search(r"jiffies_64 = \$\d+ = \d+", o(5) or ""), "%s: session alive after the unknown pid" % name)
    T.ok(exact_message(o(6), "kvmtsc: give a vCPU, or raw parameters: -m MULT -s SHIFT with -d NS, "
                             "or -o OFFSET with -h HOST_TSC (see 'help kvmtsc')"),
         "%s: kvmtsc without arguments -> usage message" % name, o(6))
    T.ok(re.search(r"jiffies_64 = \$\d+ = \d+", o(7) or ""), "%s: session alive after kvmtsc usage" % name)
    a, b = parse_json(o(8)), parse_json(o(10))
    hk = parse_json(o(9))
    strip = lambda x: {k: v for k, v in (x or {}).items() if k != "elapsed_ms"}  # noqa: E731
    T.ok(a is not None and strip(a).get("vms") == strip(first_json).get("vms"),
         "%s: same JSON again after failed commands (getopt state reset between commands)" % name)
    T.ok(a is not None and b is not None and strip(a).get("vms") == strip(b).get("vms"),
         "%s: repeated 'kvmlapic -a -j' in one session gives the same VMs" % name)
    T.ok(hk is not None and hk.get("schema") == "kvmtimer/1", "%s: 'kvmhrtimer -k -j' (option reuse) parses"
         % name, (o(9) or "")[:500])
    # crash prints the headings; what is ours is the name line, the synopsis and the
    # examples, whose output comes from the golden files (docs/man/kvmtimer.7.in).
    ex = help_examples()
    for k, cmd in ((11, "kvmlapic"), (12, "kvmhrtimer"), (13, "kvmtsc"), (14, "kvmtriage")):
        h = o(k) or ""
        firsts = ex.get(cmd) or []
        miss = [f for f in firsts if f[:60].strip() not in h]
        T.ok(re.search(r"^\s*%s - \S" % cmd, h, re.M) and re.search(r"^\s*%s \[?-" % cmd, h, re.M)
             and "crash> %s" % cmd in h and firsts and not miss,
             "%s: 'help %s' has its name line, synopsis and EXAMPLES with the golden output (%d)"
             % (name, cmd, len(firsts)), "missing: %s\n%s" % (miss, h[:800]))
    c1 = parse_json(o(15))
    allv = [v for _, v in vcpus_of(first_json)]
    want = sorted(v.get("vcpu") for v in allv
                  if v.get("cpu") == 1 or ((v.get("timer") or {}).get("hrtimer") or {}).get("cpu") == 1)
    got = sorted(v.get("vcpu") for _, v in vcpus_of(c1))
    T.ok(c1 is not None and got == want and 0 < len(want) < len(allv),
         "%s: 'kvmlapic -a -c 1' keeps exactly the %d of %d vCPUs last run on, or timed on, CPU 1"
         % (name, len(want), len(allv)), "got %s\nwant %s" % (got, want))
    h1 = parse_json(o(16))
    hc = [c.get("cpu") for c in (h1 or {}).get("cpus", [])]
    T.ok(hc == [1], "%s: 'kvmhrtimer -c 1' shows only CPU 1 (%s)" % (name, hc), (o(16) or "")[:500])
    n1 = parse_json(o(17)) or {}
    T.ok(n1.get("now_ns") == 123456789 and n1.get("now_source") not in (None, "timekeeper"),
         "%s: '-n 123456789' overrides now (source %s)" % (name, n1.get("now_source")), (o(17) or "")[:300])
    for k, ns in ((18, -4485734413211762), (19, 1739904)):
        t = parse_json(o(k)) or {}
        got = (t.get("results") or {}).get("delta_cycles")
        want = nsec_to_cycles(ns, 2356694726, 2)
        T.ok(got == want, "%s: kvmtsc nsec_to_cycles(%d) with the seed's mult/shift = %d" % (name, ns, want),
             "got %s" % got)


def check_reload(name, s, base, first_json):
    o = lambda i: s.out(base + i)  # noqa: E731
    T.ok("unloaded" in (o(20) or "") and "command not found" in (o(21) or ""),
         "%s: 'extend -u' unloads the commands (destructor ran, crash alive)" % name, (o(20) or "") + (o(21) or ""))
    d = parse_json(o(23))
    T.ok("loaded" in (o(22) or "") and d is not None and d.get("vms") == first_json.get("vms"),
         "%s: 'extend' again: a fresh session gives the same JSON" % name, (o(22) or "") + (o(23) or "")[:300])


def check_debuginfo(name, entry, so):
    """Without `mod -s`: auto-load from the standard places; with kvm.ko out of
    reach: one message naming the command, and `mod -s` then fixes the session."""
    ko = (entry.get("modules") or {}).get("kvm")
    if not ko:
        T.skip("%s: kvm debuginfo auto-load" % name, "KVM is built into this kernel")
        return
    s = crashrun.run(entry, ["kvmlapic -a -j", "p jiffies"], so=so, mod=False)
    d = parse_json(s.out(0))
    T.ok(d is not None and len(d.get("vms", [])) > 0,
         "%s: without 'mod -s', kvm.ko debuginfo is found and loaded automatically" % name,
         (s.out(0) or "")[:800])
    # A vmlinux with nothing beside it: crash's search (vmlinux's directory tree,
    # /lib/modules/<release>, /usr/lib/debug/...) finds no kvm.ko.
    tmp = tempfile.mkdtemp(prefix="kvmtimer-nodbg-")
    try:
        vml, src = os.path.join(tmp, "vmlinux"), crashrun.vmlinux_of(entry)
        try:
            os.link(src, vml)
        except OSError:
            shutil.copyfile(src, vml)
        s = crashrun.run(entry, ["kvmlapic -a", "p jiffies", "kvmtriage", "mod -s kvm %s" % ko,
                                 "kvmlapic -a -j"], so=so, mod=False, vmlinux=vml,
                         env={"CRASH_MODULE_PATH": tmp})
        msg = s.out(0) or ""
        T.ok(one_message(msg, "kvmlapic", "mod -s kvm"),
             "%s: no kvm debuginfo -> one message naming 'mod -s kvm ...'" % name, msg)
        T.ok(s.out(1) is not None and "jiffies" in s.out(1), "%s: session alive after it" % name)
        T.ok(one_message(s.out(2), "kvmtriage", "mod -s kvm"),
             "%s: kvmtriage without debuginfo -> one message naming 'mod -s kvm ...'" % name, s.out(2))
        d = parse_json(s.out(4))
        T.ok(d is not None and len(d.get("vms", [])) > 0,
             "%s: after 'mod -s kvm' in the same session the commands work" % name, (s.out(4) or "")[:800])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# The other sessions open the factory's gdb-indexed copy of vmlinux (crashrun.vmlinux_of);
# on one dump per crash build, the kernel's own file must give the same answers, byte
# for byte (but for the file's name in `sys`).
PLAIN_VMLINUX = ("healthy", "healthy-612")


def check_plain_vmlinux(name, entry, so, s, timeout):
    v = crashrun.vmlinux_of(entry)
    if v == entry["vmlinux"]:
        if require_tools():
            T.ok(False, "%s: the factory made a gdb-indexed vmlinux (crash_vmlinux in the index)" % name)
        else:
            T.skip("%s: gdb-indexed and plain vmlinux agree" % name, "no crash_vmlinux in the index")
        return
    p = crashrun.run(entry, MAIN_CMDS, so=so, timeout=timeout, vmlinux=entry["vmlinux"])
    diff = []
    for i, c in enumerate(MAIN_CMDS):
        a = (s.out(i) or "").replace(v, entry["vmlinux"])
        b = p.out(i)
        if b is None or a != b:
            diff.append("%s: %s" % (c, "crash died" if b is None else "outputs differ"))
    T.ok(not diff and bool(s.out(0)), "%s: the plain vmlinux gives the gdb-indexed one's output (%d commands)"
         % (name, len(MAIN_CMDS)), "\n".join(diff))


def run_scenario(name, entry, so):
    man = {}
    if entry.get("manifest") and os.path.exists(entry["manifest"]):
        man = json.load(open(entry["manifest"]))
    T.ok(bool(man.get("vms")), "%s: manifest %s readable, with VMs" % (name, entry.get("manifest")))
    timeout = 1800 if family(name) == "scale" else 600
    s = crashrun.run(entry, MAIN_CMDS, so=so, timeout=timeout)
    docs = check_common(name, s, man)
    if docs is None:
        return
    if name in PLAIN_VMLINUX:
        check_plain_vmlinux(name, entry, so, s, timeout)
    d = docs["lapic"]
    pairs = match_vcpus(name, d, man) if man else []
    base = family(name)
    if man:
        fix_status_checks(name, d, man)
    if pairs:
        check_identity(name, pairs, man)
        if base != "corrupt":
            check_timers(name, pairs)
    scenario_expectations(name, docs, man, pairs, s)
    # The per-VM APIC bus cycle: read from kvm->arch on 6.11+, absent before (docs/KERNELS.md).
    if base != "corrupt" and d.get("vms"):
        got = sorted(set(vm.get("apic_bus_cycle_ns") for vm in d["vms"]), key=str)
        want = [man.get("apic_bus_cycle_ns", 1)] if entry.get("series", "6.1") != "6.1" else [None]
        T.ok(got == want, "%s: apic_bus_cycle_ns %s (kernel %s)" % (name, want, entry.get("kernel")),
             "got %s" % got)
    # Session 2: crash's own view, and (on healthy) the error paths.
    m = re.search(r"([0-9a-f]{16})\s+\(\w\)\s+jiffies", s.out(I_SYM) or "")
    jaddr = "0x" + m.group(1) if m else "0xffffffff81000000"
    cmds, keys = session2_cmds(d, jaddr, full=base in ("healthy", "stale-fixed", "storm"))
    err = base == "healthy" and name == "healthy"
    sop = os.path.abspath(crashrun.so_for(entry, so))
    allc = cmds + ([(c % jaddr if "%s" in c else c).replace("{so}", sop) for c in ERR_CMDS] if err else [])
    if not allc:
        T.ok(False, "%s: vCPUs to cross-check with crash's struct output" % name)
        return
    s2 = crashrun.run(entry, allc, so=so, timeout=timeout)
    if keys:
        check_crosscheck(name, s2, keys, 0)
    else:
        T.ok(False, "%s: vCPUs to cross-check with crash's struct output" % name)
    if err:
        check_errors(name, s2, len(cmds), d, jaddr)
        check_reload(name, s2, len(cmds), d)
        check_debuginfo(name, entry, so)


def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=crashrun.DEFAULT_INDEX)
    ap.add_argument("--so", default=crashrun.DEFAULT_SO)
    ap.add_argument("only", nargs="*", help="scenario names (default: all)")
    a = ap.parse_args()
    if not shutil.which("crash"):
        print("ok 1 - ext-e2e # SKIP crash is not installed")
        return 77
    index = crashrun.load_index(a.index)
    names = a.only or SCENARIOS + [e["name"] for e in index
                                   if e.get("name") not in SCENARIOS and e.get("name") not in OWN_SUITE]
    for n, suite in sorted(OWN_SUITE.items()):
        if not a.only:
            print("# %s: tested by %s" % (n, suite))
    for e in index:
        if e.get("family"):
            FAMILY[e["name"]] = e["family"]
    for name in names:
        e = crashrun.find(index, name)
        why = ("scenario %s not built" % name) if not e else crashrun.usable(e)
        if why:
            if name == "healthy-elf" and not e:
                continue    # only exists when healthy is built with an ELF copy
            if require_tools():
                T.ok(False, "%s: kvmtimer.so end to end: %s (KT_REQUIRE_TOOLS=1: make check needs every dump)"
                     % (name, why))
            else:
                T.skip("%s: kvmtimer.so end to end" % name, why)
            continue
        run_scenario(name, e, a.so)
    print("# %d JSON documents validated against docs/schema/" % schemacheck.count)
    print_matrix()
    print("# %d tests, %d failed" % (T.n, T.failed))
    print("1..%d" % T.n)
    return 1 if T.failed else 0


if __name__ == "__main__":
    sys.exit(main())
