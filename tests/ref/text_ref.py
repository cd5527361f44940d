"""text_ref.py — what tests/text/hf_ref.py and tests/tiktoken/tiktoken_ref.py share: the file
list (paths walked, the dev corpus subset), the hostile files both write (a BOM, invalid
UTF-8, a file over 1 MiB), the reference counts with their cache, and the cimeter runs at
each -j (and each big file alone) compared file by file with the reference.

Each script supplies what differs: the tokenizer names and the spec prefix (text:hf:,
text:tiktoken:), its own hostile cases, and how its reference script is called and read.
"""
import argparse, json, os, subprocess, sys, tempfile

ROOT = os.environ.get('CIM_SOURCE_ROOT') or \
    os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))

# Invalid UTF-8: a lone 0xFF, overlongs, a surrogate, > U+10FFFF, truncated sequences.
INVALID_UTF8 = [b'\xff', b'\xc0\xaf', b'\xe0\x80\xaf', b'\xed\xa0\x80', b'\xf4\x90\x80\x80',
                b'\xf0\x9f\x98', b'\xe2\x82', b'\xc3', b'\x80', b'\xfe']
INVALID_FILE_PIECES = [b'text ', b'w\xc3\xb6rd ', b'\n', b'  ', b'12345', b'.\n']
BIG_FILE_PIECES = ['The ', 'quick ', 'brown\n', 'fox  ', '\n\n', '  \n', "it's ", '12345 ',
                   'ÉCOLE ', 'naïve ', '。', ' \t\n', '世界こんにちは' * 8, '7' * 60, ' ' * 30]


def write_hostile(d, rnd, cases, bad=INVALID_UTF8, extra_invalid_pieces=(),
                  extra_big_pieces=(), big_pieces=300000):
    """Writes cases ({name: text}) as name.txt into d, then the shared hostile files: bom.txt,
    invalid.txt (mostly valid, a bad sequence from bad every 97 pieces, so the sniffer's
    <= 1% still calls it text) and big.txt (big_pieces pieces, over 1 MiB, so it is cut into
    segments and crosses decoder chunks; stretches without a safe cut too). rnd is drawn
    in that order, so a seed always gives the same bytes. Returns the paths."""
    files = []
    for name, text in cases.items():
        p = os.path.join(d, name + '.txt')
        with open(p, 'w', encoding='utf-8', newline='') as f:
            f.write(text)
        files.append(p)
    p = os.path.join(d, 'bom.txt')
    with open(p, 'wb') as f:
        f.write(b'\xef\xbb\xbf' + 'BOM first: it\'s here\r\n'.encode() * 50 + b'\xef\xbb\xbfmid\n')
    files.append(p)
    pieces = INVALID_FILE_PIECES + list(extra_invalid_pieces)
    body = bytearray()
    for i in range(4000):
        body += rnd.choice(pieces)
        if i % 97 == 0:
            body += rnd.choice(bad)
    body += b'\xf0\x9f\x98'   # ends inside a sequence
    p = os.path.join(d, 'invalid.txt')
    with open(p, 'wb') as f:
        f.write(bytes(body))
    files.append(p)
    pieces = BIG_FILE_PIECES + list(extra_big_pieces)
    big = ''.join(rnd.choice(pieces) for _ in range(big_pieces))
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
    """kjv.txt, every Nth gnome-help page per language and every Nth Go file."""
    t = os.path.join(dev, 'text')
    files = [os.path.join(t, 'kjv.txt')] if os.path.exists(os.path.join(t, 'kjv.txt')) else []
    gh = os.path.join(t, 'gnome-help')
    if os.path.isdir(gh):
        for lang in sorted(os.listdir(gh)):
            files += walk(os.path.join(gh, lang))[::every]
    files += walk(os.path.join(t, 'go'))[::every]
    return files


def read_cache(cache_path):
    """{(name, path): tokens} of the cache lines whose file is unchanged (size and mtime)."""
    want = {}
    if cache_path and os.path.exists(cache_path):
        for line in open(cache_path):
            name, n, size, mtime, path = line.rstrip('\n').split('\t', 4)
            st = os.stat(path) if os.path.exists(path) else None
            if st and st.st_size == int(size) and int(st.st_mtime) == int(mtime):
                want[(name, path)] = int(n)
    return want


def write_cache(cache_path, want, tmp):
    with open(cache_path, 'w') as f:
        for (name, path), n in sorted(want.items()):
            if os.path.exists(path) and not path.startswith(tmp):
                st = os.stat(path)
                f.write(f'{name}\t{n}\t{st.st_size}\t{int(st.st_mtime)}\t{path}\n')


def reference_counts(groups, files, tmp, cache_path, ref_script, parse_line):
    """{(name, path): tokens} from the reference, through the cache when given. groups: lists
    of tokenizer names counted by one run of `node tests/ref/REF_SCRIPT NAME,... -` (file
    list on stdin); parse_line(line, group) reads an output line as (name, tokens, path).
    None (after a note) when the reference is absent; exit 1 when it fails."""
    ref = os.path.join(ROOT, 'tests', 'ref', ref_script)
    want = read_cache(cache_path)
    ran = False
    for group in groups:
        missing = [f for f in files if any((name, f) not in want for name in group)]
        if not missing:
            continue
        lst = os.path.join(tmp, 'files.txt')
        with open(lst, 'w') as f:
            f.write('\n'.join(missing) + '\n')
        try:
            r = subprocess.run(['node', ref, ','.join(group), '-'], stdin=open(lst),
                               capture_output=True, text=True)
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
            name, n, path = parse_line(line, group)
            want[(name, path)] = n
        ran = True
    if cache_path and ran:
        write_cache(cache_path, want, tmp)
    return want


def compare_runs(cimeter, spec_prefix, names, files, want, js, tmp, ref_label):
    """Runs cimeter at each -j on all files, and at each -j > 1 on each file over 1 MiB
    alone, and prints per name how many files equal the reference. Returns the mismatches.
    -j 1: one thread per file, chunks carried serially. -j N with many files: each thread
    has a file of its own. "alone": the other threads are idle, so the file is cut into
    segments counted in parallel (the decoder also reads ahead in 4 MiB chunks)."""
    bad = 0
    runs = [(j, files) for j in js]
    big = [f for f in files if os.path.getsize(f) > (1 << 20)]
    runs += [(j + ' alone', [f]) for j in js if j != '1' for f in big]
    for j, fl in runs:
        out = os.path.join(tmp, 'x.json')
        if os.path.exists(out):
            os.unlink(out)
        cmd = [cimeter, 'measure', '-j', j.split()[0], '--per-file', '-o', out]
        for name in names:
            cmd += ['-t', spec_prefix + name]
        r = subprocess.run(cmd + fl, capture_output=True, text=True)
        if r.returncode not in (0, 1) or not os.path.exists(out):
            print('cimeter failed:', r.returncode, r.stderr[-2000:])
            return bad + 1
        got = {}
        for rec in json.load(open(out))['files']:
            got[(rec['tokenizer'].split(':', 2)[2], rec['path'])] = rec
        for name in names:
            n_ok = n_cmp = 0
            skipped = []
            for f in fl:
                w = want.get((name, f))
                g = got.get((name, f))
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
                        print(f'MISMATCH -j {j} {name} {f}: cimeter {g["tokens"]} {ref_label} {w}')
            what = f' {os.path.basename(fl[0])}' if len(fl) == 1 else ''
            not_text = f', {len(skipped)} not text to cimeter' if skipped else ''
            print(f'-j {j}{what} {name}: {n_ok}/{n_cmp} files equal' + not_text)
            for f in skipped[:5]:
                print(f'  not compared: {f}: {(got.get((name, f)) or {}).get("error")}')
    return bad


def main(names_option, names_default, spec_prefix, adversarial, ref_script, parse_line,
         ref_label, one_name_per_run):
    """Parses the command line (names_option lists the tokenizer names, e.g. --presets) and
    compares; returns the exit code: 0 all equal, 1 a mismatch, 77 no files or the reference
    absent. adversarial(dir) writes the hostile files; one_name_per_run: the reference
    counts one name per run, else all in one."""
    ap = argparse.ArgumentParser()
    ap.add_argument(names_option, default=names_default)
    ap.add_argument('--adversarial')
    ap.add_argument('--dev-subset', type=int, default=0)
    ap.add_argument('--all-dev', action='store_true')
    ap.add_argument('-j', default='1,2', help='thread counts to run cimeter with, comma-separated')
    ap.add_argument('--ref-cache',
                    help='TSV of reference counts: read when it covers every file, else written')
    ap.add_argument('paths', nargs='*')
    a = ap.parse_args()
    names = getattr(a, names_option.lstrip('-')).split(',')
    groups = [[name] for name in names] if one_name_per_run else [names]
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
    tmp = tempfile.mkdtemp(prefix='cim-' + spec_prefix.split(':')[1] + '-')
    if a.adversarial is not None:
        files += adversarial(a.adversarial or tmp)
    files = [f for f in files if os.path.getsize(f) > 0]
    if not files:
        print('no files to compare (dev corpus absent)')
        return 77
    want = reference_counts(groups, files, tmp, a.ref_cache, ref_script, parse_line)
    if want is None:
        return 77
    bad = compare_runs(cimeter, spec_prefix, names, files, want, a.j.split(','), tmp, ref_label)
    return 1 if bad else 0
