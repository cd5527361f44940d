#!/usr/bin/env bash
# hostile_corpus.sh — 500+ seeded mutants of the sample corpus next to the clean
# files: measure finishes with exit 1, every failure carries a clear message,
# every clean file is measured exactly as in a clean run, RSS stays within what the
# limits promise (tests/core/lib.sh).
. "${CIM_SOURCE_ROOT:?}/tests/core/lib.sh"
C=$CIMETER
"$PY" "$ROOT/tests/hostile/make_hostile.py" "$SAMPLE" "$T/h" 1234 > "$T/n"
n=$(cut -d' ' -f1 "$T/n"); [ "$n" -ge 500 ] && ok "$n mutants" || fail "only $n mutants"
# Every built front-end family, content-aware ones included.
specs=(-t text:bytes -t text:chars -t "text:spm:$MODEL")
for s in text:tiktoken:cl100k_base image:patch:p=16 image:adaptive:min=4,max=32,thr=16 \
         video:tubelet:t=2,p=16 video:rlt:t=2,p=16,thr=0.1 audio:frame:hop=20 audio:vad:hop=20,thr=-40; do
    "$C" measure -t "$s" "$SAMPLE/text/gnome-help-C.page" >/dev/null 2>&1 && specs+=(-t "$s")
done
echo "tokenizers: ${specs[*]}"
# Modalities with no built front-end (e.g. video/audio before their branches
# are merged, or a build without libav*/libsndfile): their clean samples can
# only be "unsupported" errors, so they leave the clean comparison (with a
# note) and join the hostile side. Their mutants stay in bad/ as before.
built=$("$C" tokenizers | awk '/^  [a-z]+:[a-z]/ { split($1, a, ":"); print a[1] }' | sort -u)
mkdir -p "$T/h/unbuilt"
for f in "$T/h/clean"/*; do
    mod=${f##*/}; mod=${mod%%-*}
    grep -qx "$mod" <<<"$built" || mv "$f" "$T/h/unbuilt/"
done
nun=$(ls "$T/h/unbuilt" | wc -l)
[ "$nun" = 0 ] || echo "note: $nun clean file(s) of modalities with no built front-end left out of the clean comparison: $(ls "$T/h/unbuilt" | tr '\n' ' ')"
lim=(--max-pixels 50000000 --max-frames 100000 --max-seconds 3600 --time-budget 60)
peak_rss "$C" measure "${specs[@]}" "${lim[@]}" -j 2 -o "$T/clean.json" --per-file "$T/h/clean"
[ $rss_rc = 0 ] || { fail "clean run failed"; cat "$T/rss.err" >&2; }
clean_rss=$rss
peak_rss "$C" measure "${specs[@]}" "${lim[@]}" -j 2 -o "$T/all.json" --per-file "$T/h/clean" "$T/h/bad" "$T/h/unbuilt"
[ $rss_rc = 1 ] && ok "exit 1" || fail "exit $rss_rc, expected 1"
# What a hostile file may add to the clean run (tests/core/lib.sh), per thread and for
# 2 threads: the larger of the largest image the pixel limit admits held at half size
# (an interlaced PNG keeps its even rows) at 4 bytes a pixel, and a tokenizer's working
# memory on the longest piece of a line handed on whole (4 MiB, src/decode/text.c);
# libsentencepiece's Encode takes about 64 bytes per byte of a line (267 MB seen on one
# 4 MiB piece), so 80 are allowed.
image_kib=$((50000000 * 4 / 2 / 1024))
line_kib=$((4 * 1024 * 80))
per_thread=$((image_kib > line_kib ? image_kib : line_kib))
bound=$(rss_bound_kib "$clean_rss" $((2 * per_thread)))
echo "peak RSS ${rss} KiB (clean run ${clean_rss} KiB, bound ${bound} KiB)"
[ "$rss" -lt "$bound" ] || fail "peak RSS $rss KiB over $bound"
"$PY" - "$T/clean.json" "$T/all.json" <<'PY' || fail "records"
import json, sys, collections
clean = json.load(open(sys.argv[1])); allr = json.load(open(sys.argv[2]))
key = lambda f: (f["path"], f["tokenizer"])
c = {key(f): f for f in clean["files"]}
a = {key(f): f for f in allr["files"]}
for k, f in c.items():
    assert a[k] == f, ("clean file measured differently", k, f, a.get(k))
assert {f["path"] for f in clean["files"]} and all(f["error"] is None for f in clean["files"]), "clean run has errors"
unb = [f for f in allr["files"] if "/unbuilt/" in f["path"]]
assert all(f.get("error_code") == "unsupported" for f in unb), ("a file of an unbuilt modality was not 'unsupported'", unb)
bad = [f for f in allr["files"] if "/bad/" in f["path"]]
errs = [f for f in bad if f["error"] is not None]
assert all(e["error"].strip() for e in errs), "an error without a message"
codes = collections.Counter(e.get("error_code") for e in errs)
measured = len({f["path"] for f in bad if f["error"] is None and f.get("tokens") is not None})
print(f"{len({f['path'] for f in bad})} mutants: {len({e['path'] for e in errs})} errors {dict(codes)}, {measured} still decodable and measured")
PY
finish
