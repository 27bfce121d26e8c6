#!/usr/bin/env bash
# check-layers.sh — prove the core's layering from its #include lines (TAP).
#
# The core is src/LAYER/ for each layer below, lowest first; data flows up:
#   base     errors, the JSON writer, address sets
#   dump     the reader interface, the layout (layout.def), the session
#   kernel   one walker/decoder per kernel concept -> decoded state + damage
#   model    KVM's TSC and LAPIC timer math, the pre-fix and fixed model
#   analyze  derived values, detectors, findings, the verdict
#   render   tables and JSON
#   cmd      the commands: options, load, analyze, render
# A file may include its own layer and the layers before it, nothing after.
# The public headers of include/kvmtimer/ belong to layers too (table below).
# Each .c and .h of the core is one test: it fails naming the include that
# points up (or nowhere).
set -u
cd "$(dirname "$0")/.."
layers=(base dump kernel model analyze render cmd)
declare -A rank
for i in "${!layers[@]}"; do rank[${layers[$i]}]=$i; done
# include/kvmtimer/NAME.h -> its layer.
declare -A public=(
  [error.h]=base [bigmem.h]=base [json.h]=base [version.h]=base [htab.h]=base [file.h]=base
  [reader.h]=dump [session.h]=dump [regs.h]=dump [dwarf_vars.h]=dump [debuginfo.h]=dump
  [kvm_caps.h]=kernel [lapic.h]=kernel [state.h]=kernel
  [tsc.h]=model [model.h]=model
  [analysis.h]=analyze [finding.def]=analyze [detect.h]=analyze
  [commands.h]=cmd
)

# layer_of PATH: the layer of a core file, or "" when it is none.
layer_of() {
  case $1 in
    src/*/*) local l=${1#src/}; l=${l%%/*}; [ -n "${rank[$l]+x}" ] && echo "$l" ;;
    include/kvmtimer/*) echo "${public[${1#include/kvmtimer/}]:-}" ;;
  esac
}

files=()
for l in "${layers[@]}"; do
  for f in src/$l/*.c src/$l/*.h src/$l/*.def; do [ -e "$f" ] && files+=("$f"); done
done
for f in include/kvmtimer/*.h include/kvmtimer/*.def; do [ -e "$f" ] && files+=("$f"); done
echo "1..$(( ${#files[@]} + 1 ))"
n=0 bad=0
for f in "${files[@]}"; do
  n=$((n + 1))
  me=$(layer_of "$f")
  if [ -z "$me" ]; then
    echo "not ok $n - $f: no layer (add it to the table in $0)"; bad=1; continue
  fi
  errs=()
  while read -r inc; do
    # "dir/x.h" is src/dir/x.h, "kvmtimer/x.h" a public header, "x.h" next to f.
    case $inc in
      kvmtimer/*) target=include/$inc ;;
      */*) target=src/$inc ;;
      *) target=$(dirname "$f")/$inc ;;
    esac
    if [ ! -e "$target" ]; then errs+=("\"$inc\" is not in the core"); continue; fi
    tl=$(layer_of "$target")
    if [ -z "$tl" ]; then errs+=("\"$inc\" has no layer")
    elif [ "${rank[$tl]}" -gt "${rank[$me]}" ]; then errs+=("\"$inc\" is $tl/, above $me/"); fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
  if [ ${#errs[@]} = 0 ]; then
    echo "ok $n - $f ($me/) includes only $me/ and below"
  else
    echo "not ok $n - $f ($me/): ${errs[*]}"; bad=1
  fi
done
# Nothing of the core left outside the layers.
n=$((n + 1))
stray=$(ls src/core 2>/dev/null; for f in src/*/*.c; do d=${f#src/}; d=${d%%/*}; case $d in cli|refvmm) ;; *) [ -n "${rank[$d]+x}" ] || echo "$f"; esac; done)
if [ -z "$stray" ]; then echo "ok $n - every core source is in a layer folder"
else echo "not ok $n - core sources outside the layers: $stray"; bad=1; fi
exit $bad
