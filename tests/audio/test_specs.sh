#!/usr/bin/env bash
# Audio tokenizer specs: canonical forms recorded in the output (exact rates
# reduced, presets expanded) and bad specs refused with exit 2.
set -euo pipefail
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# A directory with one text file (skipped: no text tokenizer is asked for).
mkdir "$tmp/empty"; echo hello > "$tmp/empty/note.txt"
fail=0
canon() {  # canon SPEC EXPECTED
    "$CIMETER" measure -t "$1" -o "$tmp/o.json" "$tmp/empty" >/dev/null 2>&1 || true
    local got; got=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["tokenizers"][0]["spec"])' "$tmp/o.json")
    if [ "$got" = "$2" ]; then echo "ok   $1 -> $got"; else echo "FAIL $1 -> $got (want $2)"; fail=1; fi
}
canon whisper                               audio:frame:hop=20,sr=16000,window=30
canon hubert                                audio:frame:hop=20,sr=16000
canon audio:frame:hop=25                    audio:frame:hop=25
canon encodec-24k-6kbps                     audio:codec:rate=75,codebooks=8
canon encodec-24k-1.5kbps                   audio:codec:rate=75,codebooks=2
canon dac-44k                               audio:codec:rate=11025/128,codebooks=9
canon mimi                                  audio:codec:rate=25/2,codebooks=8
canon audio:codec:rate=12.5,codebooks=8     audio:codec:rate=25/2,codebooks=8
canon audio:codec:rate=150/2                audio:codec:rate=75,codebooks=8
canon speechtokenizer                       audio:codec:rate=50,codebooks=8
canon audio:vad                             audio:vad:hop=20,thr=-40
canon audio:vad:hop=30,thr=-40.50           audio:vad:hop=30,thr=-40.5
canon audio:vad:thr=-0.5                    audio:vad:hop=20,thr=-0.5
canon audio:vad:thr=+3                      audio:vad:hop=20,thr=3
# The same rate written two ways is one tokenizer.
"$CIMETER" measure -t mimi -t audio:codec:rate=12.5,codebooks=8 -o "$tmp/o.json" "$tmp/empty" >/dev/null 2>&1 || true
n=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["tokenizers"]))' "$tmp/o.json")
[ "$n" = 1 ] && echo "ok   mimi == codec:rate=12.5,codebooks=8" || { echo "FAIL: $n tokenizers for one rate"; fail=1; }
for bad in audio:codec:rate=0 audio:codec:rate=1/0 audio:codec:rate=abc audio:codec:rate=-1 \
           audio:codec:rate=7.5.1 audio:codec:codebooks=0 audio:codec:rate=99999999999 \
           audio:frame:hop=0 audio:frame:hop=1.5 audio:vad:thr=abc audio:vad:thr=-40.125 \
           audio:vad:thr=1e3 audio:vad:thr= audio:vad:hop=0 audio:vad:hop=20000; do
    rc=0; "$CIMETER" measure -t "$bad" "$tmp/empty" >/dev/null 2>"$tmp/err" || rc=$?
    if [ $rc = 2 ] && [ -s "$tmp/err" ]; then echo "ok   refused $bad: $(head -c 120 "$tmp/err")"
    else echo "FAIL $bad: exit $rc"; fail=1; fi
done
exit $fail
