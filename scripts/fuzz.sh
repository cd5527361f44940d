#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] [TARGET...] — run every libFuzzer target (default:
# text image video audio csv json sources jsonl) for SECONDS each (default 60), one after
# the other, under ASan+UBSan (build-fuzz/, clang, -Dfuzz=true).
# Seeds: corpora/sample/<modality> for the decode targets, corpora/runs/*.csv
# for csv, results/*.json for json, tests/fuzz/seeds/sources for sources and jsonl,
# plus tests/fuzz/seeds/<target>/ and the
# committed crashers; tests/fuzz/<target>.dict is passed when present.
# A target whose front-ends are not built (exit 77; libFuzzer's own error exit
# is set to 1 so a crash is never taken for that) is skipped. Crashers land
# in build-fuzz/crash-<target>/; once fixed, minimise them (-minimize_crash=1)
# into tests/fuzz/crashers/<target>/. Prints executions and time per target.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(text image video audio csv json sources jsonl)
cd "$root"
if [ ! -f build-fuzz/build.ninja ]; then
    CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined \
        -Db_lundef=false -Dbuildtype=debugoptimized >/dev/null || exit 2
fi
ninja -C build-fuzz >/dev/null || exit 2
status=0
for t in "${targets[@]}"; do
    exe=build-fuzz/tests/fuzz/fuzz_$t
    [ -x "$exe" ] || { echo "== fuzz_$t: not built"; continue; }
    work=build-fuzz/corpus-$t; mkdir -p "$work" "build-fuzz/crash-$t"
    case $t in
        csv)  seeds=(corpora/runs/*.csv) ;;
        json) seeds=(results/*.json) ;;
        sources|jsonl) seeds=(tests/fuzz/seeds/sources/*) ;;
        *)    seeds=(corpora/sample/$t/*) ;;
    esac
    seeds+=(tests/fuzz/seeds/$t/* tests/fuzz/crashers/$t/*)
    for s in "${seeds[@]}"; do [ -f "$s" ] && cp -n "$s" "$work/"; done
    dict=(); [ -f tests/fuzz/$t.dict ] && dict=(-dict=tests/fuzz/$t.dict)
    maxlen=1048576; [ "$t" = text ] && maxlen=65536   # spm under ASan: short inputs, more executions
    echo "== fuzz_$t for ${secs}s"
    log=build-fuzz/fuzz-$t.log
    start=$(date +%s)
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        LSAN_OPTIONS=suppressions=$root/tests/fuzz/lsan.supp \
        "$exe" "${dict[@]}" -error_exitcode=1 -max_total_time="$secs" -max_len=$maxlen -timeout=20 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="build-fuzz/crash-$t/" "$work" >"$log" 2>&1
    rc=$?
    took=$(( $(date +%s) - start ))
    if [ $rc = 77 ]; then echo "   skipped: front-ends not built"; continue; fi
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    cov=$(grep -oE '^#[0-9]+.*cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+')
    echo "   ${runs:-?} executions in ${took}s, ${cov:-no coverage line}, corpus $(ls "$work" | wc -l) files, exit $rc"
    if [ $rc != 0 ]; then
        status=1
        grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$log" | head -5 | sed 's/^/   /'
    fi
done
exit $status
