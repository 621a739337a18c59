#!/usr/bin/env python3
"""Bytes per changed cell in a terminal capture, against the shortest encoding we can argue.

    scripts/frame-stats.py --size 200x60 CAPTURE
    scripts/frame-stats.py RECORDING.cast

CAPTURE is what a program wrote to its terminal (e.g. `ptybench.py --save CAPTURE`); a file
ending in `.cast` is an asciicast v2 recording (`vitrine record`), whose output events are
concatenated and whose header gives the size. Frames are the synchronized updates
(ESC[?2026h ... ESC[?2026l). Each frame is played into a terminal
emulator (pyte); a cell "changed" when it looks different afterwards. Half-block pixel cells
(blank, ▀, ▄, █) are compared by the colours of their two halves, so writing the same picture
in another form is not a change.

The floor is the fewest bytes this frame's changed cells can be written in with the same
vocabulary (CUP/CUF/CR/LF motions, SGR 38;5/48;5 colours, or 38;2/48;2 with --truecolor, UTF-8
glyphs), found per row by
dynamic programming over the pen (foreground, background) through every choice of form
(▀ or ▄, blank or █), plus the 16 bytes of the synchronized-output brackets. It leaves out
only tricks most terminals lack (REP, scrolling regions).
"""
import argparse, json, re, sys

import pyte
from pyte.graphics import FG_BG_256

BEGIN, END = b"\x1b[?2026h", b"\x1b[?2026l"
PIXELS = {" ", "▀", "▄", "█"}
INDEX = {c: i for i, c in enumerate(FG_BG_256)}  # pyte's hex colour -> 256 index


def look(ch):
    """How a cell looks: the two half colours of a pixel cell, else everything."""
    attrs = (ch.bold, ch.italics, ch.underscore, ch.reverse, ch.strikethrough, ch.blink)
    if ch.data in PIXELS and not any(attrs[2:]) and "default" not in (ch.fg, ch.bg):
        halves = {" ": (ch.bg, ch.bg), "▀": (ch.fg, ch.bg), "▄": (ch.bg, ch.fg), "█": (ch.fg, ch.fg)}
        return ("px",) + halves[ch.data]
    fg = None if ch.data == " " and not any(attrs[2:]) else ch.fg
    return ("tx", ch.data, fg, ch.bg, attrs)


TRUECOLOR = False  # set by --truecolor: an RGB colour is written as 38;2;R;G;B


def color_len(c):
    """Bytes of one colour parameter as the encoder writes it."""
    if c is None or c == "default":
        return 2
    if TRUECOLOR and re.fullmatch(r"[0-9a-f]{6}", c):
        return 5 + sum(len(str(int(c[i:i + 2], 16))) + 1 for i in (0, 2, 4)) - 1
    n = INDEX.get(c)
    if n is None:  # a named colour (30-37 / 90-97)
        return 2
    return 5 + len(str(n))


def sgr_cost(pen, fg, bg):
    if pen is None:
        return 3 + 2 + (color_len(fg) + 1 if fg else 0) + (color_len(bg) + 1 if bg else 0)
    params = [color_len(x) for x, y in ((fg, pen[0]), (bg, pen[1])) if x is not None and x != y]
    return 0 if not params else 2 + sum(p + 1 for p in params)


def forms(cell):
    """(glyph bytes, fg or None for free, bg or None for free) ways to draw a changed cell."""
    if cell[0] == "px":
        top, bottom = cell[1], cell[2]
        if top == bottom:
            return [(1, None, top), (3, top, None)]
        return [(3, top, bottom), (3, bottom, top)]
    _, data, fg, bg, _ = cell
    return [(len(data.encode()), fg, bg)]


def move_cost(cx, cy, x, y):
    if cx is None:
        return 3 + len(str(y + 1)) + (1 + len(str(x + 1)) if x else 0)
    if (cx, cy) == (x, y):
        return 0
    cup = 3 + len(str(y + 1)) + (1 + len(str(x + 1)) if x else 0)
    best = cup
    if cy == y and x > cx:
        n = x - cx
        best = min(best, 3 + (len(str(n)) if n > 1 else 0))
    if y > cy:
        best = min(best, 1 + (y - cy) + (3 + (len(str(x)) if x > 1 else 0) if x else 0))
    return best


def floor_bytes(changed, pen, cursor):
    """Fewest bytes for the changed cells [(y, x, look)] of one frame (see the module doc),
    starting from the terminal's `pen` (fg, bg) and `cursor` (x, y)."""
    total = len(BEGIN) + len(END)
    states = {pen: 0}  # pen -> cost; the pen carries over between rows
    for y, x, cell in changed:
        total += move_cost(cursor[0], cursor[1], x, y)
        cursor = (x + 1, y)
        nxt = {}
        for pen, cost in states.items():
            for glyph, fg, bg in forms(cell):
                new = (fg if fg is not None else (pen[0] if pen else None),
                       bg if bg is not None else (pen[1] if pen else None))
                c = cost + glyph + sgr_cost(pen, fg, bg)
                if c < nxt.get(new, 1 << 60):
                    nxt[new] = c
        states = dict(sorted(nxt.items(), key=lambda kv: kv[1])[:64])
    return total + (min(states.values()) if changed else 0)


TOKEN = re.compile(rb"\x1b\[\?2026[hl]|\x1b\[[0-9;]*m|\x1b\[[0-9;]*[HCDGBd]|[\r\n]|[^\x1b\r\n]+|\x1b.")


def categories(chunk):
    cats = {"framing": 0, "sgr": 0, "motion": 0, "glyphs": 0, "other": 0}
    for m in TOKEN.finditer(chunk):
        t = m.group(0)
        if t in (BEGIN, END):
            cats["framing"] += len(t)
        elif t.startswith(b"\x1b[") and t.endswith(b"m"):
            cats["sgr"] += len(t)
        elif t in (b"\r", b"\n") or (t.startswith(b"\x1b[") and t[-1:] in b"HCDGBd"):
            cats["motion"] += len(t)
        elif not t.startswith(b"\x1b"):
            cats["glyphs"] += len(t)
        else:
            cats["other"] += len(t)
    return cats


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="80x24")
    ap.add_argument("--skip", type=int, default=1, help="leading frames to leave out (the first full frame)")
    ap.add_argument("--truecolor", action="store_true", help="cost RGB colours as 38;2;R;G;B (a truecolor capture)")
    ap.add_argument("capture")
    a = ap.parse_args()
    global TRUECOLOR
    TRUECOLOR = a.truecolor
    cols, rows = map(int, a.size.split("x"))
    if a.capture.endswith(".cast"):
        with open(a.capture, encoding="utf-8") as f:
            header = json.loads(f.readline())
            cols, rows = header["width"], header["height"]
            events = [json.loads(line) for line in f if line.strip()]
        data = "".join(e[2] for e in events if e[1] == "o").encode("utf-8")
    else:
        data = open(a.capture, "rb").read()
    screen = pyte.Screen(cols, rows)
    stream = pyte.ByteStream(screen)
    parts = data.split(BEGIN)
    stream.feed(parts[0])
    frames = bytes_total = changed_total = floor_total = 0
    cats_total = {}
    for i, part in enumerate(parts[1:]):
        end = part.find(END)
        frame = BEGIN + (part[: end + len(END)] if end >= 0 else part)
        before = [[look(screen.buffer[y][x]) for x in range(cols)] for y in range(rows)]
        pen = (screen.cursor.attrs.fg, screen.cursor.attrs.bg)
        cursor = (screen.cursor.x, screen.cursor.y)
        stream.feed(frame)
        after = [[look(screen.buffer[y][x]) for x in range(cols)] for y in range(rows)]
        stream.feed(part[end + len(END):] if end >= 0 else b"")
        if i < a.skip:
            continue
        changed = [(y, x, after[y][x]) for y in range(rows) for x in range(cols) if after[y][x] != before[y][x]]
        frames += 1
        bytes_total += len(frame)
        changed_total += len(changed)
        floor_total += floor_bytes(changed, pen, cursor)
        for k, v in categories(frame).items():
            cats_total[k] = cats_total.get(k, 0) + v
    per = lambda v: round(v / max(changed_total, 1), 2)
    print(json.dumps(dict(
        frames=frames, bytes=bytes_total, changed_cells=changed_total,
        changed_per_frame=round(changed_total / max(frames, 1), 1),
        bytes_per_changed_cell=per(bytes_total),
        floor_bytes_per_changed_cell=per(floor_total),
        breakdown_per_changed_cell={k: per(v) for k, v in cats_total.items()},
    )))


main()
