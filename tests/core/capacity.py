#!/usr/bin/python3
"""capacity.py — capacity_bits (tokens x log2 V) against an independent computation.

V comes from each tokenizer's own source, never from cimeter:
  text:bytes     2^8
  text:chars     Unicode scalar values (counted here) + the 128 bytes 0x80..0xFF
  tiktoken       the rank file's largest rank and the encoding's special tokens, read from
                 npm tiktoken's registry.json (tiktoken's n_vocab = largest id + 1)
  spm            python3-sentencepiece's get_piece_size() on the same model
  presets        the table "Vocabulary and codebook sizes" of doc/tokenizers.md (the
                 published figures, with their sources), and codebook= given on a spec
Then every per-file record and every aggregate of `measure --info --per-file` must hold
capacity_bits = tokens x log2(V) (math.log2 in Python; 12 significant digits in the
JSON), null without V; `report` (csv, md) must print info_bits / capacity_bits; merging
shards must keep V; and without --info nothing of this appears.
Exit 77 when the sample corpus or the tiktoken rank files are absent.
"""
import csv
import io
import json
import math
import os
import re
import subprocess
import sys
import tempfile

CIMETER = os.environ.get("CIMETER", "cimeter")
ROOT = os.environ.get("CIM_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLE = os.environ.get("CIM_SAMPLE", os.path.join(ROOT, "corpora", "sample"))
DATA = os.path.join(ROOT, "tokenizers", "data")
REGISTRY = os.path.join(DATA, "node", "node_modules", "tiktoken", "registry.json")
SPM_MODEL = os.path.join(ROOT, "tokenizers", "kjv-bpe8k.model")
TIKTOKEN = {"gpt2": "r50k_base", "codex": "p50k_base", "gpt-4": "cl100k_base",
            "gpt-4o": "o200k_base"}
MEDIA = ["vit-b16", "chameleon", "cosmos-di16", "titok-l32", "image:patch:p=16,codebook=1000",
         "image:fixed:n=8,codebook=3", "vivit-2x16", "cosmos-dv4x8x8",
         "video:tubelet:t=2,p=32,codebook=500", "whisper", "hubert", "encodec-24k-6kbps",
         "dac-44k", "mimi", "speechtokenizer", "audio:codec:rate=50,codebooks=4,codebook=1000",
         "audio:frame:hop=20,codebook=500"]
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL:", msg)


def ok(msg):
    print("ok:", msg)


def close(a, b):
    """The JSON writes 12 significant digits."""
    return a == b or abs(a - b) <= 1e-11 * max(abs(a), abs(b))


def run(args, check=True):
    p = subprocess.run([CIMETER] + args, capture_output=True, text=True)
    if check and p.returncode not in (0, 1):
        print(p.stderr)
        raise SystemExit(f"cimeter {' '.join(args)} exited {p.returncode}")
    return p


def rank_file_vocab(name):
    """n_vocab as tiktoken computes it: max(ranks and special ids) + 1."""
    top = -1
    with open(os.path.join(DATA, name + ".tiktoken"), "rb") as f:
        for line in f:
            if line.strip():
                top = max(top, int(line.split()[1]))
    with open(REGISTRY) as f:
        specials = json.load(f)[name].get("special_tokens", {})
    return max([top] + list(specials.values())) + 1


def doc_codebooks():
    """preset -> V from the table in doc/tokenizers.md ("-" = none)."""
    text = open(os.path.join(ROOT, "doc", "tokenizers.md"), encoding="utf-8").read()
    section = text.split("## Vocabulary and codebook sizes", 1)[1].split("\n## ", 1)[0]
    table = {}
    for m in re.finditer(r"^\| `([^`]+)` \| ([0-9,]+|none) \|", section, re.M):
        table[m.group(1)] = None if m.group(2) == "none" else int(m.group(2).replace(",", ""))
    return table


def expected_vocab():
    v = {"text:bytes": 2 ** 8}
    scalars = sum(1 for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF)
    v["text:chars"] = scalars + 0x100 - 0x80
    for preset, enc in TIKTOKEN.items():
        v[preset] = rank_file_vocab(enc)
    import sentencepiece
    v["text:spm:" + SPM_MODEL] = sentencepiece.SentencePieceProcessor(
        model_file=SPM_MODEL).get_piece_size()
    docs = doc_codebooks()
    for t in MEDIA:
        m = re.search(r"codebook=(\d+)", t)
        if m:
            v[t] = int(m.group(1))
        elif t not in docs:
            fail(f"doc/tokenizers.md lists no V for preset {t}")
        else:
            v[t] = docs[t]
    return v


def check_result(d, vocab, label):
    toks = {t["spec"]: t for t in d["tokenizers"]}
    by_req = {t["requested"]: t for t in d["tokenizers"]}
    bad = 0
    for req, want in vocab.items():
        got = by_req[req].get("vocab_size", "absent")
        if got != want:
            fail(f"{label}: {req}: vocab_size {got}, expected {want}")
            bad += 1
    spec_v = {spec: vocab[t["requested"]] for spec, t in toks.items()}
    nrec = 0
    for r in d.get("files", []):
        if r.get("tokenizer") is None or r.get("error") is not None or "tokens" not in r:
            continue
        v = spec_v[r["tokenizer"]]
        want = None if v is None else r["tokens"] * math.log2(v)
        got = r.get("capacity_bits", "absent")
        if (want is None) != (got is None) or (want is not None and not close(got, want)):
            fail(f"{label}: {r['path']} {r['tokenizer']}: capacity_bits {got}, expected {want}")
            bad += 1
        nrec += 1
    for a in d["aggregates"]:
        v = spec_v[a["tokenizer"]]
        want = None if v is None else a["tokens"] * math.log2(v)
        got = a.get("capacity_bits", "absent")
        if (want is None) != (got is None) or (want is not None and not close(got, want)):
            fail(f"{label}: aggregate {a['tokenizer']}: capacity_bits {got}, expected {want}")
            bad += 1
    if not bad:
        ok(f"{label}: V of {len(vocab)} tokenizers, capacity_bits of {nrec} records and "
           f"{len(d['aggregates'])} aggregates = tokens x log2 V")
    return spec_v


def main():
    if not os.path.isdir(SAMPLE):
        print(f"sample corpus not found at {SAMPLE}: skipped")
        return 77
    if not os.path.isfile(os.path.join(DATA, "cl100k_base.tiktoken")) or \
            not os.path.isfile(REGISTRY):
        print("tiktoken rank files or npm tiktoken absent "
              "(scripts/fetch-tokenizers.sh --test): skipped")
        return 77
    try:
        import sentencepiece  # noqa: F401
    except ImportError:
        print("python3-sentencepiece absent: skipped")
        return 77
    vocab = expected_vocab()
    order = ["text:bytes", "text:chars"] + list(TIKTOKEN) + ["text:spm:" + SPM_MODEL] + MEDIA
    targs = [a for t in order for a in ("-t", t)]
    with tempfile.TemporaryDirectory() as tmp:
        one = os.path.join(tmp, "one.json")
        run(["measure", "--no-progress"] + targs +
            ["--info", "--per-file", "-j", "2", "-o", one, SAMPLE])
        d = json.load(open(one))
        spec_v = check_result(d, vocab, "measure --info")

        # report: the ratio info_bits / capacity_bits, in csv (full precision) and md.
        out = os.path.join(tmp, "r.csv")
        run(["report", one, "-o", out])
        rows = list(csv.DictReader(open(out, encoding="utf-8")))
        bad = 0
        for row, a in zip(rows, d["aggregates"]):
            cap = a["capacity_bits"]
            want = a["info_bits"] / cap if cap else None
            got = float(row["info_per_capacity"]) if row["info_per_capacity"] else None
            if (want is None) != (got is None) or (want is not None and not close(got, want)):
                fail(f"report csv: {a['tokenizer']}: info_per_capacity {got}, expected {want}")
                bad += 1
        if len(rows) != len(d["aggregates"]):
            fail("report csv: row count differs from the aggregates")
        elif not bad:
            ok(f"report csv: info_bits / capacity_bits on {len(rows)} rows")
        md = run(["report", one, "--format", "md", "-o", "-"]).stdout
        if "| info bits | capacity bits | info / capacity |" not in md:
            fail("report md: no capacity columns")
        else:
            ok("report md: capacity columns")

        # merge: shards keep V, so the merged aggregates carry the same capacity_bits.
        shards = []
        for i in range(2):
            s = os.path.join(tmp, f"s{i}.json")
            run(["measure", "--no-progress"] + targs + ["--info", "--per-file", "--shard", f"{i}/2",
                                                        "-o", s, SAMPLE])
            shards.append(s)
        merged = os.path.join(tmp, "m.json")
        run(["merge"] + shards + ["-o", merged])
        m = json.load(open(merged))
        same = [a["capacity_bits"] for a in m["aggregates"]] == \
            [a["capacity_bits"] for a in d["aggregates"]]
        if same:
            ok("merge of 2 shards: same capacity_bits and vocab_size")
        else:
            fail("merge of 2 shards: capacity_bits differ from the single run")
        check_result(m, vocab, "merged")

        # Without --info: no capacity fields, no vocab_size, no report columns.
        plain = os.path.join(tmp, "plain.json")
        run(["measure", "--no-progress"] + targs + ["--per-file", "-o", plain, SAMPLE])
        text = open(plain).read()
        if "capacity_bits" in text or "vocab_size" in text:
            fail("without --info the JSON has capacity_bits or vocab_size")
        else:
            ok("without --info: no capacity_bits, no vocab_size")
        out2 = os.path.join(tmp, "p.csv")
        run(["report", plain, "-o", out2])
        if "capacity" in open(out2).readline():
            fail("report of a result without --info has capacity columns")

        # The table with --info shows both figures.
        table = run(["measure", "--no-progress", "--info", "-t", "gpt-4", "-t", "vit-b16",
                     os.path.join(SAMPLE, "text"), os.path.join(SAMPLE, "image")]).stdout
        if "info bits" in table and "capacity" in table:
            ok("table: info bits and capacity columns with --info")
        else:
            fail("table: no capacity column with --info\n" + table)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
