#!/usr/bin/python3
"""Independent reference for cimeter's video counts (doc/records.md, doc/tokenizers.md).

Written from the definitions in doc/ alone, with python3-av (PyAV) and numpy; shares no code
with src/decode/av_video.c or tokenizers/{tubelet,rlt}.c.

    av_video.py [--tubelet SPEC]... [--rlt SPEC]... FILE...

SPEC is the part after "video:tubelet:" / "video:rlt:" (e.g. "t=2,p=16" or
"t=4,p=8,fps=10,resize=224,causal"; "t=2,p=16,thr=10"). One line per file:

    path<TAB>frames<TAB>W<TAB>H<TAB>rate<TAB>skipped<TAB>tokens-per-spec...

in the order the specs were given (tubelets first, then rlt). Stream choice:
the first video stream that is not an attached picture, read from ffprobe's
disposition (PyAV 10 does not expose it); without ffprobe, the first video stream.
Exit 2 when a file cannot be decoded at all.
"""
import json
import subprocess
import sys
from fractions import Fraction

import av
import numpy as np

PLANAR_Y8 = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "yuv411p",
             "yuvj411p", "yuv410p", "yuv440p", "yuvj440p", "nv12", "nv21", "nv16", "nv24", "nv42",
             "yuva420p", "yuva422p", "yuva444p", "gray"}


def ceil_div(a, b):
    return -(-a // b)


def parse(spec):
    out = {}
    for kv in spec.split(","):
        if not kv:
            continue
        k, _, v = kv.partition("=")
        out[k] = v if _ else True
    return out


def resized(w, h, resize, mx):
    def rnd(side, s, ref):          # round(side*s/ref), halves up, at least 1
        return max(1, int(Fraction(side * s, ref) + Fraction(1, 2)))
    if resize in (None, "native"):
        ow, oh = w, h
    elif "x" in resize:
        ow, oh = (int(x) for x in resize.split("x"))
    else:
        s = int(resize)
        ow, oh = (s, rnd(h, s, w)) if w <= h else (rnd(w, s, h), s)
    if mx:
        if ow >= oh and ow > mx:
            ow, oh = mx, rnd(oh, mx, ow)
        elif oh > ow and oh > mx:
            ow, oh = rnd(ow, mx, oh), mx
    return ow, oh


def tubelet_tokens(spec, frames, w, h, rate):
    o = parse(spec)
    t, p = int(o.get("t", 2)), int(o.get("p", 16))
    f = frames
    fps = o.get("fps", "native")
    if fps != "native" and f:
        target = Fraction(fps)
        if target < rate:
            f = ceil_div(f * target.numerator * rate.denominator, target.denominator * rate.numerator)
    ow, oh = resized(w, h, o.get("resize"), int(o.get("max", 0)))
    crop = o.get("pad") == "crop"
    grid = (ow // p if crop else ceil_div(ow, p)) * (oh // p if crop else ceil_div(oh, p))
    if not f:
        return 0
    slabs = 1 + ceil_div(f - 1, t) if o.get("causal") else ceil_div(f, t)
    return slabs * grid


class Rlt:
    def __init__(self, spec):
        o = parse(spec)
        self.t, self.p = int(o.get("t", 2)), int(o.get("p", 16))
        self.x = Fraction(o.get("thr", "25.5"))
        self.prev = None
        self.n = 0
        self.tokens = 0

    def frame(self, y):                      # y: H×W uint8 luma
        i, self.n = self.n, self.n + 1
        if i % self.t:
            return
        h, w = y.shape
        p = self.p
        gh, gw = ceil_div(h, p), ceil_div(w, p)
        if self.prev is None or self.prev.shape != y.shape:
            self.tokens += gh * gw
        else:
            d = np.abs(y.astype(np.int64) - self.prev.astype(np.int64))
            s = np.add.reduceat(np.add.reduceat(d, np.arange(0, h, p), axis=0), np.arange(0, w, p), axis=1)
            ph = np.minimum(p, h - np.arange(0, h, p))[:, None]
            pw = np.minimum(p, w - np.arange(0, w, p))[None, :]
            n = ph * pw
            keep = s * self.x.denominator > self.x.numerator * n
            self.tokens += int(keep.sum())
        self.prev = y.copy()


def luma(frame):
    name = frame.format.name
    if name in PLANAR_Y8:
        pl = frame.planes[0]
    else:
        frame = frame.reformat(format="gray")
        pl = frame.planes[0]
    a = np.frombuffer(pl, dtype=np.uint8)
    return a[: pl.line_size * frame.height].reshape(frame.height, pl.line_size)[:, : frame.width]


def video_index(path):
    try:
        out = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                              "stream=index,codec_type:stream_disposition=attached_pic", "-of", "json", path],
                             capture_output=True, text=True, check=True).stdout
        for s in json.loads(out).get("streams", []):
            if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic"):
                return s["index"]
        return None
    except (OSError, subprocess.CalledProcessError):
        return -1


def measure(path, tubelets, rlts):
    idx = video_index(path)
    c = av.open(path)
    vs = [s for s in c.streams if s.type == "video"]
    st = vs[0] if idx == -1 else next((s for s in c.streams if s.index == idx), None)
    if st is None:
        raise ValueError("no video stream")
    st.thread_type = "NONE"
    rate = Fraction(st.average_rate or st.base_rate or 0)
    states = [Rlt(s) for s in rlts]
    frames = skipped = 0
    w = h = None
    for pkt in c.demux(st):
        try:
            out = pkt.decode()
        except av.AVError:
            skipped += 1
            continue
        for fr in out:
            if frames == 0:
                w, h = fr.width, fr.height
            frames += 1
            if states:
                y = luma(fr)
                for r in states:
                    r.frame(y)
    c.close()
    if not frames:
        raise ValueError("no frame decoded")
    toks = [tubelet_tokens(s, frames, w, h, rate) for s in tubelets] + [r.tokens for r in states]
    return [path, frames, w, h, f"{rate.numerator}/{rate.denominator}", skipped] + toks


def main(argv):
    tubelets, rlts, files = [], [], []
    it = iter(argv)
    for a in it:
        if a == "--tubelet":
            tubelets.append(next(it))
        elif a == "--rlt":
            rlts.append(next(it))
        else:
            files.append(a)
    rc = 0
    for f in files:
        try:
            print("\t".join(str(x) for x in measure(f, tubelets, rlts)), flush=True)
        except (av.AVError, ValueError) as ex:
            print(f"{f}\tERROR\t{ex}", flush=True)
            rc = 2
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
