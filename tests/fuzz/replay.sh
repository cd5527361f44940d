#!/usr/bin/env bash
# replay.sh EXE MODALITY — feed a fuzz target the sample corpus of its modality,
# the committed crashers (tests/fuzz/crashers/MODALITY/*) and a few cut-down copies.
set -eu
exe=$1 mod=$2
src=${CIM_SAMPLE:?}/$mod
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
inputs=("$src"/*)
for f in "$src"/*; do
    b=$(basename "$f")
    head -c 1 "$f" > "$T/$b.1"; head -c 100 "$f" > "$T/$b.100"
    head -c $(( $(stat -c %s "$f") / 2 )) "$f" > "$T/$b.half"
    inputs+=("$T/$b.1" "$T/$b.100" "$T/$b.half")
done
crash=${CIM_SOURCE_ROOT:?}/tests/fuzz/crashers/$mod
[ -d "$crash" ] && inputs+=("$crash"/*)
"$exe" "${inputs[@]}"
