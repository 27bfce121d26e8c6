#!/usr/bin/env python3
"""pthole.py — kvmtimer.so in crash on the pt-hole dump (issue #13, item 2).

The factory pointed the PMD entry above the first VM's struct kvm (vmalloc)
at a page-table page outside RAM.  crash's readmem() walks the page tables
with FAULT_ON_ERROR (x86_64 FILL_PTBL), so a read of that struct longjmps
to the prompt even under RETURN_ON_ERROR: crash's own `rd` shows it.  Every
kvmtimer command must still finish with one whole JSON document (or table)
that names the unreadable address, and crash must stay alive.  The reader
probe also checks the guard directly: a planted error(FATAL) is a return
value, a planted Ctrl-C stops the command as crash's own would.
Prints TAP lines; the scenario missing from the index is a failure.
"""
import json, os, re, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crashrun  # noqa: E402

N = FAILED = 0


def ok(cond, what, diag=None):
    global N, FAILED
    N += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", N, what))
    if not cond:
        FAILED += 1
        for l in str(diag or "").splitlines()[-25:]:
            print("#   " + l)
    sys.stdout.flush()
    return cond


def doc(text):
    """The output as exactly one JSON document (None if it is not)."""
    try:
        return json.loads((text or "").strip())
    except ValueError:
        return None


def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=crashrun.DEFAULT_INDEX)
    ap.add_argument("--so", default=crashrun.DEFAULT_SO)
    ap.add_argument("--probe", required=True)
    a = ap.parse_args()
    e = crashrun.find(crashrun.load_index(a.index), "pt-hole")
    why = "scenario pt-hole not in %s (make vmcores)" % a.index if not e else crashrun.usable(e)
    if why:
        ok(False, "pt-hole dump available", why)
        print("1..%d" % N)
        return 1
    man = json.load(open(e["manifest"]))
    dmg = man["factory"]["corruption"]["damages"][0]
    kvm = dmg["kvm"]
    cmds = ["rd -64 %s 1" % kvm, "kvmlapic -j", "kvmtriage -j", "kvmtriage", "kvmhrtimer -j",
            "kvmlapic -a", "extend %s" % os.path.abspath(a.probe), "ktreader read %s 8" % kvm,
            "ktreader fatal", "ktreader sigint", "kvmtriage -j", "p jiffies"]
    s = crashrun.run(e, cmds, so=a.so)
    o = [s.out(i) for i in range(len(cmds))]
    ok(o[0] is not None and "page table" in o[0] and ("read error" in o[0] or "seek error" in o[0]),
       "crash's own rd of struct kvm %s fails on the page tables (the planted damage)" % kvm, o[0])
    lap = doc(o[1])
    ok(lap is not None and lap.get("schema") == "kvmtimer/1",
       "kvmlapic -j: one whole JSON document despite the page-table fault", o[1])
    lo, hi = int(dmg["unreadable_from"], 16), int(dmg["unreadable_to"], 16)
    named = [f["reason"] for f in (lap or {}).get("findings", []) if "unreadable" in f["reason"] and
             any(lo <= int(x, 16) < hi for x in re.findall(r"0x[0-9a-f]+", f["reason"]))]
    vml = [r for r in named if r.startswith("vm_list: ")]
    ok(len(vml) == 1 and vml[0].startswith("vm_list: next of"),
       "kvmlapic -j: one CORRUPT finding (not one per direction) names the unreadable vm_list "
       "node in %s..%s" % (hex(lo), hex(hi)),
       json.dumps((lap or {}).get("findings"), indent=1))
    tri = doc(o[2])
    ok(tri is not None and "verdict" in tri, "kvmtriage -j: one whole JSON document with a verdict", o[2])
    ok(o[3] is not None and "VERDICT" in o[3] and "CORRUPT" in o[3],
       "kvmtriage: the table finishes (VERDICT) and shows the damage", o[3])
    ok(doc(o[4]) is not None, "kvmhrtimer -j: one whole JSON document", o[4])
    ok(o[5] is not None and "CORRUPT" in o[5], "kvmlapic -a: the table finishes and shows the damage", o[5])
    ok(o[7] is not None and o[7].strip() == "1 0x0",
       "reader: read of %s -> KT_EFAULT (1), not a longjmp" % kvm, o[7])
    ok(o[8] is not None and o[8].split() == ["guarded", "0", "after"],
       "reader guard: a planted error(FATAL) comes back as a failed call", o[8])
    ok(o[9] is not None and "before" in o[9] and "guarded" not in o[9],
       "reader guard: a Ctrl-C inside a guarded call stops the command, as in crash's own", o[9])
    ok(doc(o[10]) is not None, "kvmtriage -j after the interrupted command: whole again", o[10])
    ok(o[11] is not None and "jiffies" in o[11], "crash alive after every command", s.stderr[-800:])
    print("# %d tests, %d failed" % (N, FAILED))
    print("1..%d" % N)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
