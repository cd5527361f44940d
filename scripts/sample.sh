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
mapfile -t specs < <(scripts/standard-set.sh "$cimeter")
mkdir -p results
echo "== cimeter measure on corpora/sample ($(find corpora/sample -path '*/[tiva]*/*' -type f | wc -l) files)"
"$cimeter" measure --no-progress "${specs[@]}" -o results/sample.json --table \
    corpora/sample/text corpora/sample/image corpora/sample/video corpora/sample/audio || [ $? = 1 ]
echo "wrote results/sample.json"
if "$cimeter" --help | grep -q "^  fit "; then
    runs=corpora/runs/synthetic-multimodal.csv
    echo "== cimeter fit $runs (synthetic runs) with the measured C_i"
    # One production tokenizer per modality supplies its C_i.
    "$cimeter" fit "$runs" --form loglinear --results results/sample.json \
        --tokenizer text:tiktoken:cl100k_base --tokenizer vit-b16 \
        --tokenizer cosmos-dv8x16x16 --tokenizer encodec-24k-6kbps -o results/sample-fit.json
    echo "== cimeter predict: the smallest model reaching loss 3.9 with D_eff = 1e11 tokens"
    "$cimeter" predict results/sample-fit.json --target-loss 3.9 --data 1e11
fi
