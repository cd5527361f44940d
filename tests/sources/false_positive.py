#!/usr/bin/python3
"""false_positive.py — compressed, encrypted and random files are never measured as
video or audio (or anything else they are not).

Every kind of compressed file (gzip, bzip2, xz, zstd, lz4, 7z) of several inputs,
files encrypted with `openssl enc` (salted and not), and seeded random files of many
sizes: none may come out as video, audio or image; random and encrypted files are
`unsupported` errors. Tools that are not installed are skipped with a message."""
import json
import os
import random
import shutil
import subprocess
import tempfile
from common import CIMETER, SAMPLE, fail, finish




def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


tmp = tempfile.mkdtemp()
try:
    comp = os.path.join(tmp, "compressed")
    enc = os.path.join(tmp, "opaque")
    os.makedirs(comp)
    os.makedirs(enc)
    rng = random.Random(20240906)
    inputs = {
        "kjv.txt": open(os.path.join(SAMPLE, "text/kjv-genesis.txt"), "rb").read(),
        "cockatoo.mp4": open(os.path.join(SAMPLE, "video/cockatoo.mp4"), "rb").read(),
        "lib.bin": bytes(rng.randrange(256) for _ in range(300000)),
        "zeros.bin": bytes(1 << 20),
    }
    # The dev corpus's KJV under zstd -3 once passed libavformat's raw H.263 probe.
    dev_kjv = os.path.join(os.environ.get("CIM_DEV_CORPUS", ""), "text/kjv.txt")
    if os.path.isfile(dev_kjv):
        inputs["kjv-dev.txt"] = open(dev_kjv, "rb").read()
    else:
        print("note: dev corpus absent, its KJV is not part of this run")
    tools = {
        "gz": ["gzip", "-c"], "bz2": ["bzip2", "-c"], "xz": ["xz", "-c"],
        "zst": ["zstd", "-q", "-c"], "lz4": ["lz4", "-q", "-c"],
    }
    made = 0
    for name, data in inputs.items():
        src = os.path.join(tmp, name)
        open(src, "wb").write(data)
        for ext, cmd in tools.items():
            if not shutil.which(cmd[0]):
                print(f"skip: {cmd[0]} not installed")
                continue
            open(os.path.join(comp, f"{name}.{ext}"), "wb").write(run(cmd + [src]).stdout)
            made += 1
        if shutil.which("7z"):
            run(["7z", "a", "-bd", os.path.join(comp, name + ".7z"), src])
            made += 1
        if shutil.which("openssl"):
            for salt in ("-salt", "-nosalt"):
                out = os.path.join(enc, f"{name}{salt}.enc")
                run(["openssl", "enc", "-aes-256-cbc", "-pbkdf2", salt, "-pass", "pass:k",
                     "-in", src, "-out", out])
    if shutil.which("zstd"):   # several frames, and a stream of only a skippable frame's kin
        parts = [run(["zstd", "-q", "-c", "-"], input=inputs["kjv.txt"][i::3]).stdout for i in range(3)]
        open(os.path.join(comp, "multi.zst"), "wb").write(b"".join(parts))
    sizes = sorted({s for k in range(1, 23) for s in (2 ** k - 1, 2 ** k, 2 ** k + 1)} |
                   set(range(1, 40)) | {rng.randrange(1, 1 << 21) for _ in range(40)})
    for s in sizes:
        open(os.path.join(enc, f"random-{s:08d}.bin"), "wb").write(rng.randbytes(s))
    print(f"{made} compressed files, {len(os.listdir(enc))} encrypted or random files")
    # Text that starts like a signature is still text.
    look = os.path.join(tmp, "lookalike")
    os.makedirs(look)
    alike = {"bzip2.txt": "BZh9 is how a bzip2 stream starts\n",
             "salted.txt": "Salted__ peanuts, a recipe in plain words, long enough to matter\n",
             "cpio.txt": "0707070" * 40 + "\n",
             "ustar.txt": "x" * 257 + "ustar  and then more text\n" * 20,
             "pk.txt": "PK is a pair of letters\n"}
    for n, text in alike.items():
        open(os.path.join(look, n), "w").write(text)

    out = os.path.join(tmp, "out.json")
    p = subprocess.run([CIMETER, "measure", "--per-file", "-j", "2", "-o", out, comp, enc, look],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in (0, 1):
        fail(f"measure exited {p.returncode}: {p.stderr.decode()[-500:]}")
    d = json.load(open(out))
    for f in d["files"]:
        path = f["path"]
        base = os.path.basename(path.split("//")[0])
        if f["modality"] in ("video", "audio", "image"):
            # Only what was really inside may be measured as such (cockatoo.mp4 is video).
            inner = path.split("//")[-1] if "//" in path else base
            if not inner.startswith("cockatoo.mp4"):
                fail(f"{path} measured as {f['modality']}")
        if path.startswith(look) and (f["modality"] != "text" or f.get("error")):
            fail(f"{path}: text that starts like a signature is not measured as text: {f}")
        if path.startswith(enc) and f.get("error_code") != "unsupported":
            fail(f"{path}: expected an unsupported error, got {f.get('error_code')} "
                 f"({f['modality']}, {f.get('error')})")
    print(f"{len(d['files'])} records checked")
finally:
    shutil.rmtree(tmp)
finish()
