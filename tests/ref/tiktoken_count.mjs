// tiktoken_count.mjs — reference token counts from OpenAI's tiktoken (npm `tiktoken`,
// the WASM build), the independent check for cimeter's text:tiktoken (doc/tokenizers.md).
//
//   node tests/ref/tiktoken_count.mjs ENC[,ENC...] FILE...   (or FILE list on stdin with -)
// prints "ENC<TAB>TOKENS<TAB>PATH" per file and encoding. Each file is decoded as a whole
// with TextDecoder('utf-8', {ignoreBOM: true}): WHATWG replacement of invalid sequences,
// BOM kept as U+FEFF; then encode_ordinary (no special tokens). Offline: the module comes
// from tokenizers/data/node (scripts/fetch-tokenizers.sh --test) or $CIM_NODE_MODULES.
// Exit 77 when the module is absent (meson's "skipped").
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = process.env.CIM_NODE_MODULES || path.join(here, '..', '..', 'tokenizers', 'data', 'node', 'node_modules');
let tiktoken;
try {
  tiktoken = createRequire(path.resolve(modules, 'x.js'))('tiktoken');
} catch (err) {
  console.error(`tiktoken_count.mjs: npm tiktoken not found under ${modules} (run scripts/fetch-tokenizers.sh --test)`);
  process.exit(77);
}
const [encArg, ...rest] = process.argv.slice(2);
if (!encArg) { console.error('usage: tiktoken_count.mjs ENC[,ENC...] FILE... | -'); process.exit(2); }
let files = rest;
if (files.length === 1 && files[0] === '-')
  files = fs.readFileSync(0, 'utf8').split('\n').filter(Boolean);
const encs = encArg.split(',').map((name) => [name, tiktoken.get_encoding(name)]);
const td = new TextDecoder('utf-8', { ignoreBOM: true });
const out = [];
for (const f of files) {
  const text = td.decode(fs.readFileSync(f));
  for (const [name, enc] of encs) out.push(`${name}\t${enc.encode_ordinary(text).length}\t${f}`);
  if (out.length >= 256) { process.stdout.write(out.join('\n') + '\n'); out.length = 0; }
}
if (out.length) process.stdout.write(out.join('\n') + '\n');
for (const [, enc] of encs) enc.free();
