// hf_count.mjs — reference token counts from Hugging Face's Rust `tokenizers` library
// through its node binding (npm `tokenizers`), the independent check for cimeter's
// text:hf (doc/tokenizers.md).
//
//   node tests/ref/hf_count.mjs [OPTIONS] TOKENIZER FILE...   (or a FILE list on stdin with -)
//     TOKENIZER  a tokenizer.json, or a preset name (llama3, qwen3, deepseek-v3, gpt-oss,
//                gemma3, ...: tokenizers/data/hf/NAME.json, from scripts/fetch-tokenizers.sh)
//     --lib=L    tokenizers (default: the Rust library), anush (@anush008/tokenizers, another
//                binding of the crate) or hfjs (@huggingface/tokenizers, pure JavaScript)
//     --lines    count each line of each file alone (the '\n' removed): "TOKENS<TAB>PATH:LINE"
//     --docs=N   cut each file into documents of N bytes (at the first '\n' at or after each
//                N bytes, the '\n' kept) and count each alone: "TOKENS<TAB>PATH#K"
//     --ids      print the token ids too (a third column, space-separated), for diagnosis
//     --time     print the CPU seconds spent in encode on stderr ("encode_cpu_s<TAB>S")
// Prints "TOKENS<TAB>PATH" per file. Each file is decoded as a whole with
// TextDecoder('utf-8', {ignoreBOM: true}): WHATWG replacement of invalid sequences, BOM kept
// as U+FEFF; then encode(text, add_special_tokens = false). Offline: modules come from
// tokenizers/data/node (scripts/fetch-tokenizers.sh --test) or $CIM_NODE_MODULES.
// Exit 77 when the module or the tokenizer file is absent (meson's "skipped").
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..', '..');
const modules = process.env.CIM_NODE_MODULES || path.join(root, 'tokenizers', 'data', 'node', 'node_modules');
const req = createRequire(path.resolve(modules, 'x.js'));

const opts = { lib: 'tokenizers', lines: false, docs: 0, ids: false, time: false };
const args = [];
for (const a of process.argv.slice(2)) {
  if (a.startsWith('--lib=')) opts.lib = a.slice(6);
  else if (a === '--lines') opts.lines = true;
  else if (a.startsWith('--docs=')) opts.docs = Number(a.slice(7));
  else if (a === '--ids') opts.ids = true;
  else if (a === '--time') opts.time = true;
  else args.push(a);
}
const [tokArg, ...rest] = args;
if (!tokArg || !rest.length) {
  console.error('usage: hf_count.mjs [--lib=tokenizers|anush|hfjs] [--lines|--docs=N] [--ids] [--time] TOKENIZER FILE... | -');
  process.exit(2);
}
const dataDir = process.env.CIMETER_DATA_DIR || path.join(root, 'tokenizers', 'data');
const tokFile = fs.existsSync(tokArg) ? tokArg : path.join(dataDir, 'hf', `${tokArg}.json`);
if (!fs.existsSync(tokFile)) {
  console.error(`hf_count.mjs: ${tokArg}: no such file, nor ${tokFile} (run scripts/fetch-tokenizers.sh)`);
  process.exit(77);
}
const pkg = { tokenizers: 'tokenizers', anush: '@anush008/tokenizers', hfjs: '@huggingface/tokenizers' }[opts.lib];
if (!pkg) { console.error(`hf_count.mjs: unknown --lib=${opts.lib}`); process.exit(2); }
let mod;
try {
  mod = req(pkg);
} catch (err) {
  console.error(`hf_count.mjs: npm ${pkg} not found under ${modules} (run scripts/fetch-tokenizers.sh --test): ${err.message}`);
  process.exit(77);
}

// encode(text) -> array of ids, per library.
let encode;
if (opts.lib === 'hfjs') {
  const json = JSON.parse(fs.readFileSync(tokFile, 'utf8'));
  const config = fs.existsSync(path.join(path.dirname(tokFile), 'tokenizer_config.json'))
    ? JSON.parse(fs.readFileSync(path.join(path.dirname(tokFile), 'tokenizer_config.json'), 'utf8')) : {};
  const tok = new mod.Tokenizer(json, config);
  encode = async (text) => tok.encode(text, { add_special_tokens: false }).ids;
} else {
  const tok = mod.Tokenizer.fromFile(tokFile);
  encode = async (text) => (await tok.encode(text, null, { addSpecialTokens: false })).getIds();
}

let files = rest;
if (files.length === 1 && files[0] === '-')
  files = fs.readFileSync(0, 'utf8').split('\n').filter(Boolean);
const td = new TextDecoder('utf-8', { ignoreBOM: true });
const out = [];
let cpu = 0;
async function emit(text, label) {
  const t0 = process.cpuUsage();
  const ids = await encode(text);
  const t = process.cpuUsage(t0);
  cpu += (t.user + t.system) / 1e6;
  out.push(`${ids.length}\t${label}` + (opts.ids ? `\t${Array.from(ids).join(' ')}` : ''));
  if (out.length >= 256) { process.stdout.write(out.join('\n') + '\n'); out.length = 0; }
}
for (const f of files) {
  const raw = fs.readFileSync(f);
  if (opts.docs > 0) {
    let start = 0, k = 0;
    while (start < raw.length) {
      let end = Math.min(raw.length, start + opts.docs);
      if (end < raw.length) {
        const nl = raw.indexOf(10, end - 1);
        end = nl < 0 ? raw.length : nl + 1;
      }
      await emit(td.decode(raw.subarray(start, end)), `${f}#${k++}`);
      start = end;
    }
  } else if (opts.lines) {
    const lines = td.decode(raw).split('\n');
    for (let i = 0; i < lines.length; i++) await emit(lines[i], `${f}:${i + 1}`);
  } else {
    await emit(td.decode(raw), f);
  }
}
if (out.length) process.stdout.write(out.join('\n') + '\n');
if (opts.time) console.error(`encode_cpu_s\t${cpu.toFixed(3)}`);
