#!/usr/bin/env bash
# determinism.sh — doc/records.md: identical JSON for any thread count and argument order.
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

# One large file alone: with threads idle the decoder reads ahead in 4 MiB chunks, spm
# and tiktoken count segments in parallel. Lines of 0.3-6.5 MB (a chunk's unfinished
# line carried into the other buffer, lines past the 4 MiB cut, a long line starting in
# the carried tail after a cut), short lines, CJK, CRLF. Both files below gave spm
# counts that differed between -j 1 and -j 2 in earlier versions of the decoder.
/usr/bin/python3 - "$T/long.txt" <<'PY'
import random, sys
words = ['alpha ', 'beta  ', 'Gamma\t', '12345 ', 'naïve ', '世界 ', "it's "]
with open(sys.argv[1], 'w', encoding='utf-8', newline='') as f:
    rnd = random.Random(3)
    for _ in range(8):
        size = rnd.choice([rnd.randint(10, 2000), rnd.randint(300_000, 1_500_000), rnd.randint(3_000_000, 6_500_000)])
        n = 0
        while n < size:
            w = rnd.choice(words); f.write(w); n += len(w.encode())
        f.write('\n')
    rnd = random.Random(7)
    for size in [3_900_000, 10, 5_000, 1_100_000, 6_300_000, 0, 2_500_000, 4_194_304, 50, 3_000_000]:
        n = 0
        while n < size:
            w = rnd.choice(words); f.write(w); n += len(w.encode())
        f.write('\n' if size % 3 else '\r\n')
    for _ in range(200000):
        f.write(rnd.choice(words + ['x\r\n']))
PY
big=(-t text:bytes -t text:chars -t "text:spm:$MODEL")
[ -f "$CIM_SOURCE_ROOT/tokenizers/data/cl100k_base.tiktoken" ] && big+=(-t text:tiktoken:cl100k_base)
for j in 1 2; do
    "$C" measure "${big[@]}" -j $j -o "$T/long$j.json" --per-file "$T/long.txt" || fail "long lines, -j $j"
    strip_command "$T/long$j.json" > "$T/long$j"
done
cmp -s "$T/long1" "$T/long2" && ok "one large file alone: -j 1 = -j 2 ($(( ${#big[@]} / 2 )) tokenizers)" ||
    { fail "one large file alone: counts depend on -j"; diff "$T/long1" "$T/long2" | head >&2; }
finish
