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
(tests/ref/hf_count.mjs) once per preset, and compares per-file `tokens`. The shared part
is tests/ref/text_ref.py.
Exit 0 all equal, 1 a mismatch (listed), 77 reference or presets absent (meson: skipped).
"""
import os, random, sys

sys.dont_write_bytecode = True    # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'ref'))
import text_ref  # noqa: E402  (tests/ref/text_ref.py: the part shared with tiktoken_ref.py)


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
    return text_ref.write_hostile(d, rnd, cases, extra_invalid_pieces=[b'<|endoftext|>'],
                                  extra_big_pieces=['<|endoftext|>', 'a<|im_end|>b '],
                                  big_pieces=300000)


# hf_count.mjs counts one preset per run; its lines are "tokens<TAB>path".
def parse_line(line, group):
    n, path = line.split('\t', 1)
    return group[0], int(n), path


if __name__ == '__main__':
    sys.exit(text_ref.main('--presets', 'llama3,qwen3,deepseek-v3,gpt-oss,gemma3', 'text:hf:',
                           adversarial, 'hf_count.mjs', parse_line, 'tokenizers',
                           one_name_per_run=True))
