#!/usr/bin/env bash
# sample.sh — the golden test: the bundled sample corpus measured with the standard
# tokenizer set (scripts/standard-set.sh, as scripts/sample.sh runs it) gives the
# committed results/sample.json byte for byte, apart from `command` (the one field
# that records how cimeter was called). A change to any count, figure or the JSON
# layout shows here; regenerate results/ with scripts/make-results.sh when it is meant.
. "${CIM_SOURCE_ROOT:?}/tests/core/lib.sh"
cd "$ROOT"
mapfile -t specs < <(scripts/standard-set.sh "$CIMETER" 2>"$T/left-out")
if [ -s "$T/left-out" ]; then
    cat "$T/left-out"
    echo "skip: this build lacks part of the standard set, so results/sample.json cannot match"
    exit 77
fi
"$CIMETER" measure --no-progress "${specs[@]}" -o "$T/sample.json" \
    corpora/sample/text corpora/sample/image corpora/sample/video corpora/sample/audio
rc=$?
[ $rc = 0 ] || fail "measure exited $rc"
if diff <(strip_command results/sample.json) <(strip_command "$T/sample.json") > "$T/diff"; then
    ok "results/sample.json reproduced ($(wc -c < results/sample.json) bytes)"
else
    head -40 "$T/diff"
    fail "the sample corpus no longer gives results/sample.json"
fi
finish
