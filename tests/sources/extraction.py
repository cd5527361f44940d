#!/usr/bin/python3
"""extraction.py — extraction equivalence against Python's own readers.

Archives and compressed streams are built from the sample corpus (all four
modalities) with Python's tarfile (ustar, GNU, pax; plain, gz, bz2, xz), zipfile
(stored, deflated), gzip (multi-member), bz2, lzma, zstandard (multi-frame), the
lz4 tool (frame and legacy formats), compress (.Z, read back by gzip), and the cpio
(newc, odc) and 7z tools, nested up to four levels, with duplicate names and members that
are not regular files, and GNU tar's sparse members (holes inside and at the end). The same modules (and `lz4 -d`) extract every one of them
into a tree, nested archives into directories of the archive's name, regular
files only (cimeter does not make records of the rest). cimeter measures the
archives in place and the tree, and every record must be equal but for its path
(ARCHIVE//MEMBER against ARCHIVE/MEMBER), with content-aware tokenizers (full
decodes) and with the header-only defaults. A fifth level of nesting must be a
`limit` error. Run with -j 1 and -j 2: the in-place result is the same bytes."""
import bz2
import gzip
import io
import json
import lzma
import os
import random
import shutil
import struct
import subprocess
import tarfile
import tempfile
import zipfile
import zlib
from common import CIMETER, MODEL, SAMPLE, fail, finish, zstandard




def sample_files():
    """name -> bytes: every sample file, plus text in several scripts and a few edge cases."""
    files = {}
    for sub in ("text", "image", "audio", "video"):
        for n in sorted(os.listdir(os.path.join(SAMPLE, sub))):
            files[f"{sub}/{n}"] = open(os.path.join(SAMPLE, sub, n), "rb").read()
    files["text/mixed-ünïcödé.txt"] = ("Ελληνικά — 日本語のテキスト — עברית — हिन्दी\r\n" * 300).encode()
    files["text/no-newline.txt"] = b"last line without a newline"
    files["text/empty.txt"] = b""
    return files


def tar_bytes(files, fmt, mode="w", extra=None):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=fmt) as t:
        d = tarfile.TarInfo("text")
        d.type = tarfile.DIRTYPE
        t.addfile(d)
        for name, data in files.items():
            info = tarfile.TarInfo("./" + name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("link-to-kjv")
        link.type = tarfile.SYMTYPE
        link.linkname = "text/kjv-genesis.txt"
        t.addfile(link)
        for name, data in (extra or []):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def header_edge_images(files):
    """Images whose header is not all in a tar member's first 64 KiB and last 4 KiB (the
    bytes cimeter spools of an uncompressed tar's member when only headers are read), or
    whose end is not what the header check wants: each must still be measured as its
    extracted file (the rest of the member is read when the header read past them)."""
    rng = random.Random(11)
    coins, small = files["image/coins.png"], files["image/palette_color.png"]
    jpg = files["image/rocket.jpg"]
    big = png_chunk(b"prVt", rng.randbytes(100000))   # ancillary, skipped by reading it
    app = b"".join(b"\xff\xef" + struct.pack(">H", 65002) + rng.randbytes(65000) for _ in range(2))
    return {
        "edge/chunk-before-idat.png": coins[:33] + big + coins[33:],
        "edge/chunk-to-the-tail.png": small[:33] + big + small[33:],   # IDAT in the last 4 KiB
        "edge/large-app-segments.jpg": jpg[:2] + app + jpg[2:],
        "edge/large-app-segments-cut.jpg": (jpg[:2] + app + jpg[2:])[:-3000],
        "edge/trailing-bytes.png": coins + b"trailing bytes after IEND",
        "edge/cut-before-iend.png": coins[:-1000],
        "edge/bad-chunk-past-64k.png": coins[:33] + big[:-1] + b"\0" + coins[33:],
    }


def zip_bytes(files, method):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def build(src):
    """The archives and streams cimeter reads in place, written under src."""
    files = sample_files()
    out = {}
    dup = [("text/kjv-genesis.txt", b"the second copy wins\n")]
    out["gnu.tar"] = tar_bytes(files, tarfile.GNU_FORMAT, extra=dup)
    out["pax.tar"] = tar_bytes(files, tarfile.PAX_FORMAT)
    out["ustar.tar"] = tar_bytes(files, tarfile.USTAR_FORMAT)
    out["header-edges.tar"] = tar_bytes(header_edge_images(files), tarfile.USTAR_FORMAT)
    out["ustar.tar.gz"] = tar_bytes(files, tarfile.USTAR_FORMAT, "w:gz")
    out["pax.tar.bz2"] = tar_bytes(files, tarfile.PAX_FORMAT, "w:bz2")
    out["gnu.tar.xz"] = tar_bytes(files, tarfile.GNU_FORMAT, "w:xz")
    out["stored.zip"] = zip_bytes(files, zipfile.ZIP_STORED)
    out["deflate.zip"] = zip_bytes(files, zipfile.ZIP_DEFLATED)
    kjv = files["text/kjv-genesis.txt"]
    png = files["image/astronaut.png"]
    mp4 = files["video/cockatoo.mp4"]
    flac = files["audio/bd_fat.flac"]
    out["kjv.txt.gz"] = gzip.compress(kjv[:5000]) + gzip.compress(kjv[5000:])   # two members
    out["astronaut.png.bz2"] = bz2.compress(png)
    out["cockatoo.mp4.xz"] = lzma.compress(mp4)
    out["mixed.txt.xz"] = lzma.compress(files["text/mixed-ünïcödé.txt"])
    if zstandard:
        c = zstandard.ZstdCompressor()
        out["kjv.txt.zst"] = b"".join(c.compress(kjv[i:i + 7000]) for i in range(0, len(kjv), 7000))
        out["bd_fat.flac.zst"] = c.compress(flac)
        out["gnu.tar.zst"] = c.compress(out["gnu.tar"])
    else:
        print("note: python3-zstandard absent, zstd cases left out")
    if shutil.which("lz4"):
        out["kjv.txt.lz4"] = subprocess.run(["lz4", "-q", "-c"], input=kjv, stdout=subprocess.PIPE,
                                            check=True).stdout
        out["cockatoo.mp4.lz4"] = subprocess.run(["lz4", "-q", "-l", "-c"], input=mp4,   # legacy frames
                                                 stdout=subprocess.PIPE, check=True).stdout
    if shutil.which("compress"):   # .Z (LZW)
        out["kjv.txt.Z"] = subprocess.run(["compress", "-c"], input=kjv, stdout=subprocess.PIPE).stdout
        out["camera.png.Z"] = subprocess.run(["compress", "-c"], input=files["image/camera.png"],
                                             stdout=subprocess.PIPE).stdout
    else:
        print("note: compress (ncompress) absent, .Z cases left out")
    # Nesting: a tar.gz in a zip in a tar, members at levels 1..4, and one level too deep.
    lvl4 = tar_bytes({"deep/kjv.txt": kjv, "deep/camera.png": files["image/camera.png"]},
                     tarfile.USTAR_FORMAT, "w:gz")
    lvl3 = zip_bytes({"level4.tar.gz": lvl4, "three.txt": b"level three\n"}, zipfile.ZIP_DEFLATED)
    lvl2 = tar_bytes({"level3.zip": lvl3, "two.flac": flac}, tarfile.PAX_FORMAT)
    out["nested.tar"] = tar_bytes({"level2.tar": lvl2, "one.png": png}, tarfile.GNU_FORMAT)
    lvl5 = zip_bytes({"level5.tar": tar_bytes({"x.txt": b"too deep\n"}, tarfile.GNU_FORMAT)},
                     zipfile.ZIP_STORED)
    out["toodeep.tar"] = tar_bytes({"l2.tar": tar_bytes({"l3.tar": tar_bytes(
        {"l4.zip": lvl5}, tarfile.GNU_FORMAT)}, tarfile.GNU_FORMAT)}, tarfile.GNU_FORMAT)
    # cpio (newc) and 7z, made and extracted by their own tools when installed.
    stage = os.path.join(os.path.dirname(src), "stage")
    for name, data in files.items():
        os.makedirs(os.path.dirname(os.path.join(stage, name)), exist_ok=True)
        open(os.path.join(stage, name), "wb").write(data)
    names = sorted(files)
    if shutil.which("cpio"):
        for fmt in ("newc", "odc"):
            out[f"{fmt}.cpio"] = subprocess.run(["cpio", "-o", "-H", fmt, "--quiet"], cwd=stage,
                                                input="\n".join(names).encode(), stdout=subprocess.PIPE,
                                                check=True).stdout
    else:
        print("note: cpio absent, cpio case left out")
    if shutil.which("7z"):
        subprocess.run(["7z", "a", "-bd", "-y", os.path.join(stage, "x.7z")] + names, cwd=stage,
                       stdout=subprocess.PIPE, check=True)
        out["seven.7z"] = open(os.path.join(stage, "x.7z"), "rb").read()
    else:
        print("note: 7z absent, 7z case left out")
    if shutil.which("tar"):
        out.update(sparse_tars(os.path.join(os.path.dirname(src), "sparse")))
    else:
        print("note: GNU tar absent, sparse members left out")
    for name, data in out.items():
        open(os.path.join(src, name), "wb").write(data)
    return out


def sparse_tars(stage):
    """GNU tar's sparse members (GNU format, pax 1.0), a WAV with holes of silence inside
    and at its end: extraction writes the holes as zeros, so must cimeter read them."""
    os.makedirs(stage)
    rng = random.Random(7)
    head, hole, mid, tail = 8000, 300000, 8000, 200000   # bytes of 16-bit mono PCM
    total = head + hole + mid + tail
    hdr = (b"RIFF" + struct.pack("<I", 36 + total) + b"WAVE" + b"fmt " +
           struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16) + b"data" + struct.pack("<I", total))
    with open(os.path.join(stage, "holes.wav"), "wb") as f:
        f.write(hdr + rng.randbytes(head))
        f.seek(len(hdr) + head + hole)
        f.write(rng.randbytes(mid))
        f.truncate(len(hdr) + total)
    out = {}
    for name, opts in (("sparse-gnu.tar", ["--format=gnu"]),
                       ("sparse-pax.tar", ["--format=pax", "--sparse-version=1.0"])):
        subprocess.run(["tar", "--sparse", "-cf", os.path.join(stage, name)] + opts + ["holes.wav"],
                       cwd=stage, check=True)
        out[name] = open(os.path.join(stage, name), "rb").read()
        with tarfile.open(os.path.join(stage, name)) as t:
            if not t.getmembers()[0].sparse:
                print(f"note: {name}: the file system made no holes, the member is not sparse")
    return out


def is_archive(data):
    for opener in (lambda b: tarfile.open(fileobj=io.BytesIO(b)), lambda b: zipfile.ZipFile(io.BytesIO(b))):
        try:
            opener(data).close()
            return True
        except Exception:
            pass
    return False


def decompress(name, data):
    """The content of a compressed stream (None when it is not one)."""
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:3] == b"BZh":
        return bz2.decompress(data)
    if data[:6] == b"\xfd7zXZ\x00":
        return lzma.decompress(data)
    if data[:4] == b"\x28\xb5\x2f\xfd" and zstandard:
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True)
        return reader.read()
    if data[:4] in (b"\x04\x22\x4d\x18", b"\x02\x21\x4c\x18"):   # lz4 frame, legacy
        return subprocess.run(["lz4", "-d", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout
    if data[:2] == b"\x1f\x9d":   # compress (.Z), read by gzip
        return subprocess.run(["gzip", "-d", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout
    return None


def extract_tool(name, data, dest):
    """cpio and 7z archives, extracted by their own tools (regular files only)."""
    os.makedirs(dest)
    arch = dest + ".archive"
    open(arch, "wb").write(data)
    if name.endswith(".cpio"):
        subprocess.run(["cpio", "-idm", "--quiet", "-F", arch], cwd=dest, check=True)
    else:
        subprocess.run(["7z", "x", "-bd", "-y", "-o" + dest, arch], stdout=subprocess.PIPE, check=True)
    os.unlink(arch)
    for root, dirs, fs in os.walk(dest):
        for f in fs:
            if os.path.islink(os.path.join(root, f)):
                os.unlink(os.path.join(root, f))


def extract(name, data, dest, level):
    """Writes what extraction leaves of `data` (named name) at dest: a file, or a directory."""
    if level == 1 and (name.endswith(".cpio") or name.endswith(".7z")):
        extract_tool(name, data, dest)
        return
    inner = decompress(name, data)
    if inner is not None and not is_archive(inner):
        open(dest, "wb").write(inner)
        return
    if inner is not None:
        data = inner
    members = None
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as t:
            members = [(m.name, t.extractfile(m).read()) for m in t.getmembers() if m.isfile()]
    except tarfile.ReadError:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                members = [(i.filename, z.read(i)) for i in z.infolist() if not i.is_dir()]
        except zipfile.BadZipFile:
            pass
    if members is None:
        open(dest, "wb").write(data)
        return
    if level > 4:
        return   # cimeter: a limit error, nothing of it is measured
    os.makedirs(dest)
    for mname, mdata in members:   # later duplicates overwrite, as extraction does
        while mname.startswith("./"):
            mname = mname[2:]
        path = os.path.join(dest, mname)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.isdir(path):
            shutil.rmtree(path)
        extract(mname, mdata, path, level + 1)


def measure(args, out, jobs=2):
    p = subprocess.run([CIMETER, "measure", "--per-file", "-j", str(jobs), "-o", out] + args,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in (0, 1):
        fail(f"measure {args} exited {p.returncode}: {p.stderr.decode()[-800:]}")
        return None
    return json.load(open(out))


DEEP = "toodeep.tar//l2.tar//l3.tar//l4.zip//level5.tar"   # an archive at level 5
KEYS = ("modality", "tokenizer", "file_bytes", "raw_bytes", "units", "seconds", "tokens",
        "skipped_packets", "error_code", "fast_path")


def compare(tmp, specs, label):
    src, ext = os.path.join(tmp, "src"), os.path.join(tmp, "ext")
    inplace = measure(specs + [src], os.path.join(tmp, f"in-{label}.json"))
    tree = measure(specs + [ext], os.path.join(tmp, f"tree-{label}.json"))
    if not inplace or not tree:
        return inplace
    want = {}
    for f in tree["files"]:
        want[(f["path"][len(ext):], f["tokenizer"])] = f
    seen = set()
    members = 0
    for f in inplace["files"]:
        rel = f["path"][len(src):]
        if f.get("skipped") and f["modality"] is None:
            continue   # an archive's own record
        if rel.lstrip("/") == DEEP:
            continue   # checked below: a limit error
        key = (rel.replace("//", "/"), f["tokenizer"])
        g = want.get(key)
        if g is None:
            fail(f"[{label}] {rel}: no extracted counterpart")
            continue
        seen.add(key)
        members += "//" in rel
        for k in KEYS:
            if f.get(k) != g.get(k):
                fail(f"[{label}] {rel} {f['tokenizer']}: {k} in place {f.get(k)!r}, extracted {g.get(k)!r}")
    for key in want:
        if key not in seen:
            fail(f"[{label}] extracted {key} has no in-place record")
    print(f"[{label}] {len(seen)} records equal to the extracted ones ({members} archive members)")
    return inplace


tmp = tempfile.mkdtemp()
try:
    src, ext = os.path.join(tmp, "src"), os.path.join(tmp, "ext")
    os.makedirs(src)
    os.makedirs(ext)
    made = build(src)
    for name, data in made.items():
        extract(name, data, os.path.join(ext, name), 1)
    content = ["-t", "text:tiktoken:cl100k_base", "-t", f"text:spm:{MODEL}", "-t", "text:chars",
               "-t", "image:adaptive:min=8,max=32,thr=16", "-t", "image:vit-b16",
               "-t", "video:rlt:t=2,p=16,thr=0.1", "-t", "video:vivit-2x16",
               "-t", "audio:vad:hop=20,thr=-40", "-t", "audio:whisper"]
    d = compare(tmp, content, "decode")
    compare(tmp, [], "defaults")
    if d:
        recs = {f["path"][len(src) + 1:]: f for f in d["files"]}
        deep = recs.get(DEEP)
        if not deep or deep.get("error_code") != "limit":
            fail(f"level-5 archive: expected a limit error, got {deep}")
        gnu = recs.get("gnu.tar")
        if not gnu or "1 duplicate names" not in gnu.get("skipped", "") or \
                "2 not regular" not in gnu.get("skipped", ""):
            fail(f"gnu.tar record should count 1 duplicate and 2 non-regular members: {gnu}")
        empty = recs.get("gnu.tar//text/empty.txt")
        if not empty or empty.get("error_code") != "empty":
            fail(f"an empty member is an empty error: {empty}")
        arch = d["corpus"].get("archives", {})
        if arch.get("archives", 0) < 10:
            fail(f"corpus.archives: {arch}")
        # The same bytes with one thread.
        one = measure(content + [src], os.path.join(tmp, "in-j1.json"), jobs=1)
        if one:
            one.pop("command")
            d.pop("command")
            if one != d:
                fail("-j 1 and -j 2 differ on archives")
finally:
    shutil.rmtree(tmp)
finish()
