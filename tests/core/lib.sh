# lib.sh — helpers for the shell tests (sourced). CIMETER, CIM_SOURCE_ROOT come from meson.
set -u
PY=${PYTHON:-/usr/bin/python3}
ROOT=${CIM_SOURCE_ROOT:?}
SAMPLE=${CIM_SAMPLE:-$ROOT/corpora/sample}
MODEL=$ROOT/tokenizers/kjv-bpe8k.model
T=$(mktemp -d); trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
# expect_rc WANT CMD...: runs CMD, checks its exit code
expect_rc() { local want=$1; shift; "$@" >"$T/out" 2>"$T/err"; local rc=$?
    if [ "$rc" != "$want" ]; then fail "$* exited $rc, expected $want"; cat "$T/err" >&2; else ok "$* -> $rc"; fi; }
# json_get FILE PYEXPR: evaluates PYEXPR with `d` bound to the parsed JSON
json_get() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# strip_command FILE: the JSON minus its `command` field (the only field that records how it was called)
strip_command() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("command"); print(json.dumps(d, indent=1))' "$1"; }
finish() { if [ "$fails" != 0 ]; then echo "$fails check(s) failed"; exit 1; fi; echo "all checks passed"; exit 0; }

# Memory bounds that hold on any machine and under any build. A bound is never a bare
# constant: it is what the code promises on top of what this very build needs to run the
# same command on a small file (its libraries, its runtime, ASan's fixed overhead):
#   peak RSS < baseline + promise + 16 MiB (allocator and decoder-library slack)
# Under AddressSanitizer the promise grows by ASan's quarantine of freed memory (held back
# to catch use-after-free; peak_rss caps it at CIM_ASAN_QUARANTINE_MIB), and the whole by
# 9/8: ASan's shadow memory maps one byte for every eight of heap the program touches.
CIM_ASAN_QUARANTINE_MIB=64
case ",${CIM_SANITIZE:-none}," in *,address,*) CIM_ASAN=1 ;; *) CIM_ASAN=0 ;; esac
# peak_rss CMD...: runs CMD (stdout and stderr to $T/rss.out, $T/rss.err) and sets
# $rss to its peak RSS in KiB and $rss_rc to its exit status
peak_rss() {
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=$CIM_ASAN_QUARANTINE_MIB" \
        /usr/bin/time -v -o "$T/rss.time" "$@" >"$T/rss.out" 2>"$T/rss.err"
    rss_rc=$?
    rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$T/rss.time")
}
# rss_bound_kib BASELINE_KIB PROMISE_KIB: the bound above, in KiB
rss_bound_kib() {
    local baseline=$1 promise=$2
    if [ "$CIM_ASAN" = 1 ]; then
        promise=$(((promise + CIM_ASAN_QUARANTINE_MIB * 1024) * 9 / 8))
    fi
    echo $((baseline + promise + 16 * 1024))
}
