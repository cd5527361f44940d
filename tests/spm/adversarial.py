#!/usr/bin/env python3
"""adversarial.py OUT — lines that stress SentencePiece's normalizer and models: runs of
one character, mixed scripts, combining marks, characters NFKC changes (full-width forms,
ligatures, circled and math letters), controls, spaces only, malformed UTF-8, literal
U+2581 / U+FFFD / piece names, and seeded random text from many Unicode blocks."""
import random, sys

rng = random.Random(20240611)
out = []
add = lambda s: out.append(s.encode("utf-8", "surrogatepass") if isinstance(s, str) else s)
for ch in ["a", " ", "\t", "▁", "あ", "é", "0", "\u0301", "ﬁ", "ﷺ", "ﷺa", "Ａ", "\u3000", "-", "😀"]:
    for n in (1, 2, 3, 7, 64, 1000, 30000):
        add(ch * n)
add("    ")
add(" \t \u3000 \u00a0 ")
add("   leading and trailing   ")
add("multiple   inner    spaces\tand\ttabs")
add("Ｆｕｌｌ－ｗｉｄｔｈ　ｆｏｒｍｓ １２３ ＡＢＣ ｶﾀｶﾅ")
add("ligatures ﬁ ﬂ ﬀ ﬃ ﬄ ﬅ ﬆ ﷺ ﷻ ㍿ ㎏ ㏂ ℡ ™ ½ ¼ ⅓ Ⅻ ⑳ ㈱")
add("math 𝐀𝐁𝐂 𝒳𝒴 𝔸𝔹 𝟘𝟙𝟚 circled ⓐⓑⓒ ①②③ ⑴⑵ ⒜⒝")
add("combining e\u0301 a\u0300\u0316 o\u0308\u0304 q\u0307\u0323 Z\u0351\u0352\u0353\u0354\u0355")
add("Hangul 한국어 \u1100\u1161\u11a8 jamo ㄱㄴㄷ half ﾡﾢ")
add("mixed: English русский ελληνικά עברית العربية हिन्दी ไทย 日本語 中文 한국어 ქართული Ἀθῆναι")
add("zero width\u200b\u200c\u200d joiners 👩\u200d👩\u200d👧 flags 🇫🇷🇩🇪 skin 👍🏽")
add("controls \x01\x02\x03\x07\x08\x0b\x0c\x0e\x1b\x1f\x7f end")
add("c1 \u0080\u0085\u009f soft\u00adhyphen bom\ufeffmid")
add("\r")
add("carriage\rreturn inside\r")
add(b"bad utf8 \xff\xfe \xc0\xaf \xe0\x80\x80 \xed\xa0\x80 \xf4\x90\x80\x80 \xc3 end\xe2\x82")
add(b"\x80\x80\x80 lone continuation \xbf")
add("literal ▁ symbol ▁▁ and ▁word▁ and \ufffd replacement")
add("piece names <unk> <s> </s> <pad> <0x41> <0xFF> @@ <br> http://x @@@@ <br><br>")
add("digits 0123456789 3.14159 1,000,000 ١٢٣ ۴۵۶ ०१२ 𝟗𝟖")
add("x" * 5000)
add("word" * 3000)
add(" ".join("tok%d" % i for i in range(3000)))
add("\u0000nul\u0000inside")
blocks = [(0x20, 0x7e), (0xa0, 0x24f), (0x300, 0x36f), (0x370, 0x3ff), (0x400, 0x4ff),
          (0x590, 0x6ff), (0x900, 0x97f), (0xe00, 0xe7f), (0x1100, 0x11ff), (0x2000, 0x206f),
          (0x2070, 0x218f), (0x2460, 0x24ff), (0x2e80, 0x2fdf), (0x3000, 0x30ff),
          (0x3190, 0x33ff), (0x4e00, 0x4fff), (0xac00, 0xad00), (0xf900, 0xfaff),
          (0xfb00, 0xfdff), (0xfe30, 0xfe6f), (0xff00, 0xffef), (0x1d400, 0x1d7ff),
          (0x1f300, 0x1f6ff), (0x20000, 0x2004f)]
for i in range(3000):
    n = rng.choice([1, 2, 5, 20, 80, 300])
    s = []
    for _ in range(n):
        r = rng.random()
        if r < 0.15:
            s.append(" " * rng.choice([1, 1, 2, 3]))
        else:
            lo, hi = rng.choice(blocks)
            c = rng.randint(lo, hi)
            if 0xd800 <= c < 0xe000 or c in (0x0a,):
                c = 0x41
            s.append(chr(c))
    add("".join(s))
for i in range(300):   # byte soup without newlines
    add(bytes(rng.choice(range(256)) for _ in range(rng.randint(1, 200))).replace(b"\n", b" "))
with open(sys.argv[1], "wb") as f:
    f.write(b"\n".join(out))   # the last line has no newline
