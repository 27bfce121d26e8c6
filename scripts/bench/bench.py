#!/usr/bin/env python3
"""bench.py — kvmtimer against its peers, side by side, on the factory's dumps.

    scripts/bench/bench.py [--index vmcores/index.json] [--build build] [--reps N]
                           [--dumps scale,healthy,...] [--out bench/RESULTS-DATE.md]

A benchmark, not a test: it prints a table and writes bench/RESULTS-<date>.md.
Per dump, one crash session runs everything crash-side, each timed between two
`!date +%s%N` markers (minus the cost of an empty marker pair), so crash's
start-up and `mod -s` are not counted:
  (a) kvmlapic -a, kvmhrtimer, kvmtriage (first run = cold: offsets resolved,
      pages decompressed; then the median of --reps warm runs);
  (b) the manual recipe: list vm_list, tree -t xarray over each vcpu_array,
      struct kvm_vcpu (id, cpu, mode) and struct kvm_lapic per vCPU;
  (c) timer -r;
  (f) the floor in crash: `rd` of the byte ranges kvmlapic -a reads.
Outside crash:
  (d) drgn (python3-drgn) on the dump, timing the walk after debuginfo load;
  (e) the standalone CLI build/kvmtimer, whole process, and in-process
      (scripts/bench/ktbench.c: open, cold, warm);
  (f) the floor: the same reads raw through libkdumpfile (ktbench).
(g) cost per vCPU: every row divided by the dump's vCPU count, and the marginal
    cost between the smallest and the largest dump.
(h) start-up: the first command of a fresh crash session (one session per
    command: what a user waits for after `extend`, over a bare session), and the
    CLI's whole run with the page cache dropped (cold: vmlinux, modules and dump
    read from disk; needs root) and warm, with its peak RSS.
(i) scale: with --extra-index (make bench builds the scale-4k scenario, 4,096
    vCPUs, into its own index), the per-vCPU cost at 9 / 1,024 / 4,096 vCPUs.
Every figure carries the 1-minute load average when it was taken: the machine
is shared, so a figure is only as good as the load next to it.
"""
import argparse, datetime, json, os, platform, re, resource, shutil, statistics, subprocess, sys, tempfile, time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CMDS = [("kvmlapic -a", "kvmlapic", ["-a"]), ("kvmhrtimer", "kvmhrtimer", []),
        ("kvmtriage", "kvmtriage", [])]


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def load_index(path):
    doc = json.load(open(path))
    return {s["name"]: s for s in doc["scenarios"]}


def mod_args(s):
    a = []
    for m, p in (s.get("modules") or {}).items():
        a += ["--module", f"{m}={p}"]
    return a


def cli_json(build, s, cmd, args):
    r = sh([f"{build}/kvmtimer", "--vmlinux", s["vmlinux"]] + mod_args(s)
           + ["--json", "--command", cmd, s["vmcore"], "--"] + args)
    try:
        return json.loads(r.stdout.splitlines()[0])
    except (ValueError, IndexError):
        return None


def ktbench(build, s, cmd, args, reps, ranges=None):
    extra = ["--ranges", ranges] if ranges else []
    r = sh([f"{build}/ktbench", "--vmlinux", s["vmlinux"]] + mod_args(s)
           + ["--reps", str(reps)] + extra + [s["vmcore"], cmd] + args)
    try:
        return json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        print(f"bench: ktbench failed on {s['name']}: {r.stderr.strip()[:200]}", file=sys.stderr)
        return None


def cli_wall(build, s, cmd, args, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        sh([f"{build}/kvmtimer", "--vmlinux", s["vmlinux"]] + mod_args(s)
           + ["--command", cmd, s["vmcore"], "--"] + args)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def load1():
    return os.getloadavg()[0]


def run_rusage(args):
    """Run args with output discarded: (wall seconds, peak RSS in MiB)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, ru = os.wait4(p.pid, 0)
    return time.perf_counter() - t0, ru.ru_maxrss / 1024


def drop_caches():
    """Drop the page cache (root only): True when done."""
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def cli_startup(build, s, reps):
    """The CLI's whole run of kvmlapic -a -j: page cache cold (dropped first) and
    warm (min and median of reps), with peak RSS and the load average."""
    args = ([f"{build}/kvmtimer", "--vmlinux", s["vmlinux"]] + mod_args(s)
            + ["--json", "--command", "kvmlapic", s["vmcore"], "--", "-a"])
    out = {}
    if drop_caches():
        out["cold_load"] = load1()
        out["cold_s"], out["cold_rss"] = run_rusage(args)
    run_rusage(args)
    warm = [run_rusage(args) for _ in range(max(reps, 3))]
    out["warm_min_s"] = min(w for w, _ in warm)
    out["warm_med_s"] = statistics.median(w for w, _ in warm)
    out["warm_rss"] = max(r for _, r in warm)
    out["warm_load"] = load1()
    return out


def first_commands(build, s):
    """Each command as the first of a fresh crash session: its time between date
    markers minus an empty marker pair, i.e. its cost over a bare session."""
    res = {}
    for name, cmd, args in CMDS:
        lines = [f"mod -s {m} {p}" for m, p in (s.get("modules") or {}).items()]
        lines += [f"extend {os.path.abspath(build)}/kvmtimer.so"] + ["!date +%s%N"] * 3
        lines += [" ".join([cmd] + args) + " > /dev/null", "!date +%s%N", "quit"]
        f = tempfile.NamedTemporaryFile("w", suffix=".crash", delete=False)
        f.write("\n".join(lines) + "\n")
        f.close()
        r = subprocess.run(["crash", "-s", s["vmlinux"], s["vmcore"], "-i", f.name],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL)
        os.unlink(f.name)
        st = [int(x) for x in re.findall(r"^(\d{19})$", r.stdout, re.M)]
        if len(st) == 4:
            res[name] = (max(0.0, ((st[3] - st[2]) - (st[1] - st[0])) / 1e9), load1())
    return res


def merge_ranges(path):
    rs = sorted((int(a, 16), int(n)) for a, n in (l.split() for l in open(path)))
    out = []
    for a, n in rs:
        if out and a <= out[-1][0] + out[-1][1]:
            out[-1][1] = max(out[-1][1], a + n - out[-1][0])
        else:
            out.append([a, n])
    return out


def crash_session(build, s, reps, doc, ranges, manual=True):
    """One crash process: every crash-side measurement between date markers."""
    lines, labels = [], []
    for m, p in (s.get("modules") or {}).items():
        lines.append(f"mod -s {m} {p}")
    lines.append(f"extend {os.path.abspath(build)}/kvmtimer.so")

    def timed(label, cmds):
        labels.append(label)
        lines.append("!date +%s%N")
        lines.extend(cmds)
        lines.append("!date +%s%N")

    for _ in range(3):
        timed("empty", [])
    for name, cmd, args in CMDS:
        for r in range(reps + 1):
            timed(f"{name}|{'cold' if r == 0 else 'warm'}", [" ".join([cmd] + args) + " > /dev/null"])
    if manual and doc and doc.get("vms") is not None:
        manual = ["list -H vm_list -o kvm.vm_list > /dev/null"]
        for vm in doc["vms"]:
            manual.append(f"tree -t xarray {int(vm['kvm'], 16) + VCPU_ARRAY_OFF:#x} > /dev/null")
            for v in vm["vcpus"]:
                manual.append(f"struct kvm_vcpu.vcpu_id,cpu,mode {v['vcpu']} > /dev/null")
                lap = (v.get("timer") or {}).get("lapic")
                if lap:
                    manual.append(f"struct kvm_lapic {lap} > /dev/null")
        for r in range(2):
            timed(f"manual recipe|{'cold' if r == 0 else 'warm'}", manual)
    for r in range(2):
        timed(f"timer -r|{'cold' if r == 0 else 'warm'}", ["timer -r > /dev/null"])
    if manual and ranges:
        timed("rd floor|warm", [f"rd -8 {a:#x} {n} > /dev/null" for a, n in ranges])
    f = tempfile.NamedTemporaryFile("w", suffix=".crash", delete=False)
    f.write("\n".join(lines) + "\nquit\n")
    f.close()
    t0 = time.perf_counter()
    r = subprocess.run(["crash", "-s", s["vmlinux"], s["vmcore"], "-i", f.name],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    total = time.perf_counter() - t0
    os.unlink(f.name)
    stamps = [int(x) for x in re.findall(r"^(\d{19})$", r.stdout, re.M)]
    if len(stamps) != 2 * len(labels):
        print(f"bench: crash on {s['name']}: {len(stamps)} markers for {len(labels)} timings"
              f" ({r.stderr.strip()[-200:]})", file=sys.stderr)
        return {}, total
    res = {}
    for i, lab in enumerate(labels):
        res.setdefault(lab, []).append((stamps[2 * i + 1] - stamps[2 * i]) / 1e9)
    base = min(res.pop("empty"))
    return {k: [max(0.0, x - base) for x in v] for k, v in res.items()}, total


VCPU_ARRAY_OFF = 0


def vcpu_array_off(s):
    lines = [f"mod -s {m} {p}" for m, p in (s.get("modules") or {}).items()]
    lines.append("struct kvm.vcpu_array -o")
    r = subprocess.run(["crash", "-s", s["vmlinux"], s["vmcore"]], input="\n".join(lines) + "\nquit\n",
                       capture_output=True, text=True)
    m = re.search(r"\[(\d+)\] struct xarray vcpu_array", r.stdout)
    return int(m.group(1)) if m else None


def drgn_run(s):
    """drgn on the dump: the walk's time after debuginfo load, or why not."""
    args = ["drgn", "-q", "-c", s["vmcore"], "-s", s["vmlinux"]]
    for p in (s.get("modules") or {}).values():
        args += ["-s", p]
    cand = [s["vmcore"]]
    elf = s.get("elf")
    if elf:
        cand.insert(0, elf)
    errs = []
    tmp = None
    # QEMU 7.2's dump-guest-memory writes kdump in makedumpfile's *flattened* format,
    # which crash and our CLI read but drgn (libkdumpfile) does not: give drgn the same
    # dump rebuilt by `makedumpfile -R` (a copy in /tmp, removed afterwards).
    with open(s["vmcore"], "rb") as f:
        flat = f.read(12) == b"makedumpfile"
    if flat and shutil.which("makedumpfile"):
        tmp = os.path.join(tempfile.mkdtemp(), "vmcore.kdump")   # -R will not overwrite
        with open(s["vmcore"], "rb") as f:
            if subprocess.run(["makedumpfile", "-R", tmp], stdin=f, capture_output=True).returncode == 0:
                cand.append(tmp)
    try:
        return _drgn_try(args, cand, errs, tmp)
    finally:
        if tmp:
            shutil.rmtree(os.path.dirname(tmp), ignore_errors=True)


def _drgn_try(args, cand, errs, rebuilt):
    for core in cand:
        args[3] = core
        t0 = time.perf_counter()
        r = sh(args + [os.path.join(REPO, "scripts/bench/collect.drgn.py")])
        wall = time.perf_counter() - t0
        try:
            d = json.loads(r.stdout.strip().splitlines()[-1])
            d["wall_s"] = wall
            if core == rebuilt:
                d["via"] = "makedumpfile -R"
            return d
        except (ValueError, IndexError):
            errs.append(f"{os.path.basename(core)}: " + (r.stderr.strip().splitlines() or ["?"])[-1][:150])
    return {"error": "; ".join(errs)}


def fmt(x):
    if x is None:
        return "—"
    if x >= 1:
        return f"{x:.2f} s"
    if x >= 1e-3:
        return f"{x * 1e3:.1f} ms"
    return f"{x * 1e6:.0f} µs"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=os.path.join(REPO, "vmcores/index.json"))
    ap.add_argument("--build", default=os.path.join(REPO, "build"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--dumps", default="healthy,scale,storm,stale-fixed,corrupt")
    ap.add_argument("--out", default=None)
    ap.add_argument("--extra-index", default=None,
                    help="a second index (make bench: the scale-4k dump's), its dumps timed too")
    ap.add_argument("--manual-max-vcpus", type=int, default=1024,
                    help="time the manual recipe and crash's rd floor only up to this many vCPUs "
                         "(at 163 ms a vCPU they take ~11 min at 4,096)")
    a = ap.parse_args()
    if not os.path.exists(a.index):
        print(f"bench: no {a.index}: run `make vmcores` first", file=sys.stderr)
        return 1
    idx = load_index(a.index)
    if a.extra_index and os.path.exists(a.extra_index):
        for n, e in load_index(a.extra_index).items():
            if n not in idx:
                idx[n] = e
                a.dumps += "," + n
    elf_of = {n[:-4]: s["vmcore"] for n, s in idx.items() if n.endswith("-elf")}
    names = [n for n in a.dumps.split(",") if n in idx]
    global VCPU_ARRAY_OFF
    rows = {}
    for n in names:
        s = dict(idx[n])
        if n in elf_of:
            s["elf"] = elf_of[n]
        print(f"bench: {n} ...", file=sys.stderr, flush=True)
        doc = cli_json(a.build, s, "kvmlapic", ["-a"])
        if doc and "vms" not in doc:
            print(f"bench: {n}: the CLI could not analyse it: {doc.get('error', '?')}", file=sys.stderr)
            doc = None
        nv = sum(len(vm.get("vcpus", [])) for vm in doc["vms"]) if doc else 0
        VCPU_ARRAY_OFF = vcpu_array_off(s) or 0
        rng = tempfile.NamedTemporaryFile(delete=False).name
        kb = {}
        for name, cmd, args in CMDS:
            kb[name] = ktbench(a.build, s, cmd, args, a.reps, rng if name == "kvmlapic -a" else None)
        ranges = merge_ranges(rng) if os.path.getsize(rng) else None
        os.unlink(rng)
        manual = nv <= a.manual_max_vcpus
        cr, crash_total = crash_session(a.build, s, a.reps, doc, ranges, manual)
        wall = {name: cli_wall(a.build, s, cmd, args, a.reps) for name, cmd, args in CMDS}
        first = first_commands(a.build, s)
        startup = cli_startup(a.build, s, a.reps)
        rows[n] = {"vcpus": nv, "kb": kb, "crash": cr, "crash_total": crash_total,
                   "cli_wall": wall, "drgn": drgn_run(s), "ranges": len(ranges or []),
                   "manual": manual, "first": first, "startup": startup}

    def med(v):
        return statistics.median(v) if v else None

    out = []
    P = out.append
    P(f"# kvmtimer benchmark — {datetime.date.today().isoformat()}\n")
    cpu = re.search(r"Model name:\s*(.*)", sh(["lscpu"]).stdout)
    P(f"Machine: {os.cpu_count()} CPUs (`nproc` {sh(['nproc']).stdout.strip()}), "
      f"{cpu.group(1).strip() if cpu else '?'}, kernel {platform.release()}; "
      f"crash {sh(['crash', '--version']).stdout.split()[1] if sh(['crash', '--version']).stdout else '?'}, "
      f"drgn {sh(['drgn', '--version']).stdout.split()[1] if sh(['drgn', '--version']).stdout else '?'}. "
      f"Medians of {a.reps} warm runs after one cold run. Produced by `make bench` "
      f"(scripts/bench/bench.py); times are wall-clock on a shared machine.\n")
    for n, r in rows.items():
        nv = max(r["vcpus"], 1)
        P(f"\n## {n}: {r['vcpus']} vCPUs\n")
        base = med(r["crash"].get("kvmlapic -a|warm", []))
        P("| what | cold | warm | per vCPU (warm) | vs kvmlapic -a in crash (warm) |")
        P("|---|---:|---:|---:|---:|")

        def row(label, cold, warm):
            ratio = f"{warm / base:.1f}×" if base and warm else "—"
            P(f"| {label} | {fmt(cold)} | {fmt(warm)} | {fmt(warm / nv if warm else None)} | {ratio} |")
            r.setdefault("table", {})[label] = (cold, warm)

        for name, _, _ in CMDS:
            c = r["crash"].get(f"{name}|cold")
            row(f"crash: `{name}` (kvmtimer.so)", c[0] if c else None, med(r["crash"].get(f"{name}|warm", [])))
        c = r["crash"].get("manual recipe|cold")
        row("crash: manual recipe (list + tree -t xarray + struct per vCPU)", c[0] if c else None,
            med(r["crash"].get("manual recipe|warm", [])))
        c = r["crash"].get("timer -r|cold")
        row("crash: `timer -r`", c[0] if c else None, med(r["crash"].get("timer -r|warm", [])))
        c = r["crash"].get("rd floor|warm")
        row("crash: floor, `rd` of the ranges kvmlapic -a reads", None, c[0] if c else None)
        for name, _, _ in CMDS:
            k = r["kb"].get(name) or {}
            row(f"CLI in-process: `{name}`", k.get("cold_s"), k.get("warm_s"))
        for name, _, _ in CMDS:
            row(f"CLI whole process: `kvmtimer --command {name}`", None, r["cli_wall"].get(name))
        k = r["kb"].get("kvmlapic -a") or {}
        row("floor: the reads kvmlapic -a makes, raw via libkdumpfile", k.get("floor_cold_s"), k.get("floor_s"))
        d = r["drgn"]
        if "error" in d:
            P(f"| drgn {d['error'][:160]} | — | — | — | — |")
        else:
            row("drgn: vm_list/xarray/lapic walk", None, d.get("lapic_s"))
            row("drgn: hrtimer bases walk", None, d.get("hrtimer_s"))
        k = r["kb"].get("kvmlapic -a") or {}
        P(f"\nkvmlapic -a reads {k.get('reads', '?')} times, {k.get('bytes', 0) / 1024:.0f} KiB "
          f"({r['ranges']} merged ranges for crash's `rd`). "
          f"CLI open (dump + debuginfo, before any command): {fmt(k.get('open_s'))}; "
          f"crash session total (start-up, mod -s, all of the above): {fmt(r['crash_total'])}\n")
        if not r["manual"]:
            P(f"(Manual recipe and crash's `rd` floor not timed above {a.manual_max_vcpus} vCPUs: "
              f"at ~163 ms a vCPU they would take ~{r['vcpus'] * 0.163 / 60:.0f} min per run.)\n")
        P("Start-up: what a user waits for before the first answer.\n")
        P("| what | time | peak RSS | load (1 min) |")
        P("|---|---:|---:|---:|")
        for name, _, _ in CMDS:
            f = r["first"].get(name)
            P(f"| crash: `{name}` as the first command of a fresh session (over a bare session) | "
              f"{fmt(f[0]) if f else '—'} | — | {f'{f[1]:.2f}' if f else '—'} |")
        st = r["startup"]
        if "cold_s" in st:
            P(f"| CLI `kvmtimer --json --command kvmlapic -- -a`, page cache dropped | {fmt(st['cold_s'])} | "
              f"{st['cold_rss']:.0f} MiB | {st['cold_load']:.2f} |")
        else:
            P("| CLI, page cache dropped | — (needs root to drop the page cache) | — | — |")
        P(f"| CLI, same, page cache warm: min (median) | {fmt(st['warm_min_s'])} ({fmt(st['warm_med_s'])}) | "
          f"{st['warm_rss']:.0f} MiB | {st['warm_load']:.2f} |")
        P("")
    if len(rows) >= 2:
        small = min(rows, key=lambda n: rows[n]["vcpus"])
        big = max(rows, key=lambda n: rows[n]["vcpus"])
        dv = rows[big]["vcpus"] - rows[small]["vcpus"]
        P(f"\n## Growth: {small} ({rows[small]['vcpus']} vCPUs) → {big} ({rows[big]['vcpus']} vCPUs)\n")
        P("| what | small | large | marginal cost per added vCPU |")
        P("|---|---:|---:|---:|")
        for label in rows[big].get("table", {}):
            ws = rows[small].get("table", {}).get(label, (None, None))[1]
            wl = rows[big]["table"][label][1]
            marg = (wl - ws) / dv if ws is not None and wl is not None and dv > 0 else None
            P(f"| {label} | {fmt(ws)} | {fmt(wl)} | {fmt(marg)} |")
    # Per-vCPU cost at each size: warm time / vCPUs, and the marginal cost from the
    # next smaller dump (what one more vCPU costs, fixed costs cancelled).
    sized = sorted((r["vcpus"], n) for n, r in rows.items() if r["vcpus"] >= 9 and n in ("healthy", "scale", "scale-4k"))
    if len(sized) >= 2:
        P("\n## Cost per vCPU at " + " / ".join(f"{v:,}" for v, _ in sized) + " vCPUs\n")
        P("Warm times.  Per vCPU = time / vCPUs (the fixed cost of walking every CPU's hrtimer "
          "bases and the fix status dominates at 9); marginal = the difference from the next "
          "smaller dump over the vCPUs added.  Constant marginal cost = linear scaling.\n")
        labels = ["crash: `kvmlapic -a` (kvmtimer.so)", "crash: `kvmtriage` (kvmtimer.so)",
                  "CLI in-process: `kvmlapic -a`", "CLI in-process: `kvmtriage`",
                  "floor: the reads kvmlapic -a makes, raw via libkdumpfile"]
        P("| what | " + " | ".join(f"{n} ({v:,}): time, per vCPU, marginal" for v, n in sized) + " | marginal ratio last/first |")
        P("|---|" + "---:|" * (len(sized) + 1))
        for label in labels:
            cells, margs = [], []
            prev = None
            for v, n in sized:
                w = rows[n].get("table", {}).get(label, (None, None))[1]
                marg = (w - prev[1]) / (v - prev[0]) if w is not None and prev and prev[1] is not None else None
                if marg is not None:
                    margs.append(marg)
                cells.append(f"{fmt(w)}, {fmt(w / v if w else None)}, {fmt(marg)}")
                prev = (v, w)
            ratio = f"{margs[-1] / margs[0]:.2f}" if len(margs) >= 2 and margs[0] else "—"
            P(f"| {label} | " + " | ".join(cells) + f" | {ratio} |")
    # drgn on every dump of the index (not only the timed ones): does it open the dump,
    # and what do its own helpers find (vCPUs via vm_list/xarray, hrtimers per CPU base)?
    P("\n## drgn on every dump\n")
    P("drgn " + (sh(["drgn", "--version"]).stdout.strip() or "?") + " running scripts/bench/collect.drgn.py "
      "(list_for_each_entry, xa_for_each, per_cpu, rbtree_inorder_for_each_entry).\n")
    P("| dump | kernel | capture | paging | format | drgn | vCPUs (kvmlapic -a) | hrtimers | walk |")
    P("|---|---|---|---|---|---|---:|---:|---:|")
    for n, s in idx.items():
        d = rows[n]["drgn"] if n in rows else drgn_run(dict(s))
        doc = cli_json(a.build, s, "kvmlapic", ["-a"])
        nv = sum(len(vm.get("vcpus", [])) for vm in doc["vms"]) if doc and "vms" in doc else "?"
        what = ("error: " + d["error"][:120]) if "error" in d else \
            ("opens, walks" + (" (after makedumpfile -R: QEMU writes the flattened format)" if d.get("via") else ""))
        P(f"| {n} | {s.get('kernel', '?')} | {s.get('capture', 'snapshot')} | {s.get('paging', '?')} | "
          f"{s.get('format', '?')} | {what} | {d.get('vcpus', '—')} ({nv}) | {d.get('hrtimers', '—')} | "
          f"{fmt((d.get('lapic_s') or 0) + (d.get('hrtimer_s') or 0)) if 'error' not in d else '—'} |")
    text = "\n".join(out) + "\n"
    print(text)
    path = a.out or os.path.join(REPO, "bench", f"RESULTS-{datetime.date.today().isoformat()}.md")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "w").write(text)
    json.dump(rows, open(path[:-3] + ".json", "w"), indent=1, default=str)
    print(f"bench: wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
