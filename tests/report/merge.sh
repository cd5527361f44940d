#!/usr/bin/env bash
# merge.sh — shards merge to the bytes of one run (doc/scaling-out.md, doc/cimeter.1 `merge`).
. "$(dirname "$0")/lib.sh"
C=$CIMETER
$C measure "${TOKS_ALL[@]}" -j 2 --per-file -o "$TMP/full.json" "$CIM_SAMPLE"; [ $? -le 1 ] || fail "measure"
for n in 2 3 5; do
    shards=()
    for ((i = 0; i < n; i++)); do
        $C measure "${TOKS_ALL[@]}" -j 1 --per-file --shard $i/$n -o "$TMP/s$i-$n.json" "$CIM_SAMPLE"; [ $? -le 1 ] || fail "shard $i/$n"
        shards=("$TMP/s$i-$n.json" "${shards[@]}")      # reversed order on purpose
    done
    $C merge "${shards[@]}" -o "$TMP/m$n.json" || fail "merge of $n shards"
    same_but_command "$TMP/full.json" "$TMP/m$n.json" || fail "merge of $n shards differs from one run"
done
# Merging merged results again (hierarchical: array jobs of array jobs).
$C merge "$TMP/s0-3.json" "$TMP/s1-3.json" -o "$TMP/ab.json" || fail "merge ab"
$C merge "$TMP/ab.json" "$TMP/s2-3.json" -o "$TMP/abc.json" || fail "merge abc"
same_but_command "$TMP/full.json" "$TMP/abc.json" || fail "two-level merge differs"
# Bad input: exit 2 each.
$C merge "$TMP/s0-3.json" "$TMP/s0-3.json" -o "$TMP/x.json" 2>/dev/null; [ $? = 2 ] || fail "overlapping shards accepted"
$C measure -t text:bytes -o "$TMP/noper.json" "$CIM_SAMPLE" 2>/dev/null
$C merge "$TMP/noper.json" -o "$TMP/x.json" 2>/dev/null; [ $? = 2 ] || fail "shard without --per-file accepted"
$C measure -t text:bytes --per-file --shard 1/3 -o "$TMP/other.json" "$CIM_SAMPLE" 2>/dev/null
$C merge "$TMP/s0-3.json" "$TMP/other.json" -o "$TMP/x.json" 2>/dev/null; [ $? = 2 ] || fail "other tokenizers accepted"
$C measure "${TOKS_ALL[@]}" --bootstrap 10 --per-file --shard 1/3 -o "$TMP/other.json" "$CIM_SAMPLE" 2>/dev/null
$C merge "$TMP/s0-3.json" "$TMP/other.json" -o "$TMP/x.json" 2>/dev/null; [ $? = 2 ] || fail "other settings accepted"
echo '{"schema":"nope"}' > "$TMP/bad.json"
$C merge "$TMP/bad.json" -o "$TMP/x.json" 2>/dev/null; [ $? = 2 ] || fail "bad schema accepted"
$C merge "$TMP/missing.json" -o "$TMP/x.json" 2>/dev/null; [ $? = 2 ] || fail "missing file accepted"
[ ! -e "$TMP/x.json" ] || fail "a failed merge left an output"
# Non-UTF-8 and newline in a file name survive a merge exactly (path_hex).
mkdir -p "$TMP/odd"
cp "$CIM_SAMPLE/text/strings.go" "$TMP/odd/$(printf 'bad\xffname\nline.txt')"
cp "$CIM_SAMPLE/text/kjv-genesis.txt" "$TMP/odd/plain.txt"
: > "$TMP/odd/empty.txt"
$C measure "${TOKS[@]}" --per-file -o "$TMP/odd-full.json" "$TMP/odd"
for i in 0 1; do $C measure "${TOKS[@]}" --per-file --shard $i/2 -o "$TMP/odd$i.json" "$TMP/odd"; done
$C merge "$TMP/odd1.json" "$TMP/odd0.json" -o "$TMP/odd-m.json" || fail "merge odd names"
same_but_command "$TMP/odd-full.json" "$TMP/odd-m.json" || fail "merge of odd names differs"
echo "merge ok"
