#!/usr/bin/python3
"""make_seeds.py — writes the small seeds of fuzz_sources and fuzz_jsonl next to itself:
archives (tar formats, zip, cpio via Python's own writers), compressed streams and
JSON Lines, each a few hundred bytes so the fuzzer mutates structure, not payload."""
import bz2
import gzip
import io
import json
import lzma
import os
import tarfile
import zipfile

here = os.path.dirname(os.path.abspath(__file__))
docs = [{"meta": {"text": "hello \"world\"\n"}}, {"meta": {"text": "\u00e9\u65e5\U0001F600"}},
        {"meta": {"text": ""}}, {"other": 1}]
jsonl = "".join(json.dumps(d) + "\n" for d in docs[:3]).encode()
members = {"a.txt": b"some text\n" * 3, "b.jsonl": jsonl, "dir/c.txt": b"x"}


def tar(fmt, mode="w"):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=fmt) as t:
        for n, d in members.items():
            i = tarfile.TarInfo(n)
            i.size = len(d)
            t.addfile(i, io.BytesIO(d))
        link = tarfile.TarInfo("link")
        link.type = tarfile.SYMTYPE
        link.linkname = "a.txt"
        t.addfile(link)
    return buf.getvalue()


z = io.BytesIO()
with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
    for n, d in members.items():
        zf.writestr(n, d)
seeds = {"gnu.tar": tar(tarfile.GNU_FORMAT), "pax.tar.gz": tar(tarfile.PAX_FORMAT, "w:gz"),
         "ustar.tar.xz": tar(tarfile.USTAR_FORMAT, "w:xz"), "x.zip": z.getvalue(),
         "text.gz": gzip.compress(b"gzip text\n" * 4) + gzip.compress(b"second member\n"),
         "text.bz2": bz2.compress(b"bzip2 text\n"), "docs.jsonl": jsonl,
         "docs.jsonl.xz": lzma.compress(jsonl), "bad.jsonl": jsonl + b'{"meta": {"text": 5}}\n'}
for n, d in seeds.items():
    open(os.path.join(here, n), "wb").write(d)
