#!/usr/bin/env python3
"""Draws assets/logo/vitrine-logo.png, the sample logo for `--logo` (our own work, CC0-1.0).

A rounded square in a blue-to-teal gradient holding a white "V" with an orange dot, on a
transparent background with anti-aliased edges: colours, transparency and diagonals, the
things a logo layer must get right. Pure Python (zlib and struct), so it runs anywhere:

    python3 scripts/make-logo.py            # writes assets/logo/vitrine-logo.png
"""

import os
import struct
import zlib

SIZE = 192
SUPER = 4  # samples per pixel along each axis (anti-aliasing)


def inside_rounded_square(x, y):
    margin, radius = 8.0, 36.0
    lo, hi = margin, SIZE - margin
    if not (lo <= x <= hi and lo <= y <= hi):
        return False
    cx = min(max(x, lo + radius), hi - radius)
    cy = min(max(y, lo + radius), hi - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2


def distance_to_segment(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return ((px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2) ** 0.5


def inside_v(x, y):
    # Two thick strokes meeting at the bottom.
    stroke = 17.0
    left = distance_to_segment(x, y, 52, 50, 96, 146)
    right = distance_to_segment(x, y, 140, 50, 96, 146)
    return min(left, right) <= stroke


def inside_dot(x, y):
    return (x - 142) ** 2 + (y - 144) ** 2 <= 15.0 ** 2


def sample(x, y):
    """Straight RGBA (floats 0..1) of one sample."""
    if inside_dot(x, y):
        return (1.0, 0.55, 0.1, 1.0)
    if not inside_rounded_square(x, y):
        return (0.0, 0.0, 0.0, 0.0)
    if inside_v(x, y):
        return (1.0, 1.0, 1.0, 1.0)
    t = (x + y) / (2.0 * SIZE)
    top, bottom = (0.05, 0.25, 0.65), (0.0, 0.6, 0.6)
    return tuple(a + (b - a) * t for a, b in zip(top, bottom)) + (1.0,)


def pixel(px, py):
    r = g = b = a = 0.0
    for sy in range(SUPER):
        for sx in range(SUPER):
            sr, sg, sb, sa = sample(px + (sx + 0.5) / SUPER, py + (sy + 0.5) / SUPER)
            r, g, b, a = r + sr * sa, g + sg * sa, b + sb * sa, a + sa
    if a == 0:
        return bytes(4)
    return bytes(round(255 * c / a) for c in (r, g, b)) + bytes([round(255 * a / SUPER ** 2)])


def png(width, height, rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main():
    rows = [b"".join(pixel(x, y) for x in range(SIZE)) for y in range(SIZE)]
    out = os.path.join(os.path.dirname(__file__), "..", "assets", "logo", "vitrine-logo.png")
    with open(out, "wb") as f:
        f.write(png(SIZE, SIZE, rows))


if __name__ == "__main__":
    main()
