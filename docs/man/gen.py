#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gen.py — man pages and crash help pages from one source (docs/man/*.in).

    gen.py man  SOURCE.in OUT.N  [--version V] [--root DIR]
    gen.py help SOURCE.in OUT.c  [--root DIR]

The source is plain text with a few dot directives (README.md in this
directory).  `man` writes a roff man page; `help` writes the crash help arrays
(char *kt_help_CMD[], in the shape of crash's help_timer: name, summary,
synopsis, then description lines) of every `.command` block.  Both are made at
build time from the same parse, so the man page and `help kvmlapic` cannot
drift.  An example's output can come from a file (`.output FILE [LINES]`,
e.g. a golden test's .expect): when FILE exists its lines replace the inline
ones that follow, so the pages show exactly what the tests check.
"""
import os, re, sys, textwrap

WIDTH = 78          # crash help lines
TAG_INDENT = 4      # an item's tag
BODY_INDENT = 16    # an item's body


class Block:
    """kind: para (text), item (tag, text), sub (title), examples, verbatim (lines)."""

    def __init__(self, kind, tag=None):
        self.kind, self.tag, self.lines = kind, tag, []


class Command:
    def __init__(self, name):
        self.name, self.summary, self.synopsis, self.blocks = name, "", [], []


class Page:
    def __init__(self):
        self.name = self.section = self.desc = None
        self.parts = []         # ("sh", title) | ("blocks", [Block]) | ("command", Command)


def fail(src, n, msg):
    sys.exit("%s:%d: %s" % (src, n, msg))


def read_output(root, arg, src, n):
    """.output FILE [LINES [COLUMNS]]: FILE's lines up to a golden file's trailer
    ("==> stderr", "==> exit N"), at most LINES of them (then "..."), each cut
    at COLUMNS; None when FILE does not exist."""
    words = arg.split()
    if not 1 <= len(words) <= 3 or not all(w.isdigit() for w in words[1:]):
        fail(src, n, ".output FILE [LINES [COLUMNS]]")
    path = os.path.join(root, words[0])
    if not os.path.exists(path):
        return None
    lines = []
    for l in open(path, errors="replace").read().rstrip("\n").split("\n"):
        if l.startswith("==> "):
            break
        lines.append(l)
    while lines and not lines[-1].strip():
        lines.pop()
    if len(words) > 1 and len(lines) > int(words[1]):
        lines = lines[:int(words[1])] + ["..."]
    if len(words) > 2:
        lines = [l[:int(words[2])].rstrip() for l in lines]
    return lines


def parse(src, root):
    page, blocks, cmd = Page(), None, None
    cur = None              # the block text lines go to
    verb = None             # the open .ex block
    replaced = False        # its .output came from a file: skip the inline lines

    def new_blocks():
        nonlocal blocks
        blocks = []
        page.parts.append(("blocks", blocks))

    def add(b):
        nonlocal cur
        (cmd.blocks if cmd else blocks).append(b)
        cur = b if b.kind in ("para", "item") else None

    for n, raw in enumerate(open(src), 1):
        line = raw.rstrip("\n")
        if verb is not None:
            if line == ".ee":
                verb, replaced = None, False
            elif line.startswith(".output"):
                got = read_output(root, line[len(".output"):], src, n)
                if got is not None and any("%" in l for l in got):
                    fail(src, n, "'%' in " + line.split()[1])
                if got is not None:
                    verb.lines.extend(got)
                    replaced = True
            elif not replaced:
                verb.lines.append(line)
            if "%" in line:
                fail(src, n, "'%' in an example (crash prints help lines with printf)")
            continue
        if line.startswith("#"):
            continue
        if not line.strip():
            cur = None
            continue
        if not line.startswith("."):
            if "%" in line:
                fail(src, n, "'%' in text (crash prints help lines with printf)")
            if cur is None:
                if blocks is None and cmd is None:
                    fail(src, n, "text before the first .sh")
                add(Block("para"))
            cur.lines.append(line.strip())
            continue
        d, _, arg = line.partition(" ")
        arg = arg.strip()
        if d == ".page":
            w = arg.split(None, 2)
            if len(w) != 3:
                fail(src, n, ".page NAME SECTION DESCRIPTION")
            page.name, page.section, page.desc = w
        elif d == ".sh":
            cmd = None
            page.parts.append(("sh", arg))
            new_blocks()
            cur = None
        elif d == ".command":
            cmd = Command(arg)
            page.parts.append(("command", cmd))
            cur = None
        elif d in (".summary", ".synopsis") and cmd is None:
            fail(src, n, d + " outside a .command")
        elif d == ".summary":
            cmd.summary = arg
        elif d == ".synopsis":
            cmd.synopsis.append(arg)
        elif d == ".p":
            cur = None
        elif d == ".item":
            add(Block("item", arg))
        elif d == ".sub":
            add(Block("sub", arg))
        elif d == ".examples":
            if cmd is None:
                fail(src, n, ".examples outside a .command")
            add(Block("examples"))
        elif d == ".ex":
            verb = Block("verbatim")
            add(verb)
        else:
            fail(src, n, "unknown directive " + d)
    if verb is not None:
        fail(src, n, ".ex without .ee")
    if not page.name:
        fail(src, 1, "no .page")
    return page


# ---------------------------------------------------------------- roff

def roff_text(s):
    """Running text: backslashes escaped, option dashes as \\-."""
    s = s.replace("\\", "\\e")
    s = re.sub(r"(?<![\w-])-(?=[-\w])", r"\\-", s)
    s = re.sub(r"(?<=\\-)-", r"\\-", s)
    return ("\\&" + s) if s[:1] in (".", "'") else s


def roff_verbatim(s):
    s = s.replace("\\", "\\e").replace("-", "\\-")
    return ("\\&" + s) if s[:1] in (".", "'") else s


def roff_blocks(out, blocks):
    for b in blocks:
        if b.kind == "para":
            out += [".PP"] + [roff_text(l) for l in b.lines]
        elif b.kind == "item":
            out += [".TP", ".B " + roff_text(b.tag)] + [roff_text(l) for l in b.lines]
        elif b.kind == "sub":
            out += [".PP", ".I " + roff_text(b.tag)]
        elif b.kind == "examples":
            out += [".PP", ".B Examples"]
        elif b.kind == "verbatim":
            out += [".PP", ".RS 4", ".EX"] + [roff_verbatim(l) for l in b.lines] + [".EE", ".RE"]


def gen_man(page, version):
    out = ['.\\" Generated by docs/man/gen.py from docs/man/%s.%s.in: do not edit.'
           % (page.name, page.section),
           '.TH %s %s "" "kvmtimer %s" "kvmtimer"' % (page.name.upper(), page.section, version),
           ".SH NAME", "%s \\- %s" % (page.name, roff_text(page.desc))]
    for kind, what in page.parts:
        if kind == "sh":
            out.append(".SH " + what.upper())
        elif kind == "blocks":
            roff_blocks(out, what)
        else:
            c = what
            out.append(".SS %s \\(em %s" % (c.name, roff_text(c.summary)))
            for s in c.synopsis:
                out += [".PP", ".B " + c.name, roff_text(s)]
            roff_blocks(out, c.blocks)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- crash help

def wrap(text, indent, first=None):
    return textwrap.wrap(text, WIDTH - 2, initial_indent=first if first is not None else " " * indent,
                         subsequent_indent=" " * indent, break_on_hyphens=False,
                         break_long_words=False) or [first or ""]


def help_lines(c):
    """crash's help_data[3...]: the DESCRIPTION (then EXAMPLES) lines.  A blank
    line between blocks, except inside a list of items and after a title."""
    out, prev = [], None
    for b in c.blocks:
        if b.kind == "examples":
            out.append("\nEXAMPLES")
            prev = b.kind
            continue
        if prev not in (None, "examples", "sub") and not (prev == "item" and b.kind == "item"):
            out.append(" ")
        prev = b.kind
        if b.kind == "para":
            out += wrap(" ".join(b.lines), 2)
        elif b.kind == "item":
            tag = " " * TAG_INDENT + b.tag
            if len(tag) + 2 > BODY_INDENT:
                out.append(tag)
                out += wrap(" ".join(b.lines), BODY_INDENT)
            else:
                out += wrap(" ".join(b.lines), BODY_INDENT, tag.ljust(BODY_INDENT))
        elif b.kind == "sub":
            out.append("  %s:" % b.tag)
        elif b.kind == "verbatim":
            for l in b.lines:
                l = "%s> " + l[len("crash> "):] if l.startswith("crash> ") else l
                out.append("    " + l if l.strip() else " ")
    return out


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def gen_help(page, src):
    out = ["// SPDX-License-Identifier: GPL-2.0-or-later",
           "/* Generated by docs/man/gen.py from %s: do not edit. */" % src,
           "#include <stddef.h>", '#include "ext.h"']
    cmds = [w for k, w in page.parts if k == "command"]
    if not cmds:
        sys.exit("%s: no .command" % src)
    for c in cmds:
        if not c.summary or not c.synopsis:
            sys.exit("%s: %s needs .summary and .synopsis" % (src, c.name))
        out += ["", "char *kt_help_%s[] = {" % c.name, c_string(c.name) + ",",
                c_string(c.summary) + ",",
                c_string(("\n  %s " % c.name).join(c.synopsis)) + ","]
        out += [c_string(l) + "," for l in help_lines(c)]
        out += ["NULL", "};"]
    # Every page, so the extension registers the core's command table
    # (kt_commands) and finds each command's page by its name (page[0]).
    out += ["", "char **kt_help_pages[] = {"] + ["\tkt_help_%s," % c.name for c in cmds] + ["\tNULL", "};"]
    return "\n".join(out) + "\n"


def main():
    a = sys.argv[1:]
    opts = {"--version": "unknown", "--root": "."}
    for k in list(opts):
        if k in a:
            i = a.index(k)
            opts[k] = a[i + 1]
            del a[i:i + 2]
    if len(a) != 3 or a[0] not in ("man", "help"):
        sys.exit(__doc__)
    mode, src, dst = a
    page = parse(src, opts["--root"])
    text = gen_man(page, opts["--version"]) if mode == "man" else gen_help(page, src)
    with open(dst + ".tmp", "w") as f:
        f.write(text)
    os.replace(dst + ".tmp", dst)


if __name__ == "__main__":
    main()
