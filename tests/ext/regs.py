#!/usr/bin/env python3
"""regs.py — kvmregs (registers as evidence) in crash, on the scenario dumps.

Each claim is checked against something kvmregs did not compute:
  - the registers: crash's own `help -r` (the dump's notes) and, on kdump
    captures, the exception RIP of crash's `bt -a` (the NMI frame);
  - a variable read from memory: crash's `rd -64` of the address kvmregs names;
  - the hrtimer: the factory's record of the running hrtimer (manifest
    factory.storm, read through QEMU's gdbstub) and the manifest's storm vCPU;
  - expiries left: recomputed here from basenow, crash's `struct hrtimer` of
    the timer, and the manifest's period.
On healthy dumps no CPU may be flagged; on the corrupt dump crash must survive
and every problem must be a named error.  TAP lines, SKIP for a missing dump.
"""
import json, os, re, struct, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crashrun  # noqa: E402
from e2e import T, parse_json, hexnorm  # noqa: E402

SO = crashrun.DEFAULT_SO


def help_r(text):
    """crash `help -r`: {cpu: {"RIP": v, ...}} from its "CPU N:" blocks."""
    regs, cpu = {}, None
    for line in (text or "").splitlines():
        m = re.match(r"\s*CPU (\d+):", line)
        if m:
            cpu = int(m.group(1))
            regs[cpu] = {}
            continue
        if cpu is None:
            continue
        for name, val in re.findall(r"([A-Z0-9_]+):\s*([0-9a-fA-F]{4,16})\b", line):
            regs[cpu][name] = int(val, 16)
    return regs


CRASH_NAME = {"RFLAGS": "RFLAGS", "ORIG_RAX": "ORIG_RAX"}


def contexts(doc):
    return {c["cpu"]: c["context"] for c in (doc or {}).get("cpus", [])}


def var(ctx, name):
    for v in ctx.get("variables", []):
        if v["name"] == name and v.get("value") is not None:
            return v
    return None


class Joined:
    """Outputs of two crash sessions as one list: the first n from a, then b's."""

    def __init__(self, a, b, n):
        self.a, self.b, self.n = a, b, n

    def out(self, i):
        return self.a.out(i) if i < self.n else (self.b.out(i - self.n) if self.b else None)


def hrq_var(ctx, name):
    """A variable of __hrtimer_run_queues' own scope."""
    for v in ctx.get("variables", []):
        if v["name"] == name and v["scope"] == "__hrtimer_run_queues" and v.get("value") is not None:
            return v
    return None


def mem_inputs(ctx):
    """The memory-held variables basenow comes from: basenow itself, or
    __hrtimer_run_queues' now."""
    v = var(ctx, "basenow") or hrq_var(ctx, "now")
    return [v] if v and v.get("kind") == "memory" else []


def check_notes_vs_crash(name, ctxs, hr):
    bad, n = [], 0
    for cpu, c in ctxs.items():
        if c["source"] != "elf_note":
            # The NMI frame is the context; the note still is what help -r shows.
            if (c.get("note") or {}).get("found"):
                n += 1
                if hexnorm(c["note"]["rip"]) != hr.get(cpu, {}).get("RIP"):
                    bad.append("CPU %d note RIP: crash %s, kvmregs %s" % (cpu, hr.get(cpu, {}).get("RIP"), c["note"]["rip"]))
            continue
        mine = {k.upper(): hexnorm(v) for k, v in c["registers"].items()}
        theirs = hr.get(cpu)
        if not theirs:
            bad.append("CPU %d: crash's help -r has no registers" % cpu)
            continue
        for reg in ("RIP", "RSP", "RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "R8", "R12", "R14", "R15"):
            if reg in theirs:
                n += 1
                if theirs[reg] != mine.get(reg):
                    bad.append("CPU %d %s: crash %#x, kvmregs %#x" % (cpu, reg, theirs[reg], mine.get(reg) or 0))
    T.ok(n > 0 and not bad, "%s: note registers equal crash's help -r (%d compared)" % (name, n),
         "\n".join(bad[:10]))


def storm(name, e, doc, ctxs, man, s, cmds):
    fac = man.get("factory", {}).get("storm") or {}
    loop = [(cpu, c) for cpu, c in ctxs.items() if c.get("in_catchup_path")]
    if not T.ok(len(loop) == 1, "%s: exactly one CPU in the catch-up path (%s)" % (name, [c for c, _ in loop]),
                json.dumps({c: x.get("function") for c, x in ctxs.items()})):
        return
    cpu, c = loop[0]
    if fac.get("cpu") is not None:
        T.ok(cpu == fac["cpu"], "%s: it is the CPU the factory saw running the storm hrtimer (%s)"
             % (name, fac.get("cpu")))
    # The NMI can land in a callee of the loop (timerqueue_add, the base lock's
    # _raw_spin_unlock_irqrestore): then a caller frame is on the path.
    path = ("__hrtimer_run_queues", "hrtimer_interrupt", "apic_timer_fn",
            "advance_periodic_target_expiration", "kvm_read_l1_tsc",
            "apic_timer_expired", "__run_hrtimer")
    seen = [c["function"]] + [f.get("function") for f in c.get("frames", [])]
    T.ok(any(fn in path for fn in seen),
         "%s: CPU %d RIP is %s+%d, on the catch-up path (frames: %s)"
         % (name, cpu, c["function"], c["offset"], " <- ".join(str(f) for f in seen[:6])))
    ch = (c.get("checks") or {}).get("hrtimer") or {}
    if not T.ok(bool(ch), "%s: a struct hrtimer * is live in CPU %d's registers" % (name, cpu),
                json.dumps(c.get("variables"))[:1500]):
        return
    want = hexnorm(fac.get("hrtimer"))
    T.ok(want is not None and hexnorm(ch["hrtimer"]) == want,
         "%s: the decoded hrtimer (%s in %s) is the one the factory saw running (%s)"
         % (name, ch["hrtimer"], ch.get("variable"), fac.get("hrtimer")))
    T.ok(ch.get("is_running") is True, "%s: and it is the clock base's running timer" % name)
    mvm = next((m for m in man.get("vms", []) if m.get("name") == "storm"), {})
    T.ok(ch.get("vm_pid") == mvm.get("pid") and ch.get("vcpu_id") == 0,
         "%s: it belongs to the manifest's storm VM pid %s vCPU 0" % (name, mvm.get("pid")),
         "got VM %s vCPU %s" % (ch.get("vm_pid"), ch.get("vcpu_id")))
    # The variable's register really holds that value (crash's help -r: the
    # registers at RIP, so only a variable of frame #0; a caller frame's registers
    # are recovered by CFI and help -r does not show them).
    v = next((x for x in c.get("variables", []) if x.get("type") == "struct hrtimer *"
              and x.get("kind") == "register" and x.get("value") and not x.get("frame")), None)
    hr = help_r(s.out(cmds.index("help -r")))
    if c["source"] == "elf_note" and v:
        reg = v["location"].split()[0]
        T.ok(hr.get(cpu, {}).get(reg) == hexnorm(v["value"]),
             "%s: %s = %s is %s in crash's help -r for CPU %d" % (name, v["name"], v["value"], reg, cpu))
    b = (c.get("checks") or {}).get("basenow")
    if not T.ok(bool(b), "%s: basenow decoded (%s)" % (name, b and b.get("from")),
                json.dumps(c.get("variables"))[:1500]):
        return
    # Each memory-held input of basenow equals crash's rd there; a derived
    # basenow equals now + crash's struct hrtimer_clock_base.offset.
    for v in mem_inputs(c):
        got = s.out(cmds.index("rd -64 %s" % v["address"]))
        m = re.search(r":\s+([0-9a-f]{16})", got or "")
        T.ok(m and int(m.group(1), 16) == (v["value"] & (2**64 - 1)),
             "%s: %s = %d at %s equals crash's rd -64 there" % (name, v["name"], v["value"], v["address"]),
             got)
    if var(c, "basenow") is None:
        now = hrq_var(c, "now")
        base = hrq_var(c, "base")
        got = s.out(cmds.index("struct hrtimer_clock_base.offset %s" % base["value"])) if base else ""
        m = re.search(r"offset = (-?\d+)", got or "")
        T.ok(now and m and b["basenow_ns"] == now["value"] + int(m.group(1)),
             "%s: basenow %d = now %s + base->offset %s (crash's struct)" % (name, b["basenow_ns"],
             now and now["value"], m and m.group(1)), got)
    # Expiries left: from crash's own struct hrtimer and the manifest's period.
    so = s.out(cmds.index("struct hrtimer._softexpires %s" % ch["hrtimer"])) or ""
    m = re.search(r"_softexpires = (-?\d+)", so)
    mv0 = next((x for x in mvm.get("vcpus", []) if x.get("id") == 0), {})
    per = mv0.get("period_ns")
    if T.ok(m is not None and per, "%s: crash prints the timer's _softexpires (%s), manifest period %s"
            % (name, m and m.group(1), per), so):
        soft = int(m.group(1))
        want = 0 if b["basenow_ns"] < soft else (b["basenow_ns"] - soft) // per + 1
        T.ok(b.get("expiries_left") == want,
             "%s: expiries left %s == (basenow %d - expires %d) // %d + 1 = %d"
             % (name, b.get("expiries_left"), b["basenow_ns"], soft, per, want))
    T.ok(abs(b["basenow_minus_now_ns"]) < 60 * 10**9,
         "%s: basenow is within a minute of the timekeeper's now (%+d ns)" % (name, b["basenow_minus_now_ns"]))
    # The triage verdict cites it, with the same numbers.
    tri = parse_json(s.out(cmds.index("kvmtriage -j")))
    ev = (tri or {}).get("register_evidence", "")
    T.ok(("CPU %d stopped at %s+%d" % (cpu, c["function"], c["offset"])) in ev and
         ("%d expiries left" % b.get("expiries_left", -1)) in ev and ev in tri.get("verdict", ""),
         "%s: kvmtriage's verdict cites the registers" % name, ev)
    tab = s.out(cmds.index("kvmtriage")) or ""
    T.ok(("CPU %d stopped at %s+%d" % (cpu, c["function"], c["offset"])) in tab,
         "%s: and so does its table" % name)
    lap = s.out(cmds.index("kvmlapic %s" % ch["kvm_lapic"])) if ch.get("kvm_lapic") else ""
    T.ok(re.search(r"^  REGISTERS CPU %d stopped at %s\+%d" % (cpu, re.escape(c["function"]), c["offset"]),
                   lap or "", re.M) is not None,
         "%s: kvmlapic %s (the looping vCPU) cites the registers in its verdict" % (name, ch.get("kvm_lapic")),
         (lap or "")[-800:])


def kdump(name, e, doc, ctxs, man, s, cmds):
    """A kdump capture after an NMI: the NMI frame must be found where crash's
    bt -a shows an exception RIP on the NMI stack."""
    bt = s.out(cmds.index("bt -a")) or ""
    want, frames = {}, {}
    cpu = None
    nmi = False
    section = None
    for line in bt.splitlines():
        m = re.match(r"PID:.*CPU: (\d+)", line)
        if m:
            cpu, nmi, section = int(m.group(1)), False, None
        if "end_repeat_nmi" in line:
            nmi = True
        if line.startswith("--- <NMI exception stack>"):
            section = frames.setdefault(cpu, [])
            continue
        if line.startswith("---"):
            section = None
        m = re.match(r"\s*#\d+ \[[0-9a-f]+\] (\S+) at ([0-9a-f]+)", line)
        if m and section is not None:
            section.append((m.group(1), int(m.group(2), 16)))
        m = re.search(r"\[exception RIP: ([\w.]+)\+(\d+)\]", line)
        if m and nmi and cpu is not None and cpu not in want:
            want[cpu] = (m.group(1), int(m.group(2)))
    if not want:
        T.skip("%s: NMI frames vs crash's bt -a" % name, "crash's bt -a shows no end_repeat_nmi exception RIP")
        return
    for cpu, (fn, off) in sorted(want.items()):
        c = ctxs.get(cpu) or {}
        T.ok(c.get("source") == "nmi_stack" and c.get("function") == fn and c.get("offset") == off,
             "%s: CPU %d's NMI frame found: %s+%s (crash bt -a: %s+%d)"
             % (name, cpu, c.get("function"), c.get("offset"), fn, off),
             json.dumps({k: c.get(k) for k in ("source", "nmi_frame", "note", "rip")}))
        # The backtrace by CFI from the NMI frame (decoded for CPUs not idle):
        # crash's bt -a frames on that stack, as far as CFI goes (crash goes on
        # by scanning the stack past the interrupt entry).
        # crash stops at the entry code (entry_SYSCALL_64_after_hwframe, asm_*) and
        # prints the exception frame instead: compare the frames above it.
        mine = [(f["function"], hexnorm(f["pc"])) for f in c.get("frames", [])
                if not str(f.get("function")).startswith(("entry_", "asm_"))]
        theirs = frames.get(cpu, [])
        if theirs and c.get("state") != "idle":
            T.ok(len(mine) >= 3 and theirs[:len(mine)] == mine,
                 "%s: CPU %d's backtrace %s equals crash bt -a's first %d frames"
                 % (name, cpu, " <- ".join(f for f, _ in mine), len(mine)),
                 "kvmregs %s\ncrash   %s" % (mine, theirs))


def damaged_note(name, e):
    """A kdump-compressed copy whose second NT_PRSTATUS note is retagged: the
    CLI must name the missing note for that CPU and still use its NMI frame
    (kdump_sub_header: offset_note at 48, size_note at 56)."""
    f = bytearray(open(e["vmcore"], "rb").read())
    if f[:8] != b"KDUMP   ":
        return
    bs = struct.unpack_from("<i", f, 428)[0]
    off, size = struct.unpack_from("<QQ", f, bs + 48)
    pos, seen = off, 0
    while pos + 12 <= off + size:
        nn, nd, nt = struct.unpack_from("<III", f, pos)
        if not nn and not nd:
            break
        if nt == 1:
            seen += 1
            if seen == 2:
                struct.pack_into("<I", f, pos + 8, 0x4f)
                break
        pos += 12 + ((nn + 3) & ~3) + ((nd + 3) & ~3)
    if seen < 2:
        T.skip("%s: a damaged note is a named error" % name, "fewer than 2 NT_PRSTATUS notes")
        return
    with tempfile.NamedTemporaryFile(suffix=".vmcore") as t:
        t.write(f)
        t.flush()
        cmd = [os.path.join(os.environ.get("BUILD", "build"), "kvmtimer"), "--vmlinux", e["vmlinux"]]
        for m, ko in sorted((e.get("modules") or {}).items()):
            cmd += ["--module", "%s=%s" % (m, ko)]
        p = subprocess.run(cmd + ["-c", "kvmregs", t.name, "--", "-j"], capture_output=True, text=True,
                           timeout=600)
    doc = parse_json(p.stdout) or {}
    c1 = contexts(doc).get(1) or {}
    note = c1.get("note") or {}
    T.ok(p.returncode in (0, 1) and note.get("found") is False and "NT_PRSTATUS" in note.get("error", "")
         and (c1.get("nmi_frame") or {}).get("found") is True,
         "%s, second note retagged: CPU 1 says '%s' and still uses its NMI frame (CLI exit %d)"
         % (name, note.get("error"), p.returncode), p.stderr[-500:])


def main():
    index = crashrun.load_index()
    names = [x.get("name") for x in index]
    for name in ["healthy", "healthy-elf", "storm", "corrupt", "healthy-kdump", "storm-kdump"]:
        e = crashrun.find(index, name)
        if not e or crashrun.usable(e):
            T.skip("%s: kvmregs" % name, "not in vmcores/index.json" if not e else crashrun.usable(e))
            continue
        man = json.load(open(e["manifest"])) if e.get("manifest") and os.path.exists(e["manifest"]) else {}
        cmds = ["kvmregs -j", "kvmregs", "help -r", "kvmtriage -j", "kvmtriage", "bt -a"]
        s = crashrun.run(e, cmds, so=SO, timeout=900)
        doc = parse_json(s.out(0))
        if not T.ok(doc is not None and s.alive_after(len(cmds) - 1),
                    "%s: kvmregs -j prints JSON and crash survives every command" % name,
                    (s.out(0) or "")[-600:] + s.stderr[-600:]):
            continue
        ctxs = contexts(doc)
        T.ok(len(ctxs) > 0, "%s: register sets for %d CPU(s)" % (name, len(ctxs)))
        check_notes_vs_crash(name, ctxs, help_r(s.out(2)))
        base = name.replace("-elf", "").replace("-kdump", "")
        if base == "healthy":
            flagged = [c for c, x in ctxs.items() if x.get("in_catchup_path")]
            T.ok(not flagged and "register_evidence" not in doc,
                 "%s: no CPU flagged in the catch-up path" % name, flagged)
            # Idle or not, by crash: the byte before RIP (hlt is f4) and RIP's symbol.
            chk = []
            for c, x in sorted(ctxs.items()):
                rip = hexnorm(x["rip"])
                chk += ["rd -8 %#x 1" % (rip - 1), "sym %#x" % rip]
            s3 = crashrun.run(e, chk, so=SO, timeout=600)
            bad, idle = [], 0
            for i, (c, x) in enumerate(sorted(ctxs.items())):
                m = re.search(r":\s+([0-9a-f]{2})\b", s3.out(2 * i) or "")
                sym = (s3.out(2 * i + 1) or "").split()
                fn = sym[2] if len(sym) > 2 else ""
                want = (m and m.group(1) == "f4") or "idle" in fn or "safe_halt" in fn
                if x.get("state") in ("user", "guest"):
                    continue
                idle += bool(want)
                if (x.get("state") == "idle") != bool(want):
                    bad.append("CPU %d: %s, crash: byte before RIP %s, symbol %s"
                               % (c, x.get("state"), m and m.group(1), fn))
            T.ok(not bad, "%s: a CPU is 'idle' exactly when crash shows hlt before RIP or an idle "
                 "function (%d idle of %d)" % (name, idle, len(ctxs)), "\n".join(bad))
            tab = s.out(1) or ""
            T.ok("IN CATCH-UP PATH" not in tab and (" idle " in tab) == (idle > 0),
                 "%s: the table flags nothing and says idle where idle" % name)
            tri = parse_json(s.out(3)) or {}
            T.ok("stopped at" not in tri.get("verdict", "x stopped at"), "%s: the verdict cites no registers" % name)
        elif base == "storm":
            extra = []
            loop = [(c, x) for c, x in ctxs.items() if x.get("in_catchup_path")]
            ch = ((loop[0][1].get("checks") or {}).get("hrtimer") or {}) if loop else {}
            if ch:
                extra.append("struct hrtimer._softexpires %s" % ch["hrtimer"])
                if ch.get("kvm_lapic"):
                    extra.append("kvmlapic %s" % ch["kvm_lapic"])
            for v in (mem_inputs(loop[0][1]) if loop else []):
                extra.append("rd -64 %s" % v["address"])
            base = hrq_var(loop[0][1], "base") if loop else None
            if base:
                extra.append("struct hrtimer_clock_base.offset %s" % base["value"])
            # Only the extra commands in a second session (crash's start-up is
            # most of a session's time); outputs indexed as cmds + extra.
            s2 = crashrun.run(e, extra, so=SO, timeout=900) if extra else None
            storm(name, e, doc, ctxs, man, Joined(s, s2, len(cmds)), cmds + extra)
        elif base == "corrupt":
            errs = [x.get("nmi_frame", {}).get("error", "") for x in ctxs.values()]
            T.ok(all(errs), "%s: every CPU without an NMI frame says why" % name, errs)
        if name.endswith("-kdump"):
            kdump(name, e, doc, ctxs, man, s, cmds)
            damaged_note(name, e)
    print("1..%d" % T.n)
    return 1 if T.failed else 0


if __name__ == "__main__":
    sys.exit(main())
