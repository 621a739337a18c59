#!/usr/bin/env python3
"""Print the ink of the shade glyphs ░ ▒ ▓ per pixel, as cast2png.py draws them.

usage: shade-alpha.py
DejaVu Sans Mono at 15 px in a 9x18 px cell, one pixel down (exactly cast2png.py's drawing):
the alpha (0-255) of each pixel, row by row, as the Rust constant `SHADE_ALPHA` in
effects/src/depth/mix.rs. The colour pass mixes with these glyphs at their real coverage,
which for this font is about 17 / 47 / 77 % of the cell, not 25 / 50 / 75 %. Needs pillow and
fontconfig (fonts-dejavu-core).
"""
import subprocess

from PIL import Image, ImageDraw, ImageFont

CW, CH = 9, 18
path = subprocess.run(["fc-match", "-f", "%{file}", "DejaVu Sans Mono"], capture_output=True,
                      text=True, check=True).stdout.strip()
font = ImageFont.truetype(path, 15)
print(f"const SHADE_ALPHA: [[u8; {CW * CH}]; 3] = [")
for glyph in "░▒▓":
    image = Image.new("L", (CW, CH), 0)
    ImageDraw.Draw(image).text((0, 1), glyph, font=font, fill=255)
    values = list(image.tobytes())
    print(f"    // {glyph}")
    print("    [")
    for y in range(CH):
        print("        " + " ".join(f"{v}," for v in values[y * CW:(y + 1) * CW]))
    print("    ],")
print("];")
