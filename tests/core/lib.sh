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
