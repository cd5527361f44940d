#!/usr/bin/env python3
"""hf_added_unicode.py — text:hf's added-token rules next to each code point, against the Rust
tokenizers library (npm `tokenizers`): single_word looks at the characters before and after
a match with the regex crate's \\w, lstrip and rstrip take the spaces of its \\s.

    hf_added_unicode.py [--all | --cps FILE --sample N]

A toy tokenizer.json (WordLevel, no pre-tokenizer: each part between added tokens is one
unknown token) has the added tokens Q (single_word), L (lstrip) and R (rstrip). For each code
point c the units " Q"+c, c+"Q ", c+"L" and "R"+c each count 1, 2 or 3 tokens, as the token
matched or took c. cimeter counts each unit through its Python module (cimeter.Counter),
the library each line of a file (tests/ref/hf_count.mjs --lines). Code points: --all
(every one but the surrogates, '\\n', the line break, and NUL, which makes data binary
rather than text), or those in FILE (hex, or hex
ranges A-B, one a line, # comments) plus every Nth of the others.
Exit 0 all equal, 1 some differ (listed), 77 without node's `tokenizers` or the module.
"""
import argparse, json, os, subprocess, sys, tempfile

ROOT = os.environ.get('CIM_SOURCE_ROOT') or \
    os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))

TOKENIZER = {
    'version': '1.0', 'truncation': None, 'padding': None,
    'added_tokens': [
        {'id': 1, 'content': 'Q', 'single_word': True, 'lstrip': False, 'rstrip': False,
         'normalized': False, 'special': False},
        {'id': 2, 'content': 'L', 'single_word': False, 'lstrip': True, 'rstrip': False,
         'normalized': False, 'special': False},
        {'id': 3, 'content': 'R', 'single_word': False, 'lstrip': False, 'rstrip': True,
         'normalized': False, 'special': False},
    ],
    'normalizer': None, 'pre_tokenizer': None, 'post_processor': None, 'decoder': None,
    'model': {'type': 'WordLevel', 'vocab': {'[UNK]': 0}, 'unk_token': '[UNK]'},
}
UNITS = [('single_word, after', lambda c: ' Q' + c), ('single_word, before', lambda c: c + 'Q '),
         ('lstrip', lambda c: c + 'L'), ('rstrip', lambda c: 'R' + c)]


def code_points(args):
    every = [c for c in range(1, 0x110000) if not 0xD800 <= c <= 0xDFFF and c != 0x0A]
    if args.all:
        return every
    listed = set()
    for line in open(args.cps):
        line = line.split('#')[0].strip()
        if line:
            lo, _, hi = line.partition('-')
            listed.update(range(int(lo, 16), int(hi or lo, 16) + 1))
    return [c for k, c in enumerate(every) if c in listed or k % args.sample == 0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--all', action='store_true')
    ap.add_argument('--cps')
    ap.add_argument('--sample', type=int, default=61)
    args = ap.parse_args()
    if not args.all and not args.cps:
        ap.error('--all or --cps FILE')
    try:
        import cimeter
    except ImportError as e:
        print(f'no cimeter Python module ({e})')
        return 77
    cps = code_points(args)
    with tempfile.TemporaryDirectory() as tmp:
        tok = os.path.join(tmp, 'added.json')
        with open(tok, 'w') as f:
            json.dump(TOKENIZER, f)
        units = [unit(chr(c)) for _, unit in UNITS for c in cps]
        text = os.path.join(tmp, 'units.txt')
        with open(text, 'w', encoding='utf-8') as f:
            f.write('\n'.join(units))
        ref = subprocess.run(['node', os.path.join(ROOT, 'tests', 'ref', 'hf_count.mjs'), '--lines',
                              tok, text], capture_output=True, text=True)
        if ref.returncode == 77 or (ref.returncode and 'Cannot find' in ref.stderr):
            print('no npm tokenizers (scripts/fetch-tokenizers.sh --test)')
            return 77
        if ref.returncode:
            print(ref.stderr)
            return 1
        theirs = [int(line.split('\t')[0]) for line in ref.stdout.splitlines()]
        counter = cimeter.Counter('text:hf:' + tok)
        ours = [counter.count_text(u).tokens for u in units]
    if len(theirs) != len(ours):
        print(f'FAIL: the library counted {len(theirs)} lines, not {len(ours)}')
        return 1
    bad = 0
    for k, (name, _) in enumerate(UNITS):
        part = range(k * len(cps), (k + 1) * len(cps))
        diff = [i for i in part if ours[i] != theirs[i]]
        bad += len(diff)
        shown = ', '.join(f'U+{cps[i - part.start]:04X} ({ours[i]} vs {theirs[i]})' for i in diff[:8])
        print(f'{name:22s} {len(cps):8d} code points  {len(diff):6d} differ  {shown}')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
