#!/usr/bin/env bash
# hf_stages.sh — each normalizer, pre-tokenizer and model of text:hf, alone, against the
# same stage of the Rust tokenizers library (tests/text/hf_stage_ref.mjs over npm
# `tokenizers`), on the adversarial strings of tests/text/hf/strings.jsonl (models: the
# words of tests/text/hf/words.jsonl). The small tokenizer.json files in tests/text/hf/
# hold one component each: norm-* (normalizer), pre-* (pre-tokenizer), model-* (model).
# Also the bert-base-uncased preset and the Unigram files built from uni32k-bf.model, stage
# by stage, when they are available. Exit 77 when npm `tokenizers` is absent.
set -euo pipefail
root=${CIM_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
stage_bin=${HF_STAGE:?HF_STAGE: the hf_stage program}
here=$root/tests/text
data=${CIMETER_DATA_DIR:-$root/tokenizers/data}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
command -v node >/dev/null || { echo "hf_stages.sh: node not found"; exit 77; }
fail=0
check() {   # STAGE TOKENIZER STRINGS
    "$stage_bin" "$1" "$2" < "$3" > "$tmp/ours.jsonl" || { echo "hf_stage failed: $1 $2"; fail=1; return; }
    set +e
    node "$here/hf_stage_ref.mjs" "$1" "$2" "$3" "$tmp/ours.jsonl"
    local rc=$?
    set -e
    [ $rc = 77 ] && exit 77
    [ $rc = 0 ] || fail=1
}
for f in "$here"/hf/norm-*.json; do check normalizer "$f" "$here/hf/strings.jsonl"; done
for f in "$here"/hf/pre-*.json; do check pretok "$f" "$here/hf/strings.jsonl"; done
for f in "$here"/hf/model-*.json; do check model "$f" "$here/hf/words.jsonl"; done
whole=()
[ -f "$data/hf/bert-base-uncased.json" ] && whole+=("$data/hf/bert-base-uncased.json")
if /usr/bin/python3 -c 'from sentencepiece import sentencepiece_model_pb2' 2>/dev/null; then
    for style in t5 albert; do
        /usr/bin/python3 "$root/scripts/make-hf-json.py" unigram \
            "$root/tests/spm/models/uni32k-bf.model" "$tmp/uni32k-$style.json" --style $style
        whole+=("$tmp/uni32k-$style.json")
    done
fi
for f in "${whole[@]}"; do
    check normalizer "$f" "$here/hf/strings.jsonl"
    check pretok "$f" "$here/hf/strings.jsonl"
    check model "$f" "$here/hf/words.jsonl"
done
exit $fail
