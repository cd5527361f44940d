#!/usr/bin/env bash
# run_pytest.sh TEST.py — runs one pytest file with Debian's Python against the package
# in the build tree (PYTHONPATH), exit 77 (skip) when pytest is not installed.
set -u
py=${PYTHON:-/usr/bin/python3}
if ! "$py" -c 'import pytest' 2>/dev/null; then
    echo "SKIP: pytest is not installed (apt-get install python3-pytest)"
    exit 77
fi
# An ASan build's extension needs the sanitizer runtime loaded first into a Python
# that is not built with it; Python's own allocations are not ours to leak-check.
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
exec "$py" -m pytest -q -p no:cacheprovider "$1"
