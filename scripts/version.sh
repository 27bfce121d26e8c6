#!/bin/sh
# version.sh [version|describe] — the project version (the VERSION file) or the
# `git describe` of the tree being built.  A source tarball made by `make deb`/
# `make rpm` has no .git: it carries the describe of its tree in .git-describe.
cd "$(dirname "$0")/.." || exit 1
case "${1:-version}" in
version) tr -d ' \n' < VERSION ;;
describe)
  if [ -f .git-describe ]; then d=$(cat .git-describe)
  else d=$(git describe --tags --always --dirty --abbrev=12 2>/dev/null || echo unknown)
  fi
  # Only what is safe inside a C string and a file name.
  printf '%s' "$d" | tr -cd 'A-Za-z0-9._+~-' ;;
*) echo "usage: $0 [version|describe]" >&2; exit 2 ;;
esac
