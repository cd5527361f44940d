#!/usr/bin/env bash
# Both decoders on files made here with ffmpeg from the sample corpus:
#  libsndfile: Ogg Vorbis, Ogg Opus, MP3 (with and without ID3) -> vs python3-soundfile (sf_audio.py)
#  libav*:     AAC in M4A (with and without cover art), ADTS AAC, ALAC, Matroska, Ogg FLAC
#              -> vs ffmpeg's own decode to s16 WAV, measured by sf_audio.py
# Every figure (N, raw_bytes, seconds, tokens incl. vad) must agree. A file
# with real video is never claimed as audio. Exit 77 without ffmpeg/soundfile.
set -euo pipefail
PY=${PYTHON:-/usr/bin/python3}
command -v ffmpeg >/dev/null || { echo "SKIP: ffmpeg missing"; exit 77; }
$PY -c 'import soundfile, numpy' 2>/dev/null || { echo "SKIP: python3-soundfile/numpy missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
S=$CIM_SAMPLE/audio
mono=$S/librivox-0870.wav; stereo=$S/ambi_piano.flac
mkdir -p "$tmp/snd" "$tmp/av" "$tmp/avref" "$tmp/video"
ff -i "$mono"   -c:a libvorbis -q:a 3 "$tmp/snd/mono.ogg"
ff -i "$stereo" -c:a libvorbis -q:a 5 "$tmp/snd/stereo.ogg"
ff -i "$mono"   -c:a libopus -b:a 32k "$tmp/snd/mono.opus"
ff -i "$stereo" -c:a libmp3lame -b:a 128k "$tmp/snd/stereo.mp3"
ff -i "$mono"   -c:a libmp3lame -b:a 64k -id3v2_version 0 "$tmp/snd/bare.mp3"
# libsndfile 1.2 cannot open ffmpeg's Ogg FLAC: it falls back to libavcodec.
ff -i "$stereo" -c:a flac "$tmp/av/stereo.oga"
ff -f lavfi -i color=c=red:s=64x64 -frames:v 1 "$tmp/cover.png"
ff -i "$mono"   -c:a aac -b:a 64k "$tmp/av/mono.m4a"
ff -i "$stereo" -c:a aac -b:a 128k "$tmp/av/stereo.m4a"
ff -i "$stereo" -i "$tmp/cover.png" -map 0:a -map 1:v -c:a aac -c:v png -disposition:v attached_pic "$tmp/av/cover.m4a"
ff -i "$mono"   -c:a aac -f adts "$tmp/av/mono.aac"
ff -i "$stereo" -c:a alac "$tmp/av/stereo-alac.m4a"
ff -i "$stereo" -c:a libvorbis "$tmp/av/stereo.mka"
ff -f lavfi -i testsrc=s=160x120:d=1 -i "$mono" -map 0:v -map 1:a -c:v mpeg4 -c:a aac -shortest "$tmp/video/real-video.mp4"
for f in "$tmp"/av/*; do ff -i "$f" -map 0:a -c:a pcm_s16le -f wav "$tmp/avref/$(basename "$f").wav"; done

specs=(whisper hubert encodec-24k-6kbps dac-44k mimi audio:frame:hop=7,window=2
       audio:vad:hop=20,thr=-50 audio:vad:hop=20,thr=-40 audio:vad:hop=30,thr=-25.5)
targs=(); for s in "${specs[@]}"; do targs+=(-t "$s"); done
"$CIMETER" measure -j 2 "${targs[@]}" --per-file -o "$tmp/c.json" "$tmp/snd" "$tmp/av" "$tmp/video" || true
$PY "$CIM_SOURCE_ROOT/tests/ref/sf_audio.py" "${targs[@]}" "$tmp/snd" "$tmp/avref" > "$tmp/r.json"
$PY - "$tmp" <<'PYEOF'
import json, os, sys
tmp = sys.argv[1]
d = json.load(open(f"{tmp}/c.json"))
ref = json.load(open(f"{tmp}/r.json"))["files"]
req = {t["spec"]: t["requested"] for t in d["tokenizers"]}
bad, seen = [], set()
for f in d["files"]:
    p, tok = f["path"], req.get(f["tokenizer"])
    base = os.path.basename(p)
    if "/video/" in p:
        if f.get("modality") == "audio":
            bad.append(f"{base}: a file with real video was measured as audio")
        continue
    if f.get("error"):
        bad.append(f"{base}: {f['error']}")
        continue
    r = ref.get(p) or ref.get(f"{tmp}/avref/{base}.wav")
    if r is None or "error" in r:
        bad.append(f"{base}: no reference ({r})")
        continue
    for k in ("raw_bytes", "units"):
        if f[k] != r[k]:
            bad.append(f"{base} {k}: cimeter {f[k]} ref {r[k]}")
    if abs(f["seconds"] - r["seconds"]) > 1e-9:
        bad.append(f"{base} seconds: {f['seconds']} vs {r['seconds']}")
    if f["tokens"] != r["tokens"][tok]:
        bad.append(f"{base} {tok}: cimeter {f['tokens']} ref {r['tokens'][tok]}")
    if base not in seen:
        seen.add(base)
        print(f"  {base:22s} N={f['units']:8d} ch={r['channels']} R={r['rate']:6d} "
              f"raw_bytes={f['raw_bytes']:9d} seconds={f['seconds']:.6f}")
# libsndfile's N also equals ffmpeg's decode for Vorbis and MP3 (Opus: libsndfile
# decodes at the header's input rate, ffmpeg at 48 kHz, so N differs by design).
import subprocess
for base in ("mono.ogg", "stereo.ogg", "stereo.mp3", "bare.mp3"):
    path = f"{tmp}/snd/{base}"
    r = ref.get(path)
    pcm = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", path, "-f", "s16le", "-"],
                         capture_output=True, check=True).stdout
    n_ff = len(pcm) // (2 * r["channels"])
    print(f"  {base:22s} ffmpeg N={n_ff}")
    if n_ff != r["units"]:
        bad.append(f"{base}: ffmpeg decodes {n_ff} samples, libsndfile {r['units']}")
want = {"mono.ogg", "stereo.ogg", "mono.opus", "stereo.mp3", "bare.mp3", "stereo.oga", "mono.m4a",
        "stereo.m4a", "cover.m4a", "mono.aac", "stereo-alac.m4a", "stereo.mka"}
bad += [f"{w}: not measured" for w in sorted(want - seen)]
if bad:
    print("\n".join(bad[:30])); sys.exit(1)
print(f"OK: {len(seen)} generated files, every figure equals the reference")
PYEOF
