#!/usr/bin/env bash
# Tubelet and RLT counts equal the independent reference tests/ref/av_video.py
# (python3-av + numpy, written from doc/tokenizers.md) on the sample corpus (and dev corpus).
. "$(dirname "$0")/common.sh"
"$PY" -c 'import av, numpy' 2>/dev/null || skip "python3-av or numpy not installed"
command -v ffprobe >/dev/null || skip "ffprobe not installed (the reference reads stream dispositions with it)"
tub=("t=2,p=16" "t=8,p=16,causal" "t=4,p=8,fps=10,resize=224,causal" "t=3,p=14,fps=29.97,resize=160x90,pad=crop" "t=2,p=16,fps=30000/1001,max=256")
rlt=("t=2,p=16,thr=10" "t=4,p=8,thr=0" "t=1,p=32,thr=25.5" "t=3,p=7,thr=3.25")
mapfile -t files < <(videos)
# Pixel formats the corpora lack: packed YUV, RGB, palette and 10-bit go through
# swscale to GRAY8 in both implementations; NV12 and gray are read as decoded.
if command -v ffmpeg >/dev/null; then
    for spec in "yuyv422 rawvideo avi" "bgr0 ffv1 mkv" "yuv420p10le ffv1 mkv" "pal8 rawvideo avi" "nv12 rawvideo avi" "gray ffv1 mkv"; do
        set -- $spec
        ffmpeg -v error -y -f lavfi -i testsrc2=s=100x70:r=12:d=2 -pix_fmt "$1" -c:v "$2" "$TMP/syn_$1.$3" &&
            files+=("$TMP/syn_$1.$3")
    done
fi
args=(); refargs=()
for s in "${tub[@]}"; do args+=(-t "video:tubelet:$s"); refargs+=(--tubelet "$s"); done
for s in "${rlt[@]}"; do args+=(-t "video:rlt:$s"); refargs+=(--rlt "$s"); done
"$CIMETER" measure -j 2 "${args[@]}" --per-file -o "$TMP/out.json" "${files[@]}" >/dev/null
records "$TMP/out.json" > "$TMP/rec"
"$PY" "$SRC/tests/ref/av_video.py" "${refargs[@]}" "${files[@]}" > "$TMP/ref" || fail "reference failed: $(cat "$TMP/ref")"
"$PY" - "$TMP/out.json" "$TMP/ref" "${#tub[@]}" "${tub[@]}" "${rlt[@]}" <<'PYEOF' || FAILED=1
import json, sys
out, ref, ntub = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
specs = ["video:tubelet:" + s for s in sys.argv[4:4 + ntub]] + ["video:rlt:" + s for s in sys.argv[4 + ntub:]]
canon = {t["requested"]: t["spec"] for t in out["tokenizers"]}
got = {(f["path"], f["tokenizer"]): f for f in out["files"]}
bad = checked = 0
for line in open(ref):
    path, frames, w, h, rate, skipped, *toks = line.rstrip("\n").split("\t")
    for spec, want in zip(specs, toks):
        r = got.get((path, canon[spec]))
        if r is None or str(r.get("tokens")) != want or str(r.get("units")) != frames:
            print(f"FAIL: {path} {spec}: reference {want} tokens / {frames} frames, cimeter {r}"); bad = 1
        checked += 1
print(f"{checked} counts equal the reference ({len(specs)} specs)")
sys.exit(bad or not checked)
PYEOF
exit $FAILED
