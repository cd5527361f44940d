#!/usr/bin/env bash
# replay.sh EXE TARGET [SEED...] — feed a fuzz target its seeds (files, or
# directories of files; default: the sample corpus of modality TARGET), the
# committed crashers (tests/fuzz/crashers/TARGET/*) and a few cut-down copies
# of every seed.
set -eu
exe=$1 target=$2; shift 2
# libsndfile's own leak on Ogg Vorbis files with rejected headers (see lsan.supp).
export LSAN_OPTIONS="suppressions=${CIM_SOURCE_ROOT:?}/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
[ $# -gt 0 ] || set -- "${CIM_SAMPLE:?}/$target"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
seeds=()
for s in "$@"; do
    if [ -d "$s" ]; then for f in "$s"/*; do [ -f "$f" ] && seeds+=("$f"); done
    else seeds+=("$s"); fi
done
inputs=("${seeds[@]}")
i=0
for f in "${seeds[@]}"; do
    b=$i-$(basename "$f"); i=$((i + 1))
    head -c 1 "$f" > "$T/$b.1"; head -c 100 "$f" > "$T/$b.100"
    head -c $(( $(stat -c %s "$f") / 2 )) "$f" > "$T/$b.half"
    inputs+=("$T/$b.1" "$T/$b.100" "$T/$b.half")
done
crash=${CIM_SOURCE_ROOT:?}/tests/fuzz/crashers/$target
[ -d "$crash" ] && inputs+=("$crash"/*)
"$exe" "${inputs[@]}"
