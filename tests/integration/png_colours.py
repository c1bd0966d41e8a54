#!/usr/bin/python3
"""Prints the number of distinct colours of a PNG and the share of its pixels
that are not the most common colour (stdlib only: zlib and the PNG filters).

  png_colours.py FILE   ->   "<colours> <share of non-background pixels>"
Handles 8-bit RGB and RGBA, non-interlaced (what chromium's --screenshot writes)."""
import struct
import sys
import zlib
from collections import Counter


def pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise SystemExit(f"{path}: depth {depth} colour type {colour} interlace {interlace}: "
                         "only 8-bit RGB/RGBA without interlace is read")
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp):
            yield bytes(line[x:x + 3])
        prev = line


def main():
    counts = Counter(pixels(sys.argv[1]))
    total = sum(counts.values())
    background = counts.most_common(1)[0][1]
    print(len(counts), f"{(total - background) / total:.4f}")


if __name__ == "__main__":
    main()
