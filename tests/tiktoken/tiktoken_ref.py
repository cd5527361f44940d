#!/usr/bin/env python3
"""tiktoken_ref.py — cimeter's text:tiktoken counts against npm tiktoken, file by file.

    tiktoken_ref.py [--encodings r50k_base,...] [--adversarial DIR] [--dev-subset N] [--all-dev] [PATH...]

Files compared: every PATH (file or directory, walked), the dev corpus subset
(--dev-subset N: kjv.txt, every Nth gnome-help page per language and Go file, from
$CIM_DEV_CORPUS; skipped with a note when absent) or all of it (--all-dev), and, with
--adversarial DIR, hostile text written there (space/newline runs, digit runs, emoji
and ZWJ, combining marks, mixed scripts, CRLF, invalid UTF-8, BOM, contractions).
Runs `cimeter measure -t text:tiktoken:ENC... --per-file -o` once and the reference
(tests/ref/tiktoken_count.mjs) once, and compares per-file `tokens`.
Exit 0 all equal, 1 a mismatch (listed), 77 reference absent (meson: skipped).
"""
import argparse, json, os, random, subprocess, sys, tempfile

ROOT = os.environ.get('CIM_SOURCE_ROOT') or os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def adversarial(d):
    """Writes hostile text files into d; returns their paths."""
    rnd = random.Random(20240906)
    cases = {}
    cases['spaces'] = ''.join(' ' * rnd.randint(1, 40) + rnd.choice(['a', '1', '.', '\n', '\t', '']) for _ in range(3000))
    cases['newlines'] = ''.join(rnd.choice(['\n', '\r\n', ' \n', '\n ', '\n\n\n', '  \r\n  ', 'x', '.']) for _ in range(20000))
    cases['longruns'] = ' ' * 70000 + 'x' + '\n' * 70000 + 'y' + ' \n' * 20000 + '\n' * 3 + ' ' * 5
    cases['digits'] = ' '.join(''.join(rnd.choice('0123456789') for _ in range(rnd.randint(1, 40))) for _ in range(3000)) + '1' * 10000
    cases['emoji'] = ''.join(rnd.choice(['👨‍👩‍👧‍👦', '🏳️‍🌈', '👍🏽', '🇫🇷', 'a', ' ', '‍', '️', '😀😀', '\n']) for _ in range(8000))
    cases['combining'] = ''.join(rnd.choice(['e\u0301', 'A\u0308', '\u0301', '\u0915\u094d\u0937', 'n\u0303\u0303', ' \u0301', '!\u0301', 'ǅ', 'ʰ', 'Σ', 'ß', 'ﬁ', "'S", "'ſ"]) for _ in range(20000))
    cases['scripts'] = ''.join(rnd.choice(['Hello', 'WORLD', 'мир', 'ΚΌΣΜΟΣ', '世界', 'こんにちは', 'مرحبا', 'שלום', 'नमस्ते', '안녕', 'ǅemal', 'İstanbul', ' ', ',', '. ', '\n', '٣٤٥', '½', 'Ⅻ', "'s", "'LL", "'Re", 'x/y', '//\n', '...\n\n', '\u00a0', '\u3000', '\u2028', '\u0085', '\u180e', '\ufeff', '\u200b']) for _ in range(30000))
    cases['crlf'] = ''.join(rnd.choice(['line', ' ', '\r\n', '\r', '\n\r', '.\r\n', '  \r\n\r\n', "it's"]) for _ in range(20000))
    cases['contractions'] = ''.join(rnd.choice(["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Ve", "'LL", "'D", "'ſ", "'x", "''", "don", "'", " ", "A", "a", "1", "\n"]) for _ in range(30000))
    files = []
    for name, text in cases.items():
        p = os.path.join(d, name + '.txt')
        with open(p, 'w', encoding='utf-8', newline='') as f:
            f.write(text)
        files.append(p)
    # Byte-level: invalid UTF-8 (truncated sequences, overlongs, surrogates, > U+10FFFF),
    # a BOM, and a mostly valid file with a few bad bytes (the sniffer allows <= 1%).
    bad = [b'\xff', b'\xc0\xaf', b'\xe0\x80\xaf', b'\xed\xa0\x80', b'\xf4\x90\x80\x80', b'\xf0\x9f\x98',
           b'\xe2\x82', b'\xc3', b'\x80', b'\xf8\x88\x80\x80\x80', b'\xfe']
    with open(os.path.join(d, 'bom.txt'), 'wb') as f:
        f.write(b'\xef\xbb\xbf' + 'BOM first: it\'s here\r\n'.encode() * 50 + b'\xef\xbb\xbfmid\n')
    files.append(os.path.join(d, 'bom.txt'))
    body = bytearray()
    for i in range(4000):
        body += rnd.choice([b'text ', b'w\xc3\xb6rd ', b'\n', b'  ', b'12345', b'.\n'])
        if i % 97 == 0:
            body += rnd.choice(bad)
    body += b'\xf0\x9f\x98'   # ends inside a sequence
    with open(os.path.join(d, 'invalid.txt'), 'wb') as f:
        f.write(bytes(body))
    files.append(os.path.join(d, 'invalid.txt'))
    # Larger than two wide decoder reads (4 MiB), so chunk seams and the parallel split
    # are crossed many times; stretches without a safe cut (CJK, digits) too.
    big = ''.join(rnd.choice(['The ', 'quick ', 'brown\n', 'fox  ', '\n\n', '  \n', 'it\'s ', '12345 ', 'ÉCOLE ', 'naïve ', '。', ' \t\n',
                              '世界こんにちは' * 8, '7' * 60, ' ' * 30]) for _ in range(400000))
    p = os.path.join(d, 'big.txt')
    with open(p, 'w', encoding='utf-8', newline='') as f:
        f.write(big)
    files.append(p)
    return files


def walk(p):
    if os.path.isfile(p):
        return [p]
    out = []
    for dp, dn, fn in os.walk(p):
        dn.sort()
        out += [os.path.join(dp, f) for f in sorted(fn)]
    return out


def dev_files(dev, every):
    t = os.path.join(dev, 'text')
    files = [os.path.join(t, 'kjv.txt')] if os.path.exists(os.path.join(t, 'kjv.txt')) else []
    gh = os.path.join(t, 'gnome-help')
    if os.path.isdir(gh):
        for lang in sorted(os.listdir(gh)):
            files += walk(os.path.join(gh, lang))[::every]
    files += walk(os.path.join(t, 'go'))[::every]
    return files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--encodings', default='r50k_base,p50k_base,cl100k_base,o200k_base')
    ap.add_argument('--adversarial')
    ap.add_argument('--dev-subset', type=int, default=0)
    ap.add_argument('--all-dev', action='store_true')
    ap.add_argument('-j', default='1,2', help='thread counts to run cimeter with, comma-separated')
    ap.add_argument('--ref-cache', help='TSV of reference counts: read when it covers every file, else written')
    ap.add_argument('paths', nargs='*')
    a = ap.parse_args()
    cimeter = os.environ.get('CIMETER') or os.path.join(ROOT, 'build', 'cimeter')
    ref = os.path.join(ROOT, 'tests', 'ref', 'tiktoken_count.mjs')
    files = []
    for p in a.paths:
        files += walk(p)
    dev = os.environ.get('CIM_DEV_CORPUS', '/work/main/corpora/dev')
    if a.dev_subset or a.all_dev:
        if os.path.isdir(os.path.join(dev, 'text')):
            files += dev_files(dev, 1 if a.all_dev else a.dev_subset)
        else:
            print(f'note: dev corpus {dev} absent (corpora/fetch.sh dev): not compared')
    tmp = tempfile.mkdtemp(prefix='cim-tiktoken-')
    if a.adversarial is not None:
        files += adversarial(a.adversarial or tmp)
    files = [f for f in files if os.path.getsize(f) > 0]
    encs = a.encodings.split(',')
    lst = os.path.join(tmp, 'files.txt')
    with open(lst, 'w') as f:
        f.write('\n'.join(files) + '\n')
    want = {}
    if a.ref_cache and os.path.exists(a.ref_cache):
        # Cached reference counts, valid while the files are unchanged (size and mtime).
        for line in open(a.ref_cache):
            enc, n, size, mtime, path = line.rstrip('\n').split('\t', 4)
            st = os.stat(path) if os.path.exists(path) else None
            if st and st.st_size == int(size) and int(st.st_mtime) == int(mtime):
                want[(enc, path)] = int(n)
    missing = [f for f in files if any((e, f) not in want for e in encs)]
    if missing:
        with open(lst, 'w') as f:
            f.write('\n'.join(missing) + '\n')
        try:
            r = subprocess.run(['node', ref, ','.join(encs), '-'], stdin=open(lst), capture_output=True, text=True)
        except FileNotFoundError:
            print('node not found: reference absent')
            return 77
        if r.returncode == 77:
            print(r.stderr.strip())
            return 77
        if r.returncode:
            print('reference failed:', r.stderr[-2000:])
            return 1
        for line in r.stdout.splitlines():
            enc, n, path = line.split('\t', 2)
            want[(enc, path)] = int(n)
        if a.ref_cache:
            with open(a.ref_cache, 'w') as f:
                for (enc, path), n in sorted(want.items()):
                    if os.path.exists(path) and not path.startswith(tmp):
                        st = os.stat(path)
                        f.write(f'{enc}\t{n}\t{st.st_size}\t{int(st.st_mtime)}\t{path}\n')
    bad = 0
    # -j 1: one thread per file, chunks carried serially. -j N with many files: each
    # thread has a file of its own. "alone": each file over 1 MiB measured by itself at
    # -j N, so the other threads are idle and the file is cut into segments counted in
    # parallel (the decoder also reads ahead in 4 MiB chunks). All must equal tiktoken.
    runs = [(j, files) for j in a.j.split(',')]
    big = [f for f in files if os.path.getsize(f) > (1 << 20)]
    runs += [(j + ' alone', [f]) for j in a.j.split(',') if j != '1' for f in big]
    for j, fl in runs:
        out = os.path.join(tmp, 'x.json')
        cmd = [cimeter, 'measure', '-j', j.split()[0], '--per-file', '-o', out]
        for e in encs:
            cmd += ['-t', 'text:tiktoken:' + e]
        r = subprocess.run(cmd + fl, capture_output=True, text=True)
        if r.returncode not in (0, 1):
            print('cimeter failed:', r.returncode, r.stderr[-2000:])
            return 1
        got = {}
        for rec in json.load(open(out))['files']:
            enc = rec['tokenizer'].split(':', 2)[2]
            got[(enc, rec['path'])] = rec
        for enc in encs:
            n_ok = n_cmp = 0
            skipped = []
            for f in fl:
                w = want.get((enc, f))
                g = got.get((enc, f))
                if g is None or g.get('error') or g.get('tokens') is None:
                    # The sniffer may call a file not text (NUL, >1% invalid): not comparable.
                    skipped.append(f)
                    continue
                n_cmp += 1
                if g['tokens'] == w:
                    n_ok += 1
                else:
                    bad += 1
                    if bad <= 40:
                        print(f'MISMATCH -j {j} {enc} {f}: cimeter {g["tokens"]} tiktoken {w}')
            what = f' {os.path.basename(fl[0])}' if len(fl) == 1 else ''
            print(f'-j {j}{what} {enc}: {n_ok}/{n_cmp} files equal' + (f', {len(skipped)} not text to cimeter' if skipped else ''))
            for f in skipped[:5]:
                print(f'  not compared: {f}: {(got.get((enc, f)) or {}).get("error")}')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
