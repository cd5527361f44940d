#!/usr/bin/env bash
# journal.sh — measure --journal: killed at any point, a rerun ends with the
# output of an uninterrupted run (doc/scaling-out.md; src/run/journal.c).
. "$(dirname "$0")/lib.sh"
C=$CIMETER
# A corpus big enough to be killed mid-run: the sample's text files, many times over,
# more of them on a machine fast enough to measure 40 copies in under half a second (the
# kills below poll every few milliseconds, so a run of 0.5 s is caught mid-way anywhere).
mkdir -p "$TMP/corpus"
copies() {
    local i f
    for i in $(seq "$1" "$2"); do
        for f in "$CIM_SAMPLE"/text/*; do
            { echo "copy $i"; cat "$f"; } > "$TMP/corpus/$(basename "$f").$i"
        done
    done
}
copies 1 40
t0=$(date +%s%N); $C measure "${TOKS[@]}" -j 2 -o /dev/null "$TMP/corpus"; t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
if [ "$ms" -lt 500 ]; then
    n=$(( 40 * 500 / (ms > 0 ? ms : 1) ))
    copies 41 $(( n < 2000 ? n : 2000 ))
fi
printf 'bad\xff' > "$TMP/corpus/$(printf 'odd\xfe\nname')"     # non-UTF-8 name, odd content
: > "$TMP/corpus/empty"                                            # an error record
run() { $C measure "${TOKS[@]}" -j 2 --per-file --journal "$1" -o "$2" "$TMP/corpus"; }
$C measure "${TOKS[@]}" -j 2 --per-file -o "$TMP/ref.json" "$TMP/corpus"; [ $? = 1 ] || fail "reference run"
run "$TMP/j" "$TMP/once.json"; [ $? = 1 ] || fail "journaled run"
same_but_command "$TMP/ref.json" "$TMP/once.json" || fail "a journal changes the output"
lines=$(wc -l < "$TMP/j")
[ "$lines" -ge 440 ] || fail "journal has $lines lines"
# Resuming a complete journal measures nothing and gives the same bytes.
run "$TMP/j" "$TMP/again.json"; same_but_command "$TMP/once.json" "$TMP/again.json" || fail "resume of a complete journal"
[ "$(wc -l < "$TMP/j")" = "$lines" ] || fail "complete journal grew on resume"

# Every state a kill can leave: cut at line ends and inside lines (torn last line).
size=$(stat -c %s "$TMP/j")
offsets=$(awk '{ n += length($0) + 1; print n; print n - int((length($0)+1)/2) }' "$TMP/j" | awk 'NR % 37 == 1 || NR < 6')
offsets="0 5 $offsets $((size - 1))"
for off in $offsets; do
    head -c "$off" "$TMP/j" > "$TMP/jt"
    run "$TMP/jt" "$TMP/cut.json"; [ $? = 1 ] || fail "resume after cut at $off"
    same_but_command "$TMP/once.json" "$TMP/cut.json" || fail "resume after cut at byte $off differs"
    [ "$(wc -l < "$TMP/jt")" = "$lines" ] || fail "journal cut at $off not completed"
done
echo "cuts: $(echo $offsets | wc -w) truncation points ok"

# Real SIGKILLs at several moments of a run, spread over its measured length.
t0=$(date +%s.%N); run "$TMP/jtime" "$TMP/time.json"; t1=$(date +%s.%N)
delays=$(awk -v a="$t0" -v b="$t1" 'BEGIN { d = b - a; for (f = 0.1; f < 1.2; f += 0.15) printf "%.3f ", d * f }')
kills=""
mid=0
for delay in $delays; do
    rm -f "$TMP/jk" "$TMP/k.json"
    $C measure "${TOKS[@]}" -j 2 --per-file --journal "$TMP/jk" -o "$TMP/k.json" "$TMP/corpus" &
    pid=$!
    sleep $delay
    kill -KILL $pid 2>/dev/null
    wait $pid 2>/dev/null
    got=$( [ -f "$TMP/jk" ] && wc -l < "$TMP/jk" || echo 0 )
    kills="$kills $delay:${got}/$((lines))"
    [ "$got" -gt 1 ] && [ "$got" -lt "$lines" ] && mid=$((mid + 1))
    [ ! -e "$TMP/k.json" ] || same_but_command "$TMP/k.json" "$TMP/once.json" || fail "a killed run left a partial result"
    ls "$TMP"/k.json.tmp.* >/dev/null 2>&1 && rm -f "$TMP"/k.json.tmp.*   # a kill mid-write leaves only a temp file
    run "$TMP/jk" "$TMP/k.json"; [ $? = 1 ] || fail "resume after kill at $delay s"
    same_but_command "$TMP/once.json" "$TMP/k.json" || fail "resume after kill at $delay s differs"
done
# Kills at journal lengths (polled), so some land mid-run whatever the machine's load.
for target in 20 150 300; do
    rm -f "$TMP/jk" "$TMP/k.json"
    $C measure "${TOKS[@]}" -j 2 --per-file --journal "$TMP/jk" -o "$TMP/k.json" "$TMP/corpus" &
    pid=$!
    while kill -0 $pid 2>/dev/null && [ "$( [ -f "$TMP/jk" ] && wc -l < "$TMP/jk" || echo 0)" -lt $target ]; do
        sleep 0.005
    done
    kill -KILL $pid 2>/dev/null
    wait $pid 2>/dev/null
    got=$( [ -f "$TMP/jk" ] && wc -l < "$TMP/jk" || echo 0 )
    kills="$kills @$target:${got}/$((lines))"
    [ "$got" -gt 1 ] && [ "$got" -lt "$lines" ] && mid=$((mid + 1))
    rm -f "$TMP"/k.json.tmp.*
    run "$TMP/jk" "$TMP/k.json"; [ $? = 1 ] || fail "resume after kill at $got lines"
    same_but_command "$TMP/once.json" "$TMP/k.json" || fail "resume after kill at $got lines differs"
done
echo "kills (delay s or @lines : journal lines at the kill):$kills"
[ $mid -ge 1 ] || fail "no kill landed mid-run"

# Refusals: another configuration, or a corrupt (not torn) line.
$C measure -t text:bytes --per-file --journal "$TMP/j" -o "$TMP/x.json" "$TMP/corpus" 2>/dev/null
[ $? = 2 ] || fail "a journal of other tokenizers was accepted"
{ head -n 3 "$TMP/j"; echo '{"path_hex":"zz"}'; tail -n +4 "$TMP/j"; } > "$TMP/jc"
run "$TMP/jc" "$TMP/x.json" 2>/dev/null; [ $? = 2 ] || fail "a corrupt journal line was accepted"
# A file that is not a journal is never truncated or overwritten.
printf 'precious data without a newline' > "$TMP/notj"
run "$TMP/notj" "$TMP/x.json" 2>/dev/null; [ $? = 2 ] || fail "a non-journal file was accepted"
[ "$(cat "$TMP/notj")" = "precious data without a newline" ] || fail "a non-journal file was modified"
printf '{"a":1}\nmore\n' > "$TMP/notj2"
run "$TMP/notj2" "$TMP/x.json" 2>/dev/null; [ $? = 2 ] || fail "a JSON file was accepted as a journal"
echo "journal ok"
