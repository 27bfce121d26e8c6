#!/usr/bin/env python3
"""schemacheck.py — validate kvmtimer/1 JSON against docs/schema/ (draft 2020-12,
Debian's python3-jsonschema).  Shared by the test drivers: a schema violation
anywhere in `make check` fails a test.

As a module:
    errs = schemacheck.errors(doc)              # any -j document (kvmtimer.json)
    errs = schemacheck.errors(doc, "cli-line")  # one line of `kvmtimer --json`
    schemacheck.count                           # documents validated so far
errors() returns a list of "path: message" strings, empty when the document is
valid.

As a program (suite pkg-schema, tests/pkg/schema.sh):
    schemacheck.py [--cli] [--tap] FILE...
                                     every JSON document in FILEs (one per line, or a
                                     golden .expect file: its "==> ..." trailer is
                                     skipped); exit 1 when one is invalid; --tap:
                                     one TAP line per file
    schemacheck.py --self-test       the schemas against the 2020-12 metaschema, and
                                     mutated documents that must fail
"""
import copy, glob, json, os, sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA_DIR = os.path.join(REPO, "docs", "schema")
count = 0
_validators = {}


def _jsonschema():
    try:
        import jsonschema
    except ImportError:
        # An interpreter other than Debian's python3 (e.g. a pyenv one): use the
        # Debian package python3-jsonschema all the same.
        sys.path.append("/usr/lib/python3/dist-packages")
        import jsonschema
    return jsonschema


def _load():
    jsonschema = _jsonschema()
    store = {}
    for path in sorted(glob.glob(os.path.join(SCHEMA_DIR, "*.json"))):
        with open(path) as f:
            s = json.load(f)
        store[s["$id"]] = s
        store[os.path.basename(path)[:-5]] = s
    return jsonschema, store


def validator(kind="kvmtimer"):
    if kind not in _validators:
        jsonschema, store = _load()
        schema = store[kind]
        byid = {k: v for k, v in store.items() if k.startswith("http")}
        try:    # jsonschema >= 4.18
            from referencing import Registry, Resource
            reg = Registry().with_resources((k, Resource.from_contents(v)) for k, v in byid.items())
            v = jsonschema.Draft202012Validator(schema, registry=reg)
        except ImportError:     # Debian 12: 4.10
            v = jsonschema.Draft202012Validator(
                schema, resolver=jsonschema.RefResolver.from_schema(schema, store=byid))
        _validators[kind] = v
    return _validators[kind]


def errors(doc, kind="kvmtimer", limit=5):
    """Why doc is not a valid `kind` document (docs/schema/KIND.json): [] when it is."""
    global count
    count += 1
    out = []
    causes = []
    for e in validator(kind).iter_errors(doc):
        best = e
        # oneOf/anyOf/if-then: the deepest cause says more than "is not valid under any".
        while best.context:
            best = max(best.context, key=lambda c: len(c.absolute_path))
        causes.append(best)
    # A key that fails its own schema is also "unevaluated": name the real cause first.
    causes.sort(key=lambda e: (e.validator == "unevaluatedProperties", -len(e.absolute_path)))
    for best in causes:
        msg = "%s: %s" % ("/".join(str(p) for p in best.absolute_path) or "(document)", best.message[:300])
        if msg in out:
            continue
        out.append(msg)
        if len(out) >= limit:
            break
    return out


def documents(path):
    """(line number, parsed document) of every JSON line of a file."""
    for n, line in enumerate(open(path, errors="replace"), 1):
        if line.startswith("==> "):
            break
        if line.strip().startswith("{"):
            yield n, json.loads(line)


def self_test():
    """TAP: the schemas are valid 2020-12 schemas, and invalid documents fail."""
    jsonschema, store = _load()
    n = failed = 0
    print("# jsonschema from %s" % os.path.dirname(jsonschema.__file__))

    def ok(cond, what, diag=""):
        nonlocal n, failed
        n += 1
        failed += not cond
        print("%s %d - %s" % ("ok" if cond else "not ok", n, what))
        for l in str(diag).splitlines()[:10] if not cond else []:
            print("#   " + l)

    for path in sorted(glob.glob(os.path.join(SCHEMA_DIR, "*.json"))):
        try:
            jsonschema.Draft202012Validator.check_schema(json.load(open(path)))
            e = ""
        except jsonschema.SchemaError as x:
            e = str(x)
        ok(not e, "%s is a valid draft 2020-12 schema" % os.path.relpath(path, REPO), e)
    golden = sorted(glob.glob(os.path.join(REPO, "tests", "golden", "*_-j*.expect")))
    base = {}
    for g in golden:
        for _, d in documents(g):
            base.setdefault(d.get("command"), d)
    ok(sorted(base) == ["kvmhrtimer", "kvmlapic", "kvmregs", "kvmtriage", "kvmtsc"],
       "a golden document of each command to mutate: %s" % sorted(base))

    def first_vcpu(d):
        return next(v for vm in d["vms"] for v in vm["vcpus"] if v.get("timer"))

    mutations = [   # (command, what, mutation, what the first error must name)
        ("kvmlapic", "now_ns a string", lambda d: d.__setitem__("now_ns", str(d["now_ns"])), "now_ns: "),
        ("kvmlapic", "no version", lambda d: d.pop("version"), "'version' is a required"),
        ("kvmlapic", "version.git missing", lambda d: d["version"].pop("git"), "'git' is a required"),
        ("kvmlapic", "schema kvmtimer/2", lambda d: d.__setitem__("schema", "kvmtimer/2"), "schema: "),
        ("kvmlapic", "an undocumented key", lambda d: d.__setitem__("surprise", 1), "'surprise' was unexpected"),
        ("kvmlapic", "vCPU without tid", lambda d: first_vcpu(d).pop("tid"), "'tid' is a required"),
        ("kvmlapic", "address as a number", lambda d: first_vcpu(d).__setitem__("vcpu", 0xff11), "/vcpu: "),
        ("kvmlapic", "timer.period_ns a float", lambda d: first_vcpu(d)["timer"].__setitem__("period_ns", 1.5),
         "timer/period_ns: "),
        ("kvmlapic", "unknown flag", lambda d: first_vcpu(d).__setitem__("flags", ["BEHIND", "SLOW"]), "'SLOW'"),
        ("kvmlapic", "tscdeadline above 2^64-1",
         lambda d: first_vcpu(d)["timer"].__setitem__("tscdeadline", 2**64), "timer/tscdeadline: "),
        ("kvmhrtimer", "cpus[0] without clock_bases", lambda d: d["cpus"][0].pop("clock_bases"),
         "'clock_bases' is a required"),
        ("kvmhrtimer", "a finding without severity",
         lambda d: d["findings"].append({"flag": "CORRUPT", "reason": "x"}), "'severity' is a required"),
        ("kvmtriage", "verdict null", lambda d: d.__setitem__("verdict", None), "verdict: None"),
        ("kvmtriage", "anomaly rank 0", lambda d: d["anomalies"].append(
            {"rank": 0, "finding": [{"flag": "LOST", "severity": "warning", "reason": "x"}]}), "/rank: 0"),
        ("kvmtsc", "params.virtual_tsc_mult negative", lambda d: d["params"].__setitem__("virtual_tsc_mult", -1),
         "params/virtual_tsc_mult: -1"),
        ("kvmtsc", "no results", lambda d: d.pop("results"), "'results' is a required"),
    ]
    for cmd, what, mutate, expect in mutations:
        if cmd not in base:
            ok(False, "%s: %s fails the schema (no golden %s document)" % (cmd, what, cmd))
            continue
        good = errors(base[cmd])
        d = copy.deepcopy(base[cmd])
        mutate(d)
        bad = errors(d)
        ok(not good and bad and expect in bad[0], "%s document with %s fails the schema: %s" % (cmd, what, bad[:1]),
           "valid one: %s\nmutated: %s" % (good, bad))
    d = dict(dump="/x/vmcore", **base["kvmtriage"])
    ok(not errors(d, "cli-line"), "a CLI line (dump + kvmtriage document) is valid", errors(d, "cli-line"))
    err = {"dump": "/x/vmcore", "error": "no such file", "version": base["kvmtriage"]["version"]}
    ok(not errors(err, "cli-line"), "a CLI error line is valid", errors(err, "cli-line"))
    ok(errors({"dump": "/x/vmcore", "error": "x"}, "cli-line"), "a CLI error line without version fails")
    ok(errors(base["kvmtriage"], "cli-line"), "a CLI line without dump fails")
    print("# %d documents validated" % count)
    print("1..%d" % n)
    return 1 if failed else 0


def main(argv):
    if argv[:1] == ["--self-test"]:
        return self_test()
    kind, tap = "kvmtimer", False
    while argv[:1] in (["--cli"], ["--tap"]):
        kind = "cli-line" if argv[0] == "--cli" else kind
        tap = tap or argv[0] == "--tap"
        argv = argv[1:]
    bad = 0
    for i, path in enumerate(argv, 1):
        errs = ["%d: %s" % (n, e) for n, d in documents(path) for e in errors(d, kind)]
        bad += bool(errs)
        if tap:
            print("%s %d - %s: valid %s" % ("not ok" if errs else "ok", i, os.path.relpath(path, REPO), kind))
            errs = ["#   " + e for e in errs]
        if errs:
            print("%s:\n%s" % (path, "\n".join(errs[:10])))
    print("# %d documents in %d files, %d files invalid" % (count, len(argv), bad))
    if tap:
        print("1..%d" % len(argv))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
