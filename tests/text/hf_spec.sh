#!/usr/bin/env bash
# hf_spec.sh — text:hf spec handling and refusals: a preset and its file by path count the
# same and the output records the file's SHA-256; a tokenizer.json with a component or
# option cimeter does not support is refused with a message naming it (never counted
# roughly); a preset whose bytes differ from the pinned SHA-256 is refused. Skips (77)
# without the presets (scripts/fetch-tokenizers.sh).
set -u
cim=${CIMETER:?}
root=${CIM_SOURCE_ROOT:?}
data=${CIMETER_DATA_DIR:-$root/tokenizers/data}
[ -f "$data/hf/llama3.json" ] || { echo "no hf presets (scripts/fetch-tokenizers.sh)"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf "Hello world, it's 2024!\r\n  \n\tdone's\xff <|begin_of_text|>x\n" > "$tmp/a.txt"
cat "$root"/corpora/sample/text/* >> "$tmp/a.txt"
fail=0
out() { "$cim" measure -t "$1" -o "$tmp/o.json" "${2:-$tmp/a.txt}" >/dev/null 2>"$tmp/err" &&
        /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); t=d['tokenizers'][0]; print(d['aggregates'][0]['tokens'], t.get('sha256', t.get('model_sha256', '')))" "$tmp/o.json"; }
a=$(out text:hf:llama3)
b=$(out "text:hf:$data/hf/llama3.json")
want_sha=$(sha256sum "$data/hf/llama3.json" | cut -d' ' -f1)
echo "llama3: $a; by path: $b"
[ -n "$a" ] && [ "${a%% *}" = "${b%% *}" ] || { echo "FAIL: preset and path differ"; fail=1; }
grep -q "$want_sha" "$tmp/o.json" || { echo "FAIL: output does not record SHA-256 $want_sha"; fail=1; }
expect_err() {   # spec, text the message must hold
    env ${ENVSET:-} "$cim" measure -t "$1" "$tmp/a.txt" >/dev/null 2>"$tmp/err"; rc=$?
    if [ $rc = 0 ] || ! grep -q "$2" "$tmp/err"; then
        echo "FAIL: -t $1: exit $rc, stderr: $(cat "$tmp/err")"; fail=1
    fi
}
# Small tokenizer.json files, each with one thing cimeter refuses.
mk() {   # name, normalizer, pre_tokenizer, model extras, top-level extras
    cat > "$tmp/$1.json" <<EOF
{"version": "1.0", "truncation": null, "padding": null, "added_tokens": [], $5
 "normalizer": $2, "pre_tokenizer": $3, "post_processor": null, "decoder": null,
 "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
           "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, $4
           "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}}
EOF
}
mk ok null null '' ''
mk dropout null null '"ignore_merges": false, "dropout": 0.5,' ''
mk norm '{"type": "FancyNormalizer"}' null '' ''
mk pre null '{"type": "CharDelimiterSplit", "delimiter": " "}' '' ''
mk seq null '{"type": "Sequence", "pretokenizers": [{"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}, {"type": "Whitespace"}]}' '' ''
mk split null '{"type": "Split", "pattern": {"Regex": " "}, "behavior": "Sideways", "invert": false}' '' ''
sed 's/"truncation": null/"truncation": {"max_length": 8, "strategy": "LongestFirst", "stride": 0, "direction": "Right"}/' "$tmp/ok.json" > "$tmp/trunc.json"
sed 's/"merges": \["a b"\]/"merges": ["a c"]/' "$tmp/ok.json" > "$tmp/merge.json"
sed 's/"type": "BPE"/"type": "Tree"/' "$tmp/ok.json" > "$tmp/model.json"
n=$(out "text:hf:$tmp/ok.json")
echo "toy BPE: $n"
[ -n "$n" ] || { echo "FAIL: the toy tokenizer.json was refused: $(cat "$tmp/err")"; fail=1; }
expect_err "text:hf:$tmp/dropout.json" "dropout"
expect_err "text:hf:$tmp/norm.json" "unsupported normalizer 'FancyNormalizer'"
expect_err "text:hf:$tmp/pre.json" "unsupported pre-tokenizer 'CharDelimiterSplit'"
expect_err "text:hf:$tmp/seq.json" "ByteLevel before other pre-tokenizers"
expect_err "text:hf:$tmp/split.json" "Split behavior 'Sideways'"
expect_err "text:hf:$tmp/trunc.json" "unsupported truncation"
expect_err "text:hf:$tmp/merge.json" "not in the vocabulary"
expect_err "text:hf:$tmp/model.json" "unsupported model 'Tree'"
expect_err "text:hf:$tmp/missing.json" "not found"
expect_err "text:hf:llama4" "unknown hf tokenizer"
printf '{"model": ' > "$tmp/bad.json"
expect_err "text:hf:$tmp/bad.json" "not JSON"
mkdir -p "$tmp/data/hf" && head -c 100000 "$data/hf/llama3.json" > "$tmp/data/hf/llama3.json"
ENVSET="CIMETER_DATA_DIR=$tmp/data" expect_err text:hf:llama3 "not the pinned"
ENVSET="CIMETER_DATA_DIR=$tmp/none" expect_err text:hf:llama3 "scripts/deps.sh"
# Added tokens with lstrip, rstrip, single_word, normalized (after Lowercase), a longer
# one overlapping another, and fused unknowns: the count equals the Rust library's.
/usr/bin/python3 -c "
import random
r = random.Random(5)
parts = ['<x>', '<y>', 'ab', 'Q', 'q', 'abc', 'AB', 'aB', ' ', '  ', '\n', '\t', '_', 'é', 'x', 'y', '<x>y', '<',
         '>', 'c', 'zz', '1', 'ab_', '\u3000', '\u00a0']
open('$tmp/flags.txt', 'w').write(''.join(r.choice(parts) for _ in range(20000)))"
flags=$root/tests/text/hf-core/added-flags.json
got=$(out "text:hf:$flags" "$tmp/flags.txt")
want=$(node "$root/tests/ref/hf_count.mjs" "$flags" "$tmp/flags.txt" 2>/dev/null | cut -f1)
echo "added-token flags: cimeter ${got%% *}, tokenizers ${want:-absent}"
if [ -n "$want" ] && [ "${got%% *}" != "$want" ]; then echo "FAIL: added-token flags differ"; fail=1; fi
# A key given twice counts with its last value, as in the library: the last "model", its
# last "vocab" and "merges", a token's last id (the vocabulary size, so capacity_bits, too).
cat > "$tmp/twice.json" <<EOF
{"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
 "normalizer": null, "pre_tokenizer": null, "post_processor": null, "decoder": null,
 "model": {"type": "WordLevel", "vocab": {}, "unk_token": "a"},
 "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
           "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
           "vocab": {"a": 0, "b": 1}, "merges": ["b a"],
           "vocab": {"a": 0, "b": 1, "ab": 5, "ba": 3, "ab": 2}, "merges": ["a b"]}}
EOF
printf 'abab ba aab' > "$tmp/twice.txt"
"$cim" measure -t "text:hf:$tmp/twice.json" --info -o "$tmp/o.json" "$tmp/twice.txt" >/dev/null 2>"$tmp/err"
got=$(/usr/bin/python3 -c "import json,sys; a=json.load(open(sys.argv[1]))['aggregates'][0]; print(a['tokens'], round(a['capacity_bits']))" "$tmp/o.json" 2>/dev/null)
want=$(node "$root/tests/ref/hf_count.mjs" "$tmp/twice.json" "$tmp/twice.txt" 2>/dev/null | cut -f1)
echo "keys given twice: cimeter ${got:-refused}, tokenizers ${want:-absent}"
[ "$got" = "6 12" ] || { echo "FAIL: keys given twice: want 6 tokens over a vocabulary of 4 (12 bits): $(cat "$tmp/err")"; fail=1; }
if [ -n "$want" ] && [ "${got%% *}" != "$want" ]; then echo "FAIL: keys given twice differ from the library"; fail=1; fi
# Split regexes with \S and \P{..} inside a class (spelled out as the ranges outside the
# library's class) on characters newer than PCRE2's tables and U+180E, against the library;
# a script property, which only PCRE2's older tables would know, is refused.
printf 'ab,\360\261\215\220c \341\240\216 d\360\236\200\260!\360\221\274\200x y\343\200\200z 12\360\237\230\200' > "$tmp/new.txt"
for rx in '[\\P{L}]+' '[^\\P{L}]+' '[\\S]+' '[^\\S]+' '\\P{L}+' '[x\\P{N}]+' '[\\P{Lo}\\s]+'; do
    cat > "$tmp/rx.json" <<EOF
{"version": "1.0", "truncation": null, "padding": null, "added_tokens": [], "normalizer": null,
 "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "$rx"}, "behavior": "Isolated", "invert": false},
 "post_processor": null, "decoder": null,
 "model": {"type": "WordLevel", "vocab": {"[UNK]": 0}, "unk_token": "[UNK]"}}
EOF
    got=$(out "text:hf:$tmp/rx.json" "$tmp/new.txt")
    want=$(node "$root/tests/ref/hf_count.mjs" "$tmp/rx.json" "$tmp/new.txt" 2>/dev/null | cut -f1)
    echo "Split /$rx/: cimeter ${got%% *}, tokenizers ${want:-absent}"
    [ -n "$got" ] || { echo "FAIL: /$rx/ refused: $(cat "$tmp/err")"; fail=1; }
    if [ -n "$want" ] && [ "${got%% *}" != "$want" ]; then echo "FAIL: Split /$rx/ differs from the library"; fail=1; fi
done
sed 's/\[\\\\P{Lo}\\\\s\]+/\\\\p{Han}+/' "$tmp/rx.json" > "$tmp/han.json"
expect_err "text:hf:$tmp/han.json" 'unsupported regex property \\p{Han}'
[ $fail = 0 ] && echo "all spec checks passed"
exit $fail
