#!/usr/bin/env bash
# tests/ref/check-tiktoken-all.sh — text:tiktoken against npm tiktoken on the WHOLE dev
# corpus (every text file: kjv.txt, all gnome-help pages, all Go files), the sample
# corpus and the generated hostile text, for r50k, p50k, cl100k and o200k.
#   tests/ref/check-tiktoken-all.sh [BUILD_DIR]      (default: build)
# Needs scripts/fetch-tokenizers.sh --test and corpora/fetch.sh dev ($CIM_DEV_CORPUS,
# default corpora/dev). Exit 0 all equal, 1 a mismatch, 77 reference absent. Reference
# counts are cached in build/tiktoken-ref-cache.tsv ($CIM_TIKTOKEN_REF_CACHE), keyed by
# path, size and mtime: a rerun after a cimeter change takes a minute, not twenty.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
export CIMETER=${CIMETER:-$build/cimeter}
export CIM_DEV_CORPUS=${CIM_DEV_CORPUS:-$root/corpora/dev}
[ -d "$CIM_DEV_CORPUS/text" ] || { echo "check-tiktoken-all.sh: no dev corpus at $CIM_DEV_CORPUS (corpora/fetch.sh dev)" >&2; exit 77; }
exec python3 "$root/tests/tiktoken/tiktoken_ref.py" --all-dev --adversarial '' \
    --ref-cache "${CIM_TIKTOKEN_REF_CACHE:-$root/build/tiktoken-ref-cache.tsv}" "$root/corpora/sample/text"
