#!/usr/bin/env python3
"""hf_unicode.py — each Unicode-dependent component of text:hf against the same component of
the Rust tokenizers library (npm `tokenizers`), code point by code point.

    hf_unicode.py [--all | --cps FILE] [--sample N] [--batch N] [--only NAME,...]
                  [--write-mismatches FILE] [--ref-cache DIR]

Components: the normalizers Lowercase, BertNormalizer (uncased and cased), NFC, NFD, NFKC,
NFKD, StripAccents, Replace with a regex of one class (\p{L}, \p{N}, \p{P}, \p{S},
\p{M}, \s, \S); the pre-tokenizers Whitespace, WhitespaceSplit, Digits, Punctuation,
BertPreTokenizer, Metaspace; and each Split of the llama3, qwen3, deepseek-v3 and gpt-oss
presets (skipped when tokenizers/data/hf lacks them). Each code point c is tried as
"a" + c + "a" (--unit: another context); many such units, joined by spaces, make one string, and each string that
differs is retried unit by unit, so the count is of code points that differ alone.

Code points: --all (every one but the surrogates), or those listed in FILE (hex, or hex
ranges A-B, one a line, # comments) plus every Nth of the others (--sample N). Runs
tests/text/hf_stage (cimeter's side, $HF_STAGE) and tests/text/hf_stage_ref.mjs --write
(the library's side); --ref-cache DIR keeps the library's results by the SHA-256 of the
library's version, the component and the strings, so a rerun needs no node.
Prints a table of mismatching code points per component. Exit 0 none, 1 some, 77 node or
npm `tokenizers` absent (and a result not in the cache needed).
"""
import argparse, hashlib, json, os, shutil, subprocess, sys, tempfile

ROOT = os.environ.get('CIM_SOURCE_ROOT') or \
    os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
HERE = os.path.join(ROOT, 'tests', 'text')
DATA = os.environ.get('CIMETER_DATA_DIR') or os.path.join(ROOT, 'tokenizers', 'data')
MODULES = os.environ.get('CIM_NODE_MODULES') or os.path.join(DATA, 'node', 'node_modules')

NORMALIZERS = [
    ('Lowercase', {'type': 'Lowercase'}),
    ('BertNormalizer', {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True,
                        'strip_accents': None, 'lowercase': True}),
    ('BertNormalizer-cased', {'type': 'BertNormalizer', 'clean_text': True,
                              'handle_chinese_chars': True, 'strip_accents': None,
                              'lowercase': False}),
    ('NFC', {'type': 'NFC'}),
    ('NFD', {'type': 'NFD'}),
    ('NFKC', {'type': 'NFKC'}),
    ('NFKD', {'type': 'NFKD'}),
    ('StripAccents', {'type': 'StripAccents'}),
    ('NFD+StripAccents', {'type': 'Sequence', 'normalizers': [{'type': 'NFD'},
                                                              {'type': 'StripAccents'}]}),
] + [
    # Replace's regex runs on Oniguruma in the library: each class the presets use.
    (f'Replace {rx}', {'type': 'Replace', 'pattern': {'Regex': rx}, 'content': '#'})
    for rx in ['\\p{L}', '\\p{N}', '\\p{P}', '\\p{S}', '\\p{M}', '\\s', '\\S']
]
PRETOKENIZERS = [
    ('Whitespace', {'type': 'Whitespace'}),
    ('WhitespaceSplit', {'type': 'WhitespaceSplit'}),
    ('Digits', {'type': 'Digits', 'individual_digits': False}),
    ('Punctuation', {'type': 'Punctuation', 'behavior': 'Isolated'}),
    ('BertPreTokenizer', {'type': 'BertPreTokenizer'}),
    ('Metaspace', {'type': 'Metaspace', 'replacement': '\u2581', 'prepend_scheme': 'always',
                   'split': True}),
]
SPLIT_PRESETS = ['llama3', 'qwen3', 'deepseek-v3', 'gpt-oss']


def components():
    """[(name, stage, tokenizer.json dict)]: the components to sweep."""
    def tok(norm, pre):
        return {'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': [],
                'normalizer': norm, 'pre_tokenizer': pre, 'post_processor': None,
                'decoder': None, 'model': {'type': 'WordLevel', 'vocab': {'[UNK]': 0, 'a': 1},
                                           'unk_token': '[UNK]'}}
    out = [(n, 'normalizer', tok(c, None)) for n, c in NORMALIZERS]
    out += [(n, 'pretok', tok(None, c)) for n, c in PRETOKENIZERS]
    for preset in SPLIT_PRESETS:
        p = os.path.join(DATA, 'hf', preset + '.json')
        if not os.path.exists(p):
            print(f'hf_unicode.py: {p} absent, its Split skipped (scripts/fetch-tokenizers.sh)')
            continue
        pre = json.load(open(p, encoding='utf-8'))['pre_tokenizer']
        splits = [s for s in pre.get('pretokenizers', [pre]) if s.get('type') == 'Split']
        for k, s in enumerate(splits):
            name = f'Split {preset}' + (f' #{k + 1}' if len(splits) > 1 else '')
            out.append((name, 'pretok', tok(None, s)))
    return out


def read_cps(path):
    cps = set()
    for line in open(path):
        line = line.split('#')[0].strip()
        if not line:
            continue
        a, _, b = line.partition('-')
        cps.update(range(int(a, 16), int(b or a, 16) + 1))
    return cps


def all_cps():
    return [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]


UNIT = 'a{}a'


def unit(c):
    return UNIT.replace('{}', chr(c))


def write_lines(path, values):
    with open(path, 'w', encoding='utf-8') as f:
        for v in values:
            f.write(json.dumps(v) + '\n')


def read_lines(path):
    with open(path, encoding='utf-8') as f:
        return [json.loads(line) for line in f if line.strip()]


def library_version():
    """The npm `tokenizers` version installed ('' when absent), part of each cache key."""
    try:
        return json.load(open(os.path.join(MODULES, 'tokenizers', 'package.json')))['version']
    except (OSError, ValueError, KeyError):
        return ''


class Runner:
    def __init__(self, tmp, stage_bin, cache):
        self.tmp, self.stage_bin, self.cache = tmp, stage_bin, cache

    def both(self, name, stage, tok_path, tok_text, strings):
        """(cimeter's results, the library's results) for strings."""
        sp = os.path.join(self.tmp, 'strings.jsonl')
        write_lines(sp, strings)
        ours = os.path.join(self.tmp, 'ours.jsonl')
        with open(sp, 'rb') as fin, open(ours, 'wb') as fout:
            r = subprocess.run([self.stage_bin, stage, tok_path], stdin=fin, stdout=fout)
        if r.returncode != 0:
            sys.exit(f'hf_unicode.py: hf_stage failed on {name}')
        return read_lines(ours), self.reference(stage, tok_path, tok_text, sp, len(strings))

    def reference(self, stage, tok_path, tok_text, sp, n):
        key = None
        if self.cache:
            h = hashlib.sha256((library_version() + '\0' + stage + '\0' + tok_text + '\0').encode())
            h.update(open(sp, 'rb').read())
            key = os.path.join(self.cache, h.hexdigest() + '.jsonl')
            if os.path.exists(key):
                return read_lines(key)
        if not shutil.which('node'):
            print('hf_unicode.py: node not found')
            sys.exit(77)
        if not os.path.isdir(os.path.join(MODULES, 'tokenizers')):
            print(f'hf_unicode.py: npm tokenizers not found under {MODULES} '
                  '(scripts/fetch-tokenizers.sh --test)')
            sys.exit(77)
        want = os.path.join(self.tmp, 'want.jsonl')
        r = subprocess.run(['node', os.path.join(HERE, 'hf_stage_ref.mjs'), stage, tok_path, sp,
                            '--write', want], env=dict(os.environ, CIM_NODE_MODULES=MODULES))
        if r.returncode == 77:
            sys.exit(77)
        if r.returncode != 0:
            sys.exit('hf_unicode.py: hf_stage_ref.mjs failed')
        got = read_lines(want)
        if len(got) != n:
            sys.exit(f'hf_unicode.py: {n} strings but {len(got)} library results')
        if key:
            os.makedirs(self.cache, exist_ok=True)
            shutil.copyfile(want, key + '.tmp')
            os.replace(key + '.tmp', key)
        return got


def sweep(runner, name, stage, tok, cps, batch):
    """(mismatching code points, strings that differ only as a batch)."""
    tok_text = json.dumps(tok, ensure_ascii=False, sort_keys=True)
    tok_path = os.path.join(runner.tmp, 'tok.json')
    with open(tok_path, 'w', encoding='utf-8') as f:
        f.write(tok_text)
    batches = [cps[i:i + batch] for i in range(0, len(cps), batch)]
    ours, want = runner.both(name, stage, tok_path, tok_text,
                             [' '.join(unit(c) for c in b) for b in batches])
    suspects = [c for b, o, w in zip(batches, ours, want) if o != w for c in b]
    if not suspects:
        return [], 0
    ours, want = runner.both(name, stage, tok_path, tok_text, [unit(c) for c in suspects])
    bad = [c for c, o, w in zip(suspects, ours, want) if o != w]
    # A batch that differed with no unit differing alone (context-dependent).
    bad_set = set(bad)
    batch_only = sum(1 for b in batches if set(b) & set(suspects) and not set(b) & bad_set)
    return bad, batch_only


def ranges(cps):
    out, cps = [], sorted(cps)
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        out.append(f'{cps[i]:04X}' if i == j else f'{cps[i]:04X}-{cps[j]:04X}')
        i = j + 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--all', action='store_true', help='every code point')
    ap.add_argument('--cps', help='file of code points (hex, A-B ranges) to sweep')
    ap.add_argument('--sample', type=int, default=0, help='and every Nth other code point')
    ap.add_argument('--batch', type=int, default=256, help='code points per string')
    ap.add_argument('--only', help='comma-separated component names')
    ap.add_argument('--write-mismatches', help='write the union of mismatching code points here')
    ap.add_argument('--ref-cache', help='directory caching the library results')
    ap.add_argument('--unit', default='a{}a', help='each code point in context: {} stands for it')
    ap.add_argument('--show', type=int, default=8, help='code points listed per component')
    a = ap.parse_args()
    global UNIT
    UNIT = a.unit
    stage_bin = os.environ.get('HF_STAGE') or os.path.join(ROOT, 'build', 'tests', 'text', 'hf_stage')
    if not os.path.exists(stage_bin):
        sys.exit(f'hf_unicode.py: {stage_bin}: no hf_stage program (set HF_STAGE)')
    if a.all:
        cps = all_cps()
    else:
        chosen = read_cps(a.cps) if a.cps else set()
        if a.sample:
            chosen.update(all_cps()[::a.sample])
        cps = sorted(c for c in chosen if not 0xD800 <= c <= 0xDFFF)
    if not cps:
        sys.exit('hf_unicode.py: no code points (--all, --cps or --sample)')
    only = set(a.only.split(',')) if a.only else None
    union, fail = set(), 0
    with tempfile.TemporaryDirectory() as tmp:
        runner = Runner(tmp, stage_bin, a.ref_cache)
        print(f'{len(cps)} code points, {a.batch} a string')
        print(f'{"component":<24} {"mismatches":>10}  first code points')
        for name, stage, tok in components():
            if only and name not in only:
                continue
            bad, batch_only = sweep(runner, name, stage, tok, cps, a.batch)
            union.update(bad)
            fail |= bool(bad or batch_only)
            note = f' (+{batch_only} strings differ only as a batch)' if batch_only else ''
            print(f'{name:<24} {len(bad):>10}  {" ".join(ranges(bad)[:a.show])}{note}', flush=True)
    if a.write_mismatches:
        with open(a.write_mismatches, 'w') as f:
            f.write('\n'.join(ranges(union)) + '\n')
    return 1 if fail else 0


if __name__ == '__main__':
    sys.exit(main())
