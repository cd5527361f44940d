#!/usr/bin/env bash
# hf_adversarial.sh — text:hf on hostile text files, through the whole pipeline (file
# decoding, added tokens, normalizer, pre-tokenizer, model), against the Rust tokenizers
# library (tests/ref/hf_count.mjs). The files: each string of tests/text/hf/strings.jsonl,
# invalid UTF-8 (stray, truncated, overlong, surrogate bytes), a BOM, NUL bytes, added
# tokens inside and around words, long runs of spaces, newlines and digits, and all of
# these concatenated. The tokenizers: bert-base-uncased, the Unigram files built from
# uni32k-bf.model, and the pre-tokenizer files of tests/text/hf/ (a WordLevel model there,
# so the count is the number of words). Exit 77 when the reference is absent.
set -euo pipefail
root=${CIM_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cimeter=${CIMETER:-$root/build/cimeter}
data=${CIMETER_DATA_DIR:-$root/tokenizers/data}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
command -v node >/dev/null || { echo "hf_adversarial.sh: node not found"; exit 77; }
mkdir "$tmp/in"
/usr/bin/python3 - "$root/tests/text/hf/strings.jsonl" "$tmp/in" <<'PY'
import json, sys
strings = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
raw = [s.encode("utf-8") for s in strings if s]
raw += [b"\xff\xfe stray", b"a\xc3(b", b"cut \xf0\x9f\x98", b"overlong \xc0\xaf \xe0\x80\xaf",
        b"surrogate \xed\xa0\x80\xed\xbf\xbf", b"\xef\xbb\xbfBOM first", b"mid\xef\xbb\xbfBOM",
        b"nul\x00byte\x00\x00", b"crlf\r\nlines\r\n\r\n", b"\x80\x81\x82\x83",
        b"hello[MASK]world [CLS][SEP] x</s>y <unk> <s>z [UNK]x [PAD] [mask]",
        b" " * 5000 + b"x" + b"\n" * 3000 + b"\t" * 100 + b"end",
        b"1234567890" * 500 + b" 3.14159 " + b"\xd9\xa1\xd9\xa2" * 200]
# cimeter measures a file as text when most of it is: give the hostile bytes some prose
prose = b"The quick brown fox jumps over the lazy dog. " * 4
raw = [prose + b + b" " + prose if len(b) < 64 else b for b in raw]
raw.append(b"\n".join(raw))
for i, b in enumerate(raw):
    open(f"{sys.argv[2]}/s{i:03d}.txt", "wb").write(b)
PY
toks=()
[ -f "$data/hf/bert-base-uncased.json" ] && toks+=("$data/hf/bert-base-uncased.json")
if /usr/bin/python3 -c 'from sentencepiece import sentencepiece_model_pb2' 2>/dev/null; then
    for style in t5 albert; do
        /usr/bin/python3 "$root/scripts/make-hf-json.py" unigram \
            "$root/tests/spm/models/uni32k-bf.model" "$tmp/uni32k-$style.json" --style $style
        toks+=("$tmp/uni32k-$style.json")
    done
fi
for f in "$root"/tests/text/hf/pre-*.json "$root"/tests/text/hf/model-*.json; do toks+=("$f"); done
find "$tmp/in" -type f | LC_ALL=C sort > "$tmp/files"
fail=0
for tok in "${toks[@]}"; do
    set +e
    node "$root/tests/ref/hf_count.mjs" "$tok" - < "$tmp/files" > "$tmp/ref.tsv"
    rc=$?
    set -e
    [ $rc = 77 ] && exit 77
    [ $rc = 0 ] || { echo "hf_count.mjs failed on $tok"; fail=1; continue; }
    "$cimeter" measure -t "text:hf:$tok" -j 2 --per-file --bootstrap 0 -o "$tmp/got.json" \
        "$tmp/in" > /dev/null || true
    /usr/bin/python3 - "$tmp/got.json" "$tmp/ref.tsv" "$(basename "$tok")" <<'PY' || fail=1
import json, sys
got = {r["path"]: (r.get("tokens"), r["error"]) for r in json.load(open(sys.argv[1]))["files"]}
ref = {}
for line in open(sys.argv[2], encoding="utf-8"):
    n, path = line.rstrip("\n").split("\t", 1)
    ref[path] = int(n)
# A file cimeter does not take for text (too many control bytes) is not compared.
text = [p for p in ref if p in got and got[p][0] is not None]
mism = [p for p in text if got[p][0] != ref[p]]
for p in mism[:5]:
    print(f"  mismatch {p}: cimeter {got.get(p)} library {ref[p]}")
print(f"{sys.argv[3]}: {len(text)} files compared ({len(ref) - len(text)} not text), "
      f"{len(mism)} mismatches")
sys.exit(1 if mism or len(text) < len(ref) - 8 else 0)
PY
done
exit $fail
