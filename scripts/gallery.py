#!/usr/bin/env python3
"""Render the README gallery from `vitrine record`: rerun it whenever an effect changes.

usage: scripts/gallery.py [--vitrine PATH] [--out DIR] [--effects a,b] [--seconds S]

For every effect and style, an animated WebP (assets/gallery/<effect>-<style>.webp); for every
effect, one still PNG at 16 colours with a Korean message (<effect>-16-colours-korean.png).
Each file must stay under 1 MB (the script fails otherwise). Frames are drawn by
scripts/legibility/cast2png.py (pyte + Pillow; fonts-dejavu-core and fonts-nanum) and joined by
Pillow. Without --vitrine it builds and uses target/release/vitrine. A full run (every effect,
into assets/gallery) also rewrites the gallery table at the top of README.md.

Every recording is seeded, so a rerun gives the same pictures unless an effect changed.
CI runs it for one effect and one second (scripts/ci-package.sh) to check it still works.
"""
import argparse
from concurrent.futures import ProcessPoolExecutor
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
CAST2PNG = ROOT / "scripts" / "legibility" / "cast2png.py"
LIMIT = 1_000_000  # bytes per picture
SIZE = "80x24"  # cells: 720x432 px at cast2png's 9x18 px cells
FPS = 10  # gallery frame rate: plenty to show the motion, small files
SEED = "3"
MESSAGE = "WELCOME"
KOREAN = "환영합니다"


def effects_and_styles(vitrine):
    """[(effect, [styles])] from `vitrine list` ("  styles: a, b (default a)" under each name)."""
    listing = subprocess.run([vitrine, "list"], check=True, capture_output=True, text=True).stdout
    found = []
    for line in listing.splitlines():
        if line[:1].isalpha() and not line.startswith("Palettes"):
            found.append((line.split()[0], [None]))
        elif line.strip().startswith("styles:") and found:
            styles = line.split("styles:", 1)[1].split("(default")[0]
            found[-1] = (found[-1][0], [s.strip() for s in styles.split(",")])
        elif not line.strip():
            break
    return found


def record(vitrine, cast, effect, style, seconds, extra=()):
    args = [vitrine, "record", "-e", effect, "--seed", SEED, "--size", SIZE,
            "--seconds", str(seconds), "--fps", str(FPS), "-o", str(cast), *extra]
    if style:
        args += ["--style", style]
    subprocess.run(args, check=True)


def frames(cast, times, workdir):
    """The screen at each time, as Pillow images (cast2png draws them)."""
    prefix = Path(workdir) / cast.stem
    subprocess.run([sys.executable, str(CAST2PNG), str(cast), str(prefix),
                    *[f"{t:g}" for t in times]], check=True)
    return [Image.open(f"{prefix}-{t:g}.png").convert("RGB") for t in times]


def animated(vitrine, effect, style, seconds, out, workdir):
    name = f"{effect}-{style}" if style else effect
    cast = Path(workdir) / f"{name}.cast"
    record(vitrine, cast, effect, style, seconds, ["-m", MESSAGE])
    step = 1 / FPS
    times = [round((i + 1) * step, 3) for i in range(int(seconds * FPS))]
    images = frames(cast, times, workdir)
    path = out / f"{name}.webp"
    # Lossy WebP: the effects are gradients and noise, which GIF's 256 colours band badly and
    # store poorly; quality 80 keeps block edges crisp at a fraction of the size.
    images[0].save(path, save_all=True, append_images=images[1:], duration=int(step * 1000),
                   loop=0, quality=80, method=6)
    return path


def still(vitrine, effect, seconds, out, workdir):
    name = f"{effect}-16-colours-korean"
    cast = Path(workdir) / f"{name}.cast"
    record(vitrine, cast, effect, None, seconds, ["-m", KOREAN, "--color", "16"])
    [image] = frames(cast, [seconds], workdir)
    path = out / f"{name}.png"
    image.save(path, optimize=True)
    return path


def update_readme(pictures, seconds):
    """Rewrites the README's gallery (between its gallery markers) to show `pictures`."""
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- gallery: written by scripts/gallery.py -->", "<!-- /gallery -->"
    if start not in text or end not in text:
        sys.exit(f"gallery: README.md lacks the markers {start} ... {end}")
    cells = []
    for path in pictures:
        effect, _, rest = path.stem.partition("-")
        if rest == "16-colours-korean":
            command = f"-e {effect} --color 16 -m {KOREAN}"
        else:
            command = f"-e {effect}" + (f" --style {rest}" if rest else "")
        rel = path.relative_to(ROOT)
        cells.append(f"![{effect} {rest}]({rel})<br>`{command}`")
    if len(cells) % 2:
        cells.append("")
    rows = ["| | |", "|---|---|"]
    rows += [f"| {a} | {b} |" for a, b in zip(cells[::2], cells[1::2])]
    body = "\n".join([
        start,
        *rows,
        "",
        f"(`vitrine record --seed {SEED} --size {SIZE} --seconds {seconds:g} --fps {FPS}` with"
        f" `-m {MESSAGE}`, drawn by `scripts/gallery.py`; the stills are the last frame at 16"
        " colours, as on the Linux console.)",
        end,
    ])
    before, rest = text.split(start, 1)
    after = rest.split(end, 1)[1]
    readme.write_text(before + body + after, encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vitrine", help="vitrine binary (default: build target/release/vitrine)")
    parser.add_argument("--out", default=str(ROOT / "assets" / "gallery"), help="output directory")
    parser.add_argument("--effects", help="only these effects (comma-separated)")
    parser.add_argument("--seconds", type=float, default=4, help="length of each animation")
    args = parser.parse_args()

    vitrine = args.vitrine
    if not vitrine:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "vitrine"], cwd=ROOT,
                       check=True)
        vitrine = str(ROOT / "target" / "release" / "vitrine")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    wanted = set(args.effects.split(",")) if args.effects else None

    jobs = []
    for effect, styles in effects_and_styles(vitrine):
        if wanted and effect not in wanted:
            continue
        jobs += [(animated, effect, style) for style in styles]
        jobs.append((still, effect, None))
    # One picture per process: rendering frames in Python is the slow part.
    with tempfile.TemporaryDirectory() as workdir, ProcessPoolExecutor() as pool:
        futures = []
        for make, effect, style in jobs:
            extra = (style,) if make is animated else ()
            futures.append(pool.submit(make, vitrine, effect, *extra, args.seconds, out, workdir))
        written = [f.result() for f in futures]
    if not written:
        sys.exit("gallery: no effect matched")
    if not wanted and out == ROOT / "assets" / "gallery":
        update_readme(written, args.seconds)
    too_big = False
    for path in written:
        size = os.path.getsize(path)
        print(f"{path.relative_to(out.parent) if out.parent in path.parents else path}: "
              f"{size / 1000:.0f} kB")
        too_big |= size >= LIMIT
    if too_big:
        sys.exit(f"gallery: a picture is over {LIMIT // 1000} kB")


if __name__ == "__main__":
    main()
