#!/usr/bin/env bash
# scripts/sample.sh — the main job: install what is needed, build, measure the
# bundled sample corpus with the standard tokenizer set (scripts/standard-set.sh),
# print the compression table, write results/sample.json, then fit the
# synthetic example runs (corpora/runs) with the measured C_i and answer a
# prediction. The commands are the ones scripts/make-results.sh runs, so the
# committed results/ stay as they are.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/deps.sh
scripts/build.sh build >/dev/null
cim=./build/cimeter
mapfile -t specs < <(scripts/standard-set.sh "$cim")
mkdir -p results
echo "== cimeter measure on corpora/sample"
rc=0
"$cim" measure --no-progress "${specs[@]}" -o results/sample.json \
    corpora/sample/text corpora/sample/image corpora/sample/video corpora/sample/audio || rc=$?
[ $rc -le 1 ] || exit $rc
"$cim" report results/sample.json --format md -o -
echo "wrote results/sample.json"
runs=corpora/runs/synthetic-multimodal.csv
echo
echo "== cimeter fit $runs (synthetic runs), C_i as measured above"
"$cim" fit "$runs" --form loglinear --results results/sample.json \
    --tokenizer text:tiktoken:cl100k_base --tokenizer vit-b16 \
    --tokenizer cosmos-dv8x16x16 --tokenizer encodec-24k-6kbps -o results/fit-loglinear.json
echo
echo "== cimeter predict: the smallest model reaching loss 3.9 with D_eff = 1e11 tokens"
"$cim" predict results/fit-loglinear.json --target-loss 3.9 --data 1e11
exit $rc
