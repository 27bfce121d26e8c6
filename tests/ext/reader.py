#!/usr/bin/env python3
"""reader.py — the crash reader backend (ext/reader_crash.c) against crash itself.

Loads the test-only extension reader_probe.so into crash on a scenario dump and
compares each reader op's answer with crash's own view of the same thing:
member offsets with `struct -o` (members of anonymous structs/unions included),
bit offsets with gdb's `ptype/o`, sizes with `p sizeof`, tk_core.timekeeper with
gdb address arithmetic, symbols with `sym`, per-CPU offsets with
`p __per_cpu_offset[N]`, VMCOREINFO with `sys`; and that absent things come
back as -1 / KT_ENOENT quietly (the op's output is the one result line).
TAP-style output, as tests/run-suite.sh expects.
"""
import os, re, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crashrun  # noqa: E402

KT_OK, KT_EFAULT, KT_ENOENT, KT_ENODATA = 0, 1, 2, 4
n = failed = 0


def ok(cond, what, diag=None):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what))
    if not cond:
        failed += 1
        for line in str(diag or "").splitlines()[:20]:
            print("#   " + line)
    sys.stdout.flush()


def struct_off(text, member):
    for line in (text or "").splitlines():
        m = re.match(r"^\s*\[(\d+)\]\s.*[\s*]%s(\[\d+\])?;$" % re.escape(member), line)
        if m:
            return int(m.group(1))
    return None


def struct_size(text):
    m = re.search(r"^SIZE: (\d+)", text or "", re.M)
    return int(m.group(1)) if m else None


def gdbval(text):
    m = re.search(r"\$\d+ = (?:\([^)]*\) )?(0x[0-9a-f]+|-?\d+)", text or "")
    return int(m.group(1), 0) if m else None


def symaddr(text):
    m = re.match(r"^([0-9a-f]{16}) \(\w\) ", (text or "").strip())
    return int(m.group(1), 16) if m else None


def one_line(text):
    lines = [l for l in (text or "").splitlines() if l.strip()]
    return lines[0] if len(lines) == 1 else None


REF = ["struct -o kvm_lapic", "struct -o page", "gdb ptype/o struct hrtimer_cpu_base",
       "p sizeof(((struct hrtimer_cpu_base *)0)->clock_base)",
       "p/x (unsigned long)&tk_core.timekeeper - (unsigned long)&tk_core",
       "sym jiffies", "sym vm_list", "sym apic_timer_fn", "sys", "p/x __per_cpu_offset[0]",
       "p/x __per_cpu_offset[1]", "p/x jiffies", "struct -o kvm_vcpu", "struct -o kvm_vcpu_arch"]
(R_LAPIC, R_PAGE, R_PTYPE, R_CBSIZE, R_TK, R_JIF, R_VML, R_ATF, R_SYS, R_PC0, R_PC1, R_JIFV,
 R_VCPU, R_VARCH) = range(len(REF))


def run_on(entry, probe):
    name = entry["name"]
    r = crashrun.run(entry, REF, extend=False)
    ref = [r.out(i) or "" for i in range(len(REF))]
    if not all(r.alive_after(i) for i in range(len(REF))):
        ok(False, "%s: crash answered the reference commands" % name, r.stderr[-1000:])
        return
    jif, atf = symaddr(ref[R_JIF]), symaddr(ref[R_ATF])
    P = ["extend %s" % probe,
         "ktreader mo kvm_lapic lapic_timer", "ktreader mo page lru", "ktreader mo page mapping",
         "ktreader bit hrtimer_cpu_base in_hrtirq", "ktreader bit hrtimer_cpu_base hang_detected",
         "ktreader ms hrtimer_cpu_base clock_base", "ktreader ts kvm_lapic", 'ktreader ts "struct kvm_lapic"',
         "ktreader vmo tk_core timekeeper", "ktreader sym jiffies", "ktreader sym vm_list",
         "ktreader name %#x" % ((atf or 0) + 5), "ktreader ncpu", "ktreader pcpu 0", "ktreader pcpu 1",
         "ktreader pcpu 100000", "ktreader vmci OSRELEASE", "ktreader vmci KTNOSUCHKEY",
         "ktreader read %#x 8" % (jif or 0), "ktreader read 0xffff8000deadb000 8", "ktreader read 0 8",
         "ktreader mo kvm vcpus", "ktreader mo ktnosuchtype x", "ktreader mo kvm_lapic ktnosuch",
         "ktreader ts ktnosuchtype", "ktreader vmo ktnosuchvar x", "ktreader vmo tk_core ktnosuch",
         "ktreader mo kvm;shell x", "ktreader sym ktnosuchsym", "ktreader name 0x1000",
         "ktreader mo kvm_vcpu arch.apic", "ktreader load kvm", "ktreader load kvm_intel",
         "p jiffies"]
    s = crashrun.run(entry, P, extend=False)
    o = [one_line(s.out(i)) for i in range(len(P))]
    ok(s.out(0) is not None and "loaded" in s.out(0), "%s: reader_probe.so loads" % name, s.out(0))

    def num(i):
        try:
            return int(o[i].split()[0], 0) if o[i] else None
        except ValueError:
            return None

    def pair(i):
        try:
            w = o[i].split(None, 1)
            return int(w[0]), (w[1] if len(w) > 1 else "")
        except (AttributeError, ValueError, IndexError):
            return None, None

    def eq(i, want, what):
        ok(want is not None and num(i) == want, "%s: %s = %s (crash: %s)" % (name, P[i][9:], num(i), want),
           "probe said %r" % s.out(i))

    eq(1, struct_off(ref[R_LAPIC], "lapic_timer"), "kvm_lapic.lapic_timer")
    eq(2, struct_off(ref[R_PAGE], "lru"), "page.lru (anonymous union)")
    eq(3, struct_off(ref[R_PAGE], "mapping"), "page.mapping (anonymous struct)")
    m = re.search(r"/\*\s+(\d+):\s*(\d+)\s+\|\s+\d+ \*/\s+unsigned int in_hrtirq : 1;", ref[R_PTYPE])
    eq(4, int(m.group(1)) * 8 + int(m.group(2)) if m else None, "in_hrtirq bit")
    m = re.search(r"/\*\s+(\d+):\s*(\d+)\s+\|\s+\d+ \*/\s+unsigned int hang_detected : 1;", ref[R_PTYPE])
    eq(5, int(m.group(1)) * 8 + int(m.group(2)) if m else None, "hang_detected bit")
    eq(6, gdbval(ref[R_CBSIZE]), "clock_base size")
    eq(7, struct_size(ref[R_LAPIC]), "sizeof kvm_lapic")
    eq(8, struct_size(ref[R_LAPIC]), "sizeof struct kvm_lapic")
    eq(9, gdbval(ref[R_TK]), "tk_core.timekeeper")
    for i, want in ((10, jif), (11, symaddr(ref[R_VML]))):
        st, v = pair(i)
        ok(st == KT_OK and want is not None and int(v, 16) == want,
           "%s: %s = %s (crash sym: %s)" % (name, P[i][9:], v, hex(want or 0)), s.out(i))
    st, v = pair(12)
    ok(st == KT_OK and v == "apic_timer_fn+5", "%s: symbol_name(apic_timer_fn + 5) = %s" % (name, v), s.out(12))
    m = re.search(r"CPUS: (\d+)", ref[R_SYS])
    eq(13, int(m.group(1)) if m else None, "nr_cpus")
    for i, r_ in ((14, R_PC0), (15, R_PC1)):
        st, v = pair(i)
        ok(st == KT_OK and int(v, 16) == gdbval(ref[r_]), "%s: %s = %s" % (name, P[i][9:], v), s.out(i))
    ok(pair(16)[0] == KT_ENOENT, "%s: percpu_offset of an absent CPU is KT_ENOENT" % name, s.out(16))
    m = re.search(r"RELEASE: (\S+)", ref[R_SYS])
    st, v = pair(17)
    ok(st == KT_OK and m and v == m.group(1), "%s: VMCOREINFO OSRELEASE = %s (crash sys: %s)"
       % (name, v, m.group(1) if m else None), s.out(17))
    ok(pair(18)[0] == KT_ENOENT, "%s: an absent VMCOREINFO key is KT_ENOENT" % name, s.out(18))
    st, v = pair(19)
    ok(st == KT_OK and int(v, 16) == gdbval(ref[R_JIFV]), "%s: read(jiffies, 8) = %s (crash p/x: %s)"
       % (name, v, hex(gdbval(ref[R_JIFV]) or 0)), s.out(19))
    ok(pair(20)[0] == KT_EFAULT and pair(21)[0] == KT_EFAULT,
       "%s: reads of unmapped memory return KT_EFAULT, quietly" % name, (s.out(20) or "") + (s.out(21) or ""))
    for i in range(22, 29):
        ok(num(i) == -1, "%s: %s -> -1, one line, no gdb noise" % (name, P[i][9:]), s.out(i))
    ok(pair(29)[0] == KT_ENOENT and pair(30)[0] == KT_ENOENT,
       "%s: absent symbol / address without a symbol -> KT_ENOENT" % name, (s.out(29) or "") + (s.out(30) or ""))
    a, b = struct_off(ref[R_VCPU], "arch"), struct_off(ref[R_VARCH], "apic")
    eq(31, a + b if a is not None and b is not None else None, "kvm_vcpu.arch.apic (member path)")
    ko = (entry.get("modules") or {}).get("kvm")
    if ko:
        ok(pair(32)[0] == KT_OK, "%s: load_module_debuginfo(kvm) with kvm.ko loaded -> KT_OK" % name, s.out(32))
    else:
        ok(pair(32)[0] in (KT_OK, KT_ENODATA),
           "%s: load_module_debuginfo(kvm), KVM built in -> OK or not-a-module" % name, s.out(32))
    ok(pair(33)[0] == KT_ENODATA and "not loaded" in (o[33] or ""),
       "%s: load_module_debuginfo(kvm_intel) on an AMD host -> KT_ENODATA, says not loaded" % name, s.out(33))
    ok(s.out(34) is not None and "jiffies" in s.out(34), "%s: crash alive after every probe" % name)


def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=crashrun.DEFAULT_INDEX)
    ap.add_argument("--probe", required=True)
    ap.add_argument("only", nargs="*")
    a = ap.parse_args()
    index = crashrun.load_index(a.index)
    for name in a.only or ["healthy", "storm"]:
        e = crashrun.find(index, name)
        why = ("scenario %s not built" % name) if not e else crashrun.usable(e)
        if why:
            print("ok %d - %s: reader backend vs crash # SKIP %s" % (n + 1, name, why))
            globals()["n"] += 1
            continue
        run_on(e, os.path.abspath(a.probe))
    print("# %d tests, %d failed" % (n, failed))
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
