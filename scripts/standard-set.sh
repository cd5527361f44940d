#!/usr/bin/env bash
# scripts/standard-set.sh CIMETER — the standard tokenizer set that sample.sh and
# make-results.sh measure, as `-t SPEC` lines: each spec that this build can set
# up (front-end built, data fetched). A spec cimeter refuses (exit 2) is left
# out with a note on stderr.
set -euo pipefail
cim=$1
root=$(cd "$(dirname "$0")/.." && pwd)
candidates=(
    text:bytes text:chars "text:spm:tokenizers/kjv-bpe8k.model" gpt2 gpt-4 gpt-4o
    vit-b16 chameleon cosmos-di16 titok-l32 image:adaptive:min=8,max=64,thr=32
    vivit-2x16 cosmos-dv4x8x8 cosmos-dv8x16x16 video:rlt:t=2,p=16
    whisper hubert encodec-24k-6kbps dac-44k mimi audio:vad:hop=20,thr=-40
)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
: > "$tmp/empty"
cd "$root"
for t in "${candidates[@]}"; do
    # exit 2 = the spec cannot be set up here; 1 = it works (the empty file is an error record)
    if "$cim" measure --no-progress -t "$t" -o "$tmp/probe.json" "$tmp/empty" 2>/dev/null || [ $? = 1 ]; then
        printf -- '-t\n%s\n' "$t"
    else
        echo "standard-set.sh: leaving out $t (not available in this build)" >&2
    fi
done
