#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] — run every libFuzzer target for SECONDS each (default 60),
# seeded from corpora/sample/<modality>, under ASan+UBSan. Crashers land in
# build-fuzz/crash-<target>/; copy them to tests/fuzz/crashers/<modality>/ once fixed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
cd "$root"
if [ ! -f build-fuzz/build.ninja ]; then
    CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined \
        -Db_lundef=false -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C build-fuzz >/dev/null
for t in text image video audio; do
    exe=build-fuzz/tests/fuzz/fuzz_$t
    work=build-fuzz/corpus-$t; mkdir -p "$work" "build-fuzz/crash-$t"
    cp -n corpora/sample/$t/* "$work/" 2>/dev/null || true
    echo "== fuzz_$t for ${secs}s"
    ASAN_OPTIONS=detect_leaks=1 "$exe" -max_total_time="$secs" -max_len=1048576 -timeout=20 -rss_limit_mb=2048 \
        -artifact_prefix="build-fuzz/crash-$t/" "$work" 2>&1 | grep -E "^#[0-9]+.*(DONE|pulse)|ERROR|SUMMARY|Done [0-9]+ runs" | tail -3 || true
done
