#!/usr/bin/env python3
"""mkmanifest.py RUNDIR [options] — compose a scenario's manifest.json on stdout.

The manifest is refvmm's own ground truth (its --manifest JSON: "vms", "events", as
captured from the guest's ttyS1) plus a "factory" object saying what the factory did:
kernel and debuginfo, QEMU and kernel command lines, KASLR slide, kvm.ko section
addresses, how and when the dump was taken, and the injection / corruption / storm
records written by gdbfactory.py and crashcheck.sh (every field moved: address, old, new).
"""
import argparse, base64, gzip, json, os, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("run")
for o in ("scenario", "kind", "kernel", "vmlinux", "modules", "fixed", "formats", "cmdline",
          "qemu", "refvmm-args", "dump-note", "slide", "seconds", "final-dir"):
    ap.add_argument("--" + o, required=True)
ap.add_argument("--host", default="{}", help="JSON: series, capture, paging, clock, family")
a = ap.parse_args()

sections, refvmm_out, b64, errors = {}, [], [], []
text = cmdline = uname = None
for line in open(os.path.join(a.run, "data.txt"), errors="replace"):
    w = line.rstrip("\n").split(" ", 2)
    if len(w) < 2 or w[0] != "KVMT":
        continue
    rest = w[2] if len(w) > 2 else ""
    if w[1] == "SECTION":
        mod, sec, addr = rest.split()
        sections.setdefault(mod, {})[sec] = addr
    elif w[1] == "TEXT":
        text = rest
    elif w[1] == "CMDLINE":
        cmdline = rest
    elif w[1] == "BOOT":
        uname = rest.split()[-1]
    elif w[1] == "REFVMM":
        refvmm_out.append(rest)
    elif w[1] == "MANIFEST":
        b64.append(rest.strip())
    elif w[1] == "ERROR":
        errors.append(rest)

m = json.loads(gzip.decompress(base64.b64decode("".join(b64)))) if b64 else {"vms": [], "events": []}
d = a.final_dir
fmts = a.formats.split()
dumps = [{"format": f, "path": os.path.join(d, "vmcore" if i == 0 else "vmcore." + f)}
         for i, f in enumerate(fmts)]
fac = {
    "scenario": a.scenario,
    "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "kernel": {"kind": a.kind, "version": a.kernel, "uname": uname,
               "fixed": a.fixed == "true", "vmlinux": a.vmlinux,
               "modules": json.loads(a.modules)},
    "kernel_cmdline": cmdline or a.cmdline,
    "qemu": a.qemu,
    "kaslr": {"_text": "0x" + text if text else None, "slide": int(a.slide)},
    "module_sections": sections,
    "refvmm": {"args": a.refvmm_args, "stdout": refvmm_out},
    "guest_errors": errors,
    "dump": {"how": a.dump_note, "files": dumps},
    "seconds": int(a.seconds),
    "host": json.loads(a.host),
}
act = os.path.join(a.run, "action.json")
if os.path.exists(act):
    fac.update(json.load(open(act)))
# Name the VM each damage hit (VMs run one per process, so userspace_pid identifies it).
by_pid = {v.get("pid"): v.get("name") for v in m.get("vms", [])}
for dmg in fac.get("corruption", {}).get("damages", []):
    if "userspace_pid" in dmg:
        dmg["vm"] = by_pid.get(dmg["userspace_pid"])
st = fac.get("storm")
if st and "userspace_pid" in st:
    # Several VMs may share a process: pick by pid, vCPU id and the timer period.
    cand = [v["name"] for v in m.get("vms", []) if v.get("pid") == st["userspace_pid"]
            and any(c.get("id") == st.get("vcpu_id") and c.get("period_ns") == st.get("period")
                    for c in v.get("vcpus", []))]
    st["vm"] = cand[0] if len(cand) == 1 else by_pid.get(st["userspace_pid"])
# QEMU ran in RUNDIR (NAME/KEY.tmp), renamed to the final directory afterwards.
fac["qemu"] = fac["qemu"].replace(os.path.abspath(a.run), os.path.abspath(d))
m["factory"] = fac
json.dump(m, sys.stdout, indent=1)
sys.stdout.write("\n")
