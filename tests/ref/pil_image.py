#!/usr/bin/python3
"""pil_image.py — an independent reference for cimeter's image rules.

Implements doc/records.md (canonical channels and raw_bytes) and doc/tokenizers.md (geometry
rules, image:patch, image:fixed, image:adaptive) with PIL and numpy, written
from the text of doc/ and sharing no code or algorithm with the C side: resizes
use exact rational arithmetic (fractions), and the adaptive quadtree is the
literal recursive rule on pixel blocks (the C side works on P1 cells).

    pil_image.py [-t SPEC]... FILE...

prints one JSON object per file and line:
    {"path", "width", "height", "channels", "raw_bytes", "tokens": {SPEC: n}}
or  {"path", "error"} when PIL cannot open or fully load the file (truncated
files are errors: ImageFile.LOAD_TRUNCATED_IMAGES stays False).

Canonical samples from PIL modes: 1 → L (0/255); L, LA, RGB, RGBA, CMYK as
decoded (PIL un-inverts Adobe CMYK, which changes no count); P → RGB, or RGBA
when info has "transparency"; I and I;16* (16-bit gray) → the high byte.
16-bit RGB(A)/LA PNGs are already reduced to their high byte by PIL, but PIL
opens a 16-bit gray+alpha PNG as RGBA (R=G=B): the IHDR colour type tells,
and L and A are taken back.
Also used by scripts/bench-image.sh as the Python/PIL peer.
"""
import json
import math
import sys
from fractions import Fraction

try:
    import numpy as np
    from PIL import Image, ImageFile
except ImportError as exc:  # the tests skip (exit 77) on this
    sys.stderr.write("pil_image.py: %s\n" % exc)
    sys.exit(77)

ImageFile.LOAD_TRUNCATED_IMAGES = False
Image.MAX_IMAGE_PIXELS = None

PRESETS = {
    "vit-b16": "image:patch:p=16,resize=224x224",
    "chameleon": "image:patch:p=16,resize=512x512",
    "cosmos-di8": "image:patch:p=8",
    "cosmos-di16": "image:patch:p=16",
    "titok-l32": "image:fixed:n=32",
}


def parse_spec(spec):
    s = PRESETS.get(spec.split(":", 1)[1] if spec.startswith("image:") and spec.count(":") == 1 else spec, spec)
    s = PRESETS.get(s, s)
    parts = s.split(":", 2)
    if len(parts) < 2 or parts[0] != "image":
        raise ValueError("not an image spec: " + spec)
    kind, args = parts[1], {}
    positional = {"patch": ["p"], "fixed": ["n"]}.get(kind, [])
    if len(parts) == 3 and parts[2]:
        for item in parts[2].split(","):
            if "=" in item:
                k, v = item.split("=", 1)
            else:
                k, v = positional.pop(0), item
            args[k] = v
    return kind, args


def round_half_up(q):
    return math.floor(q + Fraction(1, 2))


def target_size(w, h, resize, cap):
    """doc/tokenizers.md geometry: resize=native|S|WxH, then max=S on the longer side."""
    if resize in (None, "", "native"):
        tw, th = w, h
    elif "x" in resize:
        a, b = resize.split("x")
        tw, th = int(a), int(b)
    else:
        s = int(resize)
        if w <= h:
            tw, th = s, max(1, round_half_up(Fraction(h * s, w)))
        else:
            tw, th = max(1, round_half_up(Fraction(w * s, h))), s
    if cap:
        if tw >= th and tw > cap:
            tw, th = cap, max(1, round_half_up(Fraction(th * cap, tw)))
        elif th > tw and th > cap:
            tw, th = max(1, round_half_up(Fraction(tw * cap, th))), cap
    return tw, th


def patch_tokens(w, h, args):
    p = int(args.get("p", 16))
    tw, th = target_size(w, h, args.get("resize", "native"), int(args.get("max", 0)))
    if args.get("pad", "ceil") == "crop":
        return (tw // p) * (th // p)
    return -(-tw // p) * -(-th // p)


def adaptive_tokens(arr, args):
    p1, p2, t = int(args.get("min", 16)), int(args.get("max", 64)), int(args.get("thr", 32))
    height, width = arr.shape[0], arr.shape[1]

    def leaves(x0, y0, s):
        if x0 >= width or y0 >= height:
            return 0  # a quadrant wholly outside the image does not exist
        if s <= p1:
            return 1
        blk = arr[y0:min(y0 + s, height), x0:min(x0 + s, width)]
        rng = int((blk.max(axis=(0, 1)).astype(np.int32) - blk.min(axis=(0, 1))).max())
        if rng <= t:
            return 1
        q = s // 2
        return leaves(x0, y0, q) + leaves(x0 + q, y0, q) + leaves(x0, y0 + q, q) + leaves(x0 + q, y0 + q, q)

    return sum(leaves(x, y, p2) for y in range(0, height, p2) for x in range(0, width, p2))


def png_color_type(path):
    with open(path, "rb") as f:
        head = f.read(26)
    return head[25] if head[:8] == b"\x89PNG\r\n\x1a\n" and len(head) == 26 else None


def canonical(im, la16=False):
    mode = im.mode
    if la16:  # PIL opens 16-bit gray+alpha PNGs as RGBA (R=G=B): take L and A back
        return np.asarray(im)[:, :, [0, 3]]
    if mode == "P" or mode == "PA":
        im = im.convert("RGBA" if ("transparency" in im.info or mode == "PA") else "RGB")
    elif mode == "1":
        im = im.convert("L")
    elif mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        a = np.asarray(im).astype(np.uint32)
        return (a >> 8).astype(np.uint8)[:, :, None]
    elif mode not in ("L", "LA", "RGB", "RGBA", "CMYK"):
        raise ValueError("unsupported PIL mode " + mode)
    a = np.asarray(im)
    if a.dtype != np.uint8:
        raise ValueError("unexpected sample type %s for mode %s" % (a.dtype, im.mode))
    return a[:, :, None] if a.ndim == 2 else a


def channels_of(im, la16=False):
    if la16:
        return 2
    return {"1": 1, "L": 1, "I": 1, "I;16": 1, "I;16B": 1, "I;16L": 1, "LA": 2, "RGB": 3,
            "RGBA": 4, "CMYK": 4, "PA": 4}.get(im.mode) or (4 if "transparency" in im.info else 3)


def measure(path, specs):
    parsed = [(s, parse_spec(s)) for s in specs]
    need_pixels = any(kind == "adaptive" for _, (kind, _) in parsed)
    try:
        with Image.open(path) as im:
            im.seek(0)
            w, h = im.size
            la16 = im.mode == "RGBA" and im.format == "PNG" and png_color_type(path) == 4
            ch = channels_of(im, la16)
            im.load()  # always: a truncated or corrupt file is an error
            arr = canonical(im, la16) if need_pixels else None
            if arr is not None and arr.shape[2] != ch:
                raise ValueError("channel mismatch %d vs %d" % (arr.shape[2], ch))
    except Exception as exc:  # noqa: BLE001 — any failure is this file's error
        return {"path": path, "error": "%s: %s" % (type(exc).__name__, exc)}
    tokens = {}
    for spec, (kind, args) in parsed:
        if kind == "patch":
            tokens[spec] = patch_tokens(w, h, args)
        elif kind == "fixed":
            tokens[spec] = int(args.get("n", 32))
        elif kind == "adaptive":
            tokens[spec] = adaptive_tokens(arr, args)
        else:
            raise SystemExit("pil_image.py: unknown tokenizer " + spec)
    return {"path": path, "width": w, "height": h, "channels": ch,
            "raw_bytes": w * h * ch, "tokens": tokens}


def main(argv):
    specs, files, i = [], [], 0
    while i < len(argv):
        if argv[i] == "-t":
            specs.append(argv[i + 1])
            i += 2
        else:
            files.append(argv[i])
            i += 1
    for f in files:
        print(json.dumps(measure(f, specs)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
