#!/usr/bin/python3
"""make_big_image.py — writes a W×H RGB PNG (streamed rows, little memory) and,
with PIL, a JPEG of the same size, for peak-RSS checks of the image decoders.

    make_big_image.py OUT_PREFIX [W [H]]     → OUT_PREFIX.png, OUT_PREFIX.jpg
"""
import struct
import sys
import zlib


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)


def main():
    out = sys.argv[1]
    w = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    h = int(sys.argv[3]) if len(sys.argv) > 3 else w
    z = zlib.compressobj(1)
    base = bytes((x * 7) & 255 for x in range(3 * w))
    with open(out + ".png", "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        for y in range(h):
            k = (y * 3) % (3 * w)
            data = z.compress(b"\x00" + base[k:] + base[:k])
            if data:
                f.write(chunk(b"IDAT", data))
        f.write(chunk(b"IDAT", z.flush()) + chunk(b"IEND", b""))
    try:
        from PIL import Image
    except ImportError:
        return
    Image.MAX_IMAGE_PIXELS = None
    g = Image.radial_gradient("L").resize((w, h))
    Image.merge("RGB", (g, g.transpose(Image.Transpose.FLIP_LEFT_RIGHT), g.transpose(Image.Transpose.FLIP_TOP_BOTTOM))) \
        .save(out + ".jpg", quality=80)


if __name__ == "__main__":
    main()
