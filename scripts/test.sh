#!/usr/bin/env bash
# scripts/test.sh — the test command (CI runs exactly this): installs what the
# tests compare against, builds with warnings as errors, runs the whole suite,
# then rebuilds with ASan+UBSan and runs the suite again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/deps.sh --test
# The development corpus (pinned by checksum) lets tests compare on real data;
# tests that need it skip when it cannot be fetched.
corpora/fetch.sh dev >/dev/null 2>&1 || echo "test.sh: development corpus unavailable; its tests will skip" >&2
scripts/build.sh build >/dev/null
meson test -C build --print-errorlogs --num-processes 2 ${CIM_TEST_ARGS:-}
# Sanitizers: every suite except the benchmarks-sized reference sweeps.
scripts/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ASAN_OPTIONS=detect_leaks=1 meson test -C build-asan --print-errorlogs --num-processes 2 \
    --no-suite slow ${CIM_TEST_ARGS:-}
# One closing line over both runs, in the plain form CI reads.
/usr/bin/python3 - build/meson-logs/testlog.json build-asan/meson-logs/testlog.json <<'PY'
import json, sys
n = {"OK": 0, "FAIL": 0, "SKIP": 0}
for log in sys.argv[1:]:
    for line in open(log):
        r = json.loads(line)["result"]
        key = "OK" if r in ("OK", "EXPECTEDFAIL") else "SKIP" if r == "SKIP" else "FAIL"
        n[key] += 1
print(f"{n['OK']} passed, {n['FAIL']} failed, {n['SKIP']} skipped")
PY
