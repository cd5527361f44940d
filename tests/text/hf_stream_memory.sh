#!/usr/bin/env bash
# hf_stream_memory.sh — a large file under text:hf:gemma3 streams in bounded memory: its
# pipeline is cut next to walls (digits, doc/tokenizers.md), so counting 64 MiB of text
# holds a cut's worth at a time, not the file. Peak RSS against the same command on the
# small unit the big one repeats (the bound of tests/core/lib.sh: baseline + promise + slack;
# a file held whole would need 64 MiB more). The counts of the two must scale exactly.
# Skips (77) without the preset (scripts/fetch-tokenizers.sh).
. "${CIM_SOURCE_ROOT:?}/tests/core/lib.sh"
C=${CIMETER:?}
data=${CIMETER_DATA_DIR:-$ROOT/tokenizers/data}
[ -f "$data/hf/gemma3.json" ] || { echo "no gemma3 preset (scripts/fetch-tokenizers.sh)"; exit 77; }
# One unit: a digit, then Genesis (verse numbers: a wall every line or so).
small=$T/unit.txt
{ printf '0 '; cat "$SAMPLE/text/kjv-genesis.txt"; } > "$small"
copies=$(((64 << 20) / $(stat -c %s "$small") + 1))
for _ in $(seq "$copies"); do cat "$small"; done > "$T/big.txt"
tokens() { json_get "$1" 'd["aggregates"][0]["tokens"]'; }
for j in 1 2; do
    peak_rss "$C" measure -t text:hf:gemma3 -j "$j" -o "$T/small.json" "$small"
    base=$rss
    peak_rss "$C" measure -t text:hf:gemma3 -j "$j" -o "$T/big.json" "$T/big.txt"
    bound=$(rss_bound_kib "$base" $((24 * 1024)))
    echo "-j $j: $(stat -c %s "$T/big.txt") bytes, peak RSS $rss KiB (baseline $base, bound $bound)"
    [ "$rss_rc" = 0 ] || fail "-j $j: exit $rss_rc: $(cat "$T/rss.err")"
    [ "$rss" -lt "$bound" ] || fail "-j $j: peak RSS $rss KiB over $bound"
    # Every unit starts with a digit, which no merge takes: BPE encodes the text on
    # either side of it apart, so the big file's count is the unit's times the copies.
    [ "$(tokens "$T/big.json")" = $(($(tokens "$T/small.json") * copies)) ] \
        || fail "-j $j: $(tokens "$T/big.json") tokens, not $copies x $(tokens "$T/small.json")"
done
finish
