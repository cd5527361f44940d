#!/usr/bin/env bash
# scripts/bench-image.sh — cimeter's image pass against its floor and a Python peer.
#
#   scripts/bench-image.sh [BUILD_DIR] [PATH...]     (default: build, the sample +
#                                                      dev image corpora)
# On one core (taskset -c 0, -j 1), best of $REPS runs (default 3) each:
#   decode-only   scripts/bench/decode_image_peer.c: libpng/libjpeg-turbo decode to
#                 canonical 8-bit rows, nothing else (built here with cc -O2)
#   adaptive      cimeter measure -t image:adaptive:min=16,max=64,thr=32 (decodes
#                 every pixel and runs the quadtree): target within 10% of decode-only
#   patch-decode  cimeter measure -t vit-b16 --no-fast-path (decode to validate;
#                 JPEG at 1/8 scale since no one needs the pixels)
#   patch-fast    cimeter measure -t vit-b16 (headers only)
#   pil-adaptive  tests/ref/pil_image.py, the same counts with PIL + numpy
#   pil-patch     tests/ref/pil_image.py -t vit-b16 (PIL open + full load)
# Prints seconds, MP/s and the ratio to decode-only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
[ $# -gt 0 ] && shift
paths=("$@")
if [ ${#paths[@]} -eq 0 ]; then
    paths=("$root/corpora/sample/image")
    [ -d "$root/corpora/dev/image" ] && paths+=("$root/corpora/dev/image")
fi
reps=${REPS:-3}
cimeter=$build/cimeter
[ -x "$cimeter" ] || { echo "bench-image.sh: no $cimeter (build first)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
peer=$tmp/decode_image_peer
cc -O2 -o "$peer" "$here/bench/decode_image_peer.c" $(pkg-config --cflags --libs libpng libjpeg)
mapfile -t files < <(find -L "${paths[@]}" -type f \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' \) | sort)
[ ${#files[@]} -gt 0 ] || { echo "bench-image.sh: no PNG/JPEG files" >&2; exit 2; }
mp=$("$peer" "${files[@]}" | awk '{printf "%.2f", $4 / 1e6}')
pin="taskset -c 0"
command -v taskset >/dev/null || pin=""
best() {   # best wall seconds of $reps runs of "$@"
    local b="" t0 t1 dt
    for _ in $(seq "$reps"); do
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || [ $? -eq 1 ]
        t1=$(date +%s.%N)
        dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b - a}')
        if [ -z "$b" ] || awk -v d="$dt" -v b="$b" 'BEGIN {exit !(d < b)}'; then b=$dt; fi
    done
    echo "$b"
}
declare -A secs
order=(decode-only adaptive patch-decode patch-fast pil-adaptive pil-patch)
secs[decode-only]=$(best $pin "$peer" "${files[@]}")
secs[adaptive]=$(best $pin "$cimeter" measure -j 1 -o "$tmp/a.json" -t image:adaptive:min=16,max=64,thr=32 "${files[@]}")
secs[patch-decode]=$(best $pin "$cimeter" measure -j 1 -o "$tmp/b.json" --no-fast-path -t vit-b16 "${files[@]}")
secs[patch-fast]=$(best $pin "$cimeter" measure -j 1 -o "$tmp/c.json" -t vit-b16 "${files[@]}")
if /usr/bin/python3 -c 'import PIL, numpy' 2>/dev/null; then
    secs[pil-adaptive]=$(REPS=1 best $pin /usr/bin/python3 "$root/tests/ref/pil_image.py" -t image:adaptive:min=16,max=64,thr=32 "${files[@]}")
    secs[pil-patch]=$(best $pin /usr/bin/python3 "$root/tests/ref/pil_image.py" -t vit-b16 "${files[@]}")
fi
echo "bench-image: ${#files[@]} files, $mp MP, one core${pin:+ (taskset -c 0)}, best of $reps"
printf '%-14s %9s %9s %12s\n' pass seconds MP/s vs-decode
for k in "${order[@]}"; do
    [ -n "${secs[$k]:-}" ] || continue
    awk -v k="$k" -v s="${secs[$k]}" -v mp="$mp" -v d="${secs[decode-only]}" \
        'BEGIN {printf "%-14s %9.3f %9.1f %11.3fx\n", k, s, mp / s, s / d}'
done
