//! The bytes that turn what a terminal shows into the next frame, as few as we can argue for.
//!
//! ratatui's crossterm backend writes every changed cell as an absolute cursor move (unless it
//! directly follows the previous one) plus a full foreground *and* background colour, and resets
//! the colours at the end of every frame. On a kiosk or an SSH link most of those bytes repeat
//! what the terminal already has. [`Encoder`] writes the same picture with:
//!
//! - **Only visible changes.** A blank cell shows only its background (and the few attributes
//!   visible on a blank: reverse, underline, strike-through, blink), so a blank whose
//!   foreground changed is not rewritten, and writing a blank never changes the foreground.
//! - **One SGR per style change**, holding only what changed (`ESC[38;5;196m` rather than
//!   foreground + background + reset), or a reset plus the new style when that is shorter. The
//!   pen carries over from one frame to the next: nothing else writes styles between frames.
//! - **The shortest cursor motion**: nothing when the cursor is already there, the skipped
//!   cells themselves when they are one or two bytes in the current style, otherwise the
//!   shortest of `CUF` (`ESC[nC`), `CHA` (`ESC[nG`), CR + LFs, `CUD` and `CUP` (`ESC[y;xH`).
//!   The cursor is tracked across frames and forgotten whenever the screen may have been
//!   cleared or moved by someone else ([`Encoder::forget_cursor`]).
//! - **Short colour codes**: the 16 named colours as `30–37/90–97` (`40–47/100–107` for
//!   backgrounds), which every terminal including the Linux console knows.
//!
//! Wide glyphs: a changed cell that overlaps a double-width glyph, in what is shown or in the
//! next frame, makes the whole glyph's columns dirty, so a half-overwritten glyph is always
//! repaired; the columns covered by a wide glyph are never written. A glyph that does not fit
//! before the right edge, or has no width at all, is written as a blank so the cursor position
//! stays known. Cells marked skip are never written.

use ratatui::buffer::{Buffer, Cell, CellDiffOption};
use ratatui::style::{Color, Modifier};
use vitrine_effects::canvas::HalfBlock;
use vitrine_effects::{ansi, text};

/// Modifiers that show on a blank cell; the others only change how a glyph is drawn.
const VISIBLE_ON_BLANK: Modifier = Modifier::REVERSED
    .union(Modifier::UNDERLINED)
    .union(Modifier::SLOW_BLINK)
    .union(Modifier::RAPID_BLINK)
    .union(Modifier::CROSSED_OUT);

/// The longest run of unchanged cells rewritten instead of skipped with a cursor motion: a
/// motion is at least 3 bytes (`ESC[C`), so longer runs never win.
const MAX_GAP_REWRITE: u16 = 3;

/// The graphic rendition (SGR) state of the terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
}

/// Writes frames as the difference from what the terminal shows (see the module docs).
#[derive(Debug, Default)]
pub struct Encoder {
    /// Where the cursor is, if known. `x` may equal the width: the cursor is at the right
    /// margin with a wrap pending, which only an absolute move or CR leaves predictably.
    cursor: Option<(u16, u16)>,
    /// The terminal's pen, if known.
    pen: Option<Pen>,
    /// Per column of the current row: whether it must be written.
    dirty: Vec<bool>,
    /// Per column of the current row: the first column of the glyph covering it in the shown
    /// frame and in the next frame (itself, unless it is the tail of a wide glyph).
    shown_start: Vec<u16>,
    next_start: Vec<u16>,
    /// Per column of the next frame: the glyph's width (0 for a cell never written).
    width: Vec<u16>,
    /// Scratch for the two ways of writing an SGR.
    sgr_diff: Vec<u8>,
    sgr_reset: Vec<u8>,
}

impl Encoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// The screen may have been cleared or the cursor moved by someone else (a resize, a new
    /// client): the next frame starts with an absolute cursor move.
    pub fn forget_cursor(&mut self) {
        self.cursor = None;
    }

    /// Forgets the cursor and the pen: the next frame starts with an absolute cursor move and
    /// a full style, so it draws correctly whatever was written before it (a stream that
    /// viewers may join at any frame).
    pub fn forget_state(&mut self) {
        self.cursor = None;
        self.pen = None;
    }

    /// Appends to `out` the bytes that change a terminal showing `shown` into one showing
    /// `next`, and nothing when they look the same. With `shown` = `None` (after a clear, a
    /// resize, or at the start) every cell is written. `shown` must have `next`'s area.
    pub fn encode(&mut self, shown: Option<&Buffer>, next: &Buffer, out: &mut Vec<u8>) {
        let area = next.area;
        let w = usize::from(area.width);
        if let Some(shown) = shown {
            assert_eq!(
                shown.area, area,
                "the shown frame must have the next frame's area"
            );
        }
        for v in [&mut self.shown_start, &mut self.next_start, &mut self.width] {
            v.resize(w, 0);
        }
        self.dirty.resize(w, false);
        for row in 0..area.height {
            let range = usize::from(row) * w..usize::from(row + 1) * w;
            let next_row = &next.content[range.clone()];
            let shown_row = shown.map(|s| &s.content[range]);
            if self.mark_row(shown_row, next_row) {
                self.write_row(next_row, area.width, row, out);
            }
        }
    }

    /// Fills `dirty`, the glyph starts and widths for one row; returns whether any cell must
    /// be written. Widths are only looked at in rows that changed.
    fn mark_row(&mut self, shown: Option<&[Cell]>, next: &[Cell]) -> bool {
        let w = next.len();
        let any = match shown {
            None => {
                self.dirty.fill(true);
                true
            }
            Some(shown) => {
                let mut any = false;
                for ((dirty, a), b) in self.dirty.iter_mut().zip(shown).zip(next) {
                    *dirty = !looks_same(a, b) || b.diff_option == CellDiffOption::AlwaysUpdate;
                    any |= *dirty;
                }
                any
            }
        };
        if !any {
            return false;
        }
        let mut wide = false;
        let (mut shown_end, mut next_end) = (0, 0);
        let (mut shown_from, mut next_from) = (0, 0);
        for x in 0..w {
            let cell = &next[x];
            let x16 = x as u16;
            // Glyph extents in the next frame.
            if x >= next_end {
                // Skipped cells are never written; a zero-width glyph is written as a blank.
                let width = if is_skip(cell) {
                    0
                } else {
                    glyph_width(cell).max(1)
                };
                self.width[x] = width;
                next_from = x16;
                next_end = x + usize::from(width.max(1));
                wide |= width != 1;
            } else {
                self.width[x] = 0;
            }
            self.next_start[x] = next_from;
            // ...and in what is shown.
            if let Some(shown) = shown {
                if x >= shown_end {
                    let width = glyph_width(&shown[x]).max(1);
                    shown_from = x16;
                    shown_end = x + usize::from(width);
                    wide |= width != 1;
                }
                self.shown_start[x] = shown_from;
            }
        }
        if wide && shown.is_some() {
            self.spread_over_wide_glyphs(w);
        }
        true
    }

    /// A dirty column inside a wide glyph (shown or next) makes the whole glyph dirty, and
    /// that may reach into the neighbouring glyph; repeats until nothing changes. Only rows
    /// holding a wide glyph come here.
    fn spread_over_wide_glyphs(&mut self, w: usize) {
        let span = |starts: &[u16], x: usize| {
            let start = usize::from(starts[x]);
            let end = (start + 1..w)
                .find(|&c| usize::from(starts[c]) != start)
                .unwrap_or(w);
            start..end
        };
        let mut changed = true;
        while changed {
            changed = false;
            for x in 0..w {
                if !self.dirty[x] {
                    continue;
                }
                for starts in [&self.shown_start, &self.next_start] {
                    for c in span(starts, x) {
                        if !self.dirty[c] {
                            self.dirty[c] = true;
                            changed = true;
                        }
                    }
                }
            }
        }
    }

    /// Writes the dirty cells of row `y`.
    fn write_row(&mut self, next: &[Cell], w: u16, y: u16, out: &mut Vec<u8>) {
        let mut x = 0;
        while x < w {
            let i = usize::from(x);
            let width = self.width[i];
            // Tails of wide glyphs and skipped cells have width 0 here: never written.
            if !self.dirty[i] || width == 0 {
                x += 1;
                continue;
            }
            let cell = &next[i];
            // A glyph that would not fit (or a zero-width one) is drawn as a blank.
            let fits = x + width <= w && glyph_width(cell) == width;
            self.move_to(x, y, w, next, out);
            let (symbol, target) = if fits {
                form(cell, self.pen)
            } else {
                (" ", target_pen(cell, true, self.pen))
            };
            self.set_pen(target, out);
            out.extend_from_slice(symbol.as_bytes());
            let advance = if fits { width } else { 1 };
            self.cursor = Some((x + advance, y));
            x += advance;
        }
    }

    /// Moves the cursor to `(x, y)` by the shortest means.
    fn move_to(&mut self, x: u16, y: u16, w: u16, row: &[Cell], out: &mut Vec<u8>) {
        let Some((cx, cy)) = self.cursor else {
            cup(x, y, out);
            return;
        };
        if (cx, cy) == (x, y) {
            return;
        }
        let pending_wrap = cx >= w;
        let mut best = cup_len(x, y);
        let mut how = Motion::Cup;
        let mut consider = |len: usize, motion: Motion| {
            if len < best {
                best = len;
                how = motion;
            }
        };
        if cy == y && !pending_wrap {
            if x > cx {
                if let Some(len) = self.gap_len(cx, x, row) {
                    consider(len, Motion::Rewrite);
                }
                consider(csi_len(x - cx, 1), Motion::Forward);
            } else {
                consider(csi_len(cx - x, 1), Motion::Back);
            }
            consider(csi_len(x + 1, 1), Motion::Column);
        }
        if y > cy {
            // CR, then LF down: the same whether or not the tty turns LF into CR LF.
            let down = usize::from(y - cy);
            let across = if x == 0 { 0 } else { csi_len(x, 1) };
            consider(1 + down + across, Motion::CrLf);
            if !pending_wrap && x == cx {
                consider(csi_len(y - cy, 1), Motion::Down);
            }
        }
        if y == cy && x == 0 {
            consider(1, Motion::CrLf);
        }
        match how {
            Motion::Cup => cup(x, y, out),
            Motion::Forward => csi(x - cx, 1, b'C', out),
            Motion::Back => csi(cx - x, 1, b'D', out),
            Motion::Column => csi(x + 1, 1, b'G', out),
            Motion::Down => csi(y - cy, 1, b'B', out),
            Motion::CrLf => {
                out.push(b'\r');
                out.extend(std::iter::repeat_n(b'\n', usize::from(y - cy)));
                if x > 0 {
                    csi(x, 1, b'C', out);
                }
            }
            Motion::Rewrite => {
                for cell in &row[usize::from(cx)..usize::from(x)] {
                    out.extend_from_slice(form(cell, self.pen).0.as_bytes());
                }
            }
        }
        self.cursor = Some((x, y));
    }

    /// The bytes needed to move from `from` to `to` on this row by writing the cells between
    /// again, if that can be done in the current pen without changing what they show.
    fn gap_len(&self, from: u16, to: u16, row: &[Cell]) -> Option<usize> {
        let pen = self.pen?;
        if to - from > MAX_GAP_REWRITE {
            return None;
        }
        let mut len = 0;
        for x in from..to {
            let i = usize::from(x);
            let cell = &row[i];
            // Only unchanged single-width cells (a dirty one is written anyway, later).
            if self.width[i] != 1 || glyph_width(cell) != 1 {
                return None;
            }
            let (symbol, target) = form(cell, Some(pen));
            if target != pen {
                return None;
            }
            len += symbol.len();
        }
        Some(len)
    }

    /// Changes the terminal's pen to `target`.
    fn set_pen(&mut self, target: Pen, out: &mut Vec<u8>) {
        if self.pen == Some(target) {
            return;
        }
        self.sgr_reset.clear();
        self.sgr_reset.extend_from_slice(b"0");
        params_from_default(&target, &mut self.sgr_reset);
        let chosen = match self.pen {
            Some(pen) => {
                self.sgr_diff.clear();
                params_between(&pen, &target, &mut self.sgr_diff);
                if self.sgr_diff.len() <= self.sgr_reset.len() {
                    &self.sgr_diff
                } else {
                    &self.sgr_reset
                }
            }
            None => &self.sgr_reset,
        };
        out.extend_from_slice(b"\x1b[");
        out.extend_from_slice(chosen);
        out.push(b'm');
        self.pen = Some(target);
    }
}

#[derive(Clone, Copy)]
enum Motion {
    Cup,
    Forward,
    Back,
    Column,
    Down,
    CrLf,
    Rewrite,
}

/// How to write `cell` when the terminal's pen is `pen`: the glyph and the pen it needs.
///
/// A pixel cell (see [`pixels`]) has equivalent forms: a full block is also a blank on that
/// background, and two stacked colours are `▀` or `▄` with the colours swapped. The form that needs the shortest pen change wins (the cell's own
/// form on a tie). A colour only moves to the background if every terminal can show it there
/// (see [`can_be_background`]).
fn form(cell: &Cell, pen: Option<Pen>) -> (&str, Pen) {
    let symbol = cell.symbol();
    let own = (symbol, target_pen(cell, symbol == " ", pen));
    let (Some(pen), Some((top, bottom))) = (pen, pixels(cell)) else {
        return own;
    };
    let mut best = own;
    let mut best_cost = sgr_cost(&pen, &own.1) + symbol.len();
    let mut consider = |symbol: &'static str, fg: Color, bg: Color, modifier: Modifier| {
        if bg != cell.bg && !can_be_background(bg) {
            return;
        }
        let target = Pen {
            fg,
            bg,
            underline: pen.underline,
            modifier,
        };
        let cost = sgr_cost(&pen, &target) + symbol.len();
        if cost < best_cost {
            best = (symbol, target);
            best_cost = cost;
        }
    };
    if top == bottom {
        // A blank keeps the foreground and the attributes that do not show on it. A blank is
        // never turned into `█`: with fonts whose block does not fill the cell that would add
        // seams the picture did not have (it saved ~5 % of glitch's bytes, nothing elsewhere).
        consider(" ", pen.fg, top, pen.modifier - VISIBLE_ON_BLANK);
    } else {
        consider("▀", top, bottom, Modifier::empty());
        consider("▄", bottom, top, Modifier::empty());
    }
    best
}

/// The top and bottom colours of a cell that is two stacked pixels: a blank, `▀`, `▄` or `█`
/// with no attributes that show and no default colour showing (the default foreground and background
/// are different colours, so they cannot trade places).
fn pixels(cell: &Cell) -> Option<(Color, Color)> {
    let block = HalfBlock::of(cell.symbol())?;
    // A blank shows none of the glyph-only attributes (bold, italic...).
    let hidden = if block == HalfBlock::Blank {
        cell.modifier - VISIBLE_ON_BLANK
    } else {
        Modifier::empty()
    };
    if !(cell.modifier - hidden).is_empty() {
        return None;
    }
    let (top, bottom) = block.halves(cell.fg, cell.bg);
    (top != Color::Reset && bottom != Color::Reset).then_some((top, bottom))
}

/// Whether a colour shows as a background everywhere: not the bright ANSI colours, which the
/// Linux console and VGA text mode cannot show behind text (the 16-colour pass never puts them
/// there, so neither may the encoder).
fn can_be_background(color: Color) -> bool {
    color != Color::Reset && !ansi::is_bright(color)
}

/// About how many bytes an SGR changing `from` into `to` takes (0 when they are equal).
fn sgr_cost(from: &Pen, to: &Pen) -> usize {
    if from == to {
        return 0;
    }
    let mut params = 0;
    let mut count = |len: usize| params += len + 1;
    if from.fg != to.fg {
        count(color_len(to.fg));
    }
    if from.bg != to.bg {
        count(color_len(to.bg));
    }
    if from.underline != to.underline {
        count(color_len(to.underline));
    }
    for _ in (from.modifier ^ to.modifier).iter() {
        count(2);
    }
    // `ESC [` and `m`, less the separator counted for the first parameter.
    2 + params
}

/// The length of one colour's SGR parameter (see [`color_param`]).
fn color_len(color: Color) -> usize {
    match color {
        Color::Reset => 2,
        Color::Indexed(n) => 5 + digits(u16::from(n)),
        Color::Rgb(r, g, b) => {
            7 + [r, g, b]
                .iter()
                .map(|&c| digits(u16::from(c)))
                .sum::<usize>()
        }
        named => 2 + usize::from(ansi::named_index(named).is_some_and(|n| n >= 8)),
    }
}

/// The pen that draws `cell`, keeping from `pen` whatever does not show (the foreground and
/// the glyph-only attributes of a blank, the underline colour without underline).
fn target_pen(cell: &Cell, blank: bool, pen: Option<Pen>) -> Pen {
    let blank = blank && !cell.modifier.intersects(VISIBLE_ON_BLANK);
    let mut target = Pen {
        fg: cell.fg,
        bg: cell.bg,
        underline: cell.underline_color,
        modifier: cell.modifier,
    };
    if let Some(pen) = pen {
        if blank {
            target.fg = pen.fg;
            target.modifier = pen.modifier - VISIBLE_ON_BLANK;
        }
        if !target.modifier.contains(Modifier::UNDERLINED) {
            target.underline = pen.underline;
        }
    }
    target
}

/// Whether two cells look the same on screen.
fn looks_same(a: &Cell, b: &Cell) -> bool {
    // Most cells of most frames are unchanged: settle those first, cheapest fields first.
    let same_style = a.fg == b.fg
        && a.bg == b.bg
        && a.modifier == b.modifier
        && a.underline_color == b.underline_color;
    if same_style && same_symbol(a.symbol(), b.symbol()) {
        return true;
    }
    if let (Some(a), Some(b)) = (pixels(a), pixels(b)) {
        return a == b;
    }
    if a.symbol() != b.symbol() || a.bg != b.bg {
        return false;
    }
    let visible = a.modifier & VISIBLE_ON_BLANK;
    if a.symbol() == " " && visible.is_empty() && (b.modifier & VISIBLE_ON_BLANK).is_empty() {
        return true;
    }
    a.fg == b.fg
        && a.modifier == b.modifier
        && (!a.modifier.contains(Modifier::UNDERLINED) || a.underline_color == b.underline_color)
}

/// String equality without a `memcmp` call for the one- to four-byte symbols of nearly every
/// cell (this runs for every cell of every frame).
fn same_symbol(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    if a.len() > 4 {
        return a == b;
    }
    a.iter().zip(b).all(|(x, y)| x == y)
}

#[allow(deprecated)] // `skip` is still honoured by ratatui's own diff; so here.
fn is_skip(cell: &Cell) -> bool {
    cell.diff_option == CellDiffOption::Skip
        || (cell.skip && cell.diff_option == CellDiffOption::None)
}

/// Columns the cell's glyph takes (its forced width, if it has one).
fn glyph_width(cell: &Cell) -> u16 {
    match cell.diff_option {
        CellDiffOption::ForcedWidth(w) => w.get(),
        _ => text::cell_width(cell.symbol()),
    }
}

/// SGR parameters that change `from` into `to`.
fn params_between(from: &Pen, to: &Pen, out: &mut Vec<u8>) {
    let removed = from.modifier - to.modifier;
    let mut added = to.modifier - from.modifier;
    let param = |out: &mut Vec<u8>, p: &[u8]| {
        if !out.is_empty() {
            out.push(b';');
        }
        out.extend_from_slice(p);
    };
    let intensity = Modifier::BOLD | Modifier::DIM;
    if removed.intersects(intensity) {
        param(out, b"22");
        added |= to.modifier & intensity;
    }
    let blink = Modifier::SLOW_BLINK | Modifier::RAPID_BLINK;
    if removed.intersects(blink) {
        param(out, b"25");
        added |= to.modifier & blink;
    }
    for (flag, code) in [
        (Modifier::ITALIC, b"23"),
        (Modifier::UNDERLINED, b"24"),
        (Modifier::REVERSED, b"27"),
        (Modifier::HIDDEN, b"28"),
        (Modifier::CROSSED_OUT, b"29"),
    ] {
        if removed.contains(flag) {
            param(out, code);
        }
    }
    set_modifiers(added, out);
    if from.fg != to.fg {
        color_param(to.fg, Layer::Fg, out);
    }
    if from.bg != to.bg {
        color_param(to.bg, Layer::Bg, out);
    }
    if from.underline != to.underline {
        color_param(to.underline, Layer::Underline, out);
    }
}

/// SGR parameters that change the default pen into `to` (appended after a `0`).
fn params_from_default(to: &Pen, out: &mut Vec<u8>) {
    set_modifiers(to.modifier, out);
    for (color, layer) in [
        (to.fg, Layer::Fg),
        (to.bg, Layer::Bg),
        (to.underline, Layer::Underline),
    ] {
        if color != Color::Reset {
            color_param(color, layer, out);
        }
    }
}

fn set_modifiers(modifier: Modifier, out: &mut Vec<u8>) {
    for (flag, code) in [
        (Modifier::BOLD, b'1'),
        (Modifier::DIM, b'2'),
        (Modifier::ITALIC, b'3'),
        (Modifier::UNDERLINED, b'4'),
        (Modifier::SLOW_BLINK, b'5'),
        (Modifier::RAPID_BLINK, b'6'),
        (Modifier::REVERSED, b'7'),
        (Modifier::HIDDEN, b'8'),
        (Modifier::CROSSED_OUT, b'9'),
    ] {
        if modifier.contains(flag) {
            if !out.is_empty() {
                out.push(b';');
            }
            out.push(code);
        }
    }
}

#[derive(Clone, Copy)]
enum Layer {
    Fg,
    Bg,
    Underline,
}

fn color_param(color: Color, layer: Layer, out: &mut Vec<u8>) {
    if !out.is_empty() {
        out.push(b';');
    }
    // Base for named colours 0-7 and 8-15, the extended-colour introducer, the reset code.
    let (base, bright, extended, reset): (u8, u8, &[u8], &[u8]) = match layer {
        Layer::Fg => (30, 90, b"38", b"39"),
        Layer::Bg => (40, 100, b"48", b"49"),
        Layer::Underline => (0, 0, b"58", b"59"),
    };
    match color {
        Color::Reset => out.extend_from_slice(reset),
        Color::Indexed(n) => {
            out.extend_from_slice(extended);
            out.extend_from_slice(b";5;");
            number(u16::from(n), out);
        }
        Color::Rgb(r, g, b) => {
            out.extend_from_slice(extended);
            out.extend_from_slice(b";2;");
            for (i, c) in [r, g, b].into_iter().enumerate() {
                if i > 0 {
                    out.push(b';');
                }
                number(u16::from(c), out);
            }
        }
        named => {
            let n = ansi::named_index(named).unwrap_or(0);
            match layer {
                Layer::Underline => {
                    out.extend_from_slice(b"58;5;");
                    number(u16::from(n), out);
                }
                _ if n < 8 => number(u16::from(base + n), out),
                _ => number(u16::from(bright + n - 8), out),
            }
        }
    }
}

fn digits(n: u16) -> usize {
    match n {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1000..=9999 => 4,
        _ => 5,
    }
}

fn number(n: u16, out: &mut Vec<u8>) {
    let mut buf = [0u8; 5];
    let len = digits(n);
    let mut v = n;
    for slot in buf[..len].iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out.extend_from_slice(&buf[..len]);
}

/// Length of `ESC [ n final`, with `n` left out when it is the default.
fn csi_len(n: u16, default: u16) -> usize {
    3 + if n == default { 0 } else { digits(n) }
}

fn csi(n: u16, default: u16, final_byte: u8, out: &mut Vec<u8>) {
    out.extend_from_slice(b"\x1b[");
    if n != default {
        number(n, out);
    }
    out.push(final_byte);
}

fn cup_len(x: u16, y: u16) -> usize {
    match (x, y) {
        (0, 0) => 3,
        (0, _) => 3 + digits(y + 1),
        _ => 4 + digits(y + 1) + digits(x + 1),
    }
}

/// Absolute cursor position (`CUP`), leaving out the defaults.
fn cup(x: u16, y: u16, out: &mut Vec<u8>) {
    out.extend_from_slice(b"\x1b[");
    if (x, y) != (0, 0) {
        number(y + 1, out);
    }
    if x != 0 {
        out.push(b';');
        number(x + 1, out);
    }
    out.push(b'H');
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    use super::*;

    const SYMBOLS: [&str; 12] = [
        " ", " ", "a", "Z", "▀", "▀", "▄", "█", "é", "コ", "한", "🎉",
    ];
    const COLORS: [Color; 6] = [
        Color::Reset,
        Color::Red,
        Color::LightBlue,
        Color::Indexed(16),
        Color::Indexed(200),
        Color::Rgb(10, 20, 30),
    ];
    /// The modifiers the vt100 emulator keeps (it has no blink, hidden or strike-through, and
    /// treats bold and dim as one intensity).
    const MODIFIERS: [Modifier; 4] = [
        Modifier::BOLD,
        Modifier::ITALIC,
        Modifier::UNDERLINED,
        Modifier::REVERSED,
    ];

    fn style(fg: usize, bg: usize, mods: u8) -> Style {
        let modifier = MODIFIERS
            .iter()
            .enumerate()
            .filter(|(i, _)| mods & (1 << i) != 0)
            .fold(Modifier::empty(), |m, (_, f)| m | *f);
        Style::new()
            .fg(COLORS[fg % COLORS.len()])
            .bg(COLORS[bg % COLORS.len()])
            .add_modifier(modifier)
    }

    fn width_at(buf: &Buffer, x: u16, y: u16) -> u16 {
        text::cell_width(buf[(x, y)].symbol())
    }

    /// Writes one glyph the way ratatui does (the cell after a wide glyph reset) while keeping
    /// the buffer well-formed: a wide glyph that is partly overwritten becomes a blank.
    fn put(buf: &mut Buffer, x: u16, y: u16, symbol: &str, style: Style) {
        let w = buf.area.width;
        let width = text::cell_width(symbol);
        if x + width > w {
            return;
        }
        if x > 0 && width_at(buf, x - 1, y) == 2 {
            buf[(x - 1, y)].set_symbol(" ");
        }
        if width == 2 && x + 2 < w && width_at(buf, x + 1, y) == 2 {
            buf[(x + 2, y)].reset();
        }
        buf[(x, y)].reset();
        buf[(x, y)].set_symbol(symbol).set_style(style);
        if width == 2 {
            buf[(x + 1, y)].reset();
        }
    }

    fn vt_color(color: Color) -> vt100::Color {
        match color {
            Color::Reset => vt100::Color::Default,
            Color::Indexed(n) => vt100::Color::Idx(n),
            Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
            named => vt100::Color::Idx(ansi::named_index(named).expect("named colour")),
        }
    }

    /// Asserts that the emulated screen shows `buf`, cell by cell, as a viewer would see it.
    fn assert_shows(screen: &vt100::Screen, buf: &Buffer, context: &str) {
        for y in 0..buf.area.height {
            let mut x = 0;
            while x < buf.area.width {
                let cell = &buf[(x, y)];
                let vt = screen.cell(y, x).expect("cell in range");
                let at = format!("{context}: cell ({x}, {y}) {cell:?} vs {vt:?}");
                let contents = if vt.contents().is_empty() {
                    " "
                } else {
                    vt.contents()
                };
                if let Some((top, bottom)) = pixels(cell) {
                    // Any of the equivalent forms will do.
                    let (fg, bg) = (vt.fgcolor(), vt.bgcolor());
                    let shown = match contents {
                        " " => (bg, bg),
                        "▀" => (fg, bg),
                        "▄" => (bg, fg),
                        "█" => (fg, fg),
                        other => panic!("{at}: {other:?} is not a pixel cell"),
                    };
                    assert_eq!(shown, (vt_color(top), vt_color(bottom)), "{at}");
                    assert!(!vt.inverse() && !vt.underline(), "{at}");
                    x += 1;
                    continue;
                }
                assert_eq!(contents, cell.symbol(), "{at}");
                assert_eq!(vt.bgcolor(), vt_color(cell.bg), "{at}");
                assert_eq!(
                    vt.inverse(),
                    cell.modifier.contains(Modifier::REVERSED),
                    "{at}"
                );
                let underlined = cell.modifier.contains(Modifier::UNDERLINED);
                assert_eq!(vt.underline(), underlined, "{at}");
                let blank = cell.symbol() == " " && !cell.modifier.intersects(VISIBLE_ON_BLANK);
                if !blank {
                    assert_eq!(vt.fgcolor(), vt_color(cell.fg), "{at}");
                    assert_eq!(vt.bold(), cell.modifier.contains(Modifier::BOLD), "{at}");
                    assert_eq!(
                        vt.italic(),
                        cell.modifier.contains(Modifier::ITALIC),
                        "{at}"
                    );
                }
                let width = text::cell_width(cell.symbol()).max(1);
                if width == 2 {
                    let tail = screen.cell(y, x + 1).expect("tail in range");
                    assert!(tail.is_wide_continuation(), "{at}: tail");
                }
                x += width;
            }
        }
    }

    /// One glyph written at a position: (x, y, symbol, fg, bg, modifiers).
    type Write = (u16, u16, usize, usize, usize, u8);

    /// A frame: whether the screen was cleared before it, and the glyphs changed.
    type Frame = (bool, Vec<Write>);

    fn frames() -> impl Strategy<Value = ((u16, u16), Vec<Frame>)> {
        (1u16..14, 1u16..6).prop_flat_map(|(w, h)| {
            let write = (0..w, 0..h, 0..SYMBOLS.len(), 0..6usize, 0..6usize, 0u8..16);
            let frame = (
                proptest::bool::weighted(0.1),
                prop::collection::vec(write, 0..40),
            );
            (Just((w, h)), prop::collection::vec(frame, 1..8))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Any sequence of frames, encoded as differences and played into a terminal emulator,
        /// leaves the emulator showing exactly the last frame (and every one before it).
        #[test]
        fn emulated_screen_shows_every_frame(((w, h), seq) in frames()) {
            let area = Rect::new(0, 0, w, h);
            let mut parser = vt100::Parser::new(h, w, 0);
            let mut encoder = Encoder::new();
            let mut shown: Option<Buffer> = None;
            let mut next = Buffer::empty(area);
            for (i, (clear, writes)) in seq.iter().enumerate() {
                for &(x, y, s, fg, bg, mods) in writes {
                    put(&mut next, x, y, SYMBOLS[s], style(fg, bg, mods));
                }
                if *clear {
                    parser.process(b"\x1b[2J");
                    encoder.forget_cursor();
                    shown = None;
                }
                let mut out = Vec::new();
                encoder.encode(shown.as_ref(), &next, &mut out);
                parser.process(&out);
                assert_shows(parser.screen(), &next, &format!("frame {i}, bytes {:?}", String::from_utf8_lossy(&out)));
                shown = Some(next.clone());
            }
        }
    }

    fn encode(shown: Option<&Buffer>, next: &Buffer, encoder: &mut Encoder) -> String {
        let mut out = Vec::new();
        encoder.encode(shown, next, &mut out);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn a_blank_whose_foreground_changed_is_not_written() {
        let area = Rect::new(0, 0, 4, 1);
        let mut shown = Buffer::empty(area);
        shown.set_style(area, Style::new().fg(Color::Red).bg(Color::Indexed(16)));
        let mut next = shown.clone();
        next.set_style(area, Style::new().fg(Color::Indexed(200)));
        let mut encoder = Encoder::new();
        assert_eq!(encode(Some(&shown), &next, &mut encoder), "");
        // With underline the foreground shows on a blank too.
        next.set_style(area, Style::new().add_modifier(Modifier::UNDERLINED));
        assert_ne!(encode(Some(&shown), &next, &mut encoder), "");
    }

    #[test]
    fn a_full_frame_sets_each_style_once_and_never_moves_the_cursor_in_a_row() {
        let area = Rect::new(0, 0, 3, 2);
        let mut next = Buffer::empty(area);
        next.set_string(
            0,
            0,
            "ab",
            Style::new().fg(Color::Indexed(196)).bg(Color::Indexed(16)),
        );
        next.set_string(
            2,
            0,
            "c",
            Style::new().fg(Color::Red).bg(Color::Indexed(16)),
        );
        next.set_string(
            0,
            1,
            "d ",
            Style::new().fg(Color::Red).bg(Color::Indexed(16)),
        );
        next.set_string(
            2,
            1,
            " ",
            Style::new().fg(Color::Green).bg(Color::Indexed(16)),
        );
        let mut encoder = Encoder::new();
        assert_eq!(
            encode(None, &next, &mut encoder),
            "\x1b[H\x1b[0;38;5;196;48;5;16mab\x1b[31mc\r\nd  "
        );
    }

    #[test]
    fn cursor_motion_is_the_shortest_that_is_safe() {
        let area = Rect::new(0, 0, 20, 3);
        let shown = Buffer::empty(area);
        let mut next = shown.clone();
        for (x, y) in [(0, 0), (2, 0), (10, 0), (19, 0), (0, 1), (5, 2), (4, 2)] {
            next[(x, y)].set_symbol("x");
        }
        let mut encoder = Encoder::new();
        // (0,0) home; (2,0) rewrites the blank between; (10,0) CUF 7; (19,0) CUF 8, which
        // leaves the cursor at the margin with a wrap pending: CR LF, not a relative move.
        // (0,1) then (4,2)..(5,2): CUP, as short as CR LF + CUF 4.
        assert_eq!(
            encode(Some(&shown), &next, &mut encoder),
            "\x1b[H\x1b[0mx x\x1b[7Cx\x1b[8Cx\r\nx\x1b[3;5Hxx"
        );
        // The next frame starts from where this one left the cursor (the blank between is
        // rewritten: one byte instead of `ESC[C`).
        let mut third = next.clone();
        third[(7, 2)].set_symbol("y");
        assert_eq!(encode(Some(&next), &third, &mut encoder), " y");
        encoder.forget_cursor();
        let mut fourth = third.clone();
        fourth[(7, 2)].set_symbol("z");
        assert_eq!(encode(Some(&third), &fourth, &mut encoder), "\x1b[3;8Hz");
    }

    #[test]
    fn style_changes_pick_the_shorter_of_a_difference_and_a_reset() {
        let area = Rect::new(0, 0, 3, 1);
        let mut next = Buffer::empty(area);
        let bold = Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
        next.set_string(0, 0, "a", bold.fg(Color::Indexed(100)));
        next.set_string(
            1,
            0,
            "b",
            Style::new()
                .fg(Color::Indexed(100))
                .add_modifier(Modifier::UNDERLINED),
        );
        next.set_string(2, 0, "c", Style::new().fg(Color::LightRed).bg(Color::Blue));
        let mut encoder = Encoder::new();
        assert_eq!(
            encode(None, &next, &mut encoder),
            "\x1b[H\x1b[0;1;4;38;5;100ma\x1b[22mb\x1b[0;91;44mc"
        );
    }

    #[test]
    fn pixel_cells_take_the_form_that_reuses_the_pen() {
        let area = Rect::new(0, 0, 4, 1);
        let (a, b, c) = (Color::Indexed(17), Color::Indexed(18), Color::Indexed(19));
        let mut next = Buffer::empty(area);
        next[(0, 0)].set_symbol("▀").set_fg(a).set_bg(b);
        // Same colours upside down: ▄ in the same pen.
        next[(1, 0)].set_symbol("▀").set_fg(b).set_bg(a);
        // A full block in the background colour: a blank, no pen change.
        next[(2, 0)].set_symbol("█").set_fg(b);
        // New top colour over the foreground colour: ▄ changes only the background.
        next[(3, 0)].set_symbol("▀").set_fg(c).set_bg(a);
        let mut encoder = Encoder::new();
        assert_eq!(
            encode(None, &next, &mut encoder),
            "\x1b[H\x1b[0;38;5;17;48;5;18m▀▄ \x1b[48;5;19m▄"
        );
        // A bright ANSI colour never moves to the background (the Linux console has none).
        let mut console = Buffer::empty(Rect::new(0, 0, 2, 1));
        console[(0, 0)]
            .set_symbol("▀")
            .set_fg(Color::Red)
            .set_bg(Color::Black);
        console[(1, 0)]
            .set_symbol("▀")
            .set_fg(Color::Black)
            .set_bg(Color::LightRed);
        let bytes = encode(None, &console, &mut Encoder::new());
        assert!(!bytes.contains("101"), "{bytes:?}");
    }

    /// Mixing is ordered, not error diffusion: the same picture maps to the same cells, so a
    /// static area costs nothing to send, and a change stays where it happened.
    #[test]
    fn a_static_area_encodes_to_zero_bytes_with_dithering_on() {
        use vitrine_effects::depth::{ColorDepth, ColorMapper, Dither};
        use vitrine_effects::{Context, Params, registry};

        // Water has every kind of mix; confetti's sky is shade glyphs at 256 colours.
        let area = Rect::new(0, 0, 60, 20);
        // The edit is a pixel that shows at every depth (in mono too) on that picture.
        let frames =
            [("water", (250, 20, 20)), ("confetti", (250, 250, 250))].map(|(name, edit)| {
                let info = registry::find(name).expect(name);
                let mut fx = (info.build)(&Context::new(3, "Welcome"), &Params::default()).unwrap();
                let mut frame = Buffer::empty(area);
                fx.render(area, &mut frame);
                (frame, Color::Rgb(edit.0, edit.1, edit.2))
            });
        let depths = [ColorDepth::Ansi256, ColorDepth::Ansi16, ColorDepth::Mono];
        for ((frame, edit), depth) in frames.iter().flat_map(|f| depths.map(|d| (f, d))) {
            let mut mapper = ColorMapper::new(depth, Dither::Ordered);
            let mapped = |mapper: &mut ColorMapper, frame: &Buffer| {
                let mut buf = frame.clone();
                mapper.apply(&mut buf, area);
                buf
            };
            let first = mapped(&mut mapper, frame);
            let second = mapped(&mut mapper, frame);
            let mut encoder = Encoder::new();
            assert_ne!(encode(None, &first, &mut encoder), "");
            assert_eq!(encode(Some(&first), &second, &mut encoder), "", "{depth:?}");
            // One pixel changes: one cell is written, whatever the pattern around it.
            let mut edited = frame.clone();
            edited[(30, 10)].set_symbol("▀").set_fg(*edit);
            let third = mapped(&mut mapper, &edited);
            let changed = (second.content.iter().zip(&third.content))
                .filter(|(a, b)| !looks_same(a, b))
                .count();
            assert_eq!(changed, 1, "{depth:?}");
        }
    }

    #[test]
    fn replacing_a_wide_glyph_repaints_both_columns() {
        let area = Rect::new(0, 0, 4, 1);
        let mut shown = Buffer::empty(area);
        shown.set_string(0, 0, "コ", Style::new().bg(Color::Red));
        let mut next = Buffer::empty(area);
        next.set_string(0, 0, "a", Style::new().bg(Color::Red));
        let mut encoder = Encoder::new();
        let mut parser = vt100::Parser::new(1, 4, 0);
        let mut out = Vec::new();
        encoder.encode(None, &shown, &mut out);
        encoder.encode(Some(&shown), &next, &mut out);
        parser.process(&out);
        assert_shows(parser.screen(), &next, "wide replaced");
        // A wide glyph whose tail is past the edge is drawn as a blank.
        let mut edge = Buffer::empty(Rect::new(0, 0, 1, 1));
        edge[(0, 0)].set_symbol("コ");
        assert_eq!(encode(None, &edge, &mut Encoder::new()), "\x1b[H\x1b[0m ");
    }
}
