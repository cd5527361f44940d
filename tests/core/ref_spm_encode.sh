#!/usr/bin/env bash
# ref_spm_encode.sh — text:spm counts equal spm_encode's and python3-sentencepiece's,
# file by file, on the sample corpus and on Latin, Cyrillic, Greek, CJK, CRLF and edge-case text.
. "$(dirname "$0")/lib.sh"
C=$CIMETER
command -v spm_encode >/dev/null || { echo "spm_encode not installed (scripts/deps.sh --test): skipping"; exit 77; }
d=$T/text; mkdir -p "$d"
cp "$SAMPLE"/text/* "$d/"
printf 'Съешь же ещё этих мягких французских булок, да выпей чаю.\nЗдравствуй, мир!\n' > "$d/cyrillic.txt"
printf 'Ξεσκεπάζω την ψυχοφθόρα βδελυγμία.\n' > "$d/greek.txt"
printf '我能吞下玻璃而不伤身体。\n日本語のテキストです。\n한국어 텍스트\n' > "$d/cjk.txt"
printf 'Windows line\r\nends\r\n\r\nhere\r\n' > "$d/crlf.txt"
printf 'no final newline — déjà vu' > "$d/nofinal.txt"
printf '\n\n\n   \n\t\n' > "$d/blank-lines.txt"
printf '\xef\xbb\xbfBOM first\n' > "$d/bom.txt"
printf 'emoji 👩‍👩‍👧 e\xcc\x81 ①②③ 12345678901234567890\n' > "$d/misc.txt"
"$C" measure -t "text:spm:$MODEL" -o "$T/r.json" --per-file "$d" || fail "measure exited $?"
"$PY" - "$T/r.json" "$MODEL" "$d" <<'PY' || fail "counts differ"
import json, os, subprocess, sys
res, model, d = sys.argv[1:4]
ours = {os.path.basename(f["path"]): f["tokens"] for f in json.load(open(res))["files"]}
try:
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=model)
except ImportError:
    sp = None
    print("python3-sentencepiece not installed: comparing with spm_encode only")
bad = 0
for name in sorted(os.listdir(d)):
    path = os.path.join(d, name)
    out = subprocess.run(["spm_encode", "--model", model, "--output_format=id", path],
                         capture_output=True, check=True).stdout
    ref = len(out.split())
    line = f"{name}: cimeter {ours.get(name)} spm_encode {ref}"
    if sp is not None:
        data = open(path, "rb").read()
        lines = data.split(b"\n")
        if data.endswith(b"\n"): lines.pop()
        # spm_encode reads lines as bytes; decode as UTF-8 like the C++ string_view does
        py = sum(len(sp.encode(l.decode("utf-8", "surrogateescape"))) for l in lines if l)
        line += f" python3-sentencepiece {py}"
        if py != ref: bad += 1; line += "  <-- python differs"
    if ours.get(name) != ref: bad += 1; line += "  <-- MISMATCH"
    print(line)
sys.exit(1 if bad else 0)
PY
# One file of a few MB alone at -j 2: its chunks are cut after newlines into segments
# that idle threads encode in parallel; the count must still be spm_encode's.
for _ in $(seq 12); do cat "$d"/*; done > "$T/big.txt"
"$C" measure -j 2 -t "text:spm:$MODEL" -o "$T/big.json" "$T/big.txt" || fail "measure big.txt exited $?"
ours=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['aggregates'][0]['tokens'])" "$T/big.json")
ref=$(spm_encode --model "$MODEL" --output_format=id "$T/big.txt" | wc -w)
[ "$ours" = "$ref" ] && ok "big.txt ($(stat -c %s "$T/big.txt") bytes) alone at -j 2: $ours = spm_encode" ||
    fail "big.txt alone at -j 2: cimeter $ours, spm_encode $ref"
finish
