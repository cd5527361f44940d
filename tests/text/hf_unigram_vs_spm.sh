#!/usr/bin/env bash
# hf_unigram_vs_spm.sh — the conversion check of scripts/make-hf-json.py's Unigram output:
# the T5-style tokenizer.json built from tests/spm/models/uni32k-bf.model, run by the Rust
# tokenizers library (npm `tokenizers`), must count every line of ordinary text as
# SentencePiece itself does on the .model (python3-sentencepiece). The lines: the sample
# corpus's text, and when present every 400th gnome-help page of the dev corpus and the
# first 2000 lines of kjv.txt. Exit 77 when a reference is absent.
set -euo pipefail
root=${CIM_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
dev=${CIM_DEV_CORPUS:-$root/corpora/dev}/text
modules=${CIM_NODE_MODULES:-$root/tokenizers/data/node/node_modules}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
command -v node >/dev/null || { echo "hf_unigram_vs_spm.sh: node not found"; exit 77; }
[ -d "$modules/tokenizers" ] || { echo "hf_unigram_vs_spm.sh: npm tokenizers absent"; exit 77; }
/usr/bin/python3 -c 'import sentencepiece; from sentencepiece import sentencepiece_model_pb2' \
    2>/dev/null || { echo "hf_unigram_vs_spm.sh: python3-sentencepiece/protobuf absent"; exit 77; }
model=$root/tests/spm/models/uni32k-bf.model
/usr/bin/python3 "$root/scripts/make-hf-json.py" unigram "$model" "$tmp/t5.json" --style t5
{
    find "$root/corpora/sample" -type f -name '*.txt' | LC_ALL=C sort | xargs -r cat
    if [ -d "$dev" ]; then
        find -L "$dev/gnome-help" -type f | LC_ALL=C sort | awk 'NR % 400 == 1' | xargs -r cat
        head -n 2000 "$dev/kjv.txt"
    fi
} | LC_ALL=C grep -av '^[[:space:]]*$' | /usr/bin/python3 -c '
import sys
for line in sys.stdin.buffer:
    try:
        sys.stdout.write(line.decode("utf-8"))
    except UnicodeDecodeError:
        pass' > "$tmp/lines.txt"
/usr/bin/python3 - "$model" "$tmp/lines.txt" > "$tmp/spm.txt" <<'PY'
import sys, sentencepiece as spm
sp = spm.SentencePieceProcessor(model_file=sys.argv[1])
for line in open(sys.argv[2], encoding="utf-8"):
    print(len(sp.encode(line.rstrip("\n"))))
PY
cat > "$tmp/hf.mjs" <<'JS'
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
const req = createRequire(path.resolve(process.argv[2], 'x.js'));
const tok = req('tokenizers').Tokenizer.fromFile(process.argv[3]);
const out = [];
for (const l of fs.readFileSync(process.argv[4], 'utf8').split('\n').slice(0, -1))
  out.push((await tok.encode(l, null, { addSpecialTokens: false })).getIds().length);
console.log(out.join('\n'));
JS
node "$tmp/hf.mjs" "$modules" "$tmp/t5.json" "$tmp/lines.txt" > "$tmp/hf.txt"
n=$(wc -l < "$tmp/lines.txt")
bad=$(paste "$tmp/spm.txt" "$tmp/hf.txt" | awk -F'\t' '$1 != $2' | wc -l)
paste "$tmp/spm.txt" "$tmp/hf.txt" "$tmp/lines.txt" | awk -F'\t' '$1 != $2' | head -5
echo "uni32k-bf: $n lines, SentencePiece and the tokenizer.json differ on $bad"
[ "$bad" = 0 ] && [ "$n" -gt 100 ]
