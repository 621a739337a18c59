//! Big lettering: the kiosk message laid out like a sign and rasterised from outline fonts.
//!
//! Every effect that shows the message big (glitch, water, confetti's banner) draws it from a
//! [`Lettering`]: the message is laid out once per (message, size, fonts, grid) and the result
//! — a coverage [`Raster`] in the pixels of the effect's [`PixelGrid`] — is reused every frame.
//!
//! # Layout
//!
//! Like a sign: the largest size at which the whole message fits about 80 % of the width and
//! of the height, the same size for every line, each line centred. Lines wrap at spaces (and at
//! `\n`); Korean, Chinese and Japanese may also wrap between two syllables/characters, as Korean
//! typesetting does, when that makes the letters clearly bigger; a Latin word is broken only
//! when nothing else fits. When even the smallest readable size does not fit (a long message on
//! a tiny terminal) the message is laid out as normal-size text instead ([`Fit::Plain`]).
//!
//! # Glyphs
//!
//! Each character comes from the first face of the [`Fonts`] chain that has it. A grapheme no
//! face can draw (an emoji, a script with no font) keeps its place in the line and is drawn at
//! normal size by the effect ([`Raster::inline`]), centred on its line.
//!
//! # Coverage and colour depth
//!
//! The rasteriser's coverage (anti-aliasing) is kept as 0–255 per pixel; effects blend ink over
//! their background by it. Where the terminal has few colours, in-between shades would turn into
//! arbitrary palette colours, so coverage is cut to ink or no ink there (see
//! [`shade_coverage`]).

use ab_glyph::{Font as _, GlyphId, PxScale, point};
use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use ratatui_core::style::Style;
use unicode_segmentation::UnicodeSegmentation;

use crate::canvas::PixelGrid;
use crate::depth::ColorDepth;
use crate::effect::Context;
use crate::font::{Fonts, Width};
use crate::text;

/// Share of the width and height the message may fill.
pub const FILL: f32 = 0.8;
/// Share of the width a single word may use when [`FILL`] would make it small.
const WIDE_FILL: f32 = 0.96;
/// Em size (in cell rows) under which [`WIDE_FILL`] is tried: a word of 7 wide letters on 80
/// columns.
const COMFORTABLE_EM_ROWS: f32 = 6.0;
/// Smallest em size in cell rows: Latin capitals about 3 rows tall.
const MIN_EM_ROWS: f32 = 4.25;
/// Blank space between two lines, in em.
const LINE_GAP_EM: f32 = 0.22;
/// How much bigger (as a factor) the condensed Latin must make small letters before it
/// replaces the display face.
const CONDENSED_GAIN: f32 = 1.2;
/// How much bigger (as a factor) breaking a Korean/CJK word between syllables must make the
/// letters before it is preferred to keeping the word whole.
const BREAK_GAIN: f32 = 1.15;

/// How glyph coverage reaches a terminal with `depth` colours, at raster pixel (`x`, `y`).
///
/// Truecolor and 256 colours keep every shade (the effect blends ink over its background by
/// it). With 16 colours or none a blend would land on whatever palette colour happens to be
/// nearest, so each pixel becomes ink or background: this is the one place to replace the cut
/// with ordered dithering.
pub fn shade_coverage(coverage: u8, depth: ColorDepth, _x: u16, _y: u16) -> u8 {
    match depth {
        ColorDepth::TrueColor | ColorDepth::Ansi256 => coverage,
        ColorDepth::Ansi16 | ColorDepth::Mono => {
            if coverage >= 128 {
                255
            } else {
                0
            }
        }
    }
}

/// A grapheme no font can draw, placed where it belongs in the big text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inline {
    pub text: String,
    /// Top-left pixel of its place in the raster; the place is [`text::width`] cells wide and
    /// one cell tall.
    pub x: u16,
    pub y: u16,
}

/// The message as pixel coverage (0 = background, 255 = ink), `width` × `height` pixels of
/// the grid it was laid out for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Raster {
    pub width: u16,
    pub height: u16,
    /// The em size in vertical pixels: effects scale their offsets by it.
    pub em: f32,
    /// Graphemes drawn at normal size (see [`Inline`]).
    pub inline: Vec<Inline>,
    coverage: Vec<u8>,
}

impl Raster {
    /// Coverage at (`x`, `y`); 0 outside the raster.
    #[inline]
    pub fn get(&self, x: i32, y: i32) -> u8 {
        if x < 0 || y < 0 || x >= i32::from(self.width) || y >= i32::from(self.height) {
            return 0;
        }
        self.coverage[y as usize * usize::from(self.width) + x as usize]
    }

    /// One row of coverage (empty outside the raster).
    pub fn row(&self, y: i32) -> &[u8] {
        if y < 0 || y >= i32::from(self.height) {
            return &[];
        }
        let w = usize::from(self.width);
        &self.coverage[y as usize * w..(y as usize + 1) * w]
    }

    /// Whether any pixel has ink.
    pub fn has_ink(&self) -> bool {
        self.coverage.iter().any(|&c| c > 0)
    }
}

/// Draws the graphemes of `raster` no font has (see [`Inline`]) at normal size in `style`,
/// where the raster keeps their place; `origin` is the raster's top-left pixel in `area`'s
/// pixels of `grid`.
pub fn draw_inline(
    buf: &mut Buffer,
    area: Rect,
    raster: &Raster,
    origin: (i32, i32),
    grid: PixelGrid,
    style: Style,
) {
    let (cx, cy) = grid.cell();
    let (cx, cy) = (i32::from(cx), i32::from(cy));
    for inline in &raster.inline {
        let col = (origin.0 + i32::from(inline.x)).div_euclid(cx);
        let row = (origin.1 + i32::from(inline.y) + cy / 2).div_euclid(cy);
        if !(0..i32::from(area.height)).contains(&row) {
            continue;
        }
        let y = area.y + row as u16;
        text::draw_line(
            buf,
            area,
            i32::from(area.x) + col,
            y,
            &inline.text,
            |_, _| style,
        );
    }
}

/// How a message fits an area.
#[derive(Clone, Debug, PartialEq)]
pub enum Fit {
    /// Big lettering, in pixels of the grid.
    Big(Raster),
    /// Normal-size text: wrapped lines, each at most the area's width.
    Plain(Vec<String>),
}

/// The message laid out for one area, cached: [`fit`](Lettering::fit) lays out and rasterises
/// only when the message, the size or the grid changed.
#[derive(Clone, Debug)]
pub struct Lettering {
    fonts: Fonts,
    grid: PixelGrid,
    depth: ColorDepth,
    message: String,
    cached: Option<((u16, u16), Fit)>,
}

impl Lettering {
    /// Lettering for `message` with the fonts, grid and colour depth of `ctx`.
    pub fn new(ctx: &Context, message: &str) -> Self {
        Self {
            fonts: ctx.fonts.clone(),
            grid: ctx.pixels,
            depth: ctx.depth,
            message: message.to_string(),
            cached: None,
        }
    }

    /// The message shown.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The grid the raster is laid out in.
    pub fn grid(&self) -> PixelGrid {
        self.grid
    }

    /// Replaces the message; the next [`fit`](Self::fit) lays it out.
    pub fn set_message(&mut self, message: &str) {
        if self.message != message {
            self.message = message.to_string();
            self.cached = None;
        }
    }

    /// The message laid out for `cols` × `rows` cells.
    pub fn fit(&mut self, cols: u16, rows: u16) -> &Fit {
        if self
            .cached
            .as_ref()
            .is_none_or(|(size, _)| *size != (cols, rows))
        {
            let fit = layout(
                &self.message,
                &self.fonts,
                self.grid,
                self.depth,
                (cols, rows),
            );
            self.cached = Some(((cols, rows), fit));
        }
        &self.cached.as_ref().expect("just laid out").1
    }
}

/// One grapheme of the message, measured in em (glyphs) and cells (normal-size fallback).
#[derive(Clone, Debug)]
struct Piece {
    kind: PieceKind,
    /// Advance in em.
    em: f32,
    /// Advance in cells (graphemes drawn at normal size).
    cells: u16,
    /// A wide (Korean/CJK) grapheme: lines may break between two of them.
    wide: bool,
}

#[derive(Clone, Debug)]
enum PieceKind {
    Space,
    Newline,
    /// Glyphs as (face, glyph, x offset in em) — several for a grapheme with combining marks.
    Glyphs(Vec<(usize, GlyphId, f32)>),
    Text(String),
}

/// Where lines may break.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Breaks {
    /// At spaces only.
    Words,
    /// Also between two wide (Korean/CJK) graphemes.
    Syllables,
    /// Anywhere (the last resort for a long Latin word).
    Anywhere,
}

/// The measured message.
struct Measured {
    pieces: Vec<Piece>,
    /// Prefix sums of `em` and `cells` over `pieces`, for O(1) line widths.
    em_before: Vec<f32>,
    cells_before: Vec<u32>,
    /// Highest ink above and lowest below the baseline over all glyphs, in em (y up).
    top: f32,
    bottom: f32,
}

fn measure(message: &str, fonts: &Fonts, width: Width) -> Measured {
    let mut pieces = Vec::new();
    let (mut top, mut bottom) = (f32::MIN, f32::MAX);
    let space_em = fonts.glyph(' ').map_or(0.3, |(face, id)| {
        let face = &fonts.faces()[face];
        face.font.h_advance_unscaled(id) / face.units_per_em
    });
    for g in message.graphemes(true) {
        let wide = text::grapheme_width(g) == 2;
        let piece = match g {
            " " => Piece {
                kind: PieceKind::Space,
                em: space_em,
                cells: 0,
                wide: false,
            },
            "\n" | "\r\n" => Piece {
                kind: PieceKind::Newline,
                em: 0.0,
                cells: 0,
                wide: false,
            },
            _ => {
                let glyphs: Option<Vec<_>> = g.chars().map(|c| fonts.glyph_in(c, width)).collect();
                match glyphs {
                    Some(glyphs) => {
                        let mut em = 0.0;
                        let mut placed = Vec::with_capacity(glyphs.len());
                        for (face_index, id) in glyphs {
                            let face = &fonts.faces()[face_index];
                            let upem = face.units_per_em;
                            if let Some(outline) = face.font.outline(id) {
                                top = top.max(outline.bounds.min.y / upem);
                                bottom = bottom.min(outline.bounds.max.y / upem);
                            }
                            placed.push((face_index, id, em));
                            em += face.font.h_advance_unscaled(id) / upem;
                        }
                        Piece {
                            kind: PieceKind::Glyphs(placed),
                            em,
                            cells: 0,
                            wide,
                        }
                    }
                    None => Piece {
                        kind: PieceKind::Text(g.to_string()),
                        em: 0.0,
                        cells: text::grapheme_width(g) as u16,
                        wide,
                    },
                }
            }
        };
        pieces.push(piece);
    }
    let mut em_before = Vec::with_capacity(pieces.len() + 1);
    let mut cells_before = Vec::with_capacity(pieces.len() + 1);
    let (mut em, mut cells) = (0.0, 0);
    for p in &pieces {
        em_before.push(em);
        cells_before.push(cells);
        em += p.em;
        cells += u32::from(p.cells);
    }
    em_before.push(em);
    cells_before.push(cells);
    Measured {
        pieces,
        em_before,
        cells_before,
        top,
        bottom,
    }
}

impl Measured {
    /// Width in pixels of pieces `a..b` at em size `em_x` horizontal pixels.
    fn width(&self, (a, b): (usize, usize), em_x: f32, cell_x: f32) -> f32 {
        (self.em_before[b] - self.em_before[a]) * em_x
            + (self.cells_before[b] - self.cells_before[a]) as f32 * cell_x
    }

    /// Height of the ink box of one line in em.
    fn extent(&self) -> f32 {
        self.top - self.bottom
    }

    /// Greedy line breaking: the pieces of each line (spaces at the ends left out), or `None`
    /// when a piece that may not be split does not fit `max` pixels.
    fn wrap(
        &self,
        breaks: Breaks,
        max: f32,
        em_x: f32,
        cell_x: f32,
    ) -> Option<Vec<(usize, usize)>> {
        let n = self.pieces.len();
        let fits = |range| self.width(range, em_x, cell_x) <= max;
        let mut lines = Vec::new();
        let mut start: Option<usize> = None; // first piece of the current line
        let mut i = 0;
        while i < n {
            match self.pieces[i].kind {
                PieceKind::Newline => {
                    lines.push((start.unwrap_or(i), i));
                    start = None;
                    i += 1;
                    continue;
                }
                PieceKind::Space => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
            // The next unbreakable unit from `i`.
            let mut end = i + 1;
            while end < n {
                let (prev, next) = (&self.pieces[end - 1], &self.pieces[end]);
                let boundary = matches!(next.kind, PieceKind::Space | PieceKind::Newline)
                    || match breaks {
                        Breaks::Words => false,
                        Breaks::Syllables => prev.wide && next.wide,
                        Breaks::Anywhere => true,
                    };
                if boundary {
                    break;
                }
                end += 1;
            }
            match start {
                Some(s) if fits((s, end)) => {}
                Some(s) => {
                    lines.push(trim(&self.pieces, s, i));
                    if !fits((i, end)) {
                        return None;
                    }
                    start = Some(i);
                }
                None => {
                    if !fits((i, end)) {
                        return None;
                    }
                    start = Some(i);
                }
            }
            i = end;
        }
        if let Some(s) = start {
            lines.push(trim(&self.pieces, s, n));
        }
        Some(lines)
    }
}

/// `a..b` without spaces at either end.
fn trim(pieces: &[Piece], mut a: usize, mut b: usize) -> (usize, usize) {
    while a < b && matches!(pieces[a].kind, PieceKind::Space) {
        a += 1;
    }
    while b > a && matches!(pieces[b - 1].kind, PieceKind::Space) {
        b -= 1;
    }
    (a, b)
}

/// A chosen size and its lines.
struct Choice {
    em: f32,
    breaks: Breaks,
    lines: Vec<(usize, usize)>,
}

/// The largest em size (vertical pixels) at which the message fits `max_w` × `max_h` pixels
/// with `breaks`, and its lines.
fn largest(
    m: &Measured,
    breaks: Breaks,
    grid: PixelGrid,
    (max_w, max_h): (f32, f32),
    min_em: f32,
) -> Option<Choice> {
    let (cell_x, cell_y) = grid.cell();
    let (cell_x, cell_y) = (f32::from(cell_x), f32::from(cell_y));
    let extent = m.extent().max(0.1);
    let mut em = (max_h / extent).floor();
    while em >= min_em {
        let em_x = em * grid.pixel_aspect();
        if let Some(lines) = m.wrap(breaks, max_w, em_x, cell_x) {
            let n = lines.len() as f32;
            let line_h = (extent * em).max(cell_y);
            let height = n * line_h + (n - 1.0) * LINE_GAP_EM * em;
            if height <= max_h {
                return Some(Choice { em, breaks, lines });
            }
        }
        em -= 1.0;
    }
    None
}

/// Lays out and rasterises `message` for `cols` × `rows` cells of `grid`.
pub fn layout(
    message: &str,
    fonts: &Fonts,
    grid: PixelGrid,
    depth: ColorDepth,
    (cols, rows): (u16, u16),
) -> Fit {
    let plain = || Fit::Plain(text::wrap(message, usize::from(cols)));
    if message.trim().is_empty() || cols == 0 || rows == 0 {
        return plain();
    }
    let display = measure(message, fonts, Width::Display);
    if display.top < display.bottom {
        return plain(); // no face has any of its glyphs
    }
    let (cell_x, cell_y) = grid.cell();
    let (w, h) = (
        f32::from(cols) * f32::from(cell_x),
        f32::from(rows) * f32::from(cell_y),
    );
    let min_em = MIN_EM_ROWS * f32::from(cell_y);
    let comfortable = COMFORTABLE_EM_ROWS * f32::from(cell_y);
    // The display face, unless its wide capitals come out small where the condensed Latin
    // would be clearly bigger (legibility first); words broken anywhere only as a last resort.
    let condensed = measure(message, fonts, Width::Condensed);
    let sized =
        |m: &Measured, anywhere: bool| best_size(m, anywhere, grid, (w, h), min_em, comfortable);
    let chosen = match (sized(&display, false), sized(&condensed, false)) {
        (Some(d), Some(c)) if d.0.em < comfortable && c.0.em >= d.0.em * CONDENSED_GAIN => {
            Some((&condensed, c))
        }
        (Some(d), _) => Some((&display, d)),
        (None, Some(c)) => Some((&condensed, c)),
        (None, None) => sized(&display, true).map(|d| (&display, d)),
    };
    match chosen {
        Some((m, (choice, max_w))) => {
            let lines = balance(m, &choice, grid, max_w);
            Fit::Big(rasterise(m, fonts, grid, depth, choice.em, &lines))
        }
        None => plain(),
    }
}

/// The biggest size for `m` in `w` × `h` pixels, first within [`FILL`] of the width, then,
/// when that is not [`COMFORTABLE_EM_ROWS`], within [`WIDE_FILL`]; with the width it used.
fn best_size(
    m: &Measured,
    anywhere: bool,
    grid: PixelGrid,
    (w, h): (f32, f32),
    min_em: f32,
    comfortable: f32,
) -> Option<(Choice, f32)> {
    let mut best: Option<(Choice, f32)> = None;
    for fill_w in [FILL, WIDE_FILL] {
        let bounds = (w * fill_w, h * FILL);
        let choice = if anywhere {
            largest(m, Breaks::Anywhere, grid, bounds, min_em)
        } else {
            let whole = largest(m, Breaks::Words, grid, bounds, min_em);
            let split = largest(m, Breaks::Syllables, grid, bounds, min_em);
            match (whole, split) {
                (Some(whole), Some(split)) if split.em >= whole.em * BREAK_GAIN => Some(split),
                (whole, split) => whole.or(split),
            }
        };
        if let Some(choice) = choice
            && best.as_ref().is_none_or(|(b, _)| choice.em > b.em)
        {
            best = Some((choice, bounds.0));
        }
        if best.as_ref().is_some_and(|(b, _)| b.em >= comfortable) {
            break;
        }
    }
    best
}

/// The same number of lines as `choice`, as even as they go: the narrowest width that still
/// wraps into that many lines ("환영합/니다" rather than "환영합니/다").
fn balance(m: &Measured, choice: &Choice, grid: PixelGrid, max_w: f32) -> Vec<(usize, usize)> {
    if choice.lines.len() < 2 {
        return choice.lines.clone();
    }
    let em_x = choice.em * grid.pixel_aspect();
    let cell_x = f32::from(grid.cell().0);
    let wrap = |width: f32| {
        m.wrap(choice.breaks, width, em_x, cell_x)
            .filter(|lines| lines.len() <= choice.lines.len())
    };
    let (mut lo, mut hi) = (0.0f32, max_w);
    while hi - lo > 0.5 {
        let mid = (lo + hi) / 2.0;
        if wrap(mid).is_some() {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    wrap(hi).unwrap_or_else(|| choice.lines.clone())
}

/// Draws `lines` of `m` at em size `em` into a raster just big enough for them.
fn rasterise(
    m: &Measured,
    fonts: &Fonts,
    grid: PixelGrid,
    depth: ColorDepth,
    em: f32,
    lines: &[(usize, usize)],
) -> Raster {
    let (cell_x, cell_y) = grid.cell();
    let em_x = em * grid.pixel_aspect();
    let line_h = (m.extent() * em).max(f32::from(cell_y));
    let pitch = line_h + LINE_GAP_EM * em;
    let widths: Vec<f32> = lines
        .iter()
        .map(|&l| m.width(l, em_x, f32::from(cell_x)))
        .collect();
    let width = widths.iter().fold(0.0f32, |a, &b| a.max(b)).ceil() as u16;
    let n = lines.len() as f32;
    let height = (n * line_h + (n - 1.0) * LINE_GAP_EM * em).ceil() as u16;
    let mut raster = Raster {
        width,
        height,
        em,
        inline: Vec::new(),
        coverage: vec![0; usize::from(width) * usize::from(height)],
    };
    let stride = usize::from(width);
    for (k, (&(a, b), &line_w)) in lines.iter().zip(&widths).enumerate() {
        let top = (k as f32 * pitch).round();
        let baseline = top + (m.top * em).round();
        let mut pen = ((f32::from(width) - line_w) / 2.0).round();
        for piece in &m.pieces[a..b] {
            match &piece.kind {
                PieceKind::Glyphs(glyphs) => {
                    for &(face_index, id, dx) in glyphs {
                        let face = &fonts.faces()[face_index];
                        // ab_glyph scales by ascent − descent; we lay out in em.
                        let per_em = face.font.height_unscaled() / face.units_per_em;
                        let scale = PxScale {
                            x: em_x * per_em,
                            y: em * per_em,
                        };
                        let position = point((pen + dx * em_x).round(), baseline);
                        let glyph = id.with_scale_and_position(scale, position);
                        let Some(outlined) = face.font.outline_glyph(glyph) else {
                            continue;
                        };
                        let bounds = outlined.px_bounds();
                        outlined.draw(|x, y, c| {
                            let px = bounds.min.x as i32 + x as i32;
                            let py = bounds.min.y as i32 + y as i32;
                            if px < 0 || py < 0 || px >= i32::from(width) || py >= i32::from(height)
                            {
                                return;
                            }
                            let i = py as usize * stride + px as usize;
                            let v = (c.clamp(0.0, 1.0) * 255.0).round() as u8;
                            raster.coverage[i] = raster.coverage[i].max(v);
                        });
                    }
                }
                PieceKind::Text(g) => raster.inline.push(Inline {
                    text: g.clone(),
                    x: pen.round().max(0.0) as u16,
                    y: (top + (line_h - f32::from(cell_y)) / 2.0).round().max(0.0) as u16,
                }),
                PieceKind::Space | PieceKind::Newline => {}
            }
            pen += piece.em * em_x + f32::from(piece.cells) * f32::from(cell_x);
        }
    }
    for y in 0..height {
        for x in 0..width {
            let i = usize::from(y) * stride + usize::from(x);
            raster.coverage[i] = shade_coverage(raster.coverage[i], depth, x, y);
        }
    }
    raster
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(message: &str, cols: u16, rows: u16) -> Fit {
        layout(
            message,
            &Fonts::bundled(),
            PixelGrid::Half,
            ColorDepth::TrueColor,
            (cols, rows),
        )
    }

    fn big(message: &str, cols: u16, rows: u16) -> Raster {
        match fit(message, cols, rows) {
            Fit::Big(r) => r,
            Fit::Plain(lines) => panic!("{message} at {cols}x{rows} is plain: {lines:?}"),
        }
    }

    /// The raster as text, one character per pixel: `#` ink, `+` partial, `.` none.
    fn ascii(r: &Raster) -> String {
        let mut s = String::new();
        for y in 0..i32::from(r.height) {
            for x in 0..i32::from(r.width) {
                s.push(match r.get(x, y) {
                    0..=40 => '.',
                    41..=200 => '+',
                    _ => '#',
                });
            }
            s.push('\n');
        }
        s
    }

    /// Rows of ink per line: the raster's rows that have ink, in runs.
    fn ink_runs(r: &Raster) -> usize {
        let mut runs = 0;
        let mut inside = false;
        for y in 0..i32::from(r.height) {
            let ink = r.row(y).iter().any(|&c| c > 0);
            runs += usize::from(ink && !inside);
            inside = ink;
        }
        runs
    }

    #[test]
    fn fills_about_eighty_percent_like_a_sign() {
        for (message, cols, rows) in [("WELCOME", 80, 24), ("WELCOME", 200, 60), ("HI", 80, 24)] {
            let r = big(message, cols, rows);
            let (w, h) = (f32::from(r.width), f32::from(r.height));
            let (cw, ch) = (f32::from(cols), f32::from(rows) * 2.0);
            assert!(
                w <= cw * WIDE_FILL + 1.0 && h <= ch * FILL + 1.0,
                "{message} {w}x{h}"
            );
            // Either the width or the height is (nearly) used up.
            assert!(
                w >= cw * 0.7 || h >= ch * 0.7,
                "{message} at {cols}x{rows}: {w}x{h}"
            );
            // Capitals at least 3 cell rows tall.
            assert!(h >= 6.0, "{message}: {h}");
        }
    }

    #[test]
    fn latin_snapshot_and_antialiasing() {
        let r = big("Hi", 20, 8);
        insta::assert_snapshot!(ascii(&r));
        let partial = (0..r.height as i32)
            .flat_map(|y| r.row(y).to_vec())
            .filter(|&c| c > 0 && c < 255)
            .count();
        assert!(partial > 0, "anti-aliased edges");
        let cut = layout(
            "Hi",
            &Fonts::bundled(),
            PixelGrid::Half,
            ColorDepth::Ansi16,
            (20, 8),
        );
        let Fit::Big(cut) = cut else { panic!() };
        assert!((0..cut.height as i32).all(|y| cut.row(y).iter().all(|&c| c == 0 || c == 255)));
    }

    #[test]
    fn wraps_at_spaces_with_one_size_for_every_line() {
        // Side by side on a very wide screen; on a less wide one two lines make bigger letters.
        let one = big("HELLO WORLD", 400, 20);
        assert_eq!(ink_runs(&one), 1);
        assert_eq!(ink_runs(&big("HELLO WORLD", 200, 20)), 2);
        let two = big("HELLO WORLD", 60, 24);
        assert_eq!(ink_runs(&two), 2);
        // Same size on every line: both lines' ink is equally tall.
        let rows: Vec<bool> = (0..i32::from(two.height))
            .map(|y| two.row(y).iter().any(|&c| c > 128))
            .collect();
        let first = rows.iter().position(|&b| b).unwrap();
        let first_end = first + rows[first..].iter().position(|&b| !b).unwrap();
        let second = first_end + rows[first_end..].iter().position(|&b| b).unwrap();
        let second_end = second
            + rows[second..]
                .iter()
                .position(|&b| !b)
                .unwrap_or(rows.len() - second);
        assert_eq!(first_end - first, second_end - second);
    }

    #[test]
    fn korean_is_big_and_breaks_between_syllables_when_it_pays() {
        let r = big("회의실 예약 현황", 80, 24);
        assert!(r.height >= 10, "{}", r.height);
        assert!(r.inline.is_empty());
        // A single long word on a narrow screen breaks between syllables rather than shrink.
        let narrow = big("환영합니다", 30, 24);
        assert!(ink_runs(&narrow) >= 2, "{}", ascii(&narrow));
        insta::assert_snapshot!(ascii(&big("한글", 24, 10)));
    }

    #[test]
    fn graphemes_without_a_font_keep_their_place_at_normal_size() {
        let r = big("HI 👋", 80, 24);
        assert_eq!(r.inline.len(), 1);
        assert_eq!(r.inline[0].text, "👋");
        assert!(r.inline[0].x + 2 <= r.width && r.inline[0].y + 2 <= r.height);
        // Nothing any font can draw: normal-size text.
        assert_eq!(fit("👋👋", 80, 24), Fit::Plain(vec!["👋👋".into()]));
    }

    #[test]
    fn too_small_falls_back_to_plain_and_never_panics() {
        assert_eq!(fit("HELLO", 20, 5), Fit::Plain(vec!["HELLO".into()]));
        assert_eq!(fit("x", 0, 0), Fit::Plain(vec![]));
        for (w, h) in [(1, 1), (0, 5), (5, 0), (3, 200), (400, 2), (1000, 1000)] {
            fit("Welcome 환영 👋\n second line", w, h);
        }
        // A Latin word too long for any size at full words is broken as the last resort.
        let long = big("SUPERCALIFRAGILISTIC", 40, 40);
        assert!(ink_runs(&long) >= 2);
    }

    #[test]
    fn finer_grids_lay_out_in_their_own_pixels() {
        for grid in [PixelGrid::Quadrant, PixelGrid::Sextant, PixelGrid::Octant] {
            let Fit::Big(r) = layout(
                "WELCOME",
                &Fonts::bundled(),
                grid,
                ColorDepth::TrueColor,
                (80, 24),
            ) else {
                panic!("{grid:?}")
            };
            let (cx, cy) = grid.cell();
            assert!(r.width <= 80 * cx && r.height <= 24 * cy, "{grid:?}");
            assert!(r.width >= 80 * cx * 6 / 10, "{grid:?}: {}", r.width);
        }
    }

    #[test]
    fn lettering_caches_per_size_and_message() {
        let ctx = Context::new(1, "Hi");
        let mut lettering = Lettering::new(&ctx, "Hi");
        let a = lettering.fit(40, 12).clone();
        let ptr = match lettering.fit(40, 12) {
            Fit::Big(r) => r.coverage.as_ptr(),
            Fit::Plain(_) => panic!(),
        };
        assert_eq!(lettering.fit(40, 12), &a);
        let again = match lettering.fit(40, 12) {
            Fit::Big(r) => r.coverage.as_ptr(),
            Fit::Plain(_) => panic!(),
        };
        assert_eq!(ptr, again, "not laid out again");
        lettering.set_message("Ho");
        assert_ne!(lettering.fit(40, 12), &a);
    }

    /// Every KS X 1001 syllable (the 2,350 of `assets/fonts/ksx1001-hangul.txt`) is in the
    /// bundled Hangul face and rasterises to ink.
    #[test]
    fn every_ks_x_1001_syllable_rasterises() {
        let list = include_str!("../../assets/fonts/ksx1001-hangul.txt").trim();
        assert_eq!(list.chars().count(), 2350);
        let fonts = Fonts::bundled();
        let hangul = &fonts.faces()[1];
        let mut empty = Vec::new();
        for c in list.chars() {
            let id = hangul.font.glyph_id(c);
            let ink = id.0 != 0
                && hangul
                    .font
                    .outline_glyph(id.with_scale(PxScale::from(16.0)))
                    .is_some_and(|g| {
                        let mut sum = 0.0;
                        g.draw(|_, _, c| sum += c);
                        sum > 4.0
                    });
            if !ink {
                empty.push(c);
            }
        }
        assert!(empty.is_empty(), "no ink for {empty:?}");
    }
}
