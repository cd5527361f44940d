#!/usr/bin/env bash
# hostile_corpus.sh — 500+ seeded mutants of the sample corpus next to the clean
# files: measure finishes with exit 1, every failure carries a clear message,
# every clean file is measured exactly as in a clean run, RSS stays bounded.
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
/usr/bin/time -v -o "$T/time" "$C" measure "${specs[@]}" "${lim[@]}" -j 2 -o "$T/clean.json" --per-file "$T/h/clean"
[ $? = 0 ] || fail "clean run failed"
/usr/bin/time -v -o "$T/time" "$C" measure "${specs[@]}" "${lim[@]}" -j 2 -o "$T/all.json" --per-file "$T/h/clean" "$T/h/bad" "$T/h/unbuilt"
rc=$?
[ $rc = 1 ] && ok "exit 1" || fail "exit $rc, expected 1"
rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$T/time")
echo "peak RSS ${rss} KiB"
[ "$rss" -lt 2000000 ] || fail "peak RSS $rss KiB"
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
