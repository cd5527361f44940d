#!/usr/bin/env bash
# run_python.sh ARGS... — runs Debian's Python with ARGS against the package in the build
# tree (PYTHONPATH). An ASan build's extension needs the sanitizer runtime loaded first into
# a Python that is not built with it; Python's own allocations are not ours to leak-check.
set -u
py=${PYTHON:-/usr/bin/python3}
if [ "${CIM_SANITIZE:-none}" != none ] && [ "${CIM_SANITIZE:-}" != "" ]; then
    libs=""
    for lib in asan ubsan; do
        case "$CIM_SANITIZE" in *address*) [ $lib = asan ] || continue;; esac
        f=$(${CIM_PY_CC:-gcc} -print-file-name=lib$lib.so)
        [ -f "$f" ] && libs="$libs $f"
    done
    export LD_PRELOAD="${libs# }"
    export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
fi
exec "$py" "$@"
