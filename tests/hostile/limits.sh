#!/usr/bin/env bash
# limits.sh — every per-file limit (doc/cimeter.1: no unbounded allocation) gives a
# clear per-file error with code "limit", the run exits 1, and the other files
# are still measured: a PNG decompression bomb and a JPEG with huge
# dimensions are refused before allocation (peak RSS within the bounds of
# tests/core/lib.sh), the default --max-pixels refuses a 4-exapixel header,
# --max-bytes a text file, --time-budget a slow file (spm over 200 MB), and,
# when the video/audio front-ends are built, --max-frames and --max-seconds
# on files made with ffmpeg -f lavfi.
. "${CIM_SOURCE_ROOT:?}/tests/core/lib.sh"
C=$CIMETER
D=$T/in; mkdir -p "$D"
cp "$SAMPLE/image/camera.png" "$D/ok.png"
cp "$SAMPLE/text/strings.go" "$D/ok.txt"
"$PY" - "$D" "$SAMPLE/image/rocket.jpg" <<'PY'
import struct, sys, zlib
d = sys.argv[1]
def chunk(tag, body):
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)
def bomb(w, h):                       # valid gray PNG: IDAT inflates to (w+1)*h zero bytes
    z = zlib.compressobj(9); row = bytes(w + 1)
    idat = b"".join(z.compress(row) for _ in range(h)) + z.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
open(f"{d}/bomb.png", "wb").write(bomb(20000, 20000))          # 400 MB of samples in ~400 KB
def adam7_bomb(w, h):                 # the same, interlaced: pass rows of zeros
    z = zlib.compressobj(9); parts = []
    for x0, y0, dx, dy in ((0,0,8,8), (4,0,8,8), (0,4,4,8), (2,0,4,4), (0,2,2,4), (1,0,2,2), (0,1,1,2)):
        pw, ph = (w - x0 + dx - 1) // dx, (h - y0 + dy - 1) // dy
        if pw and ph: parts += [z.compress(bytes(pw + 1)) for _ in range(ph)]
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 1))
            + chunk(b"IDAT", b"".join(parts) + z.flush()) + chunk(b"IEND", b""))
open(f"{d}/ibomb.png", "wb").write(adam7_bomb(20000, 20000))    # interlaced, 400 MB in ~400 KB
b = bytearray(bomb(16, 16)); b[16:24] = struct.pack(">II", 2000000000, 2000000000)
b[29:33] = struct.pack(">I", zlib.crc32(bytes(b[12:29])) & 0xFFFFFFFF)
open(f"{d}/huge-header.png", "wb").write(bytes(b))               # 4e18 pixels claimed
j = bytearray(open(sys.argv[2], "rb").read()); i = 2
while j[i + 1] not in (0xC0, 0xC1, 0xC2):
    i += 2 + struct.unpack(">H", j[i + 2:i + 4])[0]
j[i + 5:i + 9] = struct.pack(">HH", 60000, 60000)                # 3.6 Gpx, 10.8 GB decoded
open(f"{d}/huge.jpg", "wb").write(bytes(j))
open(f"{d}/big.txt", "wb").write(b"x" * 1000 + b"\n" + b"y" * (5 << 20))
genesis = open(sys.argv[2].replace("image/rocket.jpg", "text/kjv-genesis.txt"), "rb").read()
open(f"{d}/slow.txt", "wb").write(genesis * (200 * 2**20 // len(genesis) + 1))
PY
ls -l "$D" | awk 'NR > 1 { print "  " $5, $9 }'

# check NAME OUT.json BADFILE OKFILE... : exit 1 was seen; BADFILE has a
# "limit" error with a message, every OKFILE has counts.
check() {
    local name=$1 json=$2 bad=$3; shift 3
    "$PY" - "$json" "$bad" "$@" <<'PY' && ok "$name" || fail "$name"
import json, sys
d = json.load(open(sys.argv[1])); bad = sys.argv[2]; good = sys.argv[3:]
by = {}
for f in d["files"]: by.setdefault(f["path"].rsplit("/", 1)[-1], []).append(f)
b = by[bad][0]
assert b["error"] and b.get("error_code") == "limit", ("not a limit error", b)
print(f"  {bad}: {b['error']}")
for g in good:
    assert all(f["error"] is None and f["tokens"] is not None for f in by[g]), ("not measured", by[g])
PY
}
# run NAME PROMISE_KIB BAD OK... -- ARGS: measure BAD and the OK files with ARGS, expect
# exit 1 and a limit error for BAD, and a peak RSS within the bound of tests/core/lib.sh:
# the same command on the OK files alone is the baseline, PROMISE_KIB what BAD may add.
run() {
    local name=$1 promise=$2 bad=$3; shift 3
    local oks=(); while [ "$1" != -- ]; do oks+=("$1"); shift; done; shift
    local okfiles=() o; for o in "${oks[@]}"; do okfiles+=("$D/$o"); done
    peak_rss "$C" measure "$@" -j 1 -o "$T/$name.base.json" "${okfiles[@]}"
    local baseline=$rss
    peak_rss "$C" measure "$@" -j 1 --per-file -o "$T/$name.json" "$D/$bad" "${okfiles[@]}"
    [ $rss_rc = 1 ] || { fail "$name: exit $rss_rc, expected 1"; cat "$T/rss.err" >&2; return; }
    local bound; bound=$(rss_bound_kib "$baseline" "$promise")
    echo "  $name: exit 1, peak RSS $rss KiB (baseline $baseline, bound $bound)"
    [ "$rss" -lt "$bound" ] || fail "$name: peak RSS $rss KiB over $bound"
    check "$name" "$T/$name.json" "$bad" "${oks[@]}"
}
# Refused files promise nothing: they are refused from their headers, before any
# allocation of their size (the bombs below would take 400 MB to 10.8 GB).
IMG=(-t image:patch:p=16 -t image:adaptive:min=4,max=32,thr=16)
run png-bomb 0 bomb.png ok.png -- "${IMG[@]}" --max-pixels 1000000
run png-bomb-bytes 0 bomb.png ok.png -- "${IMG[@]}" --max-bytes 100000000
run png-default 0 huge-header.png ok.png -- "${IMG[@]}"
run png-interlaced-bomb 0 ibomb.png ok.png -- "${IMG[@]}" --max-pixels 1000000
run jpeg-huge 0 huge.jpg ok.png -- "${IMG[@]}"
run jpeg-huge-pixels 0 huge.jpg ok.png -- "${IMG[@]}" --max-pixels 1000000
run text-bytes 0 big.txt ok.txt -- -t text:bytes -t text:chars --max-bytes 1000000
# A budget far below what 200 MB of SentencePiece takes on any machine (it would need
# 2 GB/s), checked between the text's chunks. The text path promises two chunk buffers
# of up to 8 MiB (a read plus a carried line, src/decode/text.c) and the tokenizers'
# working memory per chunk: 32 MiB in all here.
run time-budget $((32 * 1024)) slow.txt ok.txt -- -t text:bytes -t "text:spm:$MODEL" --time-budget 0.1
grep -q "time budget" "$T/time-budget.json" || fail "time-budget: no 'time budget' in the message"

# Within the limits the bomb is decoded (a content-aware tokenizer, no fast
# path) and measured, streamed in bands: it promises nothing in proportion to
# its 400 MB of samples.
ADAPT=(-t image:adaptive:min=4,max=32,thr=16 -j 1 -o /dev/null)
peak_rss "$C" measure "${ADAPT[@]}" "$D/ok.png"
base=$rss
peak_rss "$C" measure "${ADAPT[@]}" "$D/bomb.png"
bound=$(rss_bound_kib "$base" 0)
[ "$rss_rc" = 0 ] && [ "$rss" -lt "$bound" ] \
    && ok "bomb within limits measured, peak RSS $rss KiB (baseline $base, bound $bound)" \
    || fail "bomb within limits: exit $rss_rc, peak RSS $rss KiB over $bound"

# Interlaced: the one image case whose memory grows with the image (the even
# rows are kept, src/decode/png.c), so bounded by --max-pixels: half of its
# 20000 x 20000 gray samples.
peak_rss "$C" measure "${ADAPT[@]}" "$D/ibomb.png"
bound=$(rss_bound_kib "$base" $((20000 * 20000 / 2 / 1024)))
[ "$rss_rc" = 0 ] && [ "$rss" -lt "$bound" ] \
    && ok "interlaced bomb within limits measured, peak RSS $rss KiB (baseline $base, bound $bound)" \
    || fail "interlaced bomb: exit $rss_rc, peak RSS $rss KiB over $bound"

# Video and audio: only when their front-ends are built.
built=$("$C" tokenizers | awk '/^  [a-z]+:[a-z]/ { split($1, a, ":"); print a[1] }' | sort -u)
if ! command -v ffmpeg >/dev/null; then
    echo "note: no ffmpeg, --max-frames/--max-seconds not checked"
else
    if grep -qx video <<<"$built"; then
        ffmpeg -v error -f lavfi -i testsrc=size=64x48:rate=25 -t 8 -pix_fmt yuv420p "$D/long.mp4" &&
        ffmpeg -v error -f lavfi -i testsrc=size=64x48:rate=25 -t 1 -pix_fmt yuv420p "$D/short.mp4" || fail "ffmpeg video"
        run video-frames 0 long.mp4 short.mp4 -- -t video:tubelet:t=2,p=16 --max-frames 100
        run video-seconds 0 long.mp4 short.mp4 -- -t video:tubelet:t=2,p=16 --max-seconds 4
    else
        echo "note: no video front-end built, --max-frames/--max-seconds on video not checked"
    fi
    if grep -qx audio <<<"$built"; then
        ffmpeg -v error -f lavfi -i sine=frequency=440:duration=20 "$D/long.wav" &&
        ffmpeg -v error -f lavfi -i sine=frequency=440:duration=1 "$D/short.wav" || fail "ffmpeg audio"
        run audio-seconds 0 long.wav short.wav -- -t audio:frame:hop=20 --max-seconds 10
        run audio-seconds-decode 0 long.wav short.wav -- -t audio:vad:hop=20,thr=-40 --max-seconds 10
        # A limit beyond 2^64 samples is no limit (the samples cast was undefined); inf is refused.
        expect_rc 0 "$C" measure -t audio:vad:hop=20,thr=-40 --max-seconds 1e300 "$D/short.wav"
        expect_rc 2 "$C" measure -t audio:frame:hop=20 --max-seconds inf "$D/short.wav"
    else
        echo "note: no audio front-end built, --max-seconds on audio not checked"
    fi
fi
finish
