#!/usr/bin/env bash
# determinism.sh — SPEC §1: identical JSON for any thread count and argument order.
. "$(dirname "$0")/lib.sh"
C=$CIMETER
specs=(-t text:bytes -t text:chars -t "text:spm:$MODEL")
args=("$SAMPLE/text" "$SAMPLE/image" "$SAMPLE/audio" "$SAMPLE/video")
rev=("$SAMPLE/video" "$SAMPLE/audio" "$SAMPLE/image" "$SAMPLE/text")
"$C" measure "${specs[@]}" -j 1 -o "$T/j1.json" --per-file "${args[@]}"; r1=$?
"$C" measure "${specs[@]}" -j 2 -o "$T/j2.json" --per-file "${args[@]}"; r2=$?
"$C" measure "${specs[@]}" -j 2 -o "$T/rev.json" --per-file "${rev[@]}"; r3=$?
"$C" measure "${specs[@]}" -j 3 -o "$T/j3.json" --per-file "${args[@]}"; r4=$?
[ "$r1$r2$r3" = "$r4$r4$r4" ] || fail "exit codes differ: $r1 $r2 $r3 $r4"
strip_command "$T/j1.json" > "$T/a"
for f in j2 rev j3; do
    strip_command "$T/$f.json" > "$T/b"
    if cmp -s "$T/a" "$T/b"; then ok "$f identical to j1"; else fail "$f differs from j1"; diff "$T/a" "$T/b" | head >&2; fi
done
# And the same again: a second -j2 run gives the very same bytes.
cp "$T/j2.json" "$T/j2-first.json"
"$C" measure "${specs[@]}" -j 2 -o "$T/j2.json" --per-file "${args[@]}"
cmp -s "$T/j2.json" "$T/j2-first.json" && ok "repeat run byte-identical" || fail "repeat run differs"
finish
