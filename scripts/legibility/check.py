#!/usr/bin/env python3
"""Can the message be read at a glance? Records every message effect with vitrine, OCRs the
frames with tesseract and checks the character error rate (issue 14's acceptance).

usage: check.py VITRINE_BINARY [--table] [--only EFFECT]

For glitch, confetti and water (default styles) at 80x24 and 200x60, in truecolor and 16
colours, with a Latin and a Korean message: record a few seconds, render frames through pyte,
OCR them (ocr.py) and require
  - CER (letters and digits) <= 0.10 for Latin and <= 0.20 for Korean in at least half of the
    sampled frames (for water: frames spread evenly over its 12 s settle cycle, so at least
    half of the time) and, for water, in its calm phase;
  - the text at least 3 rows tall.
Prints one line per case (or a Markdown table with --table) and exits 1 if any case fails.
Needs python3 with pyte and pillow, and tesseract with the eng and kor languages.
"""
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
MESSAGES = [("latin", "WELCOME", "eng", 0.10), ("korean", "환영합니다", "kor", 0.20)]
SIZES = ["80x24", "200x60"]
DEPTHS = ["truecolor", "16"]
# Sample times in seconds. Glitch: between and during the hops, past the first skew jolt
# (5.92-6.16 s) on either side. Confetti: after the first burst has fallen. Water: the calm
# phase of its 12 s settle cycle is 9.5-11 s; the others spread over the moving part.
TIMES = {
    "glitch": ([1.0, 2.55, 4.3], None),
    "confetti": ([2.0, 3.5, 5.0], None),
    "water": ([1.5, 4.5, 7.5, 10.5], 10.5),
}
MIN_ROWS = 3.0


def run_case(binary, effect, size, depth, message, lang, limit, tmp):
    name = f"{effect}-{size}-{depth}-{lang}"
    cast = os.path.join(tmp, name + ".cast")
    times, calm = TIMES[effect]
    subprocess.run(
        [binary, "record", "-e", effect, "--size", size, "--color", depth, "--seed", "7",
         # 10 frames a second are plenty to sample from, and replay faster through pyte.
         "--fps", "10",
         "--seconds", str(max(times) + 0.5), "-m", message, "-o", cast],
        check=True, capture_output=True)
    ocr = [sys.executable, os.path.join(HERE, "ocr.py"), cast, message,
           *[str(t) for t in times], "--lang", lang]
    try:
        out = subprocess.run(ocr, check=True, capture_output=True, text=True).stdout
    except subprocess.CalledProcessError:
        # Once, tesseract was seen to fail on a loaded machine; a second try reads the same
        # frames (the scores are what counts, not a crash of the tool).
        out = subprocess.run(ocr, check=True, capture_output=True, text=True).stdout
    result = json.loads(out)
    frames = result["frames"]
    median = result["median"]
    calm_cer = next((f["cer"] for f in frames if calm is not None and f["t"] == calm), None)
    rows = result["rows"]
    readable = sum(1 for f in frames if f["cer"] <= limit)
    ok = (2 * readable >= len(frames) and rows >= MIN_ROWS
          and (calm_cer is None or calm_cer <= limit))
    return {
        "case": name, "effect": effect, "size": size, "depth": depth, "lang": lang,
        "median": median, "calm": calm_cer, "readable": f"{readable}/{len(frames)}", "rows": rows, "limit": limit, "ok": ok,
        "read": [f["text"] for f in frames],
    }


def main():
    args = sys.argv[1:]
    table = "--table" in args
    only = None
    if "--only" in args:
        i = args.index("--only")
        only = args[i + 1]
        del args[i:i + 2]
    args = [a for a in args if a != "--table"]
    binary = os.path.abspath(args[0])
    cases = [(e, s, d, m, lang, limit)
             for e in TIMES if only in (None, e)
             for s in SIZES for d in DEPTHS for (_, m, lang, limit) in MESSAGES]
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda c: run_case(binary, *c, tmp), cases))
    if table:
        print("| effect | size | colours | message | median CER | calm CER | frames read | rows | ok |")
        print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        if table:
            calm = "" if r["calm"] is None else f"{r['calm']:.2f}"
            print(f"| {r['effect']} | {r['size']} | {r['depth']} | {r['lang']} | "
                  f"{r['median']:.2f} | {calm} | {r['readable']} | {r['rows']} | "
                  f"{'yes' if r['ok'] else 'NO'} |")
        else:
            print(json.dumps(r, ensure_ascii=False))
    failed = [r["case"] for r in results if not r["ok"]]
    print(f"legibility cases: {len(results) - len(failed)} readable, {len(failed)} not")
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
