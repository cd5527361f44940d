#!/usr/bin/env bash
# The header fast path (WAV data chunk, FLAC STREAMINFO proven by the last
# frame) equals a full decode (--no-fast-path) on every file of the sample and
# dev corpora, for every geometry-only preset; and it is actually taken.
set -euo pipefail
PY=${PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
dirs=("$CIM_SAMPLE/audio")
[ -d "${CIM_DEV_CORPUS:-/nonexistent}/audio" ] && dirs+=("$CIM_DEV_CORPUS/audio") || echo "note: no dev corpus at ${CIM_DEV_CORPUS:-}/audio"
# WAV layouts the fast path must read right (or decline): 8/24/32-bit PCM,
# float, WAVE_FORMAT_EXTENSIBLE (6 channels, 24-bit), odd sizes, and FLAC at
# other block sizes and depths.
if command -v ffmpeg >/dev/null; then
    g=$tmp/gen; mkdir -p "$g"; src=$CIM_SAMPLE/audio/ambi_piano.flac
    ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
    ff -i "$src" -c:a pcm_u8 "$g/u8.wav"
    ff -i "$src" -c:a pcm_s24le "$g/s24.wav"
    ff -i "$src" -c:a pcm_s32le "$g/s32.wav"
    ff -i "$src" -c:a pcm_f32le "$g/f32.wav"
    ff -i "$src" -c:a pcm_f64le "$g/f64.wav"
    ff -i "$src" -af "pan=5.1|c0=c0|c1=c1|c2=c0|c3=c1|c4=c0|c5=c1" -c:a pcm_s24le "$g/ext-6ch.wav"
    ff -i "$src" -ac 1 -ar 11025 -t 0.3337 -c:a pcm_s16le "$g/odd.wav"
    ff -i "$src" -c:a flac -compression_level 0 "$g/fast.flac"
    ff -i "$src" -c:a flac -sample_fmt s32 "$g/s24.flac"
    ff -i "$src" -ac 1 -t 0.01 -c:a flac "$g/tiny.flac"
    dirs+=("$g")
fi
t=(-t whisper -t hubert -t encodec-24k-6kbps -t dac-44k -t mimi -t audio:codec:rate=1000/3,codebooks=1)
"$CIMETER" measure -j 2 "${t[@]}" --per-file -o "$tmp/fast.json" "${dirs[@]}"
"$CIMETER" measure -j 2 --no-fast-path "${t[@]}" --per-file -o "$tmp/slow.json" "${dirs[@]}"
$PY "$here/compare.py" same "$tmp/fast.json" "$tmp/slow.json"
# Every WAV and FLAC file here must take the fast path (else this test proves nothing).
$PY - "$tmp/fast.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
slow = [f["path"] for f in d["files"] if not f.get("fast_path")]
if slow:
    print("not on the fast path:", sorted(set(slow))[:10]); sys.exit(1)
PYEOF
