// hf_stage_ref.mjs — checks one stage of cimeter's tokenizer.json support against the Rust
// tokenizers library (npm `tokenizers`, its node binding), string by string.
//
//   node hf_stage_ref.mjs normalizer|pretok|model TOKENIZER.json STRINGS.jsonl CIMETER.jsonl
//
//   node hf_stage_ref.mjs normalizer|pretok|model TOKENIZER.json STRINGS.jsonl --write OUT.jsonl
//
// STRINGS.jsonl: one JSON string per line; CIMETER.jsonl: what tests/text/hf_stage printed
// for them. With --write, the library's results are written to OUT.jsonl (one JSON value a
// line, as hf_stage prints them) instead of compared (tests/text/hf_unicode.py). The library's side: normalizer.normalizeString(s), the words of
// preTokenizer.preTokenizeString(s), or for the model the ids of encode(s) by a copy of
// the tokenizer with no normalizer, pre-tokenizer or added tokens (s is one word).
// Prints each mismatch; exit 1 if any, 77 when npm `tokenizers` is absent.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..', '..');
const modules = process.env.CIM_NODE_MODULES ||
  path.join(root, 'tokenizers', 'data', 'node', 'node_modules');
const req = createRequire(path.resolve(modules, 'x.js'));
const [stage, tokFile, stringsFile, oursArg, writeFile] = process.argv.slice(2);
const oursFile = oursArg === '--write' ? null : oursArg;
if (!oursFile && !writeFile) {
  console.error('usage: hf_stage_ref.mjs normalizer|pretok|model TOKENIZER.json STRINGS.jsonl CIMETER.jsonl');
  process.exit(2);
}
let mod;
try {
  mod = req('tokenizers');
} catch (err) {
  console.error(`hf_stage_ref.mjs: npm tokenizers not found under ${modules} (scripts/fetch-tokenizers.sh --test)`);
  process.exit(77);
}
const json = JSON.parse(fs.readFileSync(tokFile, 'utf8'));
if (stage === 'model') {
  json.normalizer = null;
  json.pre_tokenizer = null;
  json.added_tokens = [];
}
const tok = mod.Tokenizer.fromString(JSON.stringify(json));
const lines = (f) => fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.length).map((l) => JSON.parse(l));
const strings = lines(stringsFile);
const ours = oursFile ? lines(oursFile) : null;
if (ours && ours.length !== strings.length) {
  console.error(`hf_stage_ref.mjs: ${strings.length} strings but ${ours.length} results`);
  process.exit(1);
}
const norm = tok.getNormalizer();
const pre = tok.getPreTokenizer();
let bad = 0;
const written = [];
for (let i = 0; i < strings.length; i++) {
  const s = strings[i];
  let want;
  if (stage === 'normalizer') want = norm ? norm.normalizeString(s) : s;
  else if (stage === 'pretok') want = pre ? pre.preTokenizeString(s).map((w) => w[0]) : [s];
  else want = s.length ? (await tok.encode(s, null, { addSpecialTokens: false })).getIds().length : 0;
  if (!ours) {
    written.push(JSON.stringify(want));
    continue;
  }
  if (JSON.stringify(want) !== JSON.stringify(ours[i])) {
    if (bad++ < (+process.env.CIM_SHOW || 20))
      console.log(`mismatch ${i + 1}: ${JSON.stringify(s).slice(0, 200)}\n  library: ${JSON.stringify(want).slice(0, 300)}\n  cimeter: ${JSON.stringify(ours[i]).slice(0, 300)}`);
  }
}
if (!ours) {
  fs.writeFileSync(writeFile, written.join('\n') + (written.length ? '\n' : ''));
  process.exit(0);
}
console.log(`${path.basename(tokFile)} ${stage}: ${strings.length} strings, ${bad} mismatches`);
process.exit(bad ? 1 : 0);
