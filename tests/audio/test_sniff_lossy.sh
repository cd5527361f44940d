#!/usr/bin/env bash
# MP3 and Ogg files that open as one audio stream are recognised without
# libavformat's probes (doc/audio.md, "Before the fast path"); files that hold
# video, or where that is not clear from the first bytes, are still classified
# by libavformat. Reference: ffprobe, a file has real video (not cover art)
# exactly when cimeter measures it as video; every other file here is audio.
set -euo pipefail
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || { echo "SKIP: ffmpeg/ffprobe missing"; exit 77; }
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
g=$tmp/gen; mkdir -p "$g"
speech=$CIM_SAMPLE/audio/librivox-0870.wav
sine=(-f lavfi -i "sine=f=440:d=4")
ff "${sine[@]}" -f lavfi -i "testsrc=d=4:s=64x48:r=10" -map 1:v -map 0:a -c:v libtheora -c:a libvorbis "$g/theora-first.ogv"
ff "${sine[@]}" -f lavfi -i "testsrc=d=4:s=64x48:r=10" -map 0:a -map 1:v -c:a libvorbis -c:v libtheora "$g/vorbis-first.ogv"
ff "${sine[@]}" -f lavfi -i "testsrc=d=4:s=64x48:r=10" -map 0:a -map 1:v -c:a libopus -c:v libtheora -f ogg "$g/opus-first.ogv"
ff -f lavfi -i "testsrc=d=1:s=64x48:r=10" -c:v libtheora "$tmp/v.ogv"
ff -i "$speech" -c:a libvorbis "$tmp/a.ogg"
ff -i "$speech" -c:a libopus "$tmp/a.opus"
# Chained: a video link after the audio one (libavformat reads the first link),
# and the other way round.
cat "$tmp/a.ogg" "$tmp/v.ogv" > "$g/vorbis-then-theora.ogg"
cat "$tmp/a.opus" "$tmp/v.ogv" > "$g/opus-then-theora.ogg"
cat "$tmp/v.ogv" "$tmp/a.ogg" > "$g/theora-then-vorbis.ogg"
cp "$tmp/a.ogg" "$tmp/a.opus" "$g/"
ff -i "$speech" -c:a libmp3lame -q:a 4 "$g/speech.mp3"
ff -i "$speech" -c:a libmp3lame -b:a 32k -ar 16000 -id3v2_version 0 -write_xing 0 "$g/bare.mp3"
ff -i "$speech" -t 0.1 -c:a libmp3lame -b:a 320k -id3v2_version 0 "$g/short.mp3"
# MPEG audio in containers that may hold video.
ff "${sine[@]}" -f lavfi -i "testsrc=d=4:s=64x48:r=25" -c:a libmp3lame -c:v mpeg2video -f mpegts "$g/mp3-video.ts"
ff "${sine[@]}" -f lavfi -i "testsrc=d=4:s=64x48:r=25" -c:a mp2 -c:v mpeg1video -f mpeg "$g/mp2-video.mpg"
"$CIMETER" measure -j 2 --bootstrap 0 -t audio:frame:hop=20 -t video:tubelet --per-file \
    -o "$tmp/m.json" "$g" >/dev/null 2>"$tmp/err" || true
for f in "$g"/*; do
    v=$(ffprobe -v error -show_entries stream=codec_type:stream_disposition=attached_pic -of csv=p=0 "$f" 2>/dev/null |
        awk -F, '$1 == "video" && $2 != 1' | wc -l)
    echo "$(basename "$f") $([ "$v" -gt 0 ] && echo video || echo audio)"
done > "$tmp/want"
$PY - "$tmp/m.json" "$tmp/want" <<'PY'
import json, os, sys
got = {os.path.basename(f["path"]): f.get("modality") for f in json.load(open(sys.argv[1]))["files"]}
bad = 0
for line in open(sys.argv[2]):
    name, want = line.split()
    ok = got.get(name) == want
    bad += not ok
    print(f"{'ok ' if ok else 'BAD'} {name:24} ffprobe {want:6} cimeter {got.get(name)}")
sys.exit(1 if bad else 0)
PY
