#!/usr/bin/env bash
# The fast path (header counts) equals the full decode (--no-fast-path) on every
# video of the sample and dev corpora: counts, bytes and seconds, for tubelet presets.
. "$(dirname "$0")/common.sh"
mapfile -t files < <(videos)
[ "${#files[@]}" -gt 0 ] || skip "no videos"
t=(-t vivit-2x16 -t cosmos-dv4x8x8 -t cosmos-dv8x16x16 -t "video:tubelet:t=4,p=16,fps=7.5,resize=224,causal")
"$CIMETER" measure "${t[@]}" --per-file -o "$TMP/fast.json" "${files[@]}" >/dev/null
"$CIMETER" measure --no-fast-path "${t[@]}" --per-file -o "$TMP/full.json" "${files[@]}" >/dev/null
records "$TMP/fast.json" > "$TMP/fast"
records "$TMP/full.json" > "$TMP/full"
nfast=$(awk -F'\t' '$8 == "True"' "$TMP/fast" | wc -l)
[ "$nfast" -gt 0 ] || fail "no file took the fast path"
[ "$(awk -F'\t' '$8 == "True"' "$TMP/full" | wc -l)" = 0 ] || fail "--no-fast-path still used headers"
# Compare everything but the fast_path column.
diff <(cut -f1-7,9 "$TMP/fast") <(cut -f1-7,9 "$TMP/full") || fail "fast path differs from the full decode"
echo "fast path == full decode on ${#files[@]} files ($nfast records from headers)"
exit $FAILED
