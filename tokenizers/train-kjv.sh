#!/usr/bin/env bash
# tokenizers/train-kjv.sh — rebuild tokenizers/kjv-bpe8k.model, the bundled
# SentencePiece model: BPE, 8000 pieces, byte fallback, trained with cimeter's
# own `train-text` on the whole King James Bible (public domain), drawn from
# Debian's bible-kjv-text by corpora/fetch.sh. Deterministic (one thread,
# every sentence used): rerunning reproduces the committed model byte for byte.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cimeter=$(realpath "${CIMETER:-$root/build/cimeter}")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$root/corpora/fetch.sh" kjv "$tmp/kjv.txt"
# SentencePiece records its input and output paths in the model: use fixed
# relative names so the model does not depend on where it was trained.
( cd "$tmp" && "$cimeter" train-text kjv.txt --vocab 8000 --type bpe -o kjv-bpe8k.model )
mv "$tmp/kjv-bpe8k.model" "$root/tokenizers/kjv-bpe8k.model"
sha256sum "$root/tokenizers/kjv-bpe8k.model"
