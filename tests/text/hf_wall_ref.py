#!/usr/bin/env python3
"""hf_wall_ref.py — Gemma 3's wall cuts (doc/tokenizers.md) against Hugging Face's tokenizers
(the Rust library through npm `tokenizers`), file by file.

    hf_wall_ref.py [--presets gemma3,...] [--adversarial DIR] [-j 1,2] [--ref-cache TSV] [PATH...]

Gemma 3's large files are cut next to a wall (a digit: a token that no merge takes) where no
added token spans the cut. Each wall_* file is over 1 MiB, so it streams across
decoder reads and, alone at -j 2, idle threads count its segments: digits inside, before
and after the added tokens that hold digits (<unused12>, truncated ones, ones a digit
lengthens), next to the longest added tokens (runs of U+2581) and to newline runs (added
tokens too); a line the decoder cuts inside <unused12>, after its 1; stretches of several
MiB without a digit (nothing to cut: held whole); long digit runs and digits of other
scripts (no walls); invalid UTF-8 and control characters beside digits. Besides gemma3,
two pipelines on its model (variants()) check the rule's other conditions. The shared
part is tests/ref/text_ref.py.
Exit 0 all equal, 1 a mismatch (listed), 77 reference or preset absent (meson: skipped).
"""
import json, os, random, shutil, sys, tempfile

sys.dont_write_bytecode = True    # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'ref'))
import text_ref  # noqa: E402  (tests/ref/text_ref.py)

MIB = 1 << 20


def fill(rnd, pieces, size):
    out, n = [], 0
    while n < size:
        p = rnd.choice(pieces)
        out.append(p)
        n += len(p.encode())
    return ''.join(out)


def adversarial(d):
    """Writes the hostile files into d; returns their paths."""
    rnd = random.Random(20261130)
    digit_tokens = ['<unused0>', '<unused1>', '<unused12>', '<unused123>', '<unused6241>', '<unused999>']
    near = ['<unused', '<unused1', 'unused12>', '2>', '>', '<', '<unused62411>', '<unused00>',
            '<unused6242>', '<start_of_turn>', '<end_of_turn>', '<start_of', '<0x41>', '<0x4', '<unk>',
            '<pad>', '[multimodal]']
    blanks = ['\u2581' * k for k in (1, 2, 3, 30, 31, 32, 45)] + ['\n' * k for k in (1, 2, 3, 30, 31, 40)]
    words = ['word', ' ', 'The ', 'x', 'é', '中文', ' 42 ', '\t', '  ', 'naïve', '\u00a0']
    digits = [str(rnd.randint(0, 10 ** rnd.randint(0, 6))) for _ in range(200)]
    cases = {}
    # digits glued to every side of added tokens that hold digits and of near misses
    glued = []
    for _ in range(150000):
        t = rnd.choice(digit_tokens + near)
        glued.append(rnd.choice(digits + [''] * 40) + t + rnd.choice(digits + [''] * 40))
    cases['wall_added'] = ''.join(glued)[:3 * MIB // 2] + '<unused1'
    # the longest added tokens and newline runs with digits around them
    cases['wall_blanks'] = fill(rnd, blanks + digits[:50] + words + digit_tokens, 3 * MIB // 2)
    # no digit at all for several MiB (the decoder reads 4 MiB ahead), then digits, then again
    plain = ['lorem ', 'ipsum ', 'dolor\n', 'sit amet, ', 'consectetur ', 'adipiscing\n\n', 'é ', '世界 ',
             '<start_of_turn>', '<unused', 'unused>', '\u2581\u2581']
    cases['wall_sparse'] = (fill(rnd, plain, 5 * MIB) + '1<unused7>2' + fill(rnd, plain, 3 * MIB // 2)
                            + '9' + fill(rnd, plain + digits, MIB // 2) + '0')
    # long digit runs, digits of other scripts (no walls) and control characters
    runs = ['7' * 100000, '0123456789' * 3000, '\u0663\u0664' * 50, '\uff15' * 40, '\u0966' * 30,
            '\x01', '\x01\x01', '\x03', '\x7f', '3\x01', 'x', ' ', '\n', '<unused5>', '1<unused55>1']
    cases['wall_runs'] = fill(rnd, runs + digits + words, 3 * MIB // 2)
    # one line over 4 MiB: the decoder cuts it 4 MiB from its start, inside <unused12>,
    # after the digit 1 (a cut there would need the bytes that have not come yet)
    head = 'lorem ipsum dolor ' * (4 * MIB // 18 + 1)
    cases['wall_longline'] = head[:4 * MIB - len('<unused12')] + '<unused12> and 3<unused45>6 after\n'
    files = text_ref.write_hostile(d, rnd, cases, extra_invalid_pieces=[b'1', b'12<unused3>4', b'7'],
                                   extra_big_pieces=['<unused12>', '3<unused4>', '<unused', '9'],
                                   big_pieces=300000)
    # invalid UTF-8 beside digits, over 1 MiB
    body = bytearray()
    bad = text_ref.INVALID_UTF8 + [b'']
    while len(body) < 3 * MIB // 2:
        body += rnd.choice([b'1', b'23', b'x', b' ', b'<unused2>', b'\xe2\x96\x81', b'\n'])
        body += rnd.choice(bad) if rnd.random() < 0.005 else b''
    p = os.path.join(d, 'wall_invalid.txt')
    with open(p, 'wb') as f:
        f.write(bytes(body))
    return files + [p]


def variants(d):
    """Writes two pipelines built on Gemma 3's model into d (none when the preset is absent);
    returns their paths. walls-raw: no normalizer or pre-tokenizer, and every other <unusedN>
    `normalized` (so also sought in the raw text). walls-split: 7 becomes 77 and 3 becomes
    U+2581 (neither is a wall then), and a Contiguous Split on 5 (no wall either)."""
    data = os.environ.get('CIMETER_DATA_DIR') or os.path.join(text_ref.ROOT, 'tokenizers', 'data')
    src = os.path.join(data, 'hf', 'gemma3.json')
    if not os.path.exists(src):
        return []
    tj = json.load(open(src, encoding='utf-8'))
    norm, pre = tj['normalizer'], tj['pre_tokenizer']
    tj['normalizer'] = tj['pre_tokenizer'] = None
    for k, t in enumerate(tj['added_tokens']):
        t['normalized'] = t['content'].startswith('<unused') and k % 2 == 1
    paths = [os.path.join(d, 'walls-raw.json'), os.path.join(d, 'walls-split.json')]
    json.dump(tj, open(paths[0], 'w', encoding='utf-8'), ensure_ascii=False)
    for t in tj['added_tokens']:
        t['normalized'] = False
    tj['normalizer'] = {'type': 'Sequence', 'normalizers': [
        norm, {'type': 'Replace', 'pattern': {'String': '7'}, 'content': '77'},
        {'type': 'Replace', 'pattern': {'String': '3'}, 'content': '\u2581'}]}
    tj['pre_tokenizer'] = dict(pre, pattern={'String': '5'}, behavior='Contiguous')
    json.dump(tj, open(paths[1], 'w', encoding='utf-8'), ensure_ascii=False)
    return paths


# hf_count.mjs counts one preset per run; its lines are "tokens<TAB>path".
def parse_line(line, group):
    n, path = line.split('\t', 1)
    return group[0], int(n), path


if __name__ == '__main__':
    tmp = tempfile.mkdtemp(prefix='cim-hf-walls-')
    try:
        names = ['gemma3'] + variants(tmp)
        if os.environ.get('CIM_SANITIZE', 'none') not in ('', 'none'):
            # Under sanitizers (about 5x slower) the threaded paths only, on Gemma 3 itself:
            # the rule's other conditions were checked by the plain build's pass.
            names = names[:1]
            sys.argv += ['-j', '2']
        names = ','.join(names)
        rc = text_ref.main('--presets', names, 'text:hf:', adversarial, 'hf_count.mjs', parse_line,
                           'tokenizers', one_name_per_run=True)
    finally:
        shutil.rmtree(tmp)
    sys.exit(rc)
