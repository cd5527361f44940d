#!/usr/bin/python3
"""jsonl.py — JSON Lines documents against their extracted text files.

Documents with JSON escapes (quotes, backslashes, \\n, \\t, \\uXXXX, surrogate
pairs for astral characters, ensure_ascii on and off), several scripts, CRLF,
a document over 1 MiB and one single line over 4 MiB (the text decoder's cut) are
written as JSON Lines (plain, gzip, xz, zstd, inside a tar) with the text under
a top-level and a dotted field. Python's json module extracts every document
to its own file; cimeter measures that tree, and the JSON Lines file's record
must be the sum of the documents' records (raw bytes, units, tokens per
tokenizer) with `documents` their number, for -j 1 and -j 2. Bad lines are
errors naming the line; text that is not JSON Lines stays plain text."""
import gzip
import io
import json
import lzma
import os
import random
import shutil
import subprocess
import tarfile
import tempfile
from common import CIMETER, MODEL, SAMPLE, fail, finish, zstandard

# spm takes seconds per 4 MiB line: it runs on the documents without that one.
FAST = ["-t", "text:tiktoken:cl100k_base", "-t", "text:chars", "-t", "text:bytes"]
SPM = ["-t", f"text:spm:{MODEL}"]



def measure(args, jobs=2, specs=FAST):
    p = subprocess.run([CIMETER, "measure", "--per-file", "-j", str(jobs), "-o", "-"] + specs + args,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in (0, 1):
        fail(f"measure {args} exited {p.returncode}: {p.stderr.decode()[-800:]}")
        return None
    return json.loads(p.stdout)


def documents():
    rng = random.Random(7)
    kjv = open(os.path.join(SAMPLE, "text/kjv-genesis.txt"), encoding="utf-8").read()
    pages = [open(os.path.join(SAMPLE, "text", n), encoding="utf-8").read()
             for n in sorted(os.listdir(os.path.join(SAMPLE, "text"))) if n.endswith(".page")]
    docs = ['a "quoted" word, a \\ backslash, a\ttab and\nnew lines\r\nwith CRLF',
            "astral: 😀🎉𝕏 (surrogate pairs when escaped), é and \u00e9 and e\u0301",
            "Ελληνικά, русский, עברית, العربية, हिन्दी, 日本語, 한국어, 中文",
            "x", " leading and trailing spaces ", "\n\n\nonly newlines around\n\n"]
    for p in pages:
        docs.append(p[: rng.randrange(100, len(p))])
    for _ in range(200):
        start = rng.randrange(len(kjv) - 5000)
        docs.append(kjv[start:start + rng.randrange(1, 5000)])
    docs.append(kjv * 7)                                    # over 1 MiB: the text decoder's path
    docs.append(("one very long line without a newline " * 120000)[:4500000])   # over 4 MiB
    return docs


def check(tmp, docs, specs, label, fields=("text", "meta.content")):
    src = os.path.join(tmp, label, "src")
    ext = os.path.join(tmp, label, "ext")
    os.makedirs(src)
    os.makedirs(ext)
    for i, d in enumerate(docs):
        open(os.path.join(ext, f"doc{i:05d}.txt"), "wb").write(d.encode("utf-8"))
    lines = []
    for i, d in enumerate(docs):
        obj = {"id": i, "meta": {"lang": "x", "content": d}, "text": d}
        lines.append(json.dumps(obj, ensure_ascii=bool(i % 2)))
        if i % 50 == 0:
            lines.append("   ")   # blank lines are skipped
    body = ("\n".join(lines) + "\n").encode("utf-8")
    made = {"docs.jsonl": body, "docs.jsonl.gz": gzip.compress(body), "docs.jsonl.xz": lzma.compress(body)}
    if zstandard:
        made["docs.jsonl.zst"] = zstandard.ZstdCompressor().compress(body)
    tb = io.BytesIO()
    with tarfile.open(fileobj=tb, mode="w", format=tarfile.PAX_FORMAT) as t:
        info = tarfile.TarInfo("shard/docs.jsonl")
        info.size = len(body)
        t.addfile(info, io.BytesIO(body))
    made["shard.tar"] = tb.getvalue()
    for n, data in made.items():
        open(os.path.join(src, n), "wb").write(data)
    tree = measure([ext], specs=specs)
    want = {}
    for f in tree["files"]:
        w = want.setdefault(f["tokenizer"], {"raw_bytes": 0, "units": 0, "tokens": 0})
        if f.get("error_code") == "empty":
            continue   # an empty document: 0 bytes and 0 tokens
        for k in w:
            w[k] += f[k]
    ntok = len(specs) // 2
    for field in fields:
        runs = [measure(["--json-field", field, src], jobs=j, specs=specs) for j in (1, 2)]
        for r in runs:
            if r:
                r.pop("command")
        if runs[0] != runs[1]:
            fail(f"[{label}] --json-field {field}: -j 1 and -j 2 differ")
        d = runs[1]
        if not d:
            continue
        got = [f for f in d["files"] if f.get("documents")]
        if len(got) != len(made) * ntok:
            fail(f"[{label}] --json-field {field}: {len(got)} JSON Lines records, expected {len(made) * ntok}")
        for f in got:
            w = want[f["tokenizer"]]
            for k in w:
                if f[k] != w[k]:
                    fail(f"[{label}] {field} {f['path']} {f['tokenizer']}: {k} {f[k]} != documents' sum {w[k]}")
            if f["documents"] != len(docs):
                fail(f"[{label}] {f['path']}: documents {f['documents']} != {len(docs)}")
            if f["file_bytes"] != len(body):
                fail(f"[{label}] {f['path']}: file_bytes {f['file_bytes']} != {len(body)}")
        print(f"[{label}] --json-field {field}: {len(got)} records equal to the sums over "
              f"{len(docs)} extracted documents")


tmp = tempfile.mkdtemp()
try:
    docs = documents()
    check(tmp, docs, FAST, "fast")
    check(tmp, docs[:-1], SPM, "spm", fields=("meta.content",))

    # Bad lines name the line; other text stays text; the hint without --json-field.
    bad = os.path.join(tmp, "bad")
    os.makedirs(bad)
    good = json.dumps({"text": "fine"})
    cases = {"syntax.jsonl": [good, good, '{"text": "unterminated'],
             "missing.jsonl": [good, json.dumps({"other": 1})],
             "number.jsonl": [good, good, good, json.dumps({"text": 5})],
             "lone-surrogate.jsonl": [good, '{"text": "\\ud800 alone"}']}
    expect = {"syntax.jsonl": "line 3", "missing.jsonl": "line 2", "number.jsonl": "line 4",
              "lone-surrogate.jsonl": "line 2"}
    for n, ls in cases.items():
        open(os.path.join(bad, n), "w").write("\n".join(ls) + "\n")
    open(os.path.join(bad, "plain.txt"), "w").write("not json\n{\"text\": \"x\"}\n")
    open(os.path.join(bad, "pretty.json"), "w").write('{\n  "text": "pretty printed"\n}\n')
    d = measure(["--json-field", "text", bad])
    src = os.path.join(tmp, "fast", "src")
    recs = {os.path.basename(f["path"]): f for f in d["files"]} if d else {}
    for n, where in expect.items():
        f = recs.get(n, {})
        if f.get("error_code") != "corrupt" or where not in (f.get("error") or ""):
            fail(f"{n}: expected an error naming {where}, got {f}")
    for n in ("plain.txt", "pretty.json"):
        if recs.get(n, {}).get("documents") or recs.get(n, {}).get("error"):
            fail(f"{n} should be plain text: {recs.get(n)}")
    p = subprocess.run([CIMETER, "measure", os.path.join(src, "docs.jsonl")], stdout=subprocess.PIPE)
    if b"look like JSON Lines" not in p.stdout:
        fail("no JSON Lines hint in the table without --json-field")
    print("bad lines, plain text and the hint checked")

    # Several batches of lines (cimeter reads about 8 MiB of lines while the previous
    # batch is measured): sums over ~20 MB of documents, a bad line in the third
    # batch, and a zstd stream cut there; every result the same for -j 1 and -j 2.
    many = os.path.join(tmp, "many")
    os.makedirs(many)
    rng = random.Random(5)
    words = ["alpha", "βήτα", "gamma", "дельта", "epsilon", "ζ", "日本語", "\"q\"", "tab\t"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 400))) for _ in range(8000)]
    lines = [json.dumps({"text": t}) for t in texts]
    third = len(lines) * 5 // 6
    bad_lines = lines[:third] + ['{"text": "unterminated'] + lines[third:]
    open(os.path.join(many, "many.jsonl"), "w").write("\n".join(lines) + "\n")
    open(os.path.join(many, "bad-late.jsonl"), "w").write("\n".join(bad_lines) + "\n")
    if zstandard:
        z = zstandard.ZstdCompressor().compress(("\n".join(lines) + "\n").encode())
        open(os.path.join(many, "cut.jsonl.zst"), "wb").write(z[:len(z) * 5 // 6])
        zb = zstandard.ZstdCompressor().compress(("\n".join(bad_lines) + "\n").encode())
        open(os.path.join(many, "bad-late.jsonl.zst"), "wb").write(zb)
    runs = [measure(["--json-field", "text", many], jobs=j, specs=["-t", "text:chars"])
            for j in (1, 2)]
    if all(runs):
        for d in runs:
            d.pop("command")
        if runs[0] != runs[1]:
            fail("several batches: -j 1 and -j 2 differ")
        recs = {os.path.basename(f["path"]): f for f in runs[1]["files"]}
        f = recs.get("many.jsonl", {})
        want = (len(texts), sum(len(t.encode()) for t in texts), sum(len(t) for t in texts))
        if (f.get("documents"), f.get("raw_bytes"), f.get("units")) != want:
            fail(f"several batches: many.jsonl {f}, expected documents, bytes, chars {want}")
        for n in ("bad-late.jsonl", "bad-late.jsonl.zst"):
            f = recs.get(n)
            if f is not None and (f.get("error_code") != "corrupt" or
                                  f"line {third + 1}:" not in (f.get("error") or "")):
                fail(f"{n}: expected an error naming line {third + 1}, got {f}")
        f = recs.get("cut.jsonl.zst")
        if f is not None and f.get("error_code") != "truncated":
            fail(f"cut.jsonl.zst: expected a truncated error, got {f}")
    print("several batches: sums, a late bad line and a cut stream checked for -j 1 and -j 2")
finally:
    shutil.rmtree(tmp)
finish()
