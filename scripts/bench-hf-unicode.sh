#!/usr/bin/env bash
# scripts/bench-hf-unicode.sh — the two ways text:hf runs a Split regex on PCRE2 side by
# side (tokenizers/hf_unicode.h): with PCRE2's own \p{..} classes, taken for text with no
# character on which PCRE2's Unicode tables and Oniguruma's differ, and with Oniguruma's
# classes spelled out as ranges, taken for any other text. The same multilingual text is
# measured as it is (own classes) and with U+10D4A (a Garay letter, new in Unicode 16.0)
# at the start of each line (ranges everywhere). Prints CPU seconds (user+sys) of
# `cimeter measure -j 1` per preset and the ratio; with --callgrind, instruction counts
# (valgrind) instead, which do not depend on the machine's load.
#   scripts/bench-hf-unicode.sh [--callgrind] [TEXT]   (default: 2 MB of gnome-help pages
#                                                     in ja, ru, el, hi, ko, de)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cimeter=${CIMETER:-$root/build/cimeter}
mode=cpu
if [ "${1:-}" = --callgrind ]; then mode=callgrind; shift; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if [ -n "${1:-}" ]; then
    cp "$1" "$tmp/raw"
else
    for lang in ja ru el hi ko de; do
        find -L "$root/corpora/dev/text/gnome-help/$lang" -type f | LC_ALL=C sort | head -100 |
            xargs cat 2>/dev/null || true
    done | head -c 2000000 > "$tmp/raw" || true
fi
python3 -c 'import sys; sys.stdout.write(open(sys.argv[1], "rb").read().decode("utf-8", "replace"))' \
    "$tmp/raw" > "$tmp/own.txt"
sed 's/^/\xf0\x90\xb5\x8a/' "$tmp/own.txt" > "$tmp/ranges.txt"
cost() {   # PRESET FILE: CPU seconds or instructions of one measure
    if [ $mode = callgrind ]; then
        valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$cimeter" measure -j 1 \
            -t "text:hf:$1" -o "$tmp/out.json" "$2" 2>&1 | sed -n 's/.*Collected : //p'
    else
        /usr/bin/time -f '%U %S' -o "$tmp/time" "$cimeter" measure -j 1 -t "text:hf:$1" \
            -o "$tmp/out.json" "$2"
        awk '{printf "%.3f\n", $1 + $2}' "$tmp/time"
    fi
}
unit=$([ $mode = callgrind ] && echo instructions || echo cpu_s)
printf '%-12s %16s %16s %7s\n' preset "own_$unit" "ranges_$unit" ratio
for preset in qwen3 deepseek-v3; do
    own=$(cost $preset "$tmp/own.txt")
    ranges=$(cost $preset "$tmp/ranges.txt")
    python3 -c "print('%-12s %16s %16s %6.2fx' % ('$preset', '$own', '$ranges', $ranges / $own))"
done
