#!/usr/bin/python3
"""sf_audio.py — independent reference for cimeter's audio figures (doc/records.md,
doc/tokenizers.md).

Reads each file with python3-soundfile (libsndfile, 16-bit samples, as doc/records.md
asks) and computes, with exact rationals (fractions.Fraction) and Python's
unbounded integers only:

  raw_bytes = N * channels * 2,  units = N,  seconds = N / R
  frame:hop=H[,sr=S][,window=W]   ceil(N*1000/(R*H)), or ceil(W*1000/H)*ceil(N/(W*R))
  codec:rate=F,codebooks=K        ceil(N*F/R)*K, F exact ("25/2", "12.5", "44100/512")
  vad:hop=H,thr=DB                frames of ceil(H*R/1000) samples (last may be short);
                                  a token unless every channel has sum(s^2)/m < 32768^2*10^(DB/10)

Written from doc/tokenizers.md, not from cimeter's C code. The VAD threshold is decided
exactly: with DB/10 = a/b (lowest terms), S >= m*2^30*10^(a/b) is tested as
S^b * 10^max(-a,0) >= (m*2^30)^b * 10^max(a,0) on integers.

Usage: sf_audio.py [-t SPEC]... FILE|DIR...   -> JSON on stdout:
  {"files": {path: {"raw_bytes", "units", "seconds", "rate", "channels",
                    "tokens": {spec: n}} or {"error": msg}}}
Presets are expanded from doc/tokenizers.md's table. Exit 0; 77 when soundfile is missing.
"""
import json
import math
import os
import sys
from fractions import Fraction

try:
    import numpy as np
    import soundfile as sf
except ImportError as exc:  # the caller's test skips
    print(f"sf_audio.py: {exc}", file=sys.stderr)
    sys.exit(77)

PRESETS = {  # doc/tokenizers.md, audio
    "whisper": "audio:frame:hop=20,sr=16000,window=30",
    "hubert": "audio:frame:hop=20,sr=16000",
    "encodec-24k-6kbps": "audio:codec:rate=75,codebooks=8",
    "encodec-24k-1.5kbps": "audio:codec:rate=75,codebooks=2",
    "dac-44k": "audio:codec:rate=44100/512,codebooks=9",
    "mimi": "audio:codec:rate=25/2,codebooks=8",
    "speechtokenizer": "audio:codec:rate=50,codebooks=8",
}


def ceil_frac(x: Fraction) -> int:
    return -((-x.numerator) // x.denominator)


def parse(spec):
    spec = PRESETS.get(spec.removeprefix("audio:"), spec)
    parts = spec.split(":", 2)
    assert parts[0] == "audio", spec
    args = {}
    for kv in (parts[2].split(",") if len(parts) > 2 and parts[2] else []):
        k, _, v = kv.partition("=")
        args[k] = v
    return parts[1], args


class Vad:
    def __init__(self, hop, thr):
        self.hop = int(hop)
        e = Fraction(thr) / 10
        self.a, self.b = e.numerator, e.denominator
        self.cache = {}

    def ge(self, S, m):
        """S >= m * 2^30 * 10^(a/b), exactly."""
        M = m << 30
        lhs = S ** self.b * 10 ** max(-self.a, 0)
        rhs = M ** self.b * 10 ** max(self.a, 0)
        return lhs >= rhs

    def K(self, m):
        """Smallest integer S with ge(S, m) (S ranges over [0, m*2^30])."""
        if m not in self.cache:
            top = (m << 30) + 1
            if not self.ge(top - 1, m):
                k = top                      # no feasible S reaches it
            else:
                est = (m << 30) * 10.0 ** (self.a / self.b)
                k = max(0, min(top - 1, math.ceil(est)))
                while k > 0 and self.ge(k - 1, m):
                    k -= 1
                while not self.ge(k, m):
                    k += 1
            self.cache[m] = k
        return self.cache[m]

    def count(self, x, rate):
        """x: int16 array (N, ch)."""
        L = (self.hop * rate + 999) // 1000
        n = x.shape[0]
        if n == 0:
            return 0
        sq = x.astype(np.int64) ** 2
        nfull = n // L
        tokens = 0
        if nfull:
            sums = sq[: nfull * L].reshape(nfull, L, x.shape[1]).sum(axis=1)
            tokens += int((sums >= self.K(L)).any(axis=1).sum())
        rest = n - nfull * L
        if rest:
            sums = sq[nfull * L:].sum(axis=0)
            tokens += int((sums >= self.K(rest)).any())
        return tokens


def count(kind, args, n, rate, x, vads, spec):
    if kind == "frame":
        hop = int(args.get("hop", 20))
        w = int(args.get("window", 0))
        if w:
            return ceil_frac(Fraction(w * 1000, hop)) * ceil_frac(Fraction(n, w * rate))
        return ceil_frac(Fraction(n * 1000, rate * hop))
    if kind == "codec":
        f = Fraction(args.get("rate", "75"))
        k = int(args.get("codebooks", 8))
        return ceil_frac(n * f / rate) * k
    if kind == "vad":
        if spec not in vads:
            vads[spec] = Vad(args.get("hop", 20), args.get("thr", "-40"))
        return vads[spec].count(x, rate)
    raise SystemExit(f"sf_audio.py: unknown tokenizer {spec}")


def main(argv):
    specs, paths = [], []
    it = iter(argv)
    for a in it:
        if a == "-t":
            specs.append(next(it))
        else:
            paths.append(a)
    files = []
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                files += [os.path.join(root, f) for f in names]
        else:
            files.append(p)
    vads, out = {}, {}
    need_pcm = any(parse(s)[0] == "vad" for s in specs)
    for path in sorted(files):
        try:
            with sf.SoundFile(path) as f:
                rate, ch = f.samplerate, f.channels
                if need_pcm:
                    x = f.read(dtype="int16", always_2d=True)
                    n = x.shape[0]
                else:   # count what the decoder delivers, block by block
                    x, n = None, 0
                    for blk in f.blocks(blocksize=1 << 16, dtype="int16", always_2d=True):
                        n += blk.shape[0]
        except Exception as exc:  # noqa: BLE001 — any decoder failure is a per-file error
            out[path] = {"error": str(exc)}
            continue
        rec = {"raw_bytes": n * ch * 2, "units": n, "seconds": n / rate, "rate": rate,
               "channels": ch, "tokens": {}}
        for s in specs:
            kind, args = parse(s)
            rec["tokens"][s] = count(kind, args, n, rate, x, vads, s)
        out[path] = rec
    json.dump({"files": out}, sys.stdout, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
