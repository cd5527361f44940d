#!/usr/bin/python3
"""compare.py — checks cimeter's audio figures against a reference, file by file.

  compare.py ref CIMETER_JSON REF_JSON      every figure vs tests/ref/sf_audio.py
  compare.py same A_JSON B_JSON             two cimeter runs agree (fast path vs decode)

A per-file JSON is cimeter's `measure --per-file -o` output. Prints one summary
line per tokenizer; exits 1 on the first kind of mismatch (listing up to 20).
"""
import json
import sys


def cim_records(path):
    d = json.load(open(path))
    req = {t["spec"]: t["requested"] for t in d["tokenizers"]}
    out = {}
    for f in d["files"]:
        if f.get("modality") not in ("audio", None):
            continue
        out[(f["path"], req.get(f["tokenizer"], f["tokenizer"]))] = f
    return out, d


def main():
    mode, a, b = sys.argv[1:4]
    ca, da = cim_records(a)
    bad = []
    per_tok = {}
    if mode == "ref":
        ref = json.load(open(b))["files"]
        for (path, tok), f in sorted(ca.items()):
            r = ref.get(path)
            if r is None:
                bad.append(f"{path}: not in the reference")
                continue
            if "error" in r or f.get("error"):
                if not ("error" in r and f.get("error")):
                    bad.append(f"{path}: error mismatch: cimeter {f.get('error')!r} ref {r.get('error')!r}")
                continue
            st = per_tok.setdefault(tok, [0, 0, 0])
            st[0] += 1
            st[1] += r["tokens"][tok]
            st[2] += r["raw_bytes"]
            for k in ("raw_bytes", "units"):
                if f[k] != r[k]:
                    bad.append(f"{path} {k}: cimeter {f[k]} ref {r[k]}")
            if abs(f["seconds"] - r["seconds"]) > 1e-9 * max(1.0, r["seconds"]):
                bad.append(f"{path} seconds: cimeter {f['seconds']} ref {r['seconds']}")
            if f["tokens"] != r["tokens"][tok]:
                bad.append(f"{path} {tok}: cimeter {f['tokens']} ref {r['tokens'][tok]}")
        missing = set(ref) - {p for p, _ in ca}
        bad += [f"{p}: in the reference, not measured by cimeter" for p in sorted(missing)]
    else:
        cb, _ = cim_records(b)
        if set(ca) != set(cb):
            bad.append("the two runs measured different files")
        fast = 0
        for k, f in sorted(ca.items()):
            g = cb.get(k)
            if g is None:
                continue
            fast += bool(f.get("fast_path"))
            for key in ("raw_bytes", "units", "seconds", "tokens", "error"):
                if f.get(key) != g.get(key):
                    bad.append(f"{k[0]} {k[1]} {key}: {f.get(key)} vs {g.get(key)}")
            st = per_tok.setdefault(k[1], [0, 0, 0])
            st[0] += 1
            st[1] += f.get("tokens") or 0
            st[2] += f.get("raw_bytes") or 0
        print(f"records {len(ca)}, fast-path records in the first run: {fast}")
    for tok, (n, toks, raw) in sorted(per_tok.items(), key=lambda kv: str(kv[0])):
        print(f"  {str(tok):40s} files {n:5d}  tokens {toks:10d}  raw_bytes {raw:12d}  equal")
    if bad:
        print(f"{len(bad)} MISMATCHES:")
        for line in bad[:20]:
            print("  " + line)
        return 1
    print(f"OK: {len(ca)} (file, tokenizer) records agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
