#!/usr/bin/env python3
"""tiktoken_ref.py — cimeter's text:tiktoken counts against npm tiktoken, file by file.

    tiktoken_ref.py [--encodings r50k_base,...] [--adversarial DIR] [--dev-subset N]
                    [--all-dev] [-j 1,2] [--ref-cache TSV] [PATH...]

Files compared: every PATH (file or directory, walked), the dev corpus subset
(--dev-subset N: kjv.txt, every Nth gnome-help page per language and Go file, from
$CIM_DEV_CORPUS; skipped with a note when absent) or all of it (--all-dev), and, with
--adversarial DIR, hostile text written there (space/newline runs, digit runs, emoji
and ZWJ, combining marks, mixed scripts, CRLF, invalid UTF-8, BOM, contractions).
Runs `cimeter measure -t text:tiktoken:ENC... --per-file` at each -j (and each file over
1 MiB alone at -j > 1) and the reference (tests/ref/tiktoken_count.mjs) once, and compares
per-file `tokens`. The shared part is tests/ref/text_ref.py.
Exit 0 all equal, 1 a mismatch (listed), 77 reference absent (meson: skipped).
"""
import os, random, sys

sys.dont_write_bytecode = True    # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'ref'))
import text_ref  # noqa: E402  (tests/ref/text_ref.py: the part shared with hf_ref.py)


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
    # Invalid UTF-8 also as a 5-byte form (placed before 0xFE: the seeded draws stay the same).
    bad = text_ref.INVALID_UTF8[:-1] + [b'\xf8\x88\x80\x80\x80'] + text_ref.INVALID_UTF8[-1:]
    # big.txt larger than two wide decoder reads (4 MiB): chunk seams and the parallel
    # split are crossed many times.
    return text_ref.write_hostile(d, rnd, cases, bad=bad, big_pieces=400000)


# tiktoken_count.mjs counts every encoding in one run; its lines are
# "encoding<TAB>tokens<TAB>path".
def parse_line(line, group):
    enc, n, path = line.split('\t', 2)
    return enc, int(n), path


if __name__ == '__main__':
    sys.exit(text_ref.main('--encodings', 'r50k_base,p50k_base,cl100k_base,o200k_base',
                           'text:tiktoken:', adversarial, 'tiktoken_count.mjs', parse_line,
                           'tiktoken', one_name_per_run=False))
