#!/usr/bin/env python3
"""rpm.py RPM DEB — suite pkg-rpm: kvmtimer.spec as built by Debian's rpmbuild
(`make rpm`) against the .deb of `make deb`.

- version = VERSION = the spec's Version = the Debian changelog's;
- the RPM requires exactly the crash it was built against, and libdw, libelf,
  libkdumpfile;
- it installs the same files as the .deb, once the distributions' conventions
  are mapped: the extension directory (%{_libdir}/crash/extensions vs
  /usr/lib/crash/extensions), man page compression, the license (Debian's
  doc/copyright and changelog vs RPM's licenses/), RPM's .build-id links.
Prints TAP lines.
"""
import os, re, subprocess, sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
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


def sh(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    return p.returncode, p.stdout, p.stderr


def norm(paths, extdir):
    """Files only (what a directory holds is compared through them), mapped to a
    common form."""
    out = set()
    for p in paths:
        if p.startswith("/usr/lib/.build-id"):
            continue
        p = p.replace(extdir, "EXTDIR")
        p = re.sub(r"\.gz$", "", p)
        out.add(p)
    return out


def main():
    if len(sys.argv) != 3 or not all(os.path.exists(a) for a in sys.argv[1:]):
        print("not ok 1 - usage: rpm.py RPM DEB (make rpm deb first)")
        return 1
    rpm, deb = sys.argv[1:]
    version = open(os.path.join(REPO, "VERSION")).read().strip()
    spec = open(os.path.join(REPO, "kvmtimer.spec")).read()
    spec_ver = re.search(r"^Version:\s*(\S+)", spec, re.M).group(1)
    chg = sh(["dpkg-parsechangelog", "-l", os.path.join(REPO, "debian", "changelog"), "-SVersion"])[1].strip()
    rpm_ver = sh(["rpm", "-qp", "--qf", "%{VERSION}", rpm])[1].strip()
    ok(version == spec_ver == chg == rpm_ver,
       "one version: VERSION %s, kvmtimer.spec %s, debian/changelog %s, the RPM %s" % (version, spec_ver, chg, rpm_ver))
    req = sh(["rpm", "-qp", "--requires", rpm])[1]
    crash = sh(["dpkg-query", "-W", "-f", "${Version}", "crash"])[1].split("-")[0]
    ok(re.search(r"^crash\(x86-64\) = %s$" % re.escape(crash), req, re.M)
       and all(l in req for l in ("libdw.so.1", "libelf.so.1", "libkdumpfile.so")),
       "RPM requires crash = %s (the one built against), libdw, libelf, libkdumpfile" % crash, req)
    rc, out, err = sh(["rpm", "-qpl", rpm])
    rpm_files = [l for l in out.splitlines() if l.startswith("/")]
    ok(rc == 0 and "/usr/lib64/crash/extensions/kvmtimer.so" in rpm_files and "/usr/bin/kvmtimer" in rpm_files,
       "rpm -qpl: %d paths, the extension in %%{_libdir}/crash/extensions (/usr/lib64 here)" % len(rpm_files),
       out + err)
    print("# RPM files:")
    for f in rpm_files:
        print("#   " + f)
    rc, out, _ = sh(["dpkg-deb", "-c", deb])
    deb_all = [re.sub(r"^\./", "/", l.split()[-1]) for l in out.splitlines() if l.strip()]
    deb_files = [p for p in deb_all if not p.endswith("/")]
    modes = sh(["rpm", "-qp", "--qf", "[%{FILEMODES:perms} %{FILENAMES}\n]", rpm])[1].splitlines()
    r_files = norm([l.split(" ", 1)[1] for l in modes if not l.startswith("d")], "/usr/lib64/crash/extensions")
    d = norm(deb_files, "/usr/lib/crash/extensions")
    deb_only = {"/usr/share/doc/kvmtimer/copyright", "/usr/share/doc/kvmtimer/changelog"}
    rpm_only_re = r"^/usr/share/licenses/kvmtimer[^/]*/COPYING$"
    rpm_only = {p for p in r_files if re.match(rpm_only_re, p)}
    ok(d - deb_only == r_files - rpm_only and deb_only <= d and len(rpm_only) == 1,
       "the RPM and the .deb install the same %d files (extension directory, .gz, license mapped)"
       % len(d - deb_only),
       "only in the .deb: %s\nonly in the RPM: %s" % (sorted((d - deb_only) - (r_files - rpm_only)),
                                                    sorted((r_files - rpm_only) - (d - deb_only))))
    print("1..%d" % (N + 1))  # and rpm.sh's "ok 1 - make rpm"
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
