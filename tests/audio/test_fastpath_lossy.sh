#!/usr/bin/env bash
# The Ogg Vorbis, Ogg Opus and MP3 header fast path equals a full decode
# (--no-fast-path) on files made here with ffmpeg: several rates and channel
# counts, and every case the fast path must get right or decline (chained
# Ogg, Ogg without end-of-stream, truncated files, rewritten granule
# positions, MP3 with and without Xing/LAME tags, ID3 tags, glued files,
# junk, APE tags, free format). The clean files must take the fast path and
# the doubtful ones must decode, else this test proves nothing.
set -euo pipefail
PY=${PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
command -v ffmpeg >/dev/null || { echo "skip: ffmpeg not installed"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
g=$tmp/gen; mkdir -p "$g"
speech=$CIM_SAMPLE/audio/librivox-0870.wav
music=$CIM_SAMPLE/audio/ambi_piano.flac
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
six="pan=5.1|c0=c0|c1=c1|c2=c0|c3=c1|c4=c0|c5=c1"

# Files named fast-* must take the fast path, slow-* must decode (or fail
# alike); both must give the same figures either way.
for r in 8000 11025 16000 22050 32000 44100 48000; do
    ff -i "$speech" -ar $r -c:a libvorbis "$g/fast-vorbis-$r.ogg"
done
ff -i "$music" -c:a libvorbis -q:a 2 "$g/fast-vorbis-stereo.ogg"
ff -i "$music" -ac 1 -c:a libvorbis "$g/fast-vorbis-mono.ogg"
ff -i "$music" -af "$six" -c:a libvorbis "$g/fast-vorbis-6ch.ogg"
ff -i "$speech" -t 0.05 -c:a libvorbis "$g/fast-vorbis-one-page.ogg"
for r in 8000 12000 16000 24000 48000; do
    ff -i "$speech" -ar $r -c:a libopus "$g/fast-opus-$r.opus"
done
ff -i "$music" -c:a libopus "$g/fast-opus-stereo.opus"
ff -i "$music" -ac 1 -c:a libopus -frame_duration 60 "$g/fast-opus-60ms.opus"
ff -i "$music" -c:a libopus -frame_duration 2.5 "$g/fast-opus-2.5ms.opus"
ff -i "$speech" -t 0.01 -c:a libopus "$g/fast-opus-tiny.opus"
ff -i "$music" -af "$six" -c:a libopus "$g/slow-opus-6ch.opus"   # several Opus streams
# Streams that start at a non-zero granule position (cut with timestamps kept).
ff -ss 1.3 -i "$g/fast-vorbis-44100.ogg" -c copy -copyts "$g/fast-vorbis-copyts.ogg"
ff -ss 1.3 -i "$g/fast-opus-48000.opus" -c copy -copyts "$g/fast-opus-copyts.opus"
ff -i "$g/fast-vorbis-44100.ogg" -ss 0.7 -c copy "$g/fast-vorbis-cut.ogg"
cat "$g/fast-vorbis-8000.ogg" "$g/fast-vorbis-16000.ogg" > "$g/slow-vorbis-chained.ogg"
cat "$g/fast-opus-8000.opus" "$g/fast-opus-48000.opus" > "$g/slow-opus-chained.opus"
ff -i "$speech" -map 0:a -map 0:a -c:a libvorbis "$g/slow-vorbis-two-streams.ogg"
head -c 30000 "$g/fast-vorbis-44100.ogg" > "$g/slow-vorbis-truncated.ogg"
head -c 30000 "$g/fast-opus-48000.opus" > "$g/slow-opus-truncated.opus"
# Granule positions rewritten (CRC fixed): the end-of-stream flag dropped, the
# last granule raised and lowered, every granule shifted, one mid-stream changed.
$PY - "$g" <<'PYEOF'
import struct, sys, zlib
g = sys.argv[1]

def crc(b):
    c = 0
    for x in b:
        c ^= x << 24
        for _ in range(8):
            c = ((c << 1) ^ 0x04C11DB7 if c & 0x80000000 else c << 1) & 0xFFFFFFFF
    return c

def pages(d):
    i = 0
    while i < len(d):
        assert d[i:i + 4] == b"OggS"
        n = d[i + 26]
        size = 27 + n + sum(d[i + 27:i + 27 + n])
        yield i, size
        i += size

def granule(d, i):
    return struct.unpack("<q", d[i + 6:i + 14])[0]

def set_granule(d, i, size, gp):
    d[i + 6:i + 14] = struct.pack("<q", gp)
    refix(d, i, size)

def refix(d, i, size):
    d[i + 22:i + 26] = b"\0\0\0\0"
    d[i + 22:i + 26] = struct.pack("<I", crc(bytes(d[i:i + size])))

for src, kind in (("fast-vorbis-44100.ogg", "vorbis"), ("fast-opus-48000.opus", "opus")):
    d = bytearray(open(f"{g}/{src}", "rb").read())
    ps = list(pages(d))
    last, last_size = ps[-1]
    ext = src.rsplit(".", 1)[1]
    e = bytearray(d); e[last + 5] &= ~4; refix(e, last, last_size)
    open(f"{g}/slow-{kind}-no-eos.{ext}", "wb").write(e)
    e = bytearray(d); set_granule(e, last, last_size, granule(d, last) + 5000)
    open(f"{g}/fast-{kind}-last-granule-up.{ext}", "wb").write(e)
    e = bytearray(d); set_granule(e, last, last_size, granule(d, last) - 3000)
    open(f"{g}/fast-{kind}-last-granule-down.{ext}", "wb").write(e)
    e = bytearray(d)
    for i, size in ps[2:]:
        if granule(e, i) > 0:
            set_granule(e, i, size, granule(e, i) + 7777)
    open(f"{g}/fast-{kind}-shifted.{ext}", "wb").write(e)
    e = bytearray(d); i, size = ps[len(ps) // 2]; set_granule(e, i, size, granule(e, i) + 999)
    open(f"{g}/{'fast' if kind == 'vorbis' else 'slow'}-{kind}-mid-granule.{ext}", "wb").write(e)
PYEOF

for r in 8000 11025 12000 16000 22050 24000 32000 44100 48000; do
    ff -i "$speech" -ar $r -c:a libmp3lame "$g/fast-mp3-lame-$r.mp3"
    ff -i "$speech" -ar $r -c:a libmp3lame -write_xing 0 "$g/fast-mp3-noxing-$r.mp3"
done
ff -i "$music" -c:a libmp3lame -q:a 2 "$g/fast-mp3-vbr.mp3"
ff -i "$music" -c:a libmp3lame -q:a 6 -write_xing 0 "$g/fast-mp3-vbr-noxing.mp3"
ff -i "$music" -c:a libmp3lame -b:a 320k "$g/fast-mp3-cbr320.mp3"
ff -i "$music" -ac 1 -c:a libmp3lame -b:a 64k "$g/fast-mp3-mono.mp3"
ff -i "$music" -c:a libmp3lame -id3v2_version 3 -metadata title=x "$g/fast-mp3-id3v23.mp3"
ff -i "$music" -c:a libmp3lame -write_id3v1 1 -metadata title=y "$g/fast-mp3-id3v1.mp3"
ff -i "$music" -c:a libmp3lame -write_xing 0 -id3v2_version 0 "$g/fast-mp3-bare.mp3"
ff -i "$music" -c:a mp2 -f mp2 "$g/slow-mp2.mp3"
cat "$g/fast-mp3-vbr.mp3" "$g/fast-mp3-cbr320.mp3" > "$g/slow-mp3-glued.mp3"
cat "$g/fast-mp3-lame-8000.mp3" "$g/fast-mp3-lame-16000.mp3" > "$g/slow-mp3-glued-rates.mp3"
head -c 40000 "$g/fast-mp3-vbr.mp3" > "$g/slow-mp3-truncated.mp3"
ff -i "$speech" -ar 48000 -c:a libmp3lame -b:a 128k -write_xing 0 -id3v2_version 0 -f mp3 "$g/cbr48.tmp"
ff -i "$music" -c:a libmp3lame -q:a 4 -id3v2_version 0 -f mp3 "$g/tagged.tmp"
$PY - "$g" <<'PYEOF'
import sys
g = sys.argv[1]
d = open(f"{g}/fast-mp3-cbr320.mp3", "rb").read()
open(f"{g}/slow-mp3-junk.mp3", "wb").write(d[:20000] + b"JUNKJUNK" + d[20000:])
open(f"{g}/slow-mp3-ape.mp3", "wb").write(d + b"APETAGEX" + bytes(24))
# Free format: 48 kHz 128 kbit/s frames are all 384 bytes; bit rate index 0.
c = bytearray(open(f"{g}/cbr48.tmp", "rb").read())
i = 0
while i + 4 <= len(c) and c[i] == 0xFF:
    c[i + 2] &= 0x0F
    i += 384
open(f"{g}/slow-mp3-free-format.mp3", "wb").write(c)
# The Xing tag's frame count made wrong or absent: libmpg123 then stops early
# or trims otherwise than its length says, so these must decode.
t = bytearray(open(f"{g}/tagged.tmp", "rb").read())
assert t[36:40] in (b"Xing", b"Info")
count = int.from_bytes(t[44:48], "big")
for name, value in (("low", count - 5), ("high", count + 5)):
    e = bytearray(t); e[44:48] = value.to_bytes(4, "big")
    open(f"{g}/slow-mp3-tag-count-{name}.mp3", "wb").write(e)
e = bytearray(t); e[43] &= 0xFE
open(f"{g}/slow-mp3-tag-no-count.mp3", "wb").write(e)
# Extreme encoder delay and padding in the LAME tag (12 bits each, after the
# 120-byte Xing part and 21 bytes of the LAME part), on the whole file and on
# the tag frame plus three frames.
assert int.from_bytes(t[40:44], "big") == 0xF
lame = 36 + 141
for name, delay, pad in (("big-delay", 4095, 1000), ("big-padding", 576, 4095)):
    e = bytearray(t); e[lame:lame + 3] = (delay << 12 | pad).to_bytes(3, "big")
    open(f"{g}/fast-mp3-gapless-{name}.mp3", "wb").write(e)
end = 0
for _ in range(4):
    end += 144000 * [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320][t[end + 2] >> 4] \
        // 44100 + (t[end + 2] >> 1 & 1)
e = bytearray(t[:end]); e[44:48] = (3).to_bytes(4, "big"); e[lame:lame + 3] = (1500 << 12 | 1500).to_bytes(3, "big")
open(f"{g}/fast-mp3-gapless-three-frames.mp3", "wb").write(e)
PYEOF
rm "$g/cbr48.tmp" "$g/tagged.tmp"

t=(-t audio:frame:hop=20 -t encodec-24k-6kbps)
"$CIMETER" measure -j 2 "${t[@]}" --per-file -o "$tmp/fast.json" "$g" 2>"$tmp/fast.err" || true
"$CIMETER" measure -j 2 --no-fast-path "${t[@]}" --per-file -o "$tmp/slow.json" "$g" 2>"$tmp/slow.err" || true
$PY "$here/compare.py" same "$tmp/fast.json" "$tmp/slow.json"
$PY - "$tmp/fast.json" "$tmp/slow.json" <<'PYEOF'
import json, os, sys
fast, slow = (json.load(open(p))["files"] for p in sys.argv[1:3])
decoded = {(f["path"], f.get("tokenizer")): f for f in slow}
rows, bad = {}, []
for f in fast:
    name = os.path.basename(f["path"])
    fmt = "vorbis" if "vorbis" in name else "opus" if "opus" in name else "mp3"
    r = rows.setdefault(fmt, [set(), set(), set(), set()])
    r[0].add(name)
    (r[1] if f.get("fast_path") else r[2]).add(name)
    g = decoded.get((f["path"], f.get("tokenizer")), {})
    if any(f.get(k) != g.get(k) for k in ("units", "raw_bytes", "tokens", "error")):
        r[3].add(name)
    if name.startswith("fast-") and not f.get("fast_path"):
        bad.append(f"{name}: expected the fast path ({f.get('error') or 'decoded'})")
    if name.startswith("slow-") and f.get("fast_path"):
        bad.append(f"{name}: took the fast path, must decode")
print(f"{'format':8s} {'files':>5s} {'fast path':>9s} {'decoded':>7s} {'mismatches':>10s}")
for fmt, (names, on_fast, on_decode, differ) in sorted(rows.items()):
    print(f"{fmt:8s} {len(names):5d} {len(on_fast):9d} {len(on_decode):7d} {len(differ):10d}")
    bad += [f"{n}: fast path and decode differ" for n in sorted(differ)]
for line in bad:
    print(line)
sys.exit(1 if bad else 0)
PYEOF
