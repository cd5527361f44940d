#!/usr/bin/env bash
# Corrupt, truncated, zero-length, audio-only, cover-art-only and no-stream files:
# a clear per-file error (or, for audio, no claim as video), never a crash; exit 1.
. "$(dirname "$0")/common.sh"
S="$SAMPLE/video/realshort.mp4"
[ -f "$S" ] || skip "sample corpus missing"
H="$TMP/h"; mkdir -p "$H"
sz=$(stat -c %s "$S")
head -c $((sz / 2)) "$S" > "$H/truncated-moovlast.mp4"        # moov at the end: cut away
head -c 32 "$S" > "$H/corrupt.mp4"; head -c 60000 /dev/urandom >> "$H/corrupt.mp4"
: > "$H/zero-length.mp4"
have_ffmpeg=0
if command -v ffmpeg >/dev/null; then
    have_ffmpeg=1
    ffmpeg -v error -y -i "$S" -c copy -movflags faststart "$TMP/fs.mp4"
    head -c $((sz * 2 / 3)) "$TMP/fs.mp4" > "$H/truncated-faststart.mp4"   # index says more than the file has
    ffmpeg -v error -y -i "$S" -c:v copy -an "$TMP/v.avi"
    head -c $(( $(stat -c %s "$TMP/v.avi") / 2 )) "$TMP/v.avi" > "$H/truncated.avi"
    ffmpeg -v error -y -i "$S" -c:v copy -an "$TMP/v.mkv"
    head -c $(( $(stat -c %s "$TMP/v.mkv") / 2 )) "$TMP/v.mkv" > "$H/truncated.mkv"
    ffmpeg -v error -y -f lavfi -i sine=d=1 -c:a aac "$H/audio-only.m4a"
    ffmpeg -v error -y -f lavfi -i sine=d=1 -f lavfi -i testsrc=s=64x64:d=0.04 -map 0 -map 1 -c:a aac \
        -c:v png -disposition:v attached_pic "$H/cover-art.m4a"
    printf '1\n00:00:00,000 --> 00:00:01,000\nhi\n' > "$TMP/s.srt"
    ffmpeg -v error -y -i "$TMP/s.srt" -f matroska "$H/no-stream.mkv"
fi
"$CIMETER" measure -t vivit-2x16 -t video:rlt --per-file -o "$TMP/out.json" "$H" >/dev/null 2>"$TMP/err"
rc=$?
[ "$rc" = 1 ] || fail "exit code $rc, want 1"
grep -qi "sanitizer\|runtime error" "$TMP/err" && fail "sanitizer report: $(cat "$TMP/err")"
"$PY" - "$TMP/out.json" "$have_ffmpeg" <<'PYEOF' || FAILED=1
import json, os, sys
want = {  # file -> accepted error codes (None: must simply not be measured as video)
    "truncated-moovlast.mp4": {"corrupt", "truncated"},
    "corrupt.mp4": {"corrupt"},
    "zero-length.mp4": {"empty"},
    "truncated-faststart.mp4": {"truncated"},
    "truncated.avi": {"truncated"},
    "truncated.mkv": {"truncated"},
    "audio-only.m4a": None,
    "cover-art.m4a": None,
    "no-stream.mkv": {"unsupported"},
}
recs = {}
for f in json.load(open(sys.argv[1]))["files"]:
    recs.setdefault(os.path.basename(f["path"]), []).append(f)
bad = 0
for name, codes in want.items():
    if name not in recs:
        if sys.argv[2] == "1" or name in ("truncated-moovlast.mp4", "corrupt.mp4", "zero-length.mp4"):
            print(f"FAIL: {name}: no record"); bad = 1
        continue
    for r in recs[name]:
        if codes is None:
            if r["modality"] == "video":
                print(f"FAIL: {name}: audio file measured as video: {r}"); bad = 1
            else:
                print(f"ok   {name}: {r['modality']}: {r.get('error') or r.get('skipped') or 'measured'}")
        elif r.get("error_code") not in codes or not r.get("error"):
            print(f"FAIL: {name}: want error {codes}, got {r.get('error_code')}: {r.get('error')}"); bad = 1
        else:
            print(f"ok   {name}: {r['error_code']}: {r['error']}")
sys.exit(bad)
PYEOF
# Limits (CimLimits): each a per-file error with code "limit", in both paths.
for lim in "--max-pixels 1000" "--max-frames 10" "--max-seconds 0.5" "--max-bytes 100000" "--time-budget 0.000001"; do
    for fp in "" "--no-fast-path"; do
        # shellcheck disable=SC2086
        "$CIMETER" measure $lim $fp -t vivit-2x16 --per-file -o "$TMP/l.json" "$S" >/dev/null 2>&1
        rc=$?
        code=$(records "$TMP/l.json" | cut -f9 | head -1)
        [ "$rc" = 1 ] && [ "$code" = limit ] || fail "$lim $fp: exit $rc, error code $code (want 1, limit)"
    done
done
"$CIMETER" measure --max-frames 36 -t video:rlt -o "$TMP/l.json" "$S" >/dev/null 2>&1 || fail "--max-frames 36 refuses a 36-frame file"
exit $FAILED
