#!/usr/bin/env bash
# scripts/bench-video.sh — speed of cimeter's video pass against its peers.
#
#   scripts/bench-video.sh [-r REPEAT] [-t] [FILE|DIR]...
#       default inputs: corpora/sample/video and corpora/dev/video (when fetched)
#       -r N   repeat each measurement N times and keep the fastest (default 3)
#       -t     also run the threading matrix (libavcodec threads x cimeter -j)
#       -F     fast path only (skip the decode rows)
#   env: CIMETER (default build/cimeter), PYTHON (default /usr/bin/python3)
#
# Rows, all pinned to one core (taskset -c 0) unless the row says otherwise:
#   ffmpeg            ffmpeg -threads 1 -i F -an -f null -   (decode only; one process per file)
#   cimeter count     measure -j 1 --no-fast-path -t vivit-2x16 (decode and count; no
#                     pixels leave the decoder, so the deblocking filter is skipped)
#   cimeter rlt       measure -j 1 -t video:rlt (decode, hand the luma to RLT)
#   pyav count/rlt    tests/ref/av_video.py, same counting in python3-av + numpy
#   fast path         measure -t vivit-2x16 over MP4s (headers + first frame): files/s
# Load: the machine may be shared; /proc/loadavg is printed before and after, and
# the minimum of REPEAT runs is kept. Wall seconds suffer from other users' load;
# CPU seconds (user+sys) much less, so frames/s and the ratio to ffmpeg use them.
#
# Threading decision (CIM_AV_THREADS_DEFAULT in src/decode/av_video.c) rests on
# the matrix this script prints with -t (wall, CPU and RSS); the figures behind
# it are in the header comment of av_video.c.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
CIM=${CIMETER:-$here/build/cimeter}
PY=${PYTHON:-/usr/bin/python3}
REPEAT=3
MATRIX=0
ROWS=1
while getopts r:tF o; do
    case $o in r) REPEAT=$OPTARG ;; t) MATRIX=1 ;; F) ROWS=0 ;; *) sed -n '2,13p' "$0"; exit 2 ;; esac
done
shift $((OPTIND - 1))
[ -x "$CIM" ] || { echo "bench-video: $CIM not built" >&2; exit 2; }
inputs=("$@")
[ ${#inputs[@]} -gt 0 ] || inputs=("$here/corpora/sample/video" "$here/corpora/dev/video")
files=()
for i in "${inputs[@]}"; do
    if [ -d "$i" ]; then while IFS= read -r f; do files+=("$f"); done < <(find -L "$i" -type f | sort)
    elif [ -f "$i" ]; then files+=("$i"); fi
done
[ ${#files[@]} -gt 0 ] || { echo "bench-video: no input files" >&2; exit 2; }
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
PIN=(); command -v taskset >/dev/null && PIN=(taskset -c 0)

# "WALL CPU RSS-KB" of REPEAT runs of "$@": the least wall and the least CPU
# (user+sys) seen; on a shared machine CPU time is the steadier figure.
best() {
    local bw="" bc="" rss=0
    for _ in $(seq "$REPEAT"); do
        /usr/bin/time -f "%e %U %S %M" -o "$TMP/t" "$@" >/dev/null 2>"$TMP/err" || true
        read -r w u sy m < "$TMP/t"
        c=$(awk -v u="$u" -v s="$sy" 'BEGIN{print u + s}')
        if [ -z "$bw" ] || awk -v a="$w" -v b="$bw" 'BEGIN{exit !(a < b)}'; then bw=$w; fi
        if [ -z "$bc" ] || awk -v a="$c" -v b="$bc" 'BEGIN{exit !(a < b)}'; then bc=$c; rss=$m; fi
    done
    echo "$bw $bc $rss"
}

"$CIM" measure -j 1 --no-fast-path -t vivit-2x16 -o "$TMP/c.json" "${files[@]}" >/dev/null || true
frames=$("$PY" -c 'import json,sys; print(sum(a["units"] for a in json.load(open(sys.argv[1]))["aggregates"] if a["modality"]=="video"))' "$TMP/c.json")
echo "# bench-video: ${#files[@]} files, $frames frames; $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(ffmpeg -version 2>/dev/null | head -1)"
printf '%-34s %8s %8s %10s %9s %9s\n' "row (one core)" "wall s" "CPU s" "frames/s" "CPU ratio" "RSS MB"
row() {   # name wall cpu rss; frames/s and the ratio to ffmpeg are by CPU time
    local name=$1 w=$2 c=$3 m=$4
    [ -z "${base:-}" ] && base=$c
    printf '%-34s %8.2f %8.2f %10.0f %9.2f %9.1f\n' "$name" "$w" "$c" \
        "$(awk -v f="$frames" -v c="$c" 'BEGIN{print (c > 0 ? f / c : 0)}')" \
        "$(awk -v c="$c" -v b="$base" 'BEGIN{print c / b}')" "$(awk -v m="$m" 'BEGIN{print m / 1024}')"
}
cat > "$TMP/ff.sh" <<'EOF'
for f; do ffmpeg -nostdin -v error -threads 1 -i "$f" -an -f null - || exit 1; done
EOF
base=""
if [ "$ROWS" = 1 ]; then
read -r w c m < <(best "${PIN[@]}" bash "$TMP/ff.sh" "${files[@]}"); row "ffmpeg -threads 1 (decode only)" "$w" "$c" "$m"
export CIM_AV_THREADS=1
read -r w c m < <(best "${PIN[@]}" "$CIM" measure -j 1 --no-fast-path -t vivit-2x16 -o "$TMP/o.json" "${files[@]}"); row "cimeter count (--no-fast-path)" "$w" "$c" "$m"
read -r w c m < <(best "${PIN[@]}" "$CIM" measure -j 1 -t video:rlt -o "$TMP/o.json" "${files[@]}"); row "cimeter rlt (luma)" "$w" "$c" "$m"
read -r w c m < <(best "${PIN[@]}" "$CIM" measure -j 1 -t video:rlt -t vivit-2x16 -t cosmos-dv8x16x16 -o "$TMP/o.json" "${files[@]}"); row "cimeter rlt+2 tubelets, one pass" "$w" "$c" "$m"
if "$PY" -c 'import av, numpy' 2>/dev/null; then
    read -r w c m < <(best "${PIN[@]}" "$PY" "$here/tests/ref/av_video.py" --tubelet t=2,p=16 "${files[@]}"); row "python3-av count" "$w" "$c" "$m"
    read -r w c m < <(best "${PIN[@]}" "$PY" "$here/tests/ref/av_video.py" --rlt t=2,p=16,thr=25.5 "${files[@]}"); row "python3-av rlt (numpy)" "$w" "$c" "$m"
fi
unset CIM_AV_THREADS
fi

# Fast path: every MP4, copied 20 times (the walk de-duplicates hard links).
mkdir -p "$TMP/fp"
n=0
for f in "${files[@]}"; do
    [ "$(od -An -c -j4 -N4 "$f" | tr -d ' ')" = ftyp ] || continue
    for k in $(seq 20); do n=$((n + 1)); cp "$f" "$TMP/fp/$n.mp4"; done
done
if [ "$n" -gt 0 ]; then
    read -r w c _ < <(best "${PIN[@]}" "$CIM" measure -j 1 -t vivit-2x16 -o "$TMP/o.json" "$TMP/fp")
    "$CIM" measure -j 1 -t vivit-2x16 --per-file -o "$TMP/p.json" "$TMP/fp" >/dev/null 2>&1 || true
    nfast=$("$PY" -c 'import json,sys; print(sum(1 for f in json.load(open(sys.argv[1])).get("files",[]) if f.get("fast_path")))' "$TMP/p.json")
    read -r wd cdec _ < <(REPEAT=1 best "${PIN[@]}" "$CIM" measure -j 1 --no-fast-path -t vivit-2x16 -o "$TMP/o.json" "$TMP/fp")
    printf 'fast path: %d MP4 files (%s from headers): %.2f s wall, %.2f s CPU = %.0f files/CPU-s on one core (full decode: %.2f s wall, %.2f s CPU = %.1f files/CPU-s)\n' \
        "$n" "$nfast" "$w" "$c" "$(awk -v n="$n" -v c="$c" 'BEGIN{print n / c}')" "$wd" "$cdec" "$(awk -v n="$n" -v c="$cdec" 'BEGIN{print n / c}')"
fi

if [ "$MATRIX" = 1 ]; then
    echo "# threading matrix (no pinning), measure -t video:rlt -t vivit-2x16 over all files:"
    echo "# wall s / CPU s (user+sys) / max RSS MB, best wall of REPEAT runs"
    printf '%-22s %22s %22s\n' "" "-j 1" "-j 2"
    for at in 1 2; do
        cells=()
        for j in 1 2; do
            bw=""; cell=""
            for _ in $(seq "$REPEAT"); do
                CIM_AV_THREADS=$at /usr/bin/time -f "%e %U %S %M" -o "$TMP/t" \
                    "$CIM" measure -j "$j" -t video:rlt -t vivit-2x16 -o "$TMP/o.json" "${files[@]}" >/dev/null 2>&1 || true
                read -r w u sy m < "$TMP/t"
                if [ -z "$bw" ] || awk -v a="$w" -v b="$bw" 'BEGIN{exit !(a < b)}'; then
                    bw=$w; cell=$(awk -v w="$w" -v u="$u" -v s="$sy" -v m="$m" 'BEGIN{printf "%.2f / %.2f / %.0f", w, u + s, m / 1024}')
                fi
            done
            cells+=("$cell")
        done
        printf '%-22s %22s %22s\n' "libavcodec threads=$at" "${cells[0]}" "${cells[1]}"
    done
fi
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
