#!/usr/bin/env bash
# test_spec.sh — text:tiktoken spec handling: a rank file given by path (with pattern=)
# counts as the named encoding does; a missing rank file is a clear error naming the
# set-up command; bad names and patterns are usage errors. Skips (77) without rank files.
set -u
cim=${CIMETER:?}
root=${CIM_SOURCE_ROOT:?}
data=${CIMETER_DATA_DIR:-$root/tokenizers/data}
[ -f "$data/cl100k_base.tiktoken" ] && [ -f "$data/o200k_base.tiktoken" ] || { echo "no rank files (scripts/deps.sh)"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf "Hello world, it's 2024!\r\n  \n\tdone's\xff\n" > "$tmp/a.txt"
cat "$root"/corpora/sample/text/* >> "$tmp/a.txt"
fail=0
tokens() { "$cim" measure -t "$1" -o "$tmp/o.json" "$tmp/a.txt" >/dev/null 2>"$tmp/err" &&
           python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['aggregates'][0]['tokens'], d['tokenizers'][0] if d.get('tokenizers') else '')" "$tmp/o.json"; }
a=$(tokens text:tiktoken:cl100k_base | cut -d' ' -f1)
b=$(tokens "text:tiktoken:$data/cl100k_base.tiktoken" | cut -d' ' -f1)
c=$(tokens "text:tiktoken:$data/cl100k_base.tiktoken,pattern=cl100k" | cut -d' ' -f1)
d=$(tokens text:tiktoken:o200k_base | cut -d' ' -f1)
e=$(tokens "text:tiktoken:encoding=$data/o200k_base.tiktoken,pattern=o200k" | cut -d' ' -f1)
f=$(tokens "text:tiktoken:$data/o200k_base.tiktoken,pattern=r50k" | cut -d' ' -f1)
echo "cl100k $a, file $b, file+pattern $c; o200k $d, file+pattern $e, o200k ranks with r50k pattern $f"
[ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$c" ] || { echo "FAIL: rank file path != cl100k_base"; fail=1; }
[ -n "$d" ] && [ "$d" = "$e" ] || { echo "FAIL: o200k rank file + pattern=o200k != o200k_base"; fail=1; }
[ -n "$f" ] && [ "$f" != "$e" ] || { echo "FAIL: pattern=r50k made no difference"; fail=1; }
expect_err() {   # spec, expected exit code, text the message must hold
    env ${ENVSET:-} "$cim" measure -t "$1" "$tmp/a.txt" >/dev/null 2>"$tmp/err"; rc=$?
    if [ $rc != "$2" ] || ! grep -q "$3" "$tmp/err"; then
        echo "FAIL: -t $1: exit $rc (want $2), stderr: $(cat "$tmp/err")"; fail=1
    fi
}
ENVSET="CIMETER_DATA_DIR=$tmp/none" expect_err text:tiktoken:cl100k_base 2 "scripts/deps.sh"
expect_err text:tiktoken:cl100k 2 "unknown tiktoken encoding"
expect_err text:tiktoken:cl100k_base,pattern=o200k 2 "pattern= is for rank files"
expect_err "text:tiktoken:$data/cl100k_base.tiktoken,pattern=gpt5" 2 "pattern must be"
expect_err "text:tiktoken:$tmp/missing.tiktoken" 2 "not found"
printf 'not base64 at all\n' > "$tmp/bad.tiktoken"
expect_err "text:tiktoken:$tmp/bad.tiktoken" 2 "not a .tiktoken line"
# A rank file whose bytes differ from tiktoken's published hash is refused.
mkdir -p "$tmp/data" && head -c 100000 "$data/cl100k_base.tiktoken" > "$tmp/data/cl100k_base.tiktoken"
ENVSET="CIMETER_DATA_DIR=$tmp/data" expect_err text:tiktoken:cl100k_base 2 "not the pinned"
[ $fail = 0 ] && echo "all spec checks passed"
exit $fail
