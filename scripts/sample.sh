#!/usr/bin/env bash
# scripts/sample.sh — the main job: install what is needed, build, and measure
# the bundled sample corpus with the standard tokenizer set; prints the
# compression table and writes results/sample.json (and, once a fitter is
# built, fits the synthetic example runs and answers a prediction).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/deps.sh
cimeter=$(scripts/build.sh build)
# The standard set: every built tokenizer family on its own modality (`cimeter tokenizers`).
specs=(-t text:bytes -t "text:spm:tokenizers/kjv-bpe8k.model")
have() { "$cimeter" tokenizers | grep -q "^  $1 "; }
if have "text:tiktoken"; then specs+=(-t gpt-4 -t gpt-4o); fi
if have "image:patch"; then specs+=(-t vit-b16 -t cosmos-di16 -t image:patch:p=16,max=1024); fi
if have "image:adaptive"; then specs+=(-t image:adaptive:min=8,max=32,thr=24); fi
if have "video:tubelet"; then specs+=(-t vivit-2x16 -t cosmos-dv8x16x16); fi
if have "video:rlt"; then specs+=(-t video:rlt:t=2,p=16,thr=0.1); fi
if have "audio:frame"; then specs+=(-t whisper -t hubert); fi
if have "audio:codec"; then specs+=(-t encodec-24k-6kbps -t mimi); fi
mkdir -p results
echo "== cimeter measure on corpora/sample ($(find corpora/sample -path '*/[tiva]*/*' -type f | wc -l) files)"
"$cimeter" measure "${specs[@]}" -o results/sample.json --per-file \
    corpora/sample/text corpora/sample/image corpora/sample/video corpora/sample/audio || [ $? = 1 ]
"$cimeter" measure "${specs[@]}" --bootstrap 1000 \
    corpora/sample/text corpora/sample/image corpora/sample/video corpora/sample/audio || [ $? = 1 ]
echo "wrote results/sample.json"
if "$cimeter" --help | grep -q "^  fit "; then
    runs=corpora/runs/synthetic-multimodal.csv
    echo "== cimeter fit $runs (synthetic runs) with the measured C_i"
    "$cimeter" fit "$runs" --form loglinear --results results/sample.json -o results/sample-fit.json
    echo "== cimeter predict: compute-optimal split of 1e21 FLOPs"
    "$cimeter" predict results/sample-fit.json --flops 1e21
fi
