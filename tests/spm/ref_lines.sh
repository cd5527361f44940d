#!/usr/bin/env bash
# ref_lines.sh — text:spm's own engine counts what spm_encode counts, line by line, for the
# bundled model and the models in tests/spm/models (BPE and Unigram, with and without byte
# fallback, nmt_nfkc / nfkc_cf / identity / custom rules, split_digits, user-defined
# symbols, whitespace as suffix, pieces across words, 32k pieces; train-models.sh), on
# adversarial lines, the sample corpus and a slice of the dev corpus (the whole dev text
# with CIM_SPM_FULL=1); and `measure` gives the same total with engine=native and
# engine=lib, at -j 1 and -j 2.
. "$(dirname "$0")/../core/lib.sh"
command -v spm_encode >/dev/null || { echo "spm_encode not installed (scripts/deps.sh --test): skipping"; exit 77; }
SPM_LINES=${1:?usage: ref_lines.sh SPM_LINES}
C=$CIMETER
here=$(cd "$(dirname "$0")" && pwd)
"$PY" "$here/adversarial.py" "$T/adversarial.txt" || fail "adversarial.py exited $?"
cat "$SAMPLE"/text/* > "$T/sample.txt"
inputs=("$T/adversarial.txt" "$T/sample.txt")
dev=${CIM_DEV_CORPUS:-$ROOT/corpora/dev}
if [ -d "$dev/text/gnome-help" ] && [ -d "$dev/text/go" ] && [ -f "$dev/text/kjv.txt" ]; then
    if [ "${CIM_SPM_FULL:-0}" = 1 ]; then
        { cat "$dev/text/kjv.txt"; find "$dev/text/gnome-help" "$dev/text/go" -type f | LC_ALL=C sort | xargs cat; } > "$T/dev.txt"
    else   # pages and files the models were not trained on
        { head -c 500000 "$dev/text/kjv.txt"
          find "$dev/text/gnome-help" -type f | LC_ALL=C sort | awk 'NR % 50 == 7' | xargs cat
          find "$dev/text/go" -type f | LC_ALL=C sort | awk 'NR % 100 == 7' | xargs cat; } > "$T/dev.txt"
    fi
    inputs+=("$T/dev.txt")
else
    echo "no dev corpus at $dev (corpora/fetch.sh dev): comparing on adversarial and sample text only"
fi
models=("$MODEL" "$here"/models/*.model)
for m in "${models[@]}"; do
    "$PY" "$here/compare_lines.py" "$SPM_LINES" "$m" "${inputs[@]}" || fail "$(basename "$m"): counts differ"
done
# The front-end: both engines, one and two threads, one large file.
big=${inputs[-1]}
ref=$(spm_encode --model "$MODEL" --output_format=id "$big" | wc -w)
for spec in "text:spm:$MODEL" "text:spm:$MODEL,engine=lib"; do
    for j in 1 2; do
        "$C" measure -j $j -t "$spec" -o "$T/m.json" "$big" || fail "measure $spec -j $j exited $?"
        got=$(json_get "$T/m.json" "d['aggregates'][0]['tokens']")
        [ "$got" = "$ref" ] && ok "$spec -j $j: $got = spm_encode" || fail "$spec -j $j: $got, spm_encode $ref"
    done
done
"$C" measure -t "text:spm:$MODEL,engine=nope" -o "$T/x.json" "$big" 2>/dev/null && fail "engine=nope accepted"
finish
