#!/usr/bin/env python3
"""Render the README gallery from `vitrine record`: rerun it whenever an effect changes.

usage: scripts/gallery.py [--vitrine PATH] [--out DIR] [--effects a,b] [--check]

For every effect and style, an animation (assets/gallery/<effect>-<style>.webp, or .gif when
that is smaller); for every effect, two stills: at 16 colours as on the Linux console
(<effect>-16-colours.png) and with a Korean message (<effect>-korean.png). Each file must stay
under 1 MB (the script fails otherwise). Frames are drawn by scripts/legibility/cast2png.py
(pyte + Pillow; fonts-dejavu-core and fonts-nanum) and joined by Pillow, losslessly: the
effects are flat terminal cells, which lossless WebP stores in a fraction of what lossy WebP
needs, with no smeared colour fringes. Without --vitrine it builds and uses
target/release/vitrine. A full run (every effect, into assets/gallery) also rewrites the
gallery sections of README.md and removes pictures of styles that no longer exist.

--check (what CI runs, in seconds): one effect's default style for one second and its two
stills, into a scratch directory, each checked to decode; the README is left alone.

Every recording is seeded, so a rerun gives the same pictures unless an effect changed.
"""
import argparse
from concurrent.futures import ProcessPoolExecutor
import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
CAST2PNG = ROOT / "scripts" / "legibility" / "cast2png.py"
GALLERY = ROOT / "assets" / "gallery"
LIMIT = 1_000_000  # bytes per picture
SIZE = "80x24"  # cells: 720x432 px at cast2png's 9x18 px cells
FPS = 10  # enough to show every effect's motion (the glitch copies hop every 60 ms, so some
# hops fall between frames), and strobe's flashes stay at the show's own rate
SECONDS = 4  # each animation's length
# defrag spends its first seconds analysing the disk and showing the recommendation; only then
# do clusters move, so its animation runs long enough to show them being read and written.
LONGER = {"defrag": 12}
SEED = "3"
MESSAGE = "WELCOME"
KOREAN = "환영합니다"


def effects_and_styles(vitrine):
    """[(effect, [styles])] from `vitrine list` ("  styles: a, b (default a)" under each name),
    the default style first."""
    listing = subprocess.run([vitrine, "list"], check=True, capture_output=True, text=True).stdout
    found = []
    for line in listing.splitlines():
        if not line.strip():
            break
        if line[:1].isalpha():
            found.append((line.split()[0], [None]))
        elif line.strip().startswith("styles:") and found:
            styles, _, default = line.split("styles:", 1)[1].partition("(default")
            styles = [s.strip() for s in styles.split(",")]
            default = default.strip(" )")
            found[-1] = (found[-1][0], sorted(styles, key=lambda s: s != default))
    return found


def seconds_of(effect):
    return LONGER.get(effect, SECONDS)


def record(vitrine, cast, effect, seconds, extra):
    """Records the frames at 0, 1/FPS, ... up to `seconds` (not included). One frame more is
    recorded: the last frame's events end with what a recording ends with (the cursor moved
    below the screen), which scrolls the screen."""
    subprocess.run([vitrine, "record", "-e", effect, "--seed", SEED, "--size", SIZE,
                    "--seconds", f"{seconds + 1 / FPS:g}", "--fps", str(FPS), "-o", str(cast),
                    *extra], check=True)


def frames(cast, times, workdir):
    """The screen at each time, as Pillow images (cast2png draws them)."""
    prefix = Path(workdir) / cast.stem
    subprocess.run([sys.executable, str(CAST2PNG), str(cast), str(prefix),
                    *[f"{t:g}" for t in times]], check=True)
    return [Image.open(f"{prefix}-{t:g}.png").convert("RGB") for t in times]


def encodings(images, duration_ms):
    """{extension: bytes} of the animation in each lossless format that can hold it exactly."""
    common = dict(save_all=True, append_images=images[1:], duration=duration_ms, loop=0)
    found = {}
    webp = io.BytesIO()
    images[0].save(webp, format="WEBP", lossless=True, method=6, **common)
    found["webp"] = webp.getvalue()
    # GIF is exact only when no frame has more than 256 colours (16-colour looks, defrag).
    if all(image.getcolors(256) for image in images):
        gif = io.BytesIO()
        paletted = [image.quantize(256, method=Image.Quantize.MEDIANCUT) for image in images]
        paletted[0].save(gif, format="GIF", optimize=True,
                         **{**common, "append_images": paletted[1:]})
        if decodes_to(gif, images):
            found["gif"] = gif.getvalue()
    return found


def decodes_to(data, images):
    """Whether the animation in `data` (a file object) shows exactly `images`."""
    with Image.open(data) as animation:
        for i, expected in enumerate(images):
            animation.seek(i)
            if animation.convert("RGB").tobytes() != expected.tobytes():
                return False
    return True


def animated(vitrine, effect, style, seconds, out, workdir):
    """<effect>-<style>.webp/.gif: `seconds` of the effect at FPS frames a second."""
    name = f"{effect}-{style}" if style else effect
    cast = Path(workdir) / f"{name}.cast"
    record(vitrine, cast, effect, seconds,
           ["-m", MESSAGE, *(["--style", style] if style else [])])
    times = [round(i / FPS, 3) for i in range(round(seconds * FPS))]
    images = frames(cast, times, workdir)
    extension, data = min(encodings(images, 1000 // FPS).items(), key=lambda kv: len(kv[1]))
    path = out / f"{name}.{extension}"
    path.write_bytes(data)
    return path


STILLS = {  # name suffix: vitrine flags
    "16-colours": ["-m", MESSAGE, "--color", "16"],
    "korean": ["-m", KOREAN],
}


def still(vitrine, effect, kind, seconds, out, workdir):
    """<effect>-<kind>.png: with STILLS[kind]'s flags, the screen the last frame of the
    effect's animation shows."""
    name = f"{effect}-{kind}"
    cast = Path(workdir) / f"{name}.cast"
    record(vitrine, cast, effect, seconds, STILLS[kind])
    [image] = frames(cast, [round(seconds - 1 / FPS, 3)], workdir)
    path = out / f"{name}.png"
    image.save(path, optimize=True)
    return path


def run_all(vitrine, jobs, out):
    """Makes every (function, effect, variant, seconds) picture, a few at a time."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir, ProcessPoolExecutor() as pool:
        futures = [pool.submit(make, vitrine, effect, variant, seconds, out, workdir)
                   for make, effect, variant, seconds in jobs]
        return [future.result() for future in futures]


def check_pictures(written):
    """Prints each picture's size and frame count; exits non-zero if one is over LIMIT."""
    total, too_big = 0, []
    for path in written:
        size = path.stat().st_size
        total += size
        with Image.open(path) as image:
            count = getattr(image, "n_frames", 1)
        print(f"{path.name}: {size / 1000:.0f} kB, {count} frame{'s' * (count > 1)}")
        if size >= LIMIT:
            too_big.append(path.name)
    print(f"total: {total / 1000:.0f} kB in {len(written)} pictures")
    if too_big:
        sys.exit(f"gallery: over {LIMIT // 1000} kB: {', '.join(too_big)}")


def cell(path, alt, width, command):
    """A table cell: the picture, and under it the command that shows it live."""
    return (f'<td><img src="{path.relative_to(ROOT)}" width="{width}" alt="{alt}"><br>'
            f"<code>{command}</code></td>")


def table(rows):
    """An HTML table of rows of cells (a Markdown table would need a header row)."""
    return ["<table>", *(f"<tr>{''.join(row)}</tr>" for row in rows), "</table>"]


def readme_sections(animations, stills):
    """{section name: Markdown} for the README's two gallery sections."""
    def command(effect, style=None, flags=""):
        return f"vitrine -e {effect}" + (f" --style {style}" if style else "") + flags

    defaults, every_style, seen = [], [], set()
    for path in animations:
        effect, _, style = path.stem.partition("-")
        alt = effect + (f", style {style}" if style else "")
        if effect not in seen:  # each effect's default style comes first
            seen.add(effect)
            defaults.append(cell(path, alt, 400, command(effect)))
        every_style.append(cell(path, alt, 264, command(effect, style)))
    longer = "".join(f" ({effect}: {seconds} s, to reach its first moves)"
                     for effect, seconds in LONGER.items())
    how = (f"`vitrine record --seed {SEED} --size {SIZE} --fps {FPS} -m {MESSAGE}`, "
           f"{SECONDS} s{longer}, drawn by `scripts/gallery.py`")
    top = [*table([defaults[i:i + 2] for i in range(0, len(defaults), 2)]), "",
           f"({how}; every style, and each effect at 16 colours and in Korean:"
           " [the effects](#the-effects).)"]

    by_effect = {}
    for path in stills:
        effect, kind = path.stem.split("-", 1)
        by_effect.setdefault(effect, {})[kind] = path
    still_rows = [["<th></th><th>16 colours (the Linux console)</th><th>Korean</th>"]]
    for effect, kinds in by_effect.items():
        still_rows.append([
            f"<td><code>{effect}</code></td>",
            cell(kinds["16-colours"], f"{effect} at 16 colours", 360,
                 command(effect, flags=" --color 16")),
            cell(kinds["korean"], f"{effect} with a Korean message", 360,
                 command(effect, flags=f" -m {KOREAN}")),
        ])
    styles = [*table([every_style[i:i + 3] for i in range(0, len(every_style), 3)]), "",
              f"({how}.)", "", *table(still_rows), "",
              f"(The last frame of each effect's animation, at 16 colours with `-m {MESSAGE}` and"
              f" in truecolour with `-m {KOREAN}`.)"]
    return {"gallery": "\n".join(top), "gallery-styles": "\n".join(styles)}


def update_readme(animations, stills):
    """Rewrites the README's gallery sections, each between
    `<!-- NAME: written by scripts/gallery.py -->` and `<!-- /NAME -->`."""
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    for name, body in readme_sections(animations, stills).items():
        start, end = f"<!-- {name}: written by scripts/gallery.py -->", f"<!-- /{name} -->"
        if start not in text or end not in text:
            sys.exit(f"gallery: README.md lacks the markers {start} ... {end}")
        before, rest = text.split(start, 1)
        text = before + start + "\n" + body + "\n" + end + rest.split(end, 1)[1]
    readme.write_text(text, encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vitrine", help="vitrine binary (default: build target/release/vitrine)")
    parser.add_argument("--out", type=Path, default=GALLERY, help="output directory")
    parser.add_argument("--effects", help="only these effects (comma-separated)")
    parser.add_argument("--check", action="store_true",
                        help="quick check that the script works: one effect, one second, into a"
                        " scratch directory unless --out is given")
    args = parser.parse_args()

    vitrine = args.vitrine
    if not vitrine:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "vitrine"], cwd=ROOT,
                       check=True)
        vitrine = str(ROOT / "target" / "release" / "vitrine")
    listed = effects_and_styles(vitrine)
    if args.check:
        effect, styles = listed[0]
        jobs = [(animated, effect, styles[0], 1), *[(still, effect, kind, 1) for kind in STILLS]]
        with tempfile.TemporaryDirectory() as scratch:
            out = args.out if args.out != GALLERY else Path(scratch)
            check_pictures(run_all(vitrine, jobs, out))
        return

    wanted = set(args.effects.split(",")) if args.effects else None
    unknown = (wanted or set()) - {effect for effect, _ in listed}
    if unknown:
        sys.exit(f"gallery: no effect named {', '.join(sorted(unknown))} (see `vitrine list`)")
    jobs = []
    for effect, styles in listed:
        if not wanted or effect in wanted:
            seconds = seconds_of(effect)
            jobs += [(animated, effect, style, seconds) for style in styles]
            jobs += [(still, effect, kind, seconds) for kind in STILLS]
    written = run_all(vitrine, jobs, args.out)
    check_pictures(written)
    if not wanted and args.out == GALLERY:
        pictures = {p for p in GALLERY.iterdir() if p.suffix in (".webp", ".gif", ".png")}
        for stale in pictures - set(written):
            print(f"removed {stale.name} (no such effect or style now)")
            stale.unlink()
        update_readme([p for p in written if p.suffix != ".png"],
                      [p for p in written if p.suffix == ".png"])


if __name__ == "__main__":
    main()
