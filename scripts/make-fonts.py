#!/usr/bin/env python3
"""Builds the fonts vitrine bundles (assets/fonts/) from their upstream releases.

usage: make-fonts.py ORBITRON_VARIABLE_TTF NANUMSQUARE_EB_TTF [OUT_DIR]

Where the inputs come from (all SIL OFL 1.1):
  - Orbitron[wght].ttf: PyPI `fontpkg-orbitron` (pip download --no-deps fontpkg-orbitron,
    unzip, fontpkg_orbitron/files/Orbitron[wght].ttf). The League of Orbitron.
  - NanumSquareEB.ttf: Debian `fonts-nanum-extra` (apt-get download fonts-nanum-extra,
    dpkg-deb -x, usr/share/fonts/truetype/nanum/NanumSquareEB.ttf). NAVER Corporation.

What it writes (needs fontTools: pip install fonttools):
  - VitrineDisplay-Black.ttf: Orbitron's variable font instantiated at weight 900 (the
    original glitch page's `font-weight: 900`), all of its glyphs kept.
  - VitrineHangul-ExtraBold.ttf: NanumSquare ExtraBold subset to printable ASCII and the 2,350
    Hangul syllables of KS X 1001 (the set every Korean system has had since the 1980s).
  - VitrineHangul-ExtraBold-Full.ttf: the same with all 11,172 modern Hangul syllables (cargo
    feature `all-hangul`).
  - ksx1001-hangul.txt: the 2,350 syllables, one line, for the tests.
Both families carry a Reserved Font Name, and OFL 1.1 (section 3) does not let a modified
version (an instance or a subset is one) keep it, so the outputs are renamed "Vitrine Display"
and "Vitrine Hangul"; the copyright notices and licence stay.
"""
import os
import sys

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

ASCII = set(range(0x20, 0x7F))
ALL_SYLLABLES = range(0xAC00, 0xD7A4)


def ksx1001_syllables():
    """The precomposed syllables with a two-byte EUC-KR code: exactly KS X 1001's 2,350 (the
    codec reaches the others only through 8-byte jamo sequences)."""
    return [cp for cp in ALL_SYLLABLES if len(chr(cp).encode("euc_kr")) == 2]


def rename(font, family, style):
    """Sets the family/full/PostScript names (IDs 1, 2, 3, 4, 6, 16, 17) to the new name."""
    full = f"{family} {style}"
    postscript = f"{family.replace(' ', '')}-{style.replace(' ', '')}"
    names = {1: family, 2: style, 3: f"vitrine: {full}", 4: full, 6: postscript,
             16: family, 17: style}
    table = font["name"]
    for record in list(table.names):
        if record.nameID in (1, 2, 3, 4, 6, 16, 17, 21, 22, 25):
            table.removeNames(nameID=record.nameID)
    for name_id, value in names.items():
        table.setName(value, name_id, 3, 1, 0x409)
        table.setName(value, name_id, 1, 0, 0)


def subset_font(path, codepoints, out):
    font = TTFont(path)
    options = subset.Options()
    options.layout_features = ["kern", "liga"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False  # ab_glyph ignores hinting; dropping it saves a third of the size
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    rename(font, "Vitrine Hangul", "ExtraBold")
    font.save(out)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    orbitron, nanum = sys.argv[1], sys.argv[2]
    out_dir = sys.argv[3] if len(sys.argv) > 3 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "assets", "fonts")
    os.makedirs(out_dir, exist_ok=True)

    display = instancer.instantiateVariableFont(TTFont(orbitron), {"wght": 900})
    rename(display, "Vitrine Display", "Black")
    display.save(os.path.join(out_dir, "VitrineDisplay-Black.ttf"))

    syllables = ksx1001_syllables()
    assert len(syllables) == 2350, len(syllables)
    subset_font(nanum, sorted(ASCII | set(syllables)),
                os.path.join(out_dir, "VitrineHangul-ExtraBold.ttf"))
    subset_font(nanum, sorted(ASCII | set(ALL_SYLLABLES)),
                os.path.join(out_dir, "VitrineHangul-ExtraBold-Full.ttf"))
    with open(os.path.join(out_dir, "ksx1001-hangul.txt"), "w", encoding="utf-8") as f:
        f.write("".join(map(chr, syllables)) + "\n")
    for name in sorted(os.listdir(out_dir)):
        print(f"{os.path.getsize(os.path.join(out_dir, name)):>9}  {name}")


if __name__ == "__main__":
    main()
