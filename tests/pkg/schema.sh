#!/usr/bin/env bash
# schema.sh — suite pkg-schema: docs/schema/*.json are valid draft 2020-12 schemas
# that fail on wrong types and missing keys (mutated documents), and every JSON
# document of the golden tests (what unit-golden checks the commands print) is
# valid.  The e2e and CLI suites validate the documents they produce themselves
# (tests/pkg/schemacheck.py).  Debian's python3 and python3-jsonschema.
cd "$(dirname "$0")/../.." || exit 1
py=/usr/bin/python3
[ -x "$py" ] || { echo "not ok 1 - /usr/bin/python3 (Debian's python3) missing"; exit 1; }
"$py" -c 'import jsonschema' 2>/dev/null || { echo "not ok 1 - python3-jsonschema not installed (scripts/deps.sh)"; exit 1; }
rc=0
"$py" tests/pkg/schemacheck.py --self-test || rc=1
set -- tests/golden/*_-j*.expect
[ -e "$1" ] || { echo "not ok - no golden JSON files (tests/golden/*_-j*.expect)"; exit 1; }
"$py" tests/pkg/schemacheck.py --tap "$@" || rc=1
exit $rc
