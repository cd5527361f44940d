#!/usr/bin/env python3
"""make_hostile.py SAMPLE_DIR OUT_DIR [SEED] — a hostile corpus from the sample corpus.

From every sample file, with a fixed seed: truncations, bit flips, byte-range
garbage, wrong magic, and format-aware header lies (huge, zero and negative
sizes, absurd sample rates, zero frames) with checksums fixed where the format
checks them (PNG CRC) so the lie reaches the decoder; plus a few files of
their own (extras(): PNG decompression bombs, a 100 MB single-line text, a
NUL after the 64 KiB sniff window, invalid UTF-8; cut, flipped, nested and
bomb archives and compressed streams of the samples). Writes OUT_DIR/clean/
(copies) and OUT_DIR/bad/ (mutants), and OUT_DIR/manifest.tsv.
"""
import os, random, shutil, struct, sys, zlib

def png_set_ihdr(data, w=None, h=None, depth=None, ctype=None):
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    body = bytearray(data[16:29])
    if w is not None: body[0:4] = struct.pack(">I", w)
    if h is not None: body[4:8] = struct.pack(">I", h)
    if depth is not None: body[8] = depth
    if ctype is not None: body[9] = ctype
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(body)) & 0xFFFFFFFF)
    return data[:16] + bytes(body) + crc + data[33:]

def jpeg_set_sof(data, w=None, h=None, comps=None):
    i = 2
    while i + 4 < len(data):
        if data[i] != 0xFF: return None
        m = data[i + 1]
        seg = struct.unpack(">H", data[i + 2:i + 4])[0]
        if m in (0xC0, 0xC1, 0xC2):
            b = bytearray(data)
            if h is not None: b[i + 5:i + 7] = struct.pack(">H", h)
            if w is not None: b[i + 7:i + 9] = struct.pack(">H", w)
            if comps is not None: b[i + 9] = comps
            return bytes(b)
        i += 2 + seg
    return None

def wav_lie(data, rate=None, channels=None, datasize=None, bits=None):
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE": return None
    b = bytearray(data)
    i = 12
    while i + 8 <= len(b):
        cid, size = b[i:i + 4], struct.unpack("<I", b[i + 4:i + 8])[0]
        if cid == b"fmt ":
            if channels is not None: b[i + 10:i + 12] = struct.pack("<H", channels)
            if rate is not None: b[i + 12:i + 16] = struct.pack("<I", rate)
            if bits is not None: b[i + 22:i + 24] = struct.pack("<H", bits)
        if cid == b"data" and datasize is not None:
            b[i + 4:i + 8] = struct.pack("<I", datasize)
        i += 8 + size + (size & 1)
    return bytes(b)

def flac_lie(data, rate=None, channels=None, total=None):
    if data[:4] != b"fLaC": return None
    b = bytearray(data)
    si = 8  # STREAMINFO body after the 4-byte block header
    bits = int.from_bytes(b[si + 10:si + 18], "big")
    if rate is not None: bits = (bits & ~(0xFFFFF << 44)) | ((rate & 0xFFFFF) << 44)
    if channels is not None: bits = (bits & ~(0x7 << 41)) | (((channels - 1) & 7) << 41)
    if total is not None: bits = (bits & ~0xFFFFFFFFF) | (total & 0xFFFFFFFFF)
    b[si + 10:si + 18] = bits.to_bytes(8, "big")
    return bytes(b)

def mp4_field(data, tag, off, fmt, value):
    """Overwrites a field at `off` bytes after the first box type `tag`."""
    i = data.find(tag)
    n = struct.calcsize(fmt)
    if i < 4 or i + off + n > len(data): return None
    return data[:i + off] + struct.pack(fmt, value) + data[i + off + n:]

def png_chunk(tag, body):
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

def png_bomb(w, h):
    """A valid gray 8-bit PNG whose IDAT inflates to (w+1)*h zero bytes: a
    decompression bomb (~1000:1), tiny on disk, huge when decoded."""
    z = zlib.compressobj(9)
    row = bytes(w + 1)
    idat = b"".join(z.compress(row) for _ in range(h)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")

def extras():
    """Hostile files not derived from one sample: bombs and pathological text."""
    out = [("image-bomb.png", png_bomb(8000, 8000)),                       # 64 Mpx, ~60 KB
           ("image-bomb-huge.png", png_set_ihdr(png_bomb(64, 64), w=2000000000, h=2000000000)),
           ("text-one-line.txt", b"a" * (100 << 20)),                      # a single 100 MB line
           ("text-one-line-utf8.txt", "\u00e9\u65e5".encode() * (20 << 20)),  # 100 MB, multi-byte, no newline
           ("text-nul-late.txt", b"x" * 70000 + b"\x00" + b"y" * 100),
           ("text-invalid-utf8.txt", bytes(range(0x80, 0x100)) * 64)]
    return out

def archive_extras(sample, rng):
    """Damaged archives and streams of the sample files, bombs, nesting past the limit."""
    import gzip, io, tarfile, zipfile
    files = []
    for mod in sorted(os.listdir(sample)):
        d = os.path.join(sample, mod)
        if os.path.isdir(d):
            files += [(f"{mod}/{n}", open(os.path.join(d, n), "rb").read()) for n in sorted(os.listdir(d))]
    def tar(items, mode="w"):
        b = io.BytesIO()
        with tarfile.open(fileobj=b, mode=mode, format=tarfile.GNU_FORMAT) as t:
            for n, data in items:
                i = tarfile.TarInfo(n); i.size = len(data); t.addfile(i, io.BytesIO(data))
        return b.getvalue()
    def zipb(items):
        b = io.BytesIO()
        with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
            for n, data in items: z.writestr(n, data)
        return b.getvalue()
    whole, tgz, zp = tar(files), tar(files, "w:gz"), zipb(files)
    out = []
    for k in range(1, 6):
        out.append((f"archive-cut{k}.tar", whole[:len(whole) * k // 6]))
        out.append((f"archive-cut{k}.tar.gz", tgz[:len(tgz) * k // 6]))
        out.append((f"archive-cut{k}.zip", zp[:len(zp) * k // 6]))
    for k in range(4):
        m = bytearray(whole); at = rng.randrange(512, len(m) - 64)
        m[at:at + 32] = rng.randbytes(32)
        out.append((f"archive-flip{k}.tar", bytes(m)))
        m = bytearray(tgz); at = rng.randrange(64, len(m) - 64)
        m[at:at + 16] = rng.randbytes(16)
        out.append((f"archive-flip{k}.tar.gz", bytes(m)))
        m = bytearray(zp); at = rng.randrange(64, len(m) - 64)
        m[at:at + 16] = rng.randbytes(16)
        out.append((f"archive-flip{k}.zip", bytes(m)))
    z = zlib.compressobj(9, zlib.DEFLATED, 31)          # 1 GiB of zeros in ~1 MB of gzip
    block = bytes(1 << 20)
    bomb = b"".join(z.compress(block) for _ in range(1024)) + z.flush()
    out.append(("archive-bomb-zeros.gz", bomb))
    out.append(("archive-bomb-in.tar", tar([("zeros.gz", bomb), ("a.txt", b"after the bomb\n")])))
    nest = tar([("x.txt", b"deep\n")])
    for _ in range(6):
        nest = zipb([("inner", nest)]) if len(nest) % 2 else tar([("inner.tar", nest)])
    out.append(("archive-nested-6.tar", nest))
    gz = gzip.compress(b"gzip of text\n" * 1000)
    for _ in range(20):                                  # gzip in gzip in gzip ...
        gz = gzip.compress(gz)
    out.append(("archive-gzip-in-gzip.gz", gz))
    out.append(("archive-empty.gz", gzip.compress(b"")))
    out.append(("archive-empty.tar", tar([])))
    return out

def mp4_box_lie(data, value):
    """Sets the size field of the first 'moov' (or 'mdat') box."""
    for tag in (b"moov", b"mdat"):
        i = data.find(tag)
        if i >= 4:
            return data[:i - 4] + struct.pack(">I", value) + data[i:]
    return None

def mutants(name, data, rng):
    out = []
    n = len(data)
    for frac in (0, 1, 8, 64, 512):  # truncations at fixed small sizes and fractions
        if frac < n: out.append((f"trunc{frac}", data[:frac]))
    for f in (0.1, 0.5, 0.9, 0.99):
        out.append((f"trunc{int(f * 100)}pct", data[:int(n * f)]))
    for k in (1, 8, 64):
        for rep in range(3):
            b = bytearray(data)
            for _ in range(k):
                i = rng.randrange(n); b[i] ^= 1 << rng.randrange(8)
            out.append((f"flip{k}_{rep}", bytes(b)))
    b = bytearray(data); s = rng.randrange(max(1, n - 256))
    b[s:s + 256] = bytes(rng.randrange(256) for _ in range(min(256, n - s)))
    out.append(("garbage256", bytes(b)))
    out.append(("wrongmagic", b"\x00\x01\x02\x03" + data[4:]))
    out.append(("zeroes", bytes(n)))
    lies = []
    if name.endswith(".png"):
        lies = [("png_huge", png_set_ihdr(data, w=100000, h=100000)), ("png_zero_w", png_set_ihdr(data, w=0)),
                ("png_neg_h", png_set_ihdr(data, h=0x80000000)), ("png_bad_depth", png_set_ihdr(data, depth=7)),
                ("png_bad_type", png_set_ihdr(data, ctype=5)), ("png_wide", png_set_ihdr(data, w=1 << 30, h=1))]
    elif name.endswith(".jpg"):
        lies = [("jpg_huge", jpeg_set_sof(data, w=65535, h=65535)), ("jpg_zero", jpeg_set_sof(data, w=0, h=0)),
                ("jpg_comps0", jpeg_set_sof(data, comps=0)), ("jpg_comps9", jpeg_set_sof(data, comps=9))]
    elif name.endswith(".wav"):
        lies = [("wav_rate0", wav_lie(data, rate=0)), ("wav_rate_huge", wav_lie(data, rate=0xFFFFFFFF)),
                ("wav_ch0", wav_lie(data, channels=0)), ("wav_ch_huge", wav_lie(data, channels=65535)),
                ("wav_data_huge", wav_lie(data, datasize=0xFFFFFFF0)), ("wav_data0", wav_lie(data, datasize=0)),
                ("wav_bits3", wav_lie(data, bits=3))]
    elif name.endswith(".flac"):
        lies = [("flac_rate0", flac_lie(data, rate=0)), ("flac_rate_max", flac_lie(data, rate=0xFFFFF)),
                ("flac_total_huge", flac_lie(data, total=0xFFFFFFFFF)), ("flac_total0", flac_lie(data, total=0)),
                ("flac_ch8", flac_lie(data, channels=8))]
    elif name.endswith(".mp4"):
        lies = [("mp4_box_neg", mp4_box_lie(data, 0xFFFFFFFF)), ("mp4_box_zero", mp4_box_lie(data, 0)),
                ("mp4_box_small", mp4_box_lie(data, 9)),
                # sample entry geometry (avc1/hev1: width, height 28 bytes after the type)
                ("mp4_entry_huge", mp4_field(mp4_field(data, b"avc1", 28, ">H", 65535) or data, b"avc1", 30, ">H", 65535)),
                ("mp4_entry_zero", mp4_field(data, b"avc1", 28, ">I", 0)),
                # sample table: zero frames, or a count of 2^32-1 entries (an allocation bomb for a naive demuxer)
                ("mp4_stsz_zero", mp4_field(data, b"stsz", 12, ">I", 0)),
                ("mp4_stsz_huge", mp4_field(data, b"stsz", 12, ">I", 0xFFFFFFFF)),
                ("mp4_stts_delta_huge", mp4_field(data, b"stts", 16, ">I", 0xFFFFFFFF)),   # absurd duration
                ("mp4_timescale0", mp4_field(data, b"mdhd", 16, ">I", 0))]         # mdhd v0 timescale
    out += [(k, v) for k, v in lies if v is not None]
    return out

def main():
    sample, out = sys.argv[1], sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1234
    rng = random.Random(seed)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(f"{out}/clean"); os.makedirs(f"{out}/bad")
    man = []
    for mod in sorted(os.listdir(sample)):
        d = os.path.join(sample, mod)
        if not os.path.isdir(d): continue
        for name in sorted(os.listdir(d)):
            data = open(os.path.join(d, name), "rb").read()
            shutil.copy(os.path.join(d, name), f"{out}/clean/{mod}-{name}")
            for tag, m in mutants(name, data, rng):
                fn = f"{out}/bad/{mod}-{name}.{tag}"
                open(fn, "wb").write(m)
                man.append(f"{fn}\t{tag}\n")
    for name, m in extras() + archive_extras(sample, rng):
        fn = f"{out}/bad/{name}"
        open(fn, "wb").write(m)
        man.append(f"{fn}\textra\n")
    open(f"{out}/manifest.tsv", "w").writelines(man)
    print(f"{len(man)} mutants")

main()
