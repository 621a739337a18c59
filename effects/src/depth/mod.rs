//! Reducing a rendered frame to the colours a terminal can show.
//!
//! Effects draw in 24-bit RGB and never think about the terminal. One final pass,
//! [`ColorMapper::apply`], rewrites every cell of the finished frame for the chosen
//! [`ColorDepth`]:
//!
//! - **256 colours**: the xterm 6×6×6 cube and grey ramp (indices 16–255). Indices 0–15 are
//!   left out on purpose: every terminal theme redefines them.
//! - **16 colours**: the 16 ANSI colours (standard VGA values, which is what the Linux console
//!   shows). Backgrounds use only the 8 normal colours, because the Linux console and VGA text
//!   mode cannot show a bright background. Half-block pixel cells (`▀ ▄ █` and space) are
//!   rearranged so that a bright pixel is drawn as foreground, which keeps pixel art intact on
//!   the console. Matching weighs hue above lightness: a dark blue stays blue (over black),
//!   never grey.
//! - **Mono**: every colour is dropped. Pixel cells become `▀ ▄ █`, shades or blank by
//!   brightness (the threshold adapts to the frame, see [`ColorMapper`]); text keeps its glyphs,
//!   becomes reverse-video on a light background and dim when it was dark, so it stays readable.
//!
//! **Mixing** ([`Dither`]): a colour between palette colours is shown as an ordered mix of two
//! palette colours ([`Mix`]), chosen in linear light and judged in OKLab. Two tools, each
//! where it is right:
//!
//! - each half-block pixel takes one colour of its pair by a 4×4 Bayer pattern. At 256 colours
//!   the palette is dense, so a pair is two close colours and the pattern is faint...
//! - ...except where it is sparse (at most 2/16 of either colour, [`Shade`]): a sprinkle of
//!   single pixels reads as polka dots on a wall screen (confetti's night sky: a navy pixel in
//!   sixteen on black). Where a cell's two pixels want the same sparse mix, the scarce colour
//!   is drawn as the shade glyph `░` (or `▒ ▓`) over the ground on a share of the cells, by the
//!   ordered pattern over cells, at the glyph's *real* coverage: fonts do not draw shades at
//!   25 / 50 / 75 % (DejaVu Sans Mono, which the review pictures use, draws about 17 / 47 /
//!   77 % of the cell, and a light ink on a dark ground covers less in linear light than
//!   that). The ink is then spread at the font's own pixel scale, far finer.
//! - at 16 colours and in mono, where a pair is two far-apart colours, smooth areas (both
//!   pixels of a cell want the same pair) use the shade glyphs `░ ▒ ▓` with the pair as
//!   foreground and background, in quarters of a cell.
//!
//! The choice depends only on the cell's position and colours, so an unchanged area is
//! unchanged byte for byte and a moving gradient does not shimmer. Text (any glyph other than
//! the half blocks and a blank) is never dithered: its glyph takes the single nearest colour,
//! and at 256 colours its background the ground of the mix (the colour most of the pixels
//! around it show), so that a glyph on a mixed area sits on the same colour as its
//! neighbours.
//!
//! # Why this lives in the effects crate
//!
//! It is terminal *output* knowledge, but not terminal I/O: a pure function from a ratatui
//! [`Buffer`] to a [`Buffer`], with no writer, no escape codes and no environment. Keeping it
//! here lets anyone who draws these widgets into their own ratatui app on a 256- or 16-colour
//! terminal reduce the frame the same way, lets effects and big text share the ordered pattern
//! ([`ordered_threshold`]) for their own coverage, and keeps it benchmarked and tested headless
//! next to the frames it works on. Choosing the depth (the environment) and writing the bytes
//! (the encoder) are the binary's.
//!
//! # Cost
//!
//! The pass touches every cell of every frame, so it is kept to a table lookup per pixel: mixes
//! live in a table over RGB quantised to 32 levels per channel (32768 slots, built once per
//! mapper and filled lazily), glyphs are recognised by their bytes and rewritten only when
//! they change (copied from ready-made cells), mono's per-pixel lit share is a per-frame table
//! by brightness, and rows are walked as slices. Nothing is allocated per frame.

mod mix;

use ratatui_core::buffer::{Buffer, Cell};
use ratatui_core::layout::Rect;
use ratatui_core::style::{Color, Modifier};

pub use self::mix::{
    CellShade, Mix, Shade, cell_shade_256, nearest_256_by_hue, ordered_threshold, rank,
    row_shades_256,
};
use self::mix::{MixTable, Palette, STEPS};
use crate::ansi::{NAMED, rgb_of};
use crate::canvas::HalfBlock;
use crate::rgb::Rgb;
use crate::text;

/// How many colours the terminal can show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ColorDepth {
    /// 24-bit colour: the frame is left as drawn.
    #[default]
    TrueColor,
    /// The xterm 256-colour palette.
    Ansi256,
    /// The 16 ANSI colours (8 for backgrounds), as on the Linux console.
    Ansi16,
    /// No colour: shapes and text by glyphs and bold/dim/reverse only.
    Mono,
}

impl ColorDepth {
    /// A short name for messages: `truecolor`, `256`, `16` or `mono`.
    pub fn name(self) -> &'static str {
        match self {
            ColorDepth::TrueColor => "truecolor",
            ColorDepth::Ansi256 => "256",
            ColorDepth::Ansi16 => "16",
            ColorDepth::Mono => "mono",
        }
    }
}

/// Whether colours between palette colours are mixed (`--dither`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Dither {
    /// Ordered mixing below truecolor (truecolor has nothing to mix).
    #[default]
    Auto,
    /// Ordered mixing: shade glyphs in smooth areas, a Bayer pattern per pixel elsewhere.
    Ordered,
    /// The single nearest colour per pixel: flat, fewest bytes, dark colours may turn grey.
    None,
}

/// The xterm-256 index (16–255) nearest `c`, uncached.
pub fn nearest_256(c: Rgb) -> u8 {
    Palette::xterm256().nearest(c)
}

/// The ANSI index (0–15) nearest `c`, hue weighed above lightness, uncached.
pub fn nearest_16(c: Rgb) -> u8 {
    Palette::ansi16().nearest(c)
}

/// The cells of `area` (already clipped to `buf`) row by row with their row number: slices
/// rather than per-position indexing, since the pass runs over every cell of every frame.
fn rows_mut(buf: &mut Buffer, area: Rect) -> impl Iterator<Item = (u16, &mut [Cell])> {
    let width = usize::from(area.width);
    let (x, top) = (area.x, area.top());
    let first = if area.is_empty() {
        0
    } else {
        buf.index_of(x, top)
    };
    let stride = usize::from(buf.area.width);
    buf.content[first..]
        .chunks_mut(stride.max(1))
        .take(usize::from(area.height))
        .zip(top..)
        .map(move |(row, y)| {
            let len = width.min(row.len());
            (y, &mut row[..len])
        })
}

/// A glyph the pass draws a pixel cell with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Glyph {
    Block(HalfBlock),
    /// A shade glyph `░ ▒ ▓`: how many quarters (1–3) show the foreground.
    Shade(u8),
}

impl Glyph {
    /// A cell showing this glyph, in the default style.
    fn cell(self) -> &'static Cell {
        static CELLS: [Cell; 7] = [
            Cell::new(" "),
            Cell::new("▀"),
            Cell::new("▄"),
            Cell::new("█"),
            Cell::new("░"),
            Cell::new("▒"),
            Cell::new("▓"),
        ];
        let i = match self {
            Glyph::Block(HalfBlock::Blank) => 0,
            Glyph::Block(HalfBlock::Upper) => 1,
            Glyph::Block(HalfBlock::Lower) => 2,
            Glyph::Block(HalfBlock::Full) => 3,
            Glyph::Shade(quarters) => 3 + usize::from(quarters.clamp(1, 3)),
        };
        &CELLS[i]
    }

    /// Draws this glyph into `cell`, which shows `current`, keeping its style. The symbol is
    /// only rewritten when it changes (known without comparing strings), and then copied from
    /// a ready-made cell: `Cell::set_symbol` builds the string anew, which took a fifth of the
    /// pass.
    fn put(self, cell: &mut Cell, current: HalfBlock) {
        if self == Glyph::Block(current) {
            return;
        }
        let mut drawn = self.cell().clone();
        drawn.set_style(cell.style());
        drawn.diff_option = cell.diff_option;
        #[allow(deprecated)] // ratatui still honours the old flag: keep it as it was
        {
            drawn.skip = cell.skip;
        }
        *cell = drawn;
    }
}

/// A cell is smooth (drawn with a shade glyph) when its two pixels want the same pair of
/// colours with shares at most this far apart (sixteenths).
const SMOOTH_SPREAD: u8 = 4;

/// How a pixel cell is drawn once its two pixels' mixes are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Drawn<C> {
    /// A shade glyph (`quarters` of 1–3 show `fg`) or, for 0 or 4 quarters, a blank.
    Shade { quarters: u8, fg: C, bg: C },
    /// Two pixels, one colour each.
    Pixels { top: C, bottom: C },
}

/// Mixes shown on a cell of two pixels at (`x`, `y`): a shade glyph when the cell is smooth
/// and `shade` allows it, else one colour per pixel by the ordered pattern.
fn draw(top: Mix, bottom: Mix, x: u16, y: u16, shade: bool) -> Drawn<u8> {
    let smooth = if shade && !top.is_plain() {
        bottom
            .share_between(top.a, top.b)
            .filter(|other| top.share.abs_diff(*other) <= SMOOTH_SPREAD)
    } else {
        None
    };
    if let Some(other) = smooth {
        // Quarters of the cell, the remainder spread over cells by the ordered pattern.
        let sixteenths = (top.share + other).div_ceil(2);
        let extra = rank(x, y) < (sixteenths % 4) * 4;
        let quarters = sixteenths / 4 + u8::from(extra);
        return Drawn::Shade {
            quarters,
            fg: top.b,
            bg: top.a,
        };
    }
    let (top, bottom) = pixel_pair(top, bottom, x, y);
    Drawn::Pixels { top, bottom }
}

/// The pixel row of the top half of cell row `y` (the pattern only needs it modulo 4).
fn pixel_row(y: u16) -> u16 {
    y.wrapping_mul(2)
}

/// The palette colours of the two pixels of the cell at (`x`, `y`) by the ordered pattern.
fn pixel_pair(top: Mix, bottom: Mix, x: u16, y: u16) -> (u8, u8) {
    let row = pixel_row(y);
    (
        top.at(rank(x, row)),
        bottom.at(rank(x, row.wrapping_add(1))),
    )
}

/// What a pixel cell becomes: a glyph and its colours; `None` keeps the colour's plain mapping
/// where the glyph does not show it (the foreground of a blank), which costs no extra bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Look {
    glyph: Glyph,
    fg: Option<u8>,
    bg: Option<u8>,
}

impl Look {
    fn blank(bg: u8) -> Look {
        Look {
            glyph: Glyph::Block(HalfBlock::Blank),
            fg: None,
            bg: Some(bg),
        }
    }

    /// Writes this look into `cell`, which shows `current`, palette indices turned into colours
    /// by `color`; where the look keeps a colour, the cell's own colour mapped as text by
    /// `plain` (given whether it is the background).
    fn put(
        self,
        cell: &mut Cell,
        current: HalfBlock,
        color: impl Fn(u8) -> Color,
        mut plain: impl FnMut(Color, bool) -> Color,
    ) {
        self.glyph.put(cell, current);
        cell.fg = self.fg.map_or_else(|| plain(cell.fg, false), &color);
        cell.bg = self.bg.map_or_else(|| plain(cell.bg, true), &color);
    }
}

/// The look of two pixels with any palette colour as foreground or background (256 colours).
fn look_256(top: u8, bottom: u8) -> Look {
    if top == bottom {
        Look::blank(top)
    } else {
        Look {
            glyph: Glyph::Block(HalfBlock::Upper),
            fg: Some(top),
            bg: Some(bottom),
        }
    }
}

/// The shade of a cell whose two pixels want the same sparse mix (a smooth area, see
/// [`Shade`]), or `None`.
fn sparse_shade(top: Mix, bottom: Mix) -> Option<Shade> {
    let shade = top.shade?;
    (bottom.shade.is_some() && (bottom.a, bottom.b) == (top.a, top.b)).then_some(shade)
}

/// The look of a cell of sparse mix `mix` shown as `shade`: the shade glyph on the cells whose
/// ordered rank falls within its share of cells, a blank of the ground elsewhere.
fn shade_look(mix: Mix, shade: Shade, x: u16, y: u16) -> Look {
    if rank(x, y) < shade.cells {
        Look {
            glyph: Glyph::Shade(shade.glyph),
            fg: Some(mix.b),
            bg: Some(mix.a),
        }
    } else {
        Look::blank(mix.a)
    }
}

/// Whether an ANSI index is one of the bright colours (no background on the Linux console).
fn bright(n: u8) -> bool {
    n >= 8
}

/// The look of a drawn cell at 16 colours, where only the foreground may be bright: a bright
/// pixel goes to the foreground, a shade's coverage flips with its colours. `None` when both
/// colours are bright and different (the caller then picks the bottom pixel among the 8).
fn look_16(drawn: Drawn<u8>) -> Option<Look> {
    let pixels = |top: u8, bottom: u8| {
        Some(match (bright(top), bright(bottom)) {
            _ if top == bottom && bright(top) => Look {
                glyph: Glyph::Block(HalfBlock::Full),
                fg: Some(top),
                bg: None,
            },
            _ if top == bottom => Look::blank(top),
            (_, false) => Look {
                glyph: Glyph::Block(HalfBlock::Upper),
                fg: Some(top),
                bg: Some(bottom),
            },
            (false, true) => Look {
                glyph: Glyph::Block(HalfBlock::Lower),
                fg: Some(bottom),
                bg: Some(top),
            },
            (true, true) => return None,
        })
    };
    match drawn {
        Drawn::Shade {
            quarters: 0, bg, ..
        } => pixels(bg, bg),
        Drawn::Shade {
            quarters: 4, fg, ..
        } => pixels(fg, fg),
        Drawn::Shade { quarters, fg, bg } if !bright(bg) => Some(Look {
            glyph: Glyph::Shade(quarters),
            fg: Some(fg),
            bg: Some(bg),
        }),
        Drawn::Shade { quarters, fg, bg } if !bright(fg) => Some(Look {
            glyph: Glyph::Shade(4 - quarters),
            fg: Some(bg),
            bg: Some(fg),
        }),
        Drawn::Shade { .. } => None,
        Drawn::Pixels { top, bottom } => pixels(top, bottom),
    }
}

/// What a text cell is drawn with: colours and modifiers.
type Pen = (Color, Color, Modifier);

fn pen(cell: &Cell) -> Pen {
    (cell.fg, cell.bg, cell.modifier)
}

/// A blank that may be the background of text: its foreground and background differ.
fn is_blank_of_text(cell: &Cell, block: Option<HalfBlock>) -> bool {
    block == Some(HalfBlock::Blank) && cell.fg != cell.bg
}

/// Finds the blanks of a row that are the background of text rather than pixels: a run of
/// blanks sharing a foreground and background that differ, next to a text glyph drawn in the
/// same colours (the spaces of a line of text, an overlay's padding). Those take the flat
/// colour of the glyphs beside them, never a pattern.
///
/// Asked cell by cell while the row is rewritten left to right, so that the pass walks each
/// row once: it looks ahead only from the first blank of a run, and remembers the last glyph
/// as it was before being rewritten.
#[derive(Default)]
struct TextBlanks {
    /// Where the current run of blanks ends (exclusive), and whether it is text.
    run_end: usize,
    run_is_text: bool,
    /// The last glyph passed: its position and its pen as drawn.
    glyph: Option<(usize, Pen)>,
}

impl TextBlanks {
    /// Whether cell `i` of `row`, whose half-block form is `block`, is a blank of text. Ask for
    /// every cell in order, before rewriting it (the cells after it must be as drawn).
    fn is_text(&mut self, row: &[Cell], i: usize, block: Option<HalfBlock>) -> bool {
        if i < self.run_end {
            return self.run_is_text;
        }
        let cell = &row[i];
        if !is_blank_of_text(cell, block) {
            if block.is_none() {
                self.glyph = Some((i, pen(cell)));
            }
            return false;
        }
        let style = pen(cell);
        let end = (i + 1..row.len())
            .find(|&j| {
                let next = &row[j];
                !is_blank_of_text(next, HalfBlock::of(next.symbol())) || pen(next) != style
            })
            .unwrap_or(row.len());
        let glyph_before = i
            .checked_sub(1)
            .is_some_and(|l| self.glyph == Some((l, style)));
        let glyph_after = row
            .get(end)
            .is_some_and(|next| HalfBlock::of(next.symbol()).is_none() && pen(next) == style);
        self.run_end = end;
        self.run_is_text = glyph_before || glyph_after;
        self.run_is_text
    }
}

/// The glyph and RGB pixels of a cell that is two stacked pixels of concrete colour (not
/// reversed, not the terminal's default colours), or `None` for text and anything else.
#[inline(always)]
fn pixel_colors(cell: &Cell, block: Option<HalfBlock>) -> Option<(HalfBlock, Rgb, Rgb)> {
    let block = block?;
    if cell.modifier.contains(Modifier::REVERSED) {
        return None;
    }
    let (top, bottom) = block.halves(cell.fg, cell.bg);
    Some((block, rgb_of(top)?, rgb_of(bottom)?))
}

/// Luma 0..=255 (Rec. 709 weights, integer).
fn luma(c: Rgb) -> u8 {
    ((54 * u32::from(c.0) + 183 * u32::from(c.1) + 19 * u32::from(c.2) + 128) >> 8) as u8
}

/// Mono: the first frame's threshold when it has a single brightness.
const MONO_DEFAULT_THRESHOLD: f32 = 127.0;
/// Mono: how far the threshold moves toward each new frame's ideal (smooths out flicker).
const MONO_THRESHOLD_RATE: f32 = 0.3;
/// Mono: pixels at or below this luma never light up, whatever the frame.
const MONO_MIN_THRESHOLD: f32 = 24.0;
/// Mono: pixels above this luma always light up.
const MONO_MAX_THRESHOLD: f32 = 232.0;
/// Mono with mixing: the luma range around the threshold over which pixels go from dark to lit
/// (shaded in between); far from the threshold a pixel is plainly dark or lit, so a mid-tone
/// picture does not turn into an all-over grey.
const MONO_BAND: f32 = 48.0;
/// Mono: text whose brightest channel is below this is drawn dim.
const MONO_DIM_BELOW: u8 = 128;
/// Mono: text this close (per channel) to its background was invisible and stays so.
const MONO_INVISIBLE: u8 = 20;

/// Mono's two "palette colours": 0 is dark (the default background), 1 lit.
const MONO_DARK: u8 = 0;
const MONO_LIT: u8 = 1;

/// Maps a rendered frame to a [`ColorDepth`]; keep one per screen and call [`apply`] on each
/// finished frame.
///
/// In mono the brightness threshold between lit and dark pixels is chosen per frame by Otsu's
/// method (the split that best separates the frame's brightness histogram into two groups) and
/// then eased toward, so a mid-tone picture such as water keeps the message lit and its
/// background dark, and the picture does not flicker when the threshold moves.
///
/// [`apply`]: ColorMapper::apply
#[derive(Clone, Debug)]
pub struct ColorMapper {
    depth: ColorDepth,
    /// Whether to mix (the [`Dither`] choice resolved for the depth).
    mixing: bool,
    /// 256 and 16 colours: the mixes in the depth's palette (16 colours: for foregrounds and
    /// pixels).
    table: Option<MixTable>,
    /// 16 colours: the mixes in the 8 background colours.
    table8: Option<MixTable>,
    /// Mono: the current lit/dark luma threshold (`None` before the first frame).
    threshold: Option<f32>,
}

impl ColorMapper {
    /// A mapper for `depth` that mixes colours as `dither` says. The tables are allocated here,
    /// once.
    pub fn new(depth: ColorDepth, dither: Dither) -> Self {
        let mixing = Self::mixes(depth, dither);
        let (table, table8) = match depth {
            ColorDepth::Ansi256 => (Some(Palette::xterm256()), None),
            ColorDepth::Ansi16 => (Some(Palette::ansi16()), Some(Palette::ansi8())),
            ColorDepth::TrueColor | ColorDepth::Mono => (None, None),
        };
        Self {
            depth,
            mixing,
            table: table.map(|palette| MixTable::new(palette, mixing)),
            table8: table8.map(|palette| MixTable::new(palette, mixing)),
            threshold: None,
        }
    }

    fn mixes(depth: ColorDepth, dither: Dither) -> bool {
        match dither {
            Dither::Auto => depth != ColorDepth::TrueColor,
            Dither::Ordered => true,
            Dither::None => false,
        }
    }

    /// The depth this mapper reduces to.
    pub fn depth(&self) -> ColorDepth {
        self.depth
    }

    /// Rewrites every cell of `area` (clipped to `buf`) for the mapper's depth.
    pub fn apply(&mut self, buf: &mut Buffer, area: Rect) {
        let area = area.intersection(buf.area);
        match self.depth {
            ColorDepth::TrueColor => {}
            ColorDepth::Ansi256 => self.apply_256(buf, area),
            ColorDepth::Ansi16 => self.apply_16(buf, area),
            ColorDepth::Mono => {
                self.update_threshold(buf, area);
                let shares = MonoShares::new(self.threshold.unwrap_or(MONO_DEFAULT_THRESHOLD));
                let mixing = self.mixing;
                for (y, row) in rows_mut(buf, area) {
                    let mut text_blanks = TextBlanks::default();
                    for (i, x) in (0..row.len()).zip(area.x..) {
                        let block = HalfBlock::of(row[i].symbol());
                        let text = text_blanks.is_text(row, i, block);
                        mono_cell(&mut row[i], block, &shares, mixing && !text, (x, y));
                    }
                }
            }
        }
    }

    fn apply_256(&mut self, buf: &mut Buffer, area: Rect) {
        let Some(table) = &mut self.table else {
            return;
        };
        let mixing = self.mixing;
        for (y, row) in rows_mut(buf, area) {
            let mut text_blanks = TextBlanks::default();
            for (i, x) in (0..row.len()).zip(area.x..) {
                let block = HalfBlock::of(row[i].symbol());
                // Text is never dithered: every colour takes its plain mapping.
                let pixels = if mixing && !text_blanks.is_text(row, i, block) {
                    pixel_colors(&row[i], block)
                } else {
                    None
                };
                let cell = &mut row[i];
                let Some((block, top, bottom)) = pixels else {
                    cell.fg = plain_256(table, cell.fg, false);
                    cell.bg = plain_256(table, cell.bg, true);
                    continue;
                };
                let (top, bottom) = (table.get(top), table.get(bottom));
                let look = match sparse_shade(top, bottom) {
                    Some(shade) => shade_look(top, shade, x, y),
                    None => {
                        let (top, bottom) = pixel_pair(top, bottom, x, y);
                        look_256(top, bottom)
                    }
                };
                look.put(cell, block, Color::Indexed, |c, as_bg| {
                    plain_256(table, c, as_bg)
                });
            }
        }
    }

    fn apply_16(&mut self, buf: &mut Buffer, area: Rect) {
        let (Some(table), Some(table8)) = (&mut self.table, &mut self.table8) else {
            return;
        };
        let mixing = self.mixing;
        for (y, row) in rows_mut(buf, area) {
            let mut text_blanks = TextBlanks::default();
            for (i, x) in (0..row.len()).zip(area.x..) {
                let block = HalfBlock::of(row[i].symbol());
                let pixels = if text_blanks.is_text(row, i, block) {
                    None
                } else {
                    pixel_colors(&row[i], block)
                };
                let cell = &mut row[i];
                let Some((block, top_rgb, bottom_rgb)) = pixels else {
                    // Text: what shows as the background (the foreground of a reversed cell)
                    // from the 8 normal colours only.
                    let reversed = cell.modifier.contains(Modifier::REVERSED);
                    cell.fg = plain_16(table, table8, cell.fg, reversed);
                    cell.bg = plain_16(table, table8, cell.bg, !reversed);
                    continue;
                };
                let (top, bottom) = (table.get(top_rgb), table.get(bottom_rgb));
                let look = look_16(draw(top, bottom, x, y, mixing)).unwrap_or_else(|| {
                    // Both bright and different: the bottom pixel from the 8 normal colours.
                    let (t, _) = pixel_pair(top, bottom, x, y);
                    let b = table8
                        .get(bottom_rgb)
                        .at(rank(x, pixel_row(y).wrapping_add(1)));
                    look_16(Drawn::Pixels { top: t, bottom: b }).unwrap_or(Look::blank(b))
                });
                look.put(cell, block, named_16, |c, as_bg| {
                    plain_16(table, table8, c, as_bg)
                });
            }
        }
    }

    /// Mono: moves the threshold toward the Otsu split of this frame's brightness.
    fn update_threshold(&mut self, buf: &Buffer, area: Rect) {
        let mut histogram = [0u32; 256];
        let rows = (area.top()..area.bottom()).map(|y| {
            let start = buf.index_of(area.x, y);
            &buf.content[start..start + usize::from(area.width)]
        });
        for cell in rows.flatten() {
            let (fg, bg) = shown_colors(cell);
            match HalfBlock::of(cell.symbol()) {
                Some(block) => {
                    let (top, bottom) = block.halves(fg, bg);
                    for half in [top, bottom] {
                        if let Some(c) = rgb_of(half) {
                            histogram[usize::from(luma(c))] += 1;
                        }
                    }
                }
                None => {
                    if let Some(c) = rgb_of(bg) {
                        histogram[usize::from(luma(c))] += 1;
                    }
                }
            }
        }
        let Some(ideal) = otsu(&histogram) else {
            return;
        };
        let next = match self.threshold {
            None => ideal,
            Some(current) => current + (ideal - current) * MONO_THRESHOLD_RATE,
        };
        self.threshold = Some(next.clamp(MONO_MIN_THRESHOLD, MONO_MAX_THRESHOLD));
    }
}

/// A colour at 256 colours as text shows it: one flat palette colour. A glyph takes the
/// nearest colour; a background takes the colour that pixels of the same colour show most
/// ([`Mix::ground`]), so that a glyph on the night sky sits on the same black as the sky's
/// pixels around it: no lighter box around it, and when the glyph moves on, the sky cell
/// behind it is a blank in the pen's own background (one byte) instead of a new SGR.
fn plain_256(table: &mut MixTable, color: Color, as_bg: bool) -> Color {
    match color {
        Color::Rgb(r, g, b) => {
            let mix = table.get(Rgb(r, g, b));
            Color::Indexed(if as_bg { mix.ground() } else { mix.nearest })
        }
        other => other,
    }
}

/// A colour at 16 colours as text shows it: the single nearest colour, from the 8 normal ones
/// when it shows as the background.
fn plain_16(table: &mut MixTable, table8: &mut MixTable, color: Color, as_bg: bool) -> Color {
    let Some(rgb) = rgb_of(color) else {
        return Color::Reset;
    };
    let table = if as_bg { table8 } else { table };
    named_16(table.get(rgb).nearest)
}

/// The named colour of an ANSI index 0–15.
fn named_16(n: u8) -> Color {
    NAMED[usize::from(n)]
}

/// The cell's colours as they appear on screen (reverse video swapped out).
fn shown_colors(cell: &Cell) -> (Color, Color) {
    if cell.modifier.contains(Modifier::REVERSED) {
        (cell.bg, cell.fg)
    } else {
        (cell.fg, cell.bg)
    }
}

/// Otsu's threshold: the luma that best splits the histogram into a dark and a lit group
/// (lit = above it), or `None` when the frame has a single brightness. When a range of splits
/// is equally good (two far-apart peaks) the middle of the range is taken.
fn otsu(histogram: &[u32; 256]) -> Option<f32> {
    let total: f64 = histogram.iter().map(|&n| f64::from(n)).sum();
    let sum: f64 = histogram
        .iter()
        .enumerate()
        .map(|(i, &n)| i as f64 * f64::from(n))
        .sum();
    let (mut weight0, mut sum0) = (0.0, 0.0);
    let (mut best, mut first, mut last) = (0.0, 0, 0);
    for (t, &n) in histogram.iter().enumerate() {
        weight0 += f64::from(n);
        sum0 += t as f64 * f64::from(n);
        let weight1 = total - weight0;
        if weight0 == 0.0 || weight1 == 0.0 {
            continue;
        }
        let diff = sum0 / weight0 - (sum - sum0) / weight1;
        let between = weight0 * weight1 * diff * diff;
        if between > best * (1.0 + 1e-9) {
            (best, first, last) = (between, t, t);
        } else if between >= best * (1.0 - 1e-9) {
            last = t;
        }
    }
    (best > 0.0).then(|| (first + last) as f32 / 2.0)
}

/// Mono: per luma, how many sixteenths of a pixel are lit at one frame's threshold, worked out
/// once per frame rather than per pixel.
struct MonoShares {
    /// Mixing: from 0 to 16 over a band around the threshold.
    mixed: [u8; 256],
    /// Not mixing: 16 above the threshold, else 0.
    plain: [u8; 256],
}

impl MonoShares {
    fn new(threshold: f32) -> MonoShares {
        let above = |luma: usize| luma as f32 - threshold;
        MonoShares {
            mixed: std::array::from_fn(|luma| {
                ((above(luma) / MONO_BAND + 0.5) * f32::from(STEPS))
                    .round()
                    .clamp(0.0, f32::from(STEPS)) as u8
            }),
            plain: std::array::from_fn(|luma| if above(luma) > 0.0 { STEPS } else { 0 }),
        }
    }
}

/// Mono: one cell without colours. Pixel cells are lit by brightness as `shares` says (mixed
/// over a band around the threshold when `mixing`); (`x`, `y`) places the cell in the pattern.
fn mono_cell(
    cell: &mut Cell,
    block: Option<HalfBlock>,
    shares: &MonoShares,
    mixing: bool,
    (x, y): (u16, u16),
) {
    let (fg, bg) = shown_colors(cell);
    cell.modifier.remove(Modifier::REVERSED);
    cell.fg = Color::Reset;
    cell.bg = Color::Reset;
    let lit = |c: Color| rgb_of(c).is_some_and(|c| shares.plain[usize::from(luma(c))] == STEPS);

    if let Some(block) = block {
        // How much of a pixel is lit; the default foreground counts as lit, the default
        // background as dark.
        let share = |c: Color, default: u8| {
            let Some(c) = rgb_of(c) else {
                return default;
            };
            let shares = if mixing { &shares.mixed } else { &shares.plain };
            shares[usize::from(luma(c))]
        };
        let (top, bottom) = block.halves(share(fg, STEPS), share(bg, 0));
        let mix = |share| Mix {
            a: MONO_DARK,
            b: MONO_LIT,
            share,
            nearest: if share * 2 > STEPS {
                MONO_LIT
            } else {
                MONO_DARK
            },
            shade: None,
        };
        let glyph = match draw(mix(top), mix(bottom), x, y, mixing) {
            Drawn::Shade { quarters: 0, .. } => Glyph::Block(HalfBlock::Blank),
            Drawn::Shade { quarters: 4, .. } => Glyph::Block(HalfBlock::Full),
            Drawn::Shade { quarters, .. } => Glyph::Shade(quarters),
            Drawn::Pixels { top, bottom } => {
                Glyph::Block(HalfBlock::with(top == MONO_LIT, bottom == MONO_LIT))
            }
        };
        glyph.put(cell, block);
        return;
    }

    // Text. The terminal's defaults are assumed light-on-dark.
    let (fg_rgb, bg_rgb) = (rgb_of(fg), rgb_of(bg));
    if let (Some(f), Some(b)) = (fg_rgb, bg_rgb) {
        let close = |x: u8, y: u8| x.abs_diff(y) < MONO_INVISIBLE;
        if close(f.0, b.0) && close(f.1, b.1) && close(f.2, b.2) {
            // Drawn in its background colour (hidden, e.g. under a scanline): keep it hidden,
            // unless blanking would split a wide glyph.
            if text::width(cell.symbol()) <= 1 {
                cell.set_symbol(" ");
            } else {
                cell.modifier.insert(Modifier::DIM);
                cell.modifier.remove(Modifier::BOLD);
            }
            return;
        }
    }
    let fg_luma = fg_rgb.map_or(255, luma);
    if lit(bg) && fg_luma <= bg_rgb.map_or(0, luma) {
        // Dark text on a light background.
        cell.modifier.insert(Modifier::REVERSED);
    } else if fg_rgb.is_some_and(|f| f.0.max(f.1).max(f.2) < MONO_DIM_BELOW) {
        cell.modifier.insert(Modifier::DIM);
        cell.modifier.remove(Modifier::BOLD);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ansi::{ANSI16, xterm_rgb};

    #[test]
    fn nearest_colours() {
        assert_eq!(nearest_256(Rgb(255, 0, 0)), 196);
        assert_eq!(nearest_256(Rgb::WHITE), 231);
        assert_eq!(nearest_256(Rgb::BLACK), 16);
        assert_eq!(nearest_256(Rgb(128, 128, 128)), 244);
        assert_eq!(nearest_256(Rgb(0x1e, 0x90, 0xff)), 33); // dodger blue
        // Every cube and ramp colour maps to itself.
        for n in 16..=255 {
            let back = nearest_256(xterm_rgb(n));
            assert_eq!(xterm_rgb(back), xterm_rgb(n), "index {n}");
        }
        assert_eq!(nearest_16(Rgb(255, 0, 0)), 9); // bright red
        assert_eq!(nearest_16(Rgb(0xcc, 0, 0)), 1); // the glitch red layer: red
        assert_eq!(nearest_16(Rgb(0, 0, 0xaa)), 4); // VGA blue stays blue
        assert_eq!(nearest_16(Rgb::WHITE), 15);
        assert_eq!(nearest_16(Rgb(0x18, 0x18, 0x18)), 0);
        assert_eq!(Palette::ansi8().nearest(Rgb(255, 0, 0)), 1);
        assert_eq!(Palette::ansi8().nearest(Rgb::WHITE), 7);
        for n in 0..16 {
            assert_eq!(nearest_16(ANSI16[usize::from(n)]), n);
        }
    }

    #[test]
    fn saturated_colours_keep_a_hue_at_16() {
        // canvas-confetti's default palette: none of these may turn grey.
        let greys = [0, 7, 8, 15];
        for hex in [
            "#26ccff", "#a25afd", "#ff5e7e", "#88ff5a", "#fcff42", "#ffa62d", "#ff36ff",
        ] {
            let c: Rgb = hex.parse().unwrap();
            let n = nearest_16(c);
            assert!(!greys.contains(&n), "{hex} became grey {n}");
        }
    }

    #[test]
    fn text_takes_the_nearest_colour_and_keeps_named_ones() {
        let mut mapper = ColorMapper::new(ColorDepth::Ansi256, Dither::Auto);
        for _ in 0..2 {
            let mut buf = buffer(&[
                ("A", Color::Rgb(255, 0, 0), Color::Rgb(7, 34, 60)),
                ("B", Color::Red, Color::Reset),
            ]);
            let area = buf.area;
            mapper.apply(&mut buf, area);
            // Navy text background: one flat colour, a dark grey (the nearest there is).
            assert_eq!(buf[(0, 0)].fg, Color::Indexed(196));
            assert!(
                matches!(buf[(0, 0)].bg, Color::Indexed(233..=236)),
                "{:?}",
                buf[(0, 0)]
            );
            assert_eq!((buf[(1, 0)].fg, buf[(1, 0)].bg), (Color::Red, Color::Reset));
        }
    }

    #[test]
    fn glyphs_on_a_mixed_area_sit_on_its_ground() {
        // Confetti's night sky: mixed pixels, and a round piece (a glyph) on it.
        let sky = Color::Rgb(10, 12, 30);
        let mut cells = vec![(" ", sky, sky); 8];
        cells[3] = ("•", Color::Rgb(255, 94, 126), sky);
        let mut buf = buffer(&cells);
        let area = buf.area;
        ColorMapper::new(ColorDepth::Ansi256, Dither::Auto).apply(&mut buf, area);
        let piece = &buf[(3, 0)];
        let mut ground = buf.content.iter().filter(|c| c.symbol() == " ");
        assert!(ground.all(|c| c.bg == piece.bg), "{:?}", buf.content);
        // ...while the sky is still mixed: somewhere a pixel shows the blue.
        let mut buf = Buffer::empty(Rect::new(0, 0, 8, 4));
        for cell in &mut buf.content {
            cell.set_symbol(" ").set_fg(sky).set_bg(sky);
        }
        let area = buf.area;
        ColorMapper::new(ColorDepth::Ansi256, Dither::Auto).apply(&mut buf, area);
        assert!(
            buf.content.iter().any(|c| c.symbol() != " "),
            "{:?}",
            buf.content
        );
    }

    fn buffer(cells: &[(&str, Color, Color)]) -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, cells.len() as u16, 1));
        for (x, &(symbol, fg, bg)) in cells.iter().enumerate() {
            buf[(x as u16, 0)].set_symbol(symbol).set_fg(fg).set_bg(bg);
        }
        buf
    }

    #[test]
    fn sixteen_colours_keep_bright_pixels_in_the_foreground() {
        let white = Color::Rgb(255, 255, 255);
        let black = Color::Rgb(0, 0, 0);
        let mut buf = buffer(&[
            (" ", black, white), // a lit space: must become a full block
            ("▀", black, white), // bright bottom: flipped to a lower half block
            ("▀", white, black),
            ("A", white, white), // text on a bright background: background drops to grey
            (" ", white, black), // a plain space keeps its foreground (no extra bytes)
        ]);
        let area = buf.area;
        ColorMapper::new(ColorDepth::Ansi16, Dither::Auto).apply(&mut buf, area);
        let cells: Vec<_> = buf
            .content
            .iter()
            .map(|c| (c.symbol(), c.fg, c.bg))
            .collect();
        assert_eq!(
            cells,
            [
                ("█", Color::White, Color::Gray),
                ("▄", Color::White, Color::Black),
                ("▀", Color::White, Color::Black),
                ("A", Color::White, Color::Gray),
                (" ", Color::White, Color::Black),
            ]
        );

        // Reverse video shows the foreground as the background: that one is limited to 8.
        let mut buf = buffer(&[("R", white, black)]);
        buf[(0, 0)].modifier = Modifier::REVERSED;
        let area = buf.area;
        ColorMapper::new(ColorDepth::Ansi16, Dither::Auto).apply(&mut buf, area);
        assert_eq!(
            (buf[(0, 0)].fg, buf[(0, 0)].bg),
            (Color::Gray, Color::Black)
        );
    }

    #[test]
    fn blanks_behind_text_are_flat() {
        let (white, slate) = (Color::Rgb(255, 255, 255), Color::Rgb(40, 44, 80));
        let mut buf = buffer(&[
            (" ", white, slate),
            (" ", white, slate),
            ("❚", white, slate),
            (" ", white, slate),
            ("p", white, slate),
            (" ", white, slate),
            (" ", slate, slate), // a pixel pair, not text
            (" ", white, slate), // no glyph beside it in its colours: pixels
        ]);
        let mut blanks = TextBlanks::default();
        let text: Vec<bool> = (0..buf.content.len())
            .map(|i| blanks.is_text(&buf.content, i, HalfBlock::of(buf.content[i].symbol())))
            .collect();
        assert_eq!(text, [true, true, false, true, false, true, false, false]);
        let area = buf.area;
        ColorMapper::new(ColorDepth::Ansi16, Dither::Ordered).apply(&mut buf, area);
        let flat = &buf.content[..6];
        assert!(flat.iter().all(|c| c.bg == flat[0].bg), "{flat:?}");
        assert!(
            flat.iter()
                .all(|c| HalfBlock::of(c.symbol()) != Some(HalfBlock::Upper))
        );
    }

    #[test]
    fn mono_keeps_shapes_and_text() {
        let white = Color::Rgb(255, 255, 255);
        let black = Color::Rgb(0, 0, 0);
        let grey = Color::Rgb(200, 200, 200);
        let dark = Color::Rgb(90, 90, 90);
        let mut buf = buffer(&[
            (" ", white, white),
            ("▀", black, white),
            ("▄", black, white),
            (" ", black, black),
            ("A", black, grey),  // dark on light: reverse video
            ("B", dark, black),  // dark text: dim
            ("C", black, black), // invisible stays invisible
            ("D", white, black),
        ]);
        let area = buf.area;
        ColorMapper::new(ColorDepth::Mono, Dither::Auto).apply(&mut buf, area);
        let symbols: String = buf.content.iter().map(|c| c.symbol()).collect();
        assert_eq!(symbols, "█▄▀ AB D");
        assert!(
            buf.content
                .iter()
                .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
        );
        assert_eq!(buf[(4, 0)].modifier, Modifier::REVERSED);
        assert_eq!(buf[(5, 0)].modifier, Modifier::DIM);
        assert_eq!(buf[(7, 0)].modifier, Modifier::empty());
    }

    #[test]
    fn mono_lights_the_message_over_a_mid_tone_picture() {
        // A blue "water" gradient with a white message: the message must be the lit part.
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 10));
        for (i, pos) in buf.area.positions().enumerate() {
            let shade = 100 + (i % 40) as u8;
            buf[pos]
                .set_symbol("▀")
                .set_fg(Color::Rgb(30, shade, 255))
                .set_bg(Color::Rgb(20, shade + 10, 230));
        }
        for x in 15..25 {
            buf[(x, 5)]
                .set_symbol("█")
                .set_fg(Color::Rgb(255, 255, 255));
        }
        let area = buf.area;
        ColorMapper::new(ColorDepth::Mono, Dither::Auto).apply(&mut buf, area);
        for pos in area.positions() {
            let expected = if pos.y == 5 && (15..25).contains(&pos.x) {
                "█"
            } else {
                " "
            };
            assert_eq!(buf[pos].symbol(), expected, "{pos:?}");
        }
    }

    #[test]
    fn otsu_splits_two_peaks_in_the_middle() {
        let mut h = [0u32; 256];
        h[0] = 900;
        h[200] = 100;
        assert_eq!(otsu(&h), Some(99.5));
        let mut flat = [0u32; 256];
        flat[50] = 10;
        assert_eq!(otsu(&flat), None);
    }

    #[test]
    fn apply_is_clipped_and_harmless_on_empty_areas() {
        let mut buf = Buffer::empty(Rect::new(2, 2, 3, 3));
        for depth in [
            ColorDepth::TrueColor,
            ColorDepth::Ansi256,
            ColorDepth::Ansi16,
            ColorDepth::Mono,
        ] {
            let mut mapper = ColorMapper::new(depth, Dither::Auto);
            mapper.apply(&mut buf, Rect::new(0, 0, 100, 100));
            mapper.apply(&mut buf, Rect::ZERO);
        }
    }

    /// A compact, colour-aware dump: per row the glyphs, then one letter per cell for the
    /// foreground, the background and (when any) the modifiers; a legend names the letters.
    fn dump(buf: &Buffer) -> String {
        let mut legend: Vec<Color> = Vec::new();
        let mut letter = |c: Color| {
            if c == Color::Reset {
                return '.';
            }
            let i = legend.iter().position(|&l| l == c).unwrap_or_else(|| {
                legend.push(c);
                legend.len() - 1
            });
            char::from_digit(i as u32 % 36, 36).unwrap()
        };
        let mut out = String::new();
        for y in buf.area.top()..buf.area.bottom() {
            let row: Vec<_> = (buf.area.left()..buf.area.right())
                .map(|x| &buf[(x, y)])
                .collect();
            // Glyphs as a terminal shows them: a wide glyph covers the next cell.
            let mut covered = 0;
            for cell in &row {
                if covered > 0 {
                    covered -= 1;
                    continue;
                }
                out.push_str(cell.symbol());
                covered = text::width(cell.symbol()).saturating_sub(1);
            }
            out.push_str("\n  fg ");
            out.extend(row.iter().map(|c| letter(c.fg)));
            out.push_str("\n  bg ");
            out.extend(row.iter().map(|c| letter(c.bg)));
            if row.iter().any(|c| !c.modifier.is_empty()) {
                out.push_str("\n  md ");
                out.extend(row.iter().map(|c| {
                    let m = c.modifier;
                    if m.contains(Modifier::REVERSED) {
                        'R'
                    } else if m.contains(Modifier::DIM) {
                        'D'
                    } else if m.contains(Modifier::BOLD) {
                        'B'
                    } else {
                        '.'
                    }
                }));
            }
            out.push('\n');
        }
        for (i, c) in legend.iter().enumerate() {
            let name = match rgb_of(*c) {
                Some(rgb) if matches!(c, Color::Rgb(..)) => rgb.to_string(),
                _ => format!("{c:?}"),
            };
            out.push_str(&format!(
                "{} = {name}\n",
                char::from_digit(i as u32 % 36, 36).unwrap()
            ));
        }
        out
    }

    /// A fixed test picture: a hue × brightness ramp in half-block pixels, confetti-coloured
    /// pixels, and text that is bright, dark, dark-on-light and hidden.
    fn scene() -> Buffer {
        use crate::canvas::PixelCanvas;
        let area = Rect::new(0, 0, 24, 6);
        let mut canvas = PixelCanvas::new(area.width, 4, Rgb(0, 0, 40));
        let hues = [
            Rgb(255, 0, 0),
            Rgb(255, 140, 0),
            Rgb(255, 237, 0),
            Rgb(0, 200, 40),
            Rgb(0, 77, 255),
            Rgb(117, 7, 135),
        ];
        for x in 0..24 {
            for y in 0..6 {
                let hue = hues[x as usize / 4];
                canvas.set(x, y, hue.scale(1.0 - y as f32 * 0.15));
            }
        }
        let confetti = crate::palette::palette("confetti").unwrap();
        for (i, &c) in confetti.iter().enumerate() {
            canvas.set(2 + 3 * i as i32, 7, c);
        }
        let mut buf = Buffer::empty(area);
        canvas.render(area, &mut buf);
        let on = |fg: Rgb, bg: Rgb| {
            ratatui_core::style::Style::new()
                .fg(fg.into())
                .bg(bg.into())
        };
        let navy = Rgb(0, 0, 40);
        buf.set_string(0, 4, "Welcome ", on(Rgb::WHITE, navy));
        buf.set_string(8, 4, "dark ", on(Rgb(80, 80, 90), navy));
        buf.set_string(13, 4, "hidden", on(navy, navy));
        buf.set_string(
            0,
            5,
            " status ",
            on(Rgb(0xad, 0x2a, 0x13), Rgb(0xaa, 0xaa, 0xaa)),
        );
        buf.set_string(8, 5, "환영", on(Rgb(0xff, 0xf4, 0x6d), navy));
        buf
    }

    const DEPTHS: [ColorDepth; 4] = [
        ColorDepth::TrueColor,
        ColorDepth::Ansi256,
        ColorDepth::Ansi16,
        ColorDepth::Mono,
    ];

    #[test]
    fn scene_at_every_depth() {
        for depth in DEPTHS {
            let mut buf = scene();
            let area = buf.area;
            ColorMapper::new(depth, Dither::Auto).apply(&mut buf, area);
            insta::assert_snapshot!(format!("scene_{}", depth.name()), dump(&buf));
        }
    }

    /// Review snapshots: every effect (default style, seed 3, 5.5 s in) at 256 and 16 colours
    /// with mixing on, drawn for that depth as the show draws it (the effects' context says the
    /// depth). The pictures of the same frames at 100×30 are in `tests/colour/`.
    #[test]
    fn every_effect_at_256_and_16_colours() {
        use std::time::Duration;

        use crate::registry::EFFECTS;
        use crate::{Context, Params};
        for info in EFFECTS {
            for depth in [ColorDepth::Ansi256, ColorDepth::Ansi16] {
                let mut ctx = Context::new(3, "Welcome");
                ctx.depth = depth;
                let mut fx = (info.build)(&ctx, &Params::default()).unwrap();
                for _ in 0..330 {
                    fx.tick(Duration::from_secs(1) / 60);
                }
                let area = Rect::new(0, 0, 48, 16);
                let mut buf = Buffer::empty(area);
                fx.render(area, &mut buf);
                ColorMapper::new(depth, Dither::Auto).apply(&mut buf, area);
                insta::assert_snapshot!(format!("{}_{}", info.name, depth.name()), dump(&buf));
            }
        }
    }

    /// Whether `cell` has only colours `depth` can show. At 16 colours the background as shown
    /// (the foreground of a reversed cell) must be one of the 8 normal colours.
    fn allowed(depth: ColorDepth, cell: &ratatui_core::buffer::Cell) -> bool {
        let (fg, bg) = shown_colors(cell);
        let named = |c: Color, n: usize| c == Color::Reset || NAMED[..n].contains(&c);
        match depth {
            ColorDepth::TrueColor => true,
            ColorDepth::Ansi256 => ![fg, bg].iter().any(|c| matches!(c, Color::Rgb(..))),
            ColorDepth::Ansi16 => named(fg, 16) && named(bg, 8),
            ColorDepth::Mono => fg == Color::Reset && bg == Color::Reset,
        }
    }

    /// Every effect and style, a few seeded frames: no RGB survives a reduced depth, the 16-colour
    /// backgrounds are the 8 the Linux console shows, and mono still shows something.
    #[test]
    fn every_effect_reduces_completely() {
        use std::time::Duration;

        use crate::registry::EFFECTS;
        use crate::{Context, Params};
        for info in EFFECTS {
            for style in info.style_choices() {
                let mut ctx = Context::new(7, "Hi 환영");
                ctx.style = style.map(str::to_string);
                let mut fx = (info.build)(&ctx, &Params::default()).unwrap();
                let mut mappers = DEPTHS.map(|depth| ColorMapper::new(depth, Dither::Auto));
                for _ in 0..3 {
                    for _ in 0..20 {
                        fx.tick(Duration::from_millis(16));
                    }
                    let area = Rect::new(0, 0, 48, 16);
                    let mut original = Buffer::empty(area);
                    fx.render(area, &mut original);
                    for mapper in &mut mappers {
                        let mut buf = original.clone();
                        mapper.apply(&mut buf, area);
                        let depth = mapper.depth();
                        for cell in &buf.content {
                            assert!(
                                allowed(depth, cell),
                                "{} {style:?} at {depth:?}: {cell:?}",
                                info.name
                            );
                        }
                        if depth == ColorDepth::Mono {
                            let shown = buf.content.iter().any(|c| {
                                c.symbol() != " " || c.modifier.contains(Modifier::REVERSED)
                            });
                            assert!(shown, "{} {style:?}: mono frame is blank", info.name);
                        }
                    }
                }
            }
        }
    }
}
