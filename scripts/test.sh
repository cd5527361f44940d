#!/usr/bin/env bash
# scripts/test.sh — the test command (CI runs exactly this): installs what the
# tests compare against, builds with warnings as errors, runs the whole suite,
# then rebuilds with ASan+UBSan and runs the suite again. Both passes always run,
# and the last line always counts what happened in them ("N passed, N failed,
# N skipped"; a pass that could not build counts as one failure); the exit status
# is non-zero when anything failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/deps.sh --test || { echo "test.sh: installing dependencies failed" >&2; exit 2; }
# The development corpus (pinned by checksum) lets tests compare on real data;
# tests that need it skip when it cannot be fetched.
corpora/fetch.sh dev >/dev/null 2>&1 || echo "test.sh: development corpus unavailable; its tests will skip" >&2
status=0
logs=()
# pass DIR NAME [meson test options...] -- [meson setup options...]
pass() {
    local dir=$1 name=$2; shift 2
    local test_opts=(); while [ "$1" != -- ]; do test_opts+=("$1"); shift; done; shift
    rm -f "$dir/meson-logs/testlog.json"
    logs+=("$dir/meson-logs/testlog.json")
    if ! scripts/build.sh "$dir" "$@" >/dev/null; then
        echo "test.sh: the $name build failed" >&2
        status=1
        return
    fi
    # shellcheck disable=SC2086
    ASAN_OPTIONS=detect_leaks=1 meson test -C "$dir" --print-errorlogs --num-processes 2 \
        "${test_opts[@]}" ${CIM_TEST_ARGS:-} || status=1
}
pass build gcc --
# Sanitizers: the whole suite again (tests/README.md).
pass build-asan ASan+UBSan -- -Db_sanitize=address,undefined -Db_lundef=false
# One closing line over both runs, in the plain form CI reads.
/usr/bin/python3 - "${logs[@]}" <<'PY'
import json, os, sys
n = {"OK": 0, "FAIL": 0, "SKIP": 0}
for log in sys.argv[1:]:
    if not os.path.exists(log):      # the pass did not build, or meson test did not start
        n["FAIL"] += 1
        continue
    for line in open(log):
        r = json.loads(line)["result"]
        key = "OK" if r in ("OK", "EXPECTEDFAIL") else "SKIP" if r == "SKIP" else "FAIL"
        n[key] += 1
print(f"{n['OK']} passed, {n['FAIL']} failed, {n['SKIP']} skipped")
sys.exit(1 if n["FAIL"] else 0)
PY
[ $? = 0 ] || status=1
exit $status
