#!/usr/bin/python3
"""damage.py — damaged archives and streams, bombs, standard input, determinism.

- A tar cut at many offsets (among them the last bytes of large images): every
  member that Python's tarfile reads whole before the cut has the record of its
  extracted file; the member the cut falls in is an error; the archive's own
  record is a `truncated` error (exit 1).
- A compressed stream cut short or with flipped bytes is an error, never a count.
- Bombs: 2 GiB of zeros and 256 MiB of text behind a few MiB of gzip stay within
  a few hundred MB of memory (the zeros are `unsupported` without being spooled).
- 16 gzip streams one inside another are read; a 17th is a `limit` error.
- Standard input: a plain file, a gzip stream and a tar stream on stdin give the
  records of the files (named "-" and "-//MEMBER").
- The same bytes of JSON for -j 1 and -j 2, any argument order, and --shard
  splits put back together with `cimeter merge`.
- --include and --exclude select files and members, are recorded in the settings,
  and shards or journals of another selection are refused."""
import gzip
import io
import json
import os
import resource
import shutil
import subprocess
import tarfile
import tempfile
from common import CIMETER, SAMPLE, fail, finish




def measure(args, jobs=2, stdin=None):
    p = subprocess.run([CIMETER, "measure", "--per-file", "-j", str(jobs), "-o", "-"] + args,
                       input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in (0, 1):
        fail(f"measure {args} exited {p.returncode}: {p.stderr.decode()[-800:]}")
        return None, p.returncode
    return json.loads(p.stdout), p.returncode


def records(d, strip=""):
    return {(f["path"][len(strip):], f["tokenizer"]): f for f in d["files"]}


KEYS = ("modality", "file_bytes", "raw_bytes", "units", "seconds", "tokens", "error_code")


def same(a, b):
    return all(a.get(k) == b.get(k) for k in KEYS)


tmp = tempfile.mkdtemp()
try:
    files = {}
    for sub in ("image", "text", "audio", "video"):
        for n in sorted(os.listdir(os.path.join(SAMPLE, sub))):
            files[f"{sub}-{n}"] = open(os.path.join(SAMPLE, sub, n), "rb").read()
    loose = os.path.join(tmp, "loose")
    os.makedirs(loose)
    for n, data in files.items():
        open(os.path.join(loose, n), "wb").write(data)
    ref, _ = measure([loose])
    want = {k[0][len(loose) + 1:]: v for k, v in records(ref).items()}

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for n, data in files.items():
            info = tarfile.TarInfo(n)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    whole = buf.getvalue()

    # 1. Truncated tars.
    cuts = [512 * k + d for k in (1, 3, 40, 200, 900) for d in (0, 100)]
    cuts += [len(whole) * i // 13 for i in range(1, 13)]
    # Cuts in the last bytes of large members: with only headers read, cimeter spools a
    # member of an uncompressed tar as its first and last bytes, so the cut must still
    # show there (the member an error, never a count).
    with tarfile.open(fileobj=io.BytesIO(whole)) as t:
        for m in t.getmembers():
            if m.size > 100000 and m.name.startswith("image-"):
                cuts += [m.offset_data + m.size - back for back in (1, 3000, 10000)]
    checked = 0
    for cut in sorted(set(c for c in cuts if 0 < c < len(whole) - 1024)):
        path = os.path.join(tmp, f"cut-{cut:09d}.tar")
        open(path, "wb").write(whole[:cut])
        complete = set()
        with tarfile.open(fileobj=io.BytesIO(whole)) as t:   # members whole before the cut
            for m in t.getmembers():
                if m.offset_data + m.size <= cut:
                    complete.add(m.name)
        d, rc = measure([path])
        if d is None:
            continue
        recs = {f["path"]: f for f in d["files"]}
        arch = recs.get(path)
        if rc != 1 or not arch or arch.get("error_code") != "truncated":
            fail(f"cut at {cut}: archive record {arch}, exit {rc}")
        for p, f in recs.items():
            if p == path:
                continue
            name = p[len(path) + 2:]
            if name in complete:
                checked += 1
                if not same(f, want[name]):
                    fail(f"cut at {cut}: {name} {f} differs from the loose file {want[name]}")
            elif f.get("error_code") != "truncated":
                fail(f"cut at {cut}: {name}, cut by the damage, is {f}")
        missing = complete - {p[len(path) + 2:] for p in recs}
        if missing:
            fail(f"cut at {cut}: members read whole but not measured: {sorted(missing)}")
    print(f"truncated tars: {checked} whole members equal to their files")

    # 2. Damaged single streams.
    kjv = files["text-kjv-genesis.txt"]
    gz = gzip.compress(kjv)
    # (libarchive does not check a gzip member's CRC-32 trailer: a damaged trailer
    # alone goes unnoticed; damage in the deflate data does not, doc/sources.md.)
    damaged = {"cut.txt.gz": gz[: len(gz) // 2],
               "flip.txt.gz": gz[:200] + bytes(b ^ 0x5A for b in gz[200:260]) + gz[260:]}
    for n, data in damaged.items():
        open(os.path.join(tmp, n), "wb").write(data)
    d, rc = measure([os.path.join(tmp, n) for n in damaged])
    for f in d["files"] if d else []:
        if f.get("error_code") not in ("truncated", "corrupt") or f.get("tokens") is not None:
            fail(f"damaged stream {f['path']} measured: {f}")
    if rc != 1:
        fail(f"damaged streams: exit {rc}")

    # 3. Bombs, within a memory bound.
    bomb = os.path.join(tmp, "zeros.gz")
    with gzip.open(bomb, "wb", compresslevel=1) as g:
        block = bytes(1 << 20)
        for _ in range(2048):
            g.write(block)
    textbomb = os.path.join(tmp, "text.txt.gz")
    with gzip.open(textbomb, "wb", compresslevel=1) as g:
        line = b"all work and no play makes jack a dull boy\n" * 1000
        for _ in range((256 << 20) // len(line)):
            g.write(line)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    d, rc = measure(["-t", "text:bytes", bomb, textbomb])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    recs = {os.path.basename(f["path"]): f for f in d["files"]} if d else {}
    if recs.get("zeros.gz", {}).get("error_code") != "unsupported":
        fail(f"zeros bomb: {recs.get('zeros.gz')}")
    tb = recs.get("text.txt.gz", {})
    if tb.get("tokens") != (256 << 20) // len(line) * len(line):
        fail(f"text bomb: {tb}")
    print(f"bombs: peak RSS {max(before, peak) // 1024} MB")
    if peak > 600 * 1024 and not os.environ.get("ASAN_OPTIONS", "").count("detect_leaks=0"):
        if "asan" not in CIMETER:
            fail(f"bombs: peak RSS {peak // 1024} MB")
    # Compression inside compression: 16 streams one inside another are read, a 17th
    # is a limit error (archives count too; levels of archives are bounded apart).
    layers = kjv[:3000]
    nested = {}
    for k in range(1, 18):
        layers = gzip.compress(layers)
        if k >= 16:
            nested[k] = os.path.join(tmp, f"nested{k}.txt.gz")
            open(nested[k], "wb").write(layers)
    loose_part = os.path.join(tmp, "part.txt")
    open(loose_part, "wb").write(kjv[:3000])
    d, rc = measure([nested[16], nested[17], loose_part])
    recs = {os.path.basename(f["path"]): f for f in d["files"]} if d else {}
    if not same(recs.get("nested16.txt.gz", {}), recs.get("part.txt", {"x": 1})):
        fail(f"16 nested gzip streams: {recs.get('nested16.txt.gz')}")
    if recs.get("nested17.txt.gz", {}).get("error_code") != "limit":
        fail(f"17 nested gzip streams: {recs.get('nested17.txt.gz')}")
    print("nesting: 16 compressed streams read, a 17th a limit error")

    # 4. Standard input.
    d, rc = measure(["-"], stdin=kjv)
    f = d["files"][0] if d else {}
    if f.get("path") != "-" or not same(f, want["text-kjv-genesis.txt"]):
        fail(f"stdin plain: {f}")
    d, rc = measure(["-"], stdin=gzip.compress(kjv))
    f = d["files"][0] if d else {}
    if f.get("path") != "-" or not same(f, want["text-kjv-genesis.txt"]):
        fail(f"stdin gzip: {f}")
    d, rc = measure(["-"], stdin=gzip.compress(whole))
    got = {f["path"][3:]: f for f in d["files"] if f["path"].startswith("-//")} if d else {}
    if set(got) != set(want) or any(not same(got[n], want[n]) for n in want):
        fail(f"stdin tar.gz: {sorted(got)} vs {sorted(want)}")
    d, rc = measure(["-"], stdin=files["image-rocket.jpg"])
    f = d["files"][0] if d else {}
    if not same(f, want["image-rocket.jpg"]):
        fail(f"stdin jpeg: {f}")
    print("stdin: plain, gzip, tar.gz and a JPEG measured as their files")

    # 5. Determinism: -j, argument order, shards merged.
    tarp = os.path.join(tmp, "whole.tar")
    open(tarp, "wb").write(whole)
    gzp = os.path.join(tmp, "kjv.txt.gz")
    open(gzp, "wb").write(gz)
    args = [tarp, loose, gzp]
    outs = []
    for jobs, order in ((1, args), (2, args[::-1]), (2, args)):
        d, _ = measure(order, jobs=jobs)
        d.pop("command")
        outs.append(d)
    if not all(o == outs[0] for o in outs):
        fail("-j or argument order changes the result")
    shards = []
    for i in range(3):
        out = os.path.join(tmp, f"shard{i}.json")
        subprocess.run([CIMETER, "measure", "--per-file", "--shard", f"{i}/3", "-o", out] + args,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        shards.append(out)
    merged = os.path.join(tmp, "merged.json")
    p = subprocess.run([CIMETER, "merge", "-o", merged] + shards, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    m = json.load(open(merged)) if p.returncode == 0 else None
    if not m:
        fail(f"merge failed: {p.stderr.decode()}")
    else:
        for k in ("aggregates", "files", "corpus", "errors", "skipped"):
            if m.get(k) != outs[0].get(k):
                fail(f"--shard 3 + merge differs in {k}")
    print("determinism: -j 1/2, argument order and 3 shards merged give the same result")
    # 6. Selection: --exclude and --include on loose paths and member names alike.
    wds = io.BytesIO()
    with tarfile.open(fileobj=wds, mode="w", format=tarfile.GNU_FORMAT) as t:
        for k, (n, data) in enumerate(sorted(files.items())):
            for name, d in ((f"{k:04d}.{n.rsplit('.', 1)[-1]}", data), (f"{k:04d}.json", b'{"k": 1}\n')):
                info = tarfile.TarInfo(name)
                info.size = len(d)
                t.addfile(info, io.BytesIO(d))
    wdsp = os.path.join(tmp, "000000.tar")
    open(wdsp, "wb").write(wds.getvalue())
    d, _ = measure(["--exclude", "*.json", wdsp, loose])
    paths = {f["path"] for f in d["files"]} if d else set()
    arch = [f for f in d["files"] if f["path"] == wdsp][0] if d else {}
    if any(p.endswith(".json") for p in paths) or f"{len(files)} excluded" not in arch.get("skipped", ""):
        fail(f"--exclude '*.json': {arch}")
    d, _ = measure(["--include", "*.png", wdsp, loose])
    got = {f["path"] for f in d["files"] if f.get("skipped") is None} if d else set()
    if not got or any(not p.endswith(".png") for p in got) or not any("//" in p for p in got):
        fail(f"--include '*.png': {sorted(got)}")
    # The selection is part of the settings: recorded, kept by merge, and shards or
    # journals of another selection refused.
    sel = ["--include", "*.png", "--include", "*.wav", "--exclude", "*.json"]
    if (d or {}).get("settings", {}).get("include") != ["*.png"] or "exclude" in d["settings"]:
        fail(f"--include not in the settings: {(d or {}).get('settings')}")
    parts = []
    for i, extra in enumerate((sel, sel, sel[:-2])):
        out = os.path.join(tmp, f"sel{i}.json")
        subprocess.run([CIMETER, "measure", "--per-file", "--shard", f"{min(i, 1)}/2", "-o", out] + extra +
                       [wdsp, loose], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        parts.append(out)
    s0 = json.load(open(parts[0]))["settings"]
    if s0.get("include") != ["*.png", "*.wav"] or s0.get("exclude") != ["*.json"]:
        fail(f"selection settings: {s0}")
    merged = os.path.join(tmp, "sel-merged.json")
    p = subprocess.run([CIMETER, "merge", "-o", merged, parts[0], parts[1]], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    whole_sel, _ = measure(sel + [wdsp, loose])
    m = json.load(open(merged)) if p.returncode == 0 else {}
    for k in ("settings", "aggregates", "files", "corpus"):
        if m.get(k) != (whole_sel or {}).get(k):
            fail(f"shards of one selection merged differ from one run in {k}")
    p = subprocess.run([CIMETER, "merge", "-o", merged, parts[0], parts[2]], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 2 or b"settings" not in p.stderr:
        fail(f"shards of other selections merged: exit {p.returncode} {p.stderr.decode()[-300:]}")
    jsel = os.path.join(tmp, "sel.journal")
    for extra, want_rc in ((sel, (0, 1)), (sel[:-2], (2,))):
        p = subprocess.run([CIMETER, "measure", "--journal", jsel, "-o", os.path.join(tmp, "sel-j.json")] +
                           extra + [wdsp, loose], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode not in want_rc:
            fail(f"journal with {extra}: exit {p.returncode} {p.stderr.decode()[-300:]}")
    print("selection: --exclude and --include on files and members, recorded in the settings")

    # 7. A journal resumes to the same result (archives are measured again).
    jpath = os.path.join(tmp, "j.journal")
    outs = []
    for _ in range(2):
        p = subprocess.run([CIMETER, "measure", "--per-file", "--journal", jpath, "-o", "-", tarp, gzp, loose],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        d = json.loads(p.stdout) if p.returncode in (0, 1) else None
        if d:
            d.pop("command")
        outs.append(d)
    if not outs[0] or outs[0] != outs[1] or outs[0] != {k: v for k, v in outs[0].items()}:
        fail("a journal resumed to another result")
    ref_out, _ = measure([tarp, gzp, loose], jobs=1)
    ref_out.pop("command")
    if outs[0] and outs[0]["files"] != ref_out["files"]:
        fail("a journaled run differs from a plain one")
    print("journal: resumed runs equal a plain run")
finally:
    shutil.rmtree(tmp)
finish()
