#!/usr/bin/python3
"""image_tests.py — the image front-end's end-to-end tests (suite `image`).

    image_tests.py ref-patch | ref-adaptive | fastpath | hostile

ref-*     cimeter measure --per-file vs tests/ref/pil_image.py (PIL + numpy,
          an independent implementation of doc/records.md/§4) on corpora/sample/image
          and, when present, $CIM_DEV_CORPUS/image: raw_bytes and tokens of
          every file and tokenizer must agree exactly. ref-patch checks both the
          header fast path and --no-fast-path. Exit 77 when PIL/numpy is absent.
fastpath  the header fast path equals the full decode on every corpus image and
          on the truncated hostile files (records equal but for fast_path), and
          the fast path is really taken on intact files.
hostile   truncated, corrupt, zero-size, huge, empty and wrong-magic files each
          get a per-file error record (no crash, no allocation of the claimed
          size) and the run exits 1; an intact control file still counts.
Environment (set by tests/meson.build): CIMETER, CIM_SOURCE_ROOT, CIM_SAMPLE,
CIM_DEV_CORPUS.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

CIMETER = os.environ.get("CIMETER", "cimeter")
ROOT = os.environ.get("CIM_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLE = os.environ.get("CIM_SAMPLE", os.path.join(ROOT, "corpora", "sample"))
DEV = os.environ.get("CIM_DEV_CORPUS", os.path.join(ROOT, "corpora", "dev"))
REF = os.path.join(ROOT, "tests", "ref", "pil_image.py")
SKIP = 77
SYNTH = []   # synthetic files (make_synthetic), added to the corpora when PIL is there

PATCH_SPECS = [
    "vit-b16", "chameleon", "cosmos-di8", "cosmos-di16", "titok-l32",
    "image:patch:p=14,resize=224",
    "image:patch:p=16,resize=333x100,pad=crop",
    "image:patch:p=32,max=512,pad=crop",
    "image:patch:p=8,resize=300,max=400",
    "image:patch:p=7,max=100",
    "image:patch:p=10,resize=37",
    "image:fixed:n=5",
]
ADAPTIVE_SPECS = [
    "image:adaptive:min=8,max=32,thr=0",
    "image:adaptive:min=8,max=64,thr=16",
    "image:adaptive:min=16,max=128,thr=48",
    "image:adaptive:min=4,max=16,thr=100",
    "image:adaptive:min=5,max=40,thr=8",
    "image:adaptive:min=32,max=32,thr=0",
    "image:adaptive:min=16,max=256,thr=255",
]


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def pack_row(vals, depth):
    """vals: 1-D array of samples (already interleaved) at `depth` bits."""
    import numpy as np
    if depth == 16:
        return vals.astype(">u2").tobytes()
    if depth == 8:
        return vals.astype(np.uint8).tobytes()
    per = 8 // depth
    v = np.zeros(-(-len(vals) // per) * per, dtype=np.uint8)
    v[:len(vals)] = vals
    v = v.reshape(-1, per)
    out = np.zeros(len(v), dtype=np.uint8)
    for i in range(per):
        out |= (v[:, i] << (8 - depth * (i + 1))).astype(np.uint8)
    return out.tobytes()


def write_png(path, arr, color_type, depth, interlace=False, plte=None, trns=None):
    """A PNG writer independent of PIL (PIL cannot write Adam7 or 2-bit gray)."""
    h, w = arr.shape[0], arr.shape[1]
    a = arr.reshape(h, w, -1)
    parts = []
    for (x0, y0, dx, dy) in (ADAM7 if interlace else [(0, 0, 1, 1)]):
        sub = a[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        for row in sub:
            parts += [b"\0", pack_row(row.reshape(-1), depth)]
    raw = b"".join(parts)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0,
                                                                   1 if interlace else 0))
    if plte is not None:
        data += png_chunk(b"PLTE", bytes(plte))
    if trns is not None:
        data += png_chunk(b"tRNS", bytes(trns))
    data += png_chunk(b"IDAT", zlib.compress(raw, 6)) + png_chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def make_synthetic(td):
    """Every PNG and JPEG layout doc/records.md names, written into td: gray 1/2/4/8/16-bit,
    gray+alpha 8/16, RGB 8/16, RGBA 8/16, palette 4/8-bit with and without tRNS, gray
    and RGB with tRNS, Adam7 interlaced variants, odd sizes; JPEG gray, 4:4:4, 4:2:2,
    4:2:0, progressive, CMYK. Content: smooth gradients, flat areas and noise, so the
    adaptive thresholds split some blocks and not others."""
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(20240906)
    out = []

    def content(h, w, c, top):
        y, x = np.mgrid[0:h, 0:w]
        base = (x * 3 + y * 2) % (top + 1)
        noise = rng.integers(0, top + 1, size=(h, w))
        img = np.where((x // 13 + y // 11) % 3 == 0, noise, base)
        img[h // 3:h // 2, :] = top // 2   # a flat band
        return np.stack([(img + 37 * k) % (top + 1) for k in range(c)], axis=2)

    def name(n):
        p = os.path.join(td, n)
        out.append(p)
        return p

    for inter in (False, True):
        t = "-adam7" if inter else ""
        for (w, h) in ((71, 45), (1, 9), (13, 1), (8, 8)):
            sz = "-%dx%d" % (w, h)
            write_png(name("gray8%s%s.png" % (t, sz)), content(h, w, 1, 255), 0, 8, inter)
            write_png(name("rgb8%s%s.png" % (t, sz)), content(h, w, 3, 255), 2, 8, inter)
        for d in (1, 2, 4, 16):
            write_png(name("gray%d%s.png" % (d, t)), content(37, 53, 1, (1 << d) - 1), 0, d, inter)
        write_png(name("ga8%s.png" % t), content(40, 33, 2, 255), 4, 8, inter)
        write_png(name("ga16%s.png" % t), content(40, 33, 2, 65535), 4, 16, inter)
        write_png(name("rgb16%s.png" % t), content(29, 61, 3, 65535), 2, 16, inter)
        write_png(name("rgba8%s.png" % t), content(50, 50, 4, 255), 6, 8, inter)
        write_png(name("rgba16%s.png" % t), content(33, 47, 4, 65535), 6, 16, inter)
        pal = rng.integers(0, 256, size=3 * 256).tolist()
        write_png(name("pal8%s.png" % t), content(45, 66, 1, 255), 3, 8, inter, plte=pal)
        write_png(name("pal8-trns%s.png" % t), content(45, 66, 1, 255), 3, 8, inter, plte=pal,
                  trns=rng.integers(0, 256, size=100).tolist())
        write_png(name("pal4-trns%s.png" % t), content(31, 17, 1, 15), 3, 4, inter, plte=pal[:48],
                  trns=[0, 128, 255])
        write_png(name("pal2%s.png" % t), content(31, 17, 1, 3), 3, 2, inter, plte=pal[:12])
        write_png(name("gray8-trns%s.png" % t), content(30, 30, 1, 255), 0, 8, inter, trns=[0, 7])
        write_png(name("gray16-trns%s.png" % t), content(30, 30, 1, 65535), 0, 16, inter, trns=[1, 7])
        write_png(name("rgb8-trns%s.png" % t), content(30, 30, 3, 255), 2, 8, inter, trns=[0, 1, 0, 2, 0, 3])
    rgb = Image.fromarray(content(123, 181, 3, 255).astype(np.uint8), "RGB")
    for sub in (0, 1, 2):
        rgb.save(name("jpeg-sub%d.jpg" % sub), quality=90, subsampling=sub)
    rgb.save(name("jpeg-progressive.jpg"), quality=85, progressive=True)
    Image.fromarray(content(77, 65, 1, 255)[:, :, 0].astype(np.uint8), "L").save(name("jpeg-gray.jpg"))
    Image.fromarray(content(64, 80, 4, 255).astype(np.uint8), "CMYK").save(name("jpeg-cmyk.jpg"), quality=95)
    Image.fromarray(content(1, 1, 3, 255).astype(np.uint8), "RGB").save(name("jpeg-1x1.jpg"))
    return out


def image_files():
    files = list(SYNTH)
    for d in (os.path.join(SAMPLE, "image"), os.path.join(DEV, "image")):
        if os.path.isdir(d):
            for dp, _, fns in os.walk(d):
                files += [os.path.join(dp, f) for f in fns]
    if not os.path.isdir(os.path.join(DEV, "image")):
        print("note: no dev corpus at %s/image; sample only" % DEV)
    return sorted(files)


def run_cimeter(specs, paths, extra=(), expect=(0,)):
    with tempfile.TemporaryDirectory() as td:
        out = os.path.join(td, "out.json")
        cmd = [CIMETER, "measure", "-j", "1", "-o", out, "--per-file"] + list(extra)
        for s in specs:
            cmd += ["-t", s]
        cmd += paths
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode not in expect:
            print("FAIL: %s exited %d, expected %s\n%s" % (" ".join(cmd[:8]), p.returncode, expect, p.stderr))
            sys.exit(1)
        with open(out) as f:
            d = json.load(f)
    spec_of = {t["spec"]: t["requested"] for t in d["tokenizers"]}
    recs = {}
    for r in d["files"]:
        # An error record carries no tokenizer: it stands for every one.
        for s in ([spec_of.get(r["tokenizer"], r["tokenizer"])] if r["tokenizer"] else specs):
            recs[(os.path.realpath(r["path"]), s)] = r
    return recs


def run_ref(specs, paths):
    p = subprocess.run(["/usr/bin/python3", REF] + sum((["-t", s] for s in specs), []) + paths,
                       stdout=subprocess.PIPE, text=True)
    if p.returncode == SKIP:
        print("SKIP: reference unavailable (python3-pil, python3-numpy)")
        sys.exit(SKIP)
    if p.returncode:
        print("FAIL: reference exited %d" % p.returncode)
        sys.exit(1)
    return {os.path.realpath(r["path"]): r for r in map(json.loads, p.stdout.splitlines())}


def compare(specs, label, extra=()):
    files = image_files()
    ref = run_ref(specs, files)
    got = run_cimeter(specs, files, extra)
    bad = checked = 0
    for f in files:
        rf = ref[os.path.realpath(f)]
        for s in specs:
            r = got.get((os.path.realpath(f), s))
            if r is None:
                print("MISMATCH %s %s: no cimeter record" % (f, s))
                bad += 1
                continue
            checked += 1
            if "error" in rf and rf["error"]:
                if r["error"] is None:
                    print("MISMATCH %s %s: reference error %s, cimeter ok" % (f, s, rf["error"]))
                    bad += 1
                continue
            if r["error"] is not None:
                print("MISMATCH %s %s: cimeter error %s" % (f, s, r["error"]))
                bad += 1
            elif r["raw_bytes"] != rf["raw_bytes"] or r["tokens"] != rf["tokens"][s]:
                print("MISMATCH %s %s: cimeter raw %d tokens %d, reference raw %d tokens %d" %
                      (f, s, r["raw_bytes"], r["tokens"], rf["raw_bytes"], rf["tokens"][s]))
                bad += 1
    print("%s: %d files x %d tokenizers, %d records compared, %d mismatches" %
          (label, len(files), len(specs), checked, bad))
    return bad


# ---- hostile files -------------------------------------------------------

def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)


def tiny_png(w, h, idat_rows=None):
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)   # 8-bit gray
    raw = idat_rows if idat_rows is not None else b"".join(b"\0" + b"\x80" * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw)) +
            png_chunk(b"IEND", b""))


def jpeg_set_sof(data, w, h):
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise ValueError("bad marker walk")
        m = data[i + 1]
        n = struct.unpack(">H", data[i + 2:i + 4])[0]
        if m in (0xC0, 0xC1, 0xC2):
            return data[:i + 5] + struct.pack(">HH", h, w) + data[i + 9:]
        i += 2 + n
    raise ValueError("no SOF")


def jpeg_scan_start(data):
    i = 2
    while True:
        n = struct.unpack(">H", data[i + 2:i + 4])[0]
        if data[i + 1] == 0xDA:
            return i + 2 + n
        i += 2 + n


def make_hostile(td):
    """Returns {name: path} of files that must each be an error, and a control."""
    png = open(os.path.join(SAMPLE, "image", "coins.png"), "rb").read()
    jpg = open(os.path.join(SAMPLE, "image", "rocket.jpg"), "rb").read()
    files = {}

    def put(name, data):
        p = os.path.join(td, name)
        with open(p, "wb") as f:
            f.write(data)
        files[name] = p

    put("trunc-60.png", png[:len(png) * 6 // 10])
    put("trunc-no-iend.png", png[:-12])
    put("trunc-sig-only.png", png[:8])
    put("trunc-ihdr.png", png[:33])
    put("trunc-60.jpg", jpg[:len(jpg) * 6 // 10])
    put("trunc-no-eoi.jpg", jpg[:-2])
    put("trunc-soi.jpg", jpg[:3])
    put("trunc-header.jpg", jpg[:200])
    i = png.index(b"IDAT") + 4 + 1000
    put("corrupt-idat-crc.png", png[:i] + bytes([png[i] ^ 0x55]) + png[i + 1:])
    put("corrupt-ihdr-crc.png", png[:20] + bytes([png[20] ^ 1]) + png[21:])
    s = jpeg_scan_start(jpg)
    mid = s + (len(jpg) - s) // 2
    put("corrupt-marker-in-scan.jpg", jpg[:mid] + b"\xff\xd0" + jpg[mid + 2:])
    put("corrupt-sof-components.jpg", jpeg_set_sof(jpg, 0, 0))
    put("zero-width.png", tiny_png(0, 10, b""))
    put("zero-height.png", tiny_png(10, 0, b""))
    put("huge-100000x100000.png", tiny_png(100000, 100000, b"\0" * 64))
    put("huge-60000x60000.jpg", jpeg_set_sof(jpg, 60000, 60000))
    put("empty.png", b"")
    put("wrong-magic.png", b"\x89PNX\r\n\x1a\n" + png[8:])
    put("wrong-magic.jpg", b"\xff\xd9\xff" + jpg[3:])
    control = os.path.join(td, "control.png")
    shutil.copy(os.path.join(SAMPLE, "image", "coins.png"), control)
    return files, control


def hostile():
    td = tempfile.mkdtemp(prefix="cim-hostile-")
    try:
        files, control = make_hostile(td)
        bad = 0
        for extra in ([], ["--no-fast-path"], ["--info"]):
            specs = ["vit-b16"] + (["image:adaptive:min=8,max=32,thr=16"] if not extra else [])
            recs = run_cimeter(specs, [td], extra, expect=(1,))
            for name, path in sorted(files.items()):
                for s in specs:
                    r = recs.get((os.path.realpath(path), s))
                    if r is None or r.get("error") is None:
                        print("FAIL %s %s %s: expected an error record, got %s" % (name, s, extra, r))
                        bad += 1
                    else:
                        print("ok   %-28s %-12s %s: %s (%s)" % (name, " ".join(extra), s[:14],
                                                                r.get("error_code"), r["error"][:70]))
            r = recs.get((os.path.realpath(control), "vit-b16"))
            if not r or r["error"] is not None or r["tokens"] != 196:
                print("FAIL control file: %s" % r)
                bad += 1
        print("hostile: %d files x 3 modes, %d failures" % (len(files), bad))
        return bad
    finally:
        shutil.rmtree(td)


def fastpath():
    files = image_files()
    td = tempfile.mkdtemp(prefix="cim-fast-")
    try:
        hf, _ = make_hostile(td)
        # Damage inside IDAT/scan data with an intact tail is only seen by a decode
        # (documented in png.c/jpeg.c); every other hostile file must agree.
        extra_files = [p for n, p in hf.items() if not n.startswith("corrupt-idat") and
                       not n.startswith("corrupt-marker")]
        paths = files + extra_files
        fast = run_cimeter(PATCH_SPECS, paths, [], expect=(0, 1))
        slow = run_cimeter(PATCH_SPECS, paths, ["--no-fast-path"], expect=(0, 1))
        bad = nfast = 0
        for k in sorted(set(fast) | set(slow)):
            a, b = fast.get(k), slow.get(k)
            if a is None or b is None:
                print("MISMATCH %s: missing record" % (k,))
                bad += 1
                continue
            nfast += bool(a.get("fast_path"))
            if a.get("error") is None and not a.get("fast_path") and k[0] in map(os.path.realpath, files):
                print("NOTE %s %s: fast path not taken" % k)
            a2 = {x: y for x, y in a.items() if x not in ("fast_path", "error")}
            b2 = {x: y for x, y in b.items() if x not in ("fast_path", "error")}
            if a2 != b2 or (a.get("error") is None) != (b.get("error") is None) \
                    or a.get("error_code") != b.get("error_code"):
                print("MISMATCH %s %s:\n  fast %s\n  full %s" % (k[0], k[1], a, b))
                bad += 1
        print("fastpath: %d files x %d tokenizers, %d records by header, %d mismatches" %
              (len(paths), len(PATCH_SPECS), nfast, bad))
        if nfast < len(files) * len(PATCH_SPECS):
            print("FAIL: the fast path was not taken on every intact corpus file")
            bad += 1
        return bad
    finally:
        shutil.rmtree(td)


def main():
    if not shutil.which(CIMETER) and not os.path.exists(CIMETER):
        print("FAIL: no cimeter binary at %s" % CIMETER)
        return 1
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    probe = [os.path.join(SAMPLE, "image", "coins.png"), os.path.join(SAMPLE, "image", "rocket.jpg")]
    recs = run_cimeter(["vit-b16"], probe, expect=(0, 1))
    if any(recs[(os.path.realpath(p), "vit-b16")]["modality"] != "image" for p in probe):
        print("SKIP: this cimeter was built without libpng or libjpeg")
        return SKIP
    synth_dir = None
    if what in ("ref-patch", "ref-adaptive", "fastpath"):
        try:
            synth_dir = tempfile.mkdtemp(prefix="cim-synth-")
            SYNTH.extend(make_synthetic(synth_dir))
            print("synthetic: %d files in %s" % (len(SYNTH), synth_dir))
        except ImportError:
            print("note: no PIL/numpy: no synthetic files")
    try:
        return run(what)
    finally:
        if synth_dir:
            shutil.rmtree(synth_dir)


def run(what):
    if what == "ref-patch":
        bad = compare(PATCH_SPECS, "patch (fast path)")
        bad += compare(PATCH_SPECS, "patch (--no-fast-path)", ["--no-fast-path"])
    elif what == "ref-adaptive":
        bad = compare(ADAPTIVE_SPECS, "adaptive")
    elif what == "fastpath":
        bad = fastpath()
    elif what == "hostile":
        bad = hostile()
    else:
        print(__doc__)
        return 2
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
