#!/usr/bin/env bash
# scripts/bench-hf-normalize.sh — speed of text:hf's normalizers (ICU underneath) next to
# the Rust tokenizers library's own (npm `tokenizers`, normalizeString), on the same text
# cut the same way (pieces of ~64 KiB ending at a '\n'). Prints CPU seconds and MB/s of
# each side and their ratio, per normalizer.
#   scripts/bench-hf-normalize.sh [TEXT]   (default: ~4 MB of the dev corpus: kjv.txt's
#                                           first 2 MB and 2 MB of multilingual gnome-help)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stage=${HF_STAGE:-$root/build/tests/text/hf_stage}
modules=${CIM_NODE_MODULES:-$root/tokenizers/data/node/node_modules}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if [ -n "${1:-}" ]; then
    cp "$1" "$tmp/text"
else
    dev=$root/corpora/dev/text
    { head -c 2000000 "$dev/kjv.txt"
      find -L "$dev/gnome-help" -type f | LC_ALL=C sort | xargs cat 2>/dev/null | head -c 2000000 || true; } > "$tmp/raw"
    # valid UTF-8 only (the normalizers' input is already decoded)
    python3 -c 'import sys; sys.stdout.write(open(sys.argv[1], "rb").read().decode("utf-8", "replace"))' \
        "$tmp/raw" > "$tmp/text"
fi
/usr/bin/python3 "$root/scripts/make-hf-json.py" unigram "$root/tests/spm/models/uni32k-bf.model" \
    "$tmp/t5.json" --style t5 2>/dev/null || true
cat > "$tmp/time.mjs" <<'JS'
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
const req = createRequire(path.resolve(process.argv[2], 'x.js'));
const norm = req('tokenizers').Tokenizer.fromFile(process.argv[3]).getNormalizer();
const text = fs.readFileSync(process.argv[4], 'utf8');
const buf = Buffer.from(text, 'utf8');
const pieces = [];
for (let at = 0; at < buf.length;) {
  let end = Math.min(at + 65536, buf.length);
  while (end < buf.length && buf[end - 1] !== 10) end++;
  pieces.push(buf.subarray(at, end).toString('utf8'));
  at = end;
}
const t0 = process.cpuUsage();
for (const p of pieces) norm.normalizeString(p);
const t = process.cpuUsage(t0);
console.log(((t.user + t.system) / 1e6).toFixed(6));
JS
bytes=$(stat -c %s "$tmp/text")
printf '%-22s %10s %10s %10s %10s %7s\n' normalizer cimeter_s lib_s cim_MB/s lib_MB/s ratio
for f in nfc nfd nfkc nfkd lowercase strip-accents bert replace-regex sequence t5; do
    if [ $f = t5 ]; then tok=$tmp/t5.json; else tok=$root/tests/text/hf/norm-$f.json; fi
    [ -f "$tok" ] || continue
    ours=$("$stage" normalizer-time "$tok" < "$tmp/text" | cut -d' ' -f1)
    lib=$(node "$tmp/time.mjs" "$modules" "$tok" "$tmp/text")
    python3 -c "
b, o, l = $bytes / 1e6, $ours, $lib
print('%-22s %10.3f %10.3f %10.1f %10.1f %6.1fx' % ('$f', o, l, b / o, b / l, l / o))"
done
