#!/usr/bin/env bash
# run_pytest.sh TEST.py — runs one pytest file with Debian's Python against the package
# in the build tree (run_python.sh), exit 77 (skip) when pytest is not installed.
set -u
py=${PYTHON:-/usr/bin/python3}
if ! "$py" -c 'import pytest' 2>/dev/null; then
    echo "SKIP: pytest is not installed (apt-get install python3-pytest)"
    exit 77
fi
exec bash "$(dirname "$0")/run_python.sh" -m pytest -q -p no:cacheprovider "$1"
