#!/usr/bin/env bash
# Every audio figure (raw_bytes, units, seconds, tokens of every preset, frame,
# codec and vad at several thresholds) equals tests/ref/sf_audio.py
# (python3-soundfile + exact rationals) on the sample corpus and, when
# present, the dev corpus ($CIM_DEV_CORPUS/audio). Exit 77 without soundfile.
set -euo pipefail
PY=${PYTHON:-/usr/bin/python3}
$PY -c 'import soundfile, numpy' 2>/dev/null || { echo "SKIP: python3-soundfile/numpy missing"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
dirs=("$CIM_SAMPLE/audio")
[ -d "${CIM_DEV_CORPUS:-/nonexistent}/audio" ] && dirs+=("$CIM_DEV_CORPUS/audio") || echo "note: no dev corpus at ${CIM_DEV_CORPUS:-}/audio"
specs=(whisper hubert encodec-24k-6kbps encodec-24k-1.5kbps dac-44k mimi speechtokenizer
       audio:frame:hop=25 audio:frame:hop=7,window=2 audio:codec:rate=12.5,codebooks=3
       audio:codec:rate=1000/3,codebooks=1
       audio:vad:hop=20,thr=-60 audio:vad:hop=20,thr=-40 audio:vad:hop=30,thr=-35.5
       audio:vad:hop=10,thr=-20.25 audio:vad:hop=20,thr=-30 audio:vad:hop=20,thr=0
       audio:vad:hop=20,thr=3)
targs=(); for s in "${specs[@]}"; do targs+=(-t "$s"); done
for d in "${dirs[@]}"; do
    echo "== $d"
    rc=0; "$CIMETER" measure -j 2 "${targs[@]}" --per-file -o "$tmp/c.json" "$d" || rc=$?
    [ $rc -le 1 ] || { echo "cimeter failed ($rc)"; exit 1; }
    $PY "$CIM_SOURCE_ROOT/tests/ref/sf_audio.py" "${targs[@]}" "$d" > "$tmp/r.json"
    $PY "$here/compare.py" ref "$tmp/c.json" "$tmp/r.json"
done
