#!/usr/bin/env python3
"""hf_ref.py — cimeter's text:hf counts against Hugging Face's tokenizers (the Rust library
through npm `tokenizers`), file by file.

    hf_ref.py --presets llama3,qwen3,... [--adversarial DIR] [--dev-subset N] [--all-dev]
              [-j 1,2] [--ref-cache TSV] [PATH...]

Files compared: every PATH (file or directory, walked), the dev corpus subset (--dev-subset
N: kjv.txt and every Nth gnome-help page per language and Go file, from $CIM_DEV_CORPUS;
a note when absent) or all of it (--all-dev), and with --adversarial DIR hostile text
written there: added tokens inside words and at edges, long whitespace runs, mixed
scripts, invalid UTF-8, NFKC-changing characters, digit runs, a BOM, a large file with
few cut positions. Runs `cimeter measure -t text:hf:P... --per-file` at each -j (and each
file over 1 MiB alone at -j > 1, so idle threads count its segments) and the reference
(tests/ref/hf_count.mjs) once per preset, and compares per-file `tokens`.
Exit 0 all equal, 1 a mismatch (listed), 77 reference or presets absent (meson: skipped).
"""
import argparse, json, os, random, subprocess, sys, tempfile

ROOT = os.environ.get('CIM_SOURCE_ROOT') or os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def adversarial(d):
    """Writes hostile text files into d; returns their paths."""
    rnd = random.Random(20261130)
    specials = ['<|begin_of_text|>', '<|end_of_text|>', '<|im_start|>', '<|endoftext|>', '<tool_call>',
                '<｜begin▁of▁sentence｜>', '<｜User｜>', '<|reserved_200000|>', '<start_of_turn>',
                '<mask>', '[multimodal]', '<unused7>', '<|eot_id|>', '<|start_header_id|>', '<pad>',
                '<|fim_prefix|>', '<|', '|>', '<｜', '<start_of', '<0x41>', '<unk>']
    cases = {}
    cases['added'] = ''.join(rnd.choice(specials + ['word', 'in', ' ', '\n', 'x', '  ', '12', 'é', 'The'])
                             for _ in range(20000))
    cases['added_inside'] = ''.join(rnd.choice(['abc', 'de']) + rnd.choice(specials) + rnd.choice(['fg', ' h', '\n'])
                                    for _ in range(5000))
    cases['spaces'] = ''.join(' ' * rnd.randint(1, 40) + rnd.choice(['a', '1', '.', '\n', '\t', '', '\u3000', '\u00a0'])
                              for _ in range(3000))
    cases['longruns'] = ' ' * 70000 + 'x' + '\n' * 70000 + 'y' + ' \n' * 20000 + '\t' * 5000 + '\n' * 3 + ' ' * 5
    cases['digits'] = ' '.join(''.join(rnd.choice('0123456789٣٤５') for _ in range(rnd.randint(1, 40)))
                               for _ in range(3000)) + '1' * 10000
    cases['scripts'] = ''.join(rnd.choice(['Hello', 'WORLD', 'мир', 'ΚΌΣΜΟΣ', '世界', 'こんにちは', 'カタカナ', 'مرحبا', 'שלום',
                                           'नमस्ते', '안녕', 'ǅemal', 'İstanbul', ' ', ',', '. ', '\n', '½', 'Ⅻ', "'s", "'LL",
                                           'x/y', '//\n', '...\n\n', '\u00a0', '\u3000', '\u2028', '\u0085', '\u180e',
                                           '\ufeff', '\u200b', '👨‍👩‍👧‍👦', '🇫🇷', 'e\u0301', '\u0915\u094d\u0937', '¿¡',
                                           '«»', '™', '$€', '\t'])
                               for _ in range(30000))
    cases['nfkc'] = ''.join(rnd.choice(['ﬁ', 'ﬀ', '①', '²', '½', 'Ａ', 'ｶ', 'ﾞ', '㍿', 'Å', 'Å', 'é', 'é', 'ſ', 'ẛ̣',
                                        '\u1e9b\u0323', '한', '\u1112\u1161\u11ab', ' ', 'x', '\n', 'ǆ', 'Ω', 'K'])
                            for _ in range(20000))
    cases['crlf'] = ''.join(rnd.choice(['line', ' ', '\r\n', '\r', '\n\r', '.\r\n', '  \r\n\r\n', "it's", "I'M"])
                            for _ in range(20000))
    files = []
    for name, text in cases.items():
        p = os.path.join(d, name + '.txt')
        with open(p, 'w', encoding='utf-8', newline='') as f:
            f.write(text)
        files.append(p)
    bad = [b'\xff', b'\xc0\xaf', b'\xe0\x80\xaf', b'\xed\xa0\x80', b'\xf4\x90\x80\x80', b'\xf0\x9f\x98',
           b'\xe2\x82', b'\xc3', b'\x80', b'\xfe']
    with open(os.path.join(d, 'bom.txt'), 'wb') as f:
        f.write(b'\xef\xbb\xbf' + 'BOM first: it\'s here\r\n'.encode() * 50 + b'\xef\xbb\xbfmid\n')
    files.append(os.path.join(d, 'bom.txt'))
    body = bytearray()
    for i in range(4000):
        body += rnd.choice([b'text ', b'w\xc3\xb6rd ', b'\n', b'  ', b'12345', b'.\n', b'<|endoftext|>'])
        if i % 97 == 0:
            body += rnd.choice(bad)
    body += b'\xf0\x9f\x98'
    with open(os.path.join(d, 'invalid.txt'), 'wb') as f:
        f.write(bytes(body))
    files.append(os.path.join(d, 'invalid.txt'))
    # Over 1 MiB, so it is cut and counted in segments (and crosses decoder chunks).
    big = ''.join(rnd.choice(['The ', 'quick ', 'brown\n', 'fox  ', '\n\n', '  \n', "it's ", '12345 ', 'ÉCOLE ',
                              'naïve ', '。', ' \t\n', '世界こんにちは' * 8, '7' * 60, ' ' * 30, '<|endoftext|>',
                              'a<|im_end|>b ']) for _ in range(300000))
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


def reference(presets, files, tmp, cache_path):
    """{(preset, path): tokens} from hf_count.mjs, through the cache when given."""
    want = {}
    if cache_path and os.path.exists(cache_path):
        for line in open(cache_path):
            p, n, size, mtime, path = line.rstrip('\n').split('\t', 4)
            st = os.stat(path) if os.path.exists(path) else None
            if st and st.st_size == int(size) and int(st.st_mtime) == int(mtime):
                want[(p, path)] = int(n)
    ref = os.path.join(ROOT, 'tests', 'ref', 'hf_count.mjs')
    for p in presets:
        missing = [f for f in files if (p, f) not in want]
        if not missing:
            continue
        lst = os.path.join(tmp, 'files.txt')
        with open(lst, 'w') as f:
            f.write('\n'.join(missing) + '\n')
        try:
            r = subprocess.run(['node', ref, p, '-'], stdin=open(lst), capture_output=True, text=True)
        except FileNotFoundError:
            print('node not found: reference absent')
            return None
        if r.returncode == 77:
            print(r.stderr.strip())
            return None
        if r.returncode:
            print('reference failed:', r.stderr[-2000:])
            sys.exit(1)
        for line in r.stdout.splitlines():
            n, path = line.split('\t', 1)
            want[(p, path)] = int(n)
    if cache_path:
        with open(cache_path, 'w') as f:
            for (p, path), n in sorted(want.items()):
                if os.path.exists(path) and not path.startswith(tmp):
                    st = os.stat(path)
                    f.write(f'{p}\t{n}\t{st.st_size}\t{int(st.st_mtime)}\t{path}\n')
    return want


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--presets', default='llama3,qwen3,deepseek-v3,gpt-oss,gemma3')
    ap.add_argument('--adversarial')
    ap.add_argument('--dev-subset', type=int, default=0)
    ap.add_argument('--all-dev', action='store_true')
    ap.add_argument('-j', default='1,2', help='thread counts to run cimeter with, comma-separated')
    ap.add_argument('--ref-cache', help='TSV of reference counts: read when it covers every file, else written')
    ap.add_argument('paths', nargs='*')
    a = ap.parse_args()
    cimeter = os.environ.get('CIMETER') or os.path.join(ROOT, 'build', 'cimeter')
    files = []
    for p in a.paths:
        files += walk(p)
    dev = os.environ.get('CIM_DEV_CORPUS', os.path.join(ROOT, 'corpora', 'dev'))
    if a.dev_subset or a.all_dev:
        if os.path.isdir(os.path.join(dev, 'text')):
            files += dev_files(dev, 1 if a.all_dev else a.dev_subset)
        else:
            print(f'note: dev corpus {dev} absent (corpora/fetch.sh dev): not compared')
    tmp = tempfile.mkdtemp(prefix='cim-hf-')
    if a.adversarial is not None:
        files += adversarial(a.adversarial or tmp)
    files = [f for f in files if os.path.getsize(f) > 0]
    if not files:
        print('no files to compare (dev corpus absent)')
        return 77
    presets = a.presets.split(',')
    want = reference(presets, files, tmp, a.ref_cache)
    if want is None:
        return 77
    bad = 0
    runs = [(j, files) for j in a.j.split(',')]
    big = [f for f in files if os.path.getsize(f) > (1 << 20)]
    runs += [(j + ' alone', [f]) for j in a.j.split(',') if j != '1' for f in big]
    for j, fl in runs:
        out = os.path.join(tmp, 'x.json')
        if os.path.exists(out):
            os.unlink(out)
        cmd = [cimeter, 'measure', '-j', j.split()[0], '--per-file', '-o', out]
        for p in presets:
            cmd += ['-t', 'text:hf:' + p]
        r = subprocess.run(cmd + fl, capture_output=True, text=True)
        if r.returncode not in (0, 1) or not os.path.exists(out):
            print('cimeter failed:', r.returncode, r.stderr[-2000:])
            return 1
        got = {}
        for rec in json.load(open(out))['files']:
            got[(rec['tokenizer'].split(':', 2)[2], rec['path'])] = rec
        for p in presets:
            n_ok = n_cmp = 0
            skipped = []
            for f in fl:
                w = want.get((p, f))
                g = got.get((p, f))
                if g is None or g.get('error') or g.get('tokens') is None:
                    skipped.append(f)     # the sniffer may call a file not text: not comparable
                    continue
                n_cmp += 1
                if g['tokens'] == w:
                    n_ok += 1
                else:
                    bad += 1
                    if bad <= 40:
                        print(f'MISMATCH -j {j} {p} {f}: cimeter {g["tokens"]} tokenizers {w}')
            what = f' {os.path.basename(fl[0])}' if len(fl) == 1 else ''
            print(f'-j {j}{what} {p}: {n_ok}/{n_cmp} files equal' + (f', {len(skipped)} not text to cimeter' if skipped else ''))
            for f in skipped[:5]:
                print(f'  not compared: {f}: {(got.get((p, f)) or {}).get("error")}')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
