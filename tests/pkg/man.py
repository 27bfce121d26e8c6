#!/usr/bin/env python3
"""man.py BUILD — suite pkg-man: the man pages and crash help pages generated
from docs/man/*.in.

- each page formats without a groff warning (`man --warnings`) and has a NAME
  line lexgrog (mandb's parser) reads; a deliberately broken page does warn, so
  the check can fail;
- the help arrays compiled into kvmtimer.so (BUILD/gen/help.c) carry every
  command of kvmtimer.7.in with its summary, synopsis, every option and flag,
  and an EXAMPLES part: the two renderings come from one parse;
- gen.py's `.output FILE [LINES]` takes a golden file's lines when it exists and
  the inline lines when it does not; '%' and unknown directives are refused.
Prints TAP lines.
"""
import os, re, subprocess, sys, tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(REPO, sys.argv[1] if len(sys.argv) > 1 else "build")
GEN = os.path.join(REPO, "docs", "man", "gen.py")
N = FAILED = 0


def ok(cond, what, detail=None):
    global N, FAILED
    N += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", N, what))
    if not cond:
        FAILED += 1
        for l in str(detail or "").rstrip().splitlines()[:30]:
            print("#   " + l)
    sys.stdout.flush()
    return cond


def run(cmd, **kw):
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80")
    return subprocess.run(cmd, capture_output=True, text=True, env=env, **kw)


def man_warnings(page):
    p = run(["man", "--warnings", "-E", "UTF-8", "-l", page])
    return p.returncode, p.stderr.strip(), p.stdout


def check_page(page, name, section):
    rc, warn, text = man_warnings(page)
    ok(rc == 0 and not warn and "NAME" in text,
       "%s(%s): man --warnings formats it without a warning" % (name, section), warn or rc)
    p = run(["lexgrog", page])
    ok(p.returncode == 0 and ('"%s - ' % name) in p.stdout,
       "%s(%s): lexgrog reads its NAME line" % (name, section), p.stdout + p.stderr)
    return text


def source_commands(src):
    """{command: {"summary", "synopsis": [..], "items": [..]}} from a .in file."""
    cmds, cur = {}, None
    for line in open(src):
        line = line.rstrip("\n")
        d, _, arg = line.partition(" ")
        if d == ".command":
            cur = cmds.setdefault(arg, {"summary": "", "synopsis": [], "items": []})
        elif d == ".sh":
            cur = None
        elif cur is not None and d == ".summary":
            cur["summary"] = arg
        elif cur is not None and d == ".synopsis":
            cur["synopsis"].append(arg)
        elif cur is not None and d == ".item":
            cur["items"].append(arg)
    return cmds


def help_arrays(path):
    """{command: [C string literals, decoded]} from a generated help.c."""
    arrays, cur = {}, None
    for line in open(path):
        m = re.match(r"char \*kt_help_(\w+)\[\] = \{", line)
        if m:
            cur = arrays.setdefault(m.group(1), [])
        elif line.startswith("NULL"):
            cur = None
        elif cur is not None and line.startswith('"'):
            cur.append(bytes(line.strip().rstrip(",")[1:-1], "utf-8").decode("unicode_escape"))
    return arrays


def check_help():
    src = os.path.join(REPO, "docs", "man", "kvmtimer.7.in")
    cmds = source_commands(src)
    arrays = help_arrays(os.path.join(BUILD, "gen", "help.c"))
    ok(sorted(cmds) == ["kvmhrtimer", "kvmlapic", "kvmregs", "kvmtriage", "kvmtsc"] and sorted(arrays) == sorted(cmds),
       "help.c has one array per .command of kvmtimer.7.in: %s" % ", ".join(sorted(arrays)),
       "source %s, help.c %s" % (sorted(cmds), sorted(arrays)))
    page7 = man_warnings(os.path.join(BUILD, "man", "kvmtimer.7"))[2]
    for c, info in sorted(cmds.items()):
        a = arrays.get(c, [])
        body = "\n".join(a[3:])
        missing = [t for t in info["items"] if not re.search(r"^ {4}%s( |$)" % re.escape(t), body, re.M)]
        ok(len(a) > 4 and a[0] == c and a[1] == info["summary"]
           and a[2] == ("\n  %s " % c).join(info["synopsis"]) and not missing
           and "\nEXAMPLES" in a and any(l.startswith("    %s> " + c) for l in a),
           "help %s: summary, synopsis, %d options/flags and EXAMPLES as in the source"
           % (c, len(info["items"])), "missing items %s; first lines %s" % (missing, a[:3]))
        ok(re.search(r"^   %s \S+ %s" % (c, re.escape(info["summary"][:30])), page7, re.M)
           and all(t.split()[0] in page7 for t in info["items"]),
           "kvmtimer(7) has %s with the same summary and options" % c)


def check_generator():
    with tempfile.TemporaryDirectory() as d:
        gold = os.path.join(d, "golden.expect")
        with open(gold, "w") as f:
            f.write("".join("line %d\n" % i for i in range(1, 11)) + "==> exit 1\n")
        src = os.path.join(d, "t.7.in")
        with open(src, "w") as f:
            f.write(".page t 7 test page\n.sh description\nSome text.\n"
                    ".command tcmd\n.summary a test command\n.synopsis [-x]\n"
                    ".item -x\nthe x option.\n.examples\nFrom a golden file:\n"
                    ".ex\ncrash> tcmd -x\n.output golden.expect 4\ninline only\n.ee\n"
                    "Missing file:\n.ex\ncrash> tcmd\n.output missing.expect\ninline kept\n.ee\n"
                    "Whole file:\n.ex\ncrash> tcmd -y\n.output golden.expect\n.ee\n")
        out = os.path.join(d, "help.c")
        p = run([sys.executable, GEN, "help", src, out, "--root", d])
        arr = help_arrays(out).get("tcmd", []) if p.returncode == 0 else []
        i = arr.index("    %s> tcmd -x") if "    %s> tcmd -x" in arr else -10
        ok(p.returncode == 0 and arr[i + 1:i + 6] == ["    line 1", "    line 2", "    line 3", "    line 4",
                                                       "    ..."]
           and "    inline only" not in arr and "    inline kept" in arr
           and arr[-2:] == ["    line 9", "    line 10"],
           ".output FILE 4: the golden file's first 4 lines then '...'; a missing file keeps the inline "
           "lines; the golden trailer '==> exit N' is left out",
           p.stderr + "\n".join(arr))
        for bad, why in (("Load 100% of it.\n", "'%'"), (".bogus x\n", "unknown directive")):
            with open(src, "w") as f:
                f.write(".page t 7 test\n.sh description\n" + bad)
            p = run([sys.executable, GEN, "man", src, os.path.join(d, "t.7")])
            ok(p.returncode != 0 and why in p.stderr, "gen.py refuses %s with file:line" % why, p.stderr)
        broken = os.path.join(d, "broken.7")
        with open(broken, "w") as f:
            f.write('.TH BROKEN 7 "" "x" "x"\n.SH NAME\nbroken \\- a page with an undefined macro\n'
                    ".SH DESCRIPTION\n.BOGUSMACRO x\ntext \\*[nostring]\n")
        rc, warn, _ = man_warnings(broken)
        ok(bool(warn), "man --warnings reports a broken page (the check above can fail)", warn)


def main():
    for name, sec in (("kvmtimer", "1"), ("kvmtimer", "7")):
        page = os.path.join(BUILD, "man", "%s.%s" % (name, sec))
        if not ok(os.path.exists(page), "%s(%s) generated: %s" % (name, sec, page)):
            continue
        check_page(page, name, sec)
    check_help()
    check_generator()
    print("1..%d" % N)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
