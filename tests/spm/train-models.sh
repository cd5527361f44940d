#!/usr/bin/env bash
# tests/spm/train-models.sh — rebuild the SentencePiece models in tests/spm/models/ that the
# spm tests hold cimeter's engine to spm_encode with. Their text: every 20th gnome-help page
# and every 40th Go file of the dev corpus (multilingual prose and code, ~4 MB). Four are
# trained by `cimeter train-text` (nmt_nfkc, the defaults), four by spm_train for the
# settings train-text does not expose.
#   uni8k-bf         unigram, 8000, byte fallback                      (train-text)
#   uni32k-bf        unigram, 32000, byte fallback                     (train-text)
#   bpe8k-nobf       BPE, 8000, no byte fallback                       (train-text)
#   uni8k-nobf       unigram, 8000, no byte fallback                   (train-text)
#   bpe4k-id-digits  BPE, identity normalization, split_digits, byte fallback
#   uni4k-cf-user    unigram, nfkc_cf, split_digits, user-defined symbols @@ <br> http
#   bpe4k-suffix     BPE, treat_whitespace_as_suffix, remove_extra_whitespaces off
#   uni4k-nows       unigram, split_by_whitespace off (pieces span words), no dummy prefix
#   bpe2k-custom     BPE, custom normalization rules (custom-rules.tsv: multi-character
#                    rules, a rule to several spaces, one to nothing), on the first 1.5 MB
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cimeter=$(realpath "${CIMETER:-$root/build/cimeter}")
dev=${CIM_DEV_CORPUS:-$root/corpora/dev}
out=$root/tests/spm/models
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
{ find "$dev/text/gnome-help" -type f | LC_ALL=C sort | awk 'NR % 20 == 1' | xargs cat
  find "$dev/text/go" -type f | LC_ALL=C sort | awk 'NR % 40 == 1' | xargs cat; } > "$tmp/mix.txt"
cd "$tmp"   # SentencePiece records the paths: keep them relative
"$cimeter" train-text mix.txt --vocab 8000 --type unigram -o uni8k-bf.model
"$cimeter" train-text mix.txt --vocab 32000 --type unigram -o uni32k-bf.model
"$cimeter" train-text mix.txt --vocab 8000 --type bpe --no-byte-fallback -o bpe8k-nobf.model
"$cimeter" train-text mix.txt --vocab 8000 --type unigram --no-byte-fallback -o uni8k-nobf.model
common="--input=mix.txt --num_threads=1 --minloglevel=1"
spm_train $common --model_prefix=bpe4k-id-digits --vocab_size=4000 --model_type=bpe \
    --normalization_rule_name=identity --split_digits=true --byte_fallback=true --character_coverage=1.0
spm_train $common --model_prefix=uni4k-cf-user --vocab_size=4000 --model_type=unigram \
    --normalization_rule_name=nfkc_cf --split_digits=true --user_defined_symbols='@@,<br>,http' \
    --character_coverage=0.9995
spm_train $common --model_prefix=bpe4k-suffix --vocab_size=4000 --model_type=bpe \
    --treat_whitespace_as_suffix=true --remove_extra_whitespaces=false --character_coverage=1.0
spm_train $common --model_prefix=uni4k-nows --vocab_size=4000 --model_type=unigram \
    --split_by_whitespace=false --add_dummy_prefix=false --character_coverage=1.0
head -c 1500000 mix.txt > mix.txt.head && mv mix.txt.head mix.txt
spm_train $common --model_prefix=bpe2k-custom --vocab_size=2000 --model_type=bpe \
    --normalization_rule_tsv="$root/tests/spm/custom-rules.tsv" --byte_fallback=true \
    --character_coverage=0.995
mv ./*.model "$out/"
ls -l "$out"
