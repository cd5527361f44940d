#!/usr/bin/env bash
# Decoded frame counts equal `ffprobe -count_frames` on every dev (and sample) video.
. "$(dirname "$0")/common.sh"
command -v ffprobe >/dev/null || skip "ffprobe not installed"
[ -d "$DEV/video" ] || skip "dev corpus not fetched (corpora/fetch.sh dev; or set CIM_DEV_CORPUS)"
mapfile -t files < <(videos)
"$CIMETER" measure --no-fast-path -t video:vivit-2x16 --per-file -o "$TMP/out.json" "${files[@]}" >/dev/null
records "$TMP/out.json" > "$TMP/rec"
n=0
for f in "${files[@]}"; do
    want=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$f" | head -1)
    got=$(awk -F'\t' -v p="$f" '$1 == p {print $3; exit}' "$TMP/rec")
    if [ "$want" != "$got" ]; then fail "$f: ffprobe counts $want frames, cimeter $got"; else n=$((n + 1)); fi
done
echo "frame counts equal ffprobe on $n files"
exit $FAILED
