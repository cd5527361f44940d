#!/usr/bin/env bash
# hostile_text.sh — bad input: a clear per-file error, the run goes on, exit 1 (doc/records.md).
. "$(dirname "$0")/lib.sh"
C=$CIMETER
d=$T/corpus; mkdir -p "$d/sub"
cp "$SAMPLE/text/kjv-genesis.txt" "$d/good.txt"
: > "$d/empty.txt"
printf 'abc\0def\n' > "$d/nul.txt"                       # NUL in the first 64 KiB: not text
head -c 5000 /dev/urandom > "$d/random.bin"              # no known modality
{ printf 'caf\xc3\xa9 ok\n'; head -c 20000 "$SAMPLE/text/strings.go"; printf '\xff\n'; } > "$d/mostly-utf8.txt"  # < 1% invalid: text
printf '\xff\xfe\xfd\xfc bad bad\n' > "$d/bad-utf8.txt"  # > 1% invalid: not text
ln -s nowhere "$d/dangling.txt"
ln -s .. "$d/sub/loop"
mkdir "$d/emptydir"
mkfifo "$d/fifo"
if [ "$(id -u)" != 0 ]; then cp "$d/good.txt" "$d/unreadable.txt"; chmod 000 "$d/unreadable.txt"; fi
expect_rc 1 "$C" measure -t text:bytes -t text:chars -t "text:spm:$MODEL" -o "$T/r.json" --per-file "$d"
"$PY" - "$T/r.json" "$SAMPLE/text/kjv-genesis.txt" <<'PY' || fail "records"
import json, os, sys
d = json.load(open(sys.argv[1]))
errs = {os.path.basename(e["path"]): e for e in d["errors"]}
want = {"empty.txt": "empty", "nul.txt": "unsupported", "random.bin": "unsupported",
        "bad-utf8.txt": "unsupported", "dangling.txt": "io", "loop": "io", "fifo": "unsupported"}
if os.getuid() != 0: want["unreadable.txt"] = "io"
for name, code in want.items():
    assert name in errs, ("no error for", name, sorted(errs))
    assert errs[name]["error_code"] == code, (name, errs[name])
    assert errs[name]["error"], name
    print("error ok:", name, "-", errs[name]["error"])
assert set(errs) == set(want), sorted(set(errs) - set(want))
# The good files are measured exactly as a clean run measures them.
good = {os.path.basename(f["path"]): f for f in d["files"] if f["error"] is None and f["tokenizer"]}
assert "good.txt" in good and "mostly-utf8.txt" in good, sorted(good)
size = os.path.getsize(sys.argv[2])
byt = [f for f in d["files"] if f["path"].endswith("good.txt") and f["tokenizer"] == "text:bytes"][0]
assert byt["tokens"] == size and byt["raw_bytes"] == size, byt
assert d["corpus"]["errors"] == len(want), d["corpus"]
PY
# The clean file alone gives the same spm count as inside the hostile run.
"$C" measure -t "text:spm:$MODEL" -o "$T/clean.json" --per-file "$d/good.txt"
a=$(json_get "$T/clean.json" "d['files'][0]['tokens']")
b=$(json_get "$T/r.json" "[f['tokens'] for f in d['files'] if f['path'].endswith('good.txt') and 'spm' in (f['tokenizer'] or '')][0]")
[ "$a" = "$b" ] && ok "good file unaffected ($a tokens)" || fail "good file: $a vs $b"
# A missing path on the command line is a per-file error too.
expect_rc 1 "$C" measure -t text:bytes "$d/good.txt" "$T/does-not-exist"
# Lines longer than the decoder's buffer and a file without a final newline stream through.
"$PY" -c "import sys; sys.stdout.write('word ' * 600000)" > "$T/longline.txt"
expect_rc 0 "$C" measure -t text:bytes -t text:chars -o "$T/l.json" --per-file "$T/longline.txt"
[ "$(json_get "$T/l.json" "d['aggregates'][0]['tokens']")" = 3000000 ] || fail "long line byte count"
finish
