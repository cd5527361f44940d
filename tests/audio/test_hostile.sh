#!/usr/bin/env bash
# Corrupt, truncated and empty audio files each get a clear per-file error
# record (never a crash, never a partial count); the run exits 1 and still
# measures the good file next to them (doc/records.md, doc/cimeter.1).
set -euo pipefail
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
S=$CIM_SAMPLE/audio; h=$tmp/h; mkdir -p "$h"
half() { head -c $(( $(stat -c %s "$1") / 2 )) "$1" > "$2"; }
: > "$h/empty.wav"
half "$S/librivox-0870.wav" "$h/trunc.wav"
head -c 44 "$S/librivox-0880.wav" > "$h/header-only.wav"
half "$S/ambi_piano.flac" "$h/trunc.flac"
{ head -c 100 "$S/ambi_piano.flac"; head -c 50000 /dev/zero | tr '\0' '\125'; } > "$h/corrupt.flac"
{ printf 'RIFF\x10\x00\x01\x00WAVE'; head -c 7000 /dev/zero | tr '\0' '\252'; } > "$h/garbage.wav"
{ printf 'OggS'; head -c 3000 /dev/zero | tr '\0' '\377'; } > "$h/garbage.ogg"
cp "$S/bd_fat.flac" "$h/good.flac"
expect=(empty.wav trunc.wav header-only.wav trunc.flac corrupt.flac garbage.wav garbage.ogg)
if command -v ffmpeg >/dev/null; then
    ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
    ff -i "$S/ambi_piano.flac" -c:a libvorbis "$tmp/full.ogg" && half "$tmp/full.ogg" "$h/trunc.ogg"
    ff -i "$S/ambi_piano.flac" -c:a libmp3lame "$tmp/full.mp3" && half "$tmp/full.mp3" "$h/trunc.mp3"
    ff -i "$S/ambi_piano.flac" -c:a aac "$tmp/full.m4a" && half "$tmp/full.m4a" "$h/trunc-moov-at-end.m4a"
    ff -i "$S/ambi_piano.flac" -c:a aac -movflags +faststart "$tmp/fs.m4a" && half "$tmp/fs.m4a" "$h/trunc-faststart.m4a"
    expect+=(trunc.ogg trunc.mp3 trunc-moov-at-end.m4a trunc-faststart.m4a)
fi
for fp in "" --no-fast-path; do
    rc=0
    "$CIMETER" measure $fp -t whisper -t audio:vad:hop=20,thr=-40 --per-file -o "$tmp/c.json" "$h" 2>"$tmp/err" || rc=$?
    [ $rc = 1 ] || { echo "exit code $rc, want 1 ($fp)"; cat "$tmp/err"; exit 1; }
    $PY - "$tmp/c.json" "${expect[@]}" <<'PYEOF'
import json, os, sys
d = json.load(open(sys.argv[1]))
recs = {}
for f in d["files"]:
    recs.setdefault(os.path.basename(f["path"]), f)
bad = 0
for name in sys.argv[2:]:
    f = recs.get(name)
    ok = f is not None and f.get("error") and f.get("tokens") is None
    print(f"  {name:24s} {'error: ' + f['error'] if ok else 'NOT AN ERROR: ' + repr(f)}")
    bad += not ok
g = recs.get("good.flac")
if not g or g.get("error") or not g.get("tokens"):
    print("  good.flac was not measured:", g); bad += 1
sys.exit(1 if bad else 0)
PYEOF
done
# CimLimits.max_seconds: a 7.1 s WAV (and its AAC copy) over a 3 s limit is an
# error on the fast path and on both decoders; the 3 s file under it is not.
mkdir -p "$tmp/lim"; cp "$S/librivox-0870.wav" "$S/librivox-0880.wav" "$tmp/lim/"
command -v ffmpeg >/dev/null && ffmpeg -nostdin -loglevel error -y -i "$S/librivox-0870.wav" -c:a aac "$tmp/lim/long.m4a"
for fp in "" --no-fast-path; do
    rc=0; "$CIMETER" measure $fp --max-seconds 3.1 -t whisper --per-file -o "$tmp/l.json" "$tmp/lim" 2>/dev/null || rc=$?
    $PY - "$tmp/l.json" "$rc" "$fp" <<'PYEOF'
import json, os, sys
d = json.load(open(sys.argv[1]))
st = {os.path.basename(f["path"]): f.get("error") for f in d["files"]}
ok = sys.argv[2] == "1" and "limit" in (st.get("librivox-0870.wav") or "") and st.get("librivox-0880.wav") is None \
     and ("long.m4a" not in st or "limit" in (st["long.m4a"] or ""))
print(f"  --max-seconds 3.1 {sys.argv[3]}: {st} -> {'ok' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PYEOF
done
