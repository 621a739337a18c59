//! Reducing a rendered frame to the colours a terminal can show.
//!
//! Effects draw in 24-bit RGB and never think about the terminal. One final pass,
//! [`ColorMapper::apply`], rewrites every cell of the finished frame for the chosen
//! [`ColorDepth`]:
//!
//! - **256 colours**: the nearest colour of the xterm 6×6×6 cube and grey ramp (indices
//!   16–255), by distance in the perceptual OKLab space. Indices 0–15 are left out on purpose:
//!   every terminal theme redefines them, so they would not look like what was asked for.
//! - **16 colours**: the nearest of the 16 ANSI colours (standard VGA values, which is what the
//!   Linux console shows). Backgrounds use only the 8 normal colours, because the Linux console
//!   and VGA text mode cannot show a bright background (`console_codes(4)`: "100..107 set
//!   background, same as 40..47"). Half-block pixel cells (`▀ ▄ █` and space) are rearranged so
//!   that a bright pixel is drawn as foreground, which keeps pixel art intact on the console.
//! - **Mono**: every colour is dropped. Pixel cells become `▀ ▄ █` or blank by brightness (the
//!   threshold adapts to the frame, see [`ColorMapper`]); text keeps its glyphs, becomes
//!   reverse-video on a light background and dim when it was dark, so it stays readable.
//!
//! Nearest colours are cached in a table over RGB quantised to 5 bits per channel (32768
//! entries, filled lazily), so after a few frames the pass is a table lookup per cell and never
//! allocates.

use std::ops::RangeInclusive;
use std::sync::OnceLock;

use ratatui_core::buffer::{Buffer, Cell};
use ratatui_core::layout::Rect;
use ratatui_core::style::{Color, Modifier};

use crate::color::Rgb;
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

/// The 16 ANSI colours as the standard VGA palette (the Linux console's defaults), in index
/// order: black, red, green, yellow (brown), blue, magenta, cyan, white (light grey), then the
/// bright versions.
pub const ANSI16: [Rgb; 16] = [
    Rgb(0x00, 0x00, 0x00),
    Rgb(0xaa, 0x00, 0x00),
    Rgb(0x00, 0xaa, 0x00),
    Rgb(0xaa, 0x55, 0x00),
    Rgb(0x00, 0x00, 0xaa),
    Rgb(0xaa, 0x00, 0xaa),
    Rgb(0x00, 0xaa, 0xaa),
    Rgb(0xaa, 0xaa, 0xaa),
    Rgb(0x55, 0x55, 0x55),
    Rgb(0xff, 0x55, 0x55),
    Rgb(0x55, 0xff, 0x55),
    Rgb(0xff, 0xff, 0x55),
    Rgb(0x55, 0x55, 0xff),
    Rgb(0xff, 0x55, 0xff),
    Rgb(0x55, 0xff, 0xff),
    Rgb(0xff, 0xff, 0xff),
];

/// ratatui's named colours in ANSI index order (crossterm sends them as those indices).
const NAMED: [Color; 16] = [
    Color::Black,
    Color::Red,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::Gray,
    Color::DarkGray,
    Color::LightRed,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
    Color::White,
];

/// Channel levels of the xterm 6×6×6 colour cube.
const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// The RGB value xterm uses for palette index `n` (0–15 as [`ANSI16`]).
pub fn xterm_rgb(n: u8) -> Rgb {
    match n {
        0..=15 => ANSI16[usize::from(n)],
        16..=231 => {
            let i = n - 16;
            Rgb(
                CUBE[usize::from(i / 36)],
                CUBE[usize::from(i / 6 % 6)],
                CUBE[usize::from(i % 6)],
            )
        }
        _ => {
            let v = 8 + 10 * (n - 232);
            Rgb(v, v, v)
        }
    }
}

/// The RGB a colour stands for, or `None` for [`Color::Reset`] (the terminal's default).
pub fn rgb_of(color: Color) -> Option<Rgb> {
    match color {
        Color::Reset => None,
        Color::Rgb(r, g, b) => Some(Rgb(r, g, b)),
        Color::Indexed(n) => Some(xterm_rgb(n)),
        named => NAMED.iter().position(|&c| c == named).map(|i| ANSI16[i]),
    }
}

/// A colour in OKLab (L, a, b).
type Lab = [f32; 3];

fn to_linear(c: u8) -> f32 {
    let c = f32::from(c) / 255.0;
    if c <= 0.040_45 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// sRGB to OKLab (Björn Ottosson's matrices).
fn oklab(c: Rgb) -> Lab {
    let (r, g, b) = (to_linear(c.0), to_linear(c.1), to_linear(c.2));
    let l = (0.412_221_46 * r + 0.536_332_55 * g + 0.051_445_995 * b).cbrt();
    let m = (0.211_903_5 * r + 0.680_699_5 * g + 0.107_396_96 * b).cbrt();
    let s = (0.088_302_46 * r + 0.281_718_85 * g + 0.629_978_7 * b).cbrt();
    [
        0.210_454_26 * l + 0.793_617_8 * m - 0.004_072_047 * s,
        1.977_998_5 * l - 2.428_592_2 * m + 0.450_593_7 * s,
        0.025_904_037 * l + 0.782_771_77 * m - 0.808_675_77 * s,
    ]
}

/// Squared OKLab distance with lightness weighted by `lightness`. With only 16 targets a
/// saturated colour is often nearer a grey than any hue in plain OKLab; weighting lightness
/// down keeps orange orange-ish instead of grey.
fn distance(x: Lab, y: Lab, lightness: f32) -> f32 {
    let dl = (x[0] - y[0]) * lightness;
    dl * dl + (x[1] - y[1]).powi(2) + (x[2] - y[2]).powi(2)
}

/// Lightness weight for the 16-colour match (1.0 would be plain OKLab).
const LIGHTNESS_16: f32 = 0.5;

/// OKLab of every xterm palette index, computed once.
fn palette_lab() -> &'static [Lab; 256] {
    static LAB: OnceLock<[Lab; 256]> = OnceLock::new();
    LAB.get_or_init(|| std::array::from_fn(|n| oklab(xterm_rgb(n as u8))))
}

/// The palette index in `candidates` nearest `c`.
fn nearest(c: Rgb, candidates: RangeInclusive<u8>, lightness: f32) -> u8 {
    let lab = oklab(c);
    let table = palette_lab();
    let mut best = (*candidates.start(), f32::INFINITY);
    for n in candidates {
        let d = distance(lab, table[usize::from(n)], lightness);
        if d < best.1 {
            best = (n, d);
        }
    }
    best.0
}

/// The xterm-256 index (16–255) nearest `c`, uncached.
pub fn nearest_256(c: Rgb) -> u8 {
    nearest(c, 16..=255, 1.0)
}

/// The ANSI index (0–15) nearest `c`, uncached.
pub fn nearest_16(c: Rgb) -> u8 {
    nearest(c, 0..=15, LIGHTNESS_16)
}

/// The ANSI index (0–7) nearest `c` among the normal (non-bright) colours, uncached.
pub fn nearest_8(c: Rgb) -> u8 {
    nearest(c, 0..=7, LIGHTNESS_16)
}

/// Cache slots: RGB with 5 bits per channel.
const CACHE_SIZE: usize = 1 << 15;

/// The cells of `area` (already clipped to `buf`) row by row: slices rather than per-position
/// indexing, since the pass runs over every cell of every frame.
fn rows_mut(buf: &mut Buffer, area: Rect) -> impl Iterator<Item = &mut [Cell]> {
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
        .map(move |row| {
            let len = width.min(row.len());
            &mut row[..len]
        })
}
/// A cache slot not computed yet.
const UNSET: u16 = u16::MAX;

fn cache_key(c: Rgb) -> usize {
    (usize::from(c.0 >> 3) << 10) | (usize::from(c.1 >> 3) << 5) | usize::from(c.2 >> 3)
}

/// The colour a cache slot stands for: the 5-bit value spread back over 0..=255.
fn slot_rgb(key: usize) -> Rgb {
    let spread = |q: usize| ((q << 3) | (q >> 2)) as u8;
    Rgb(spread(key >> 10), spread((key >> 5) & 31), spread(key & 31))
}

/// What the 16-colour mapping of a cell depends on: foreground, background, reverse video and
/// the pixel glyph (if it is one).
type Style16 = (Color, Color, bool, Option<Pixels>);

/// A 16-colour mapping: the new pixel glyph (if it changes), foreground and background.
type Mapped16 = (Option<&'static str>, Color, Color);

/// How a cell's glyph carries a picture: which of its two half-pixels are foreground.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pixels {
    /// Space: both halves are the background.
    Blank,
    /// `▀`: top is foreground, bottom background.
    Upper,
    /// `▄`: top is background, bottom foreground.
    Lower,
    /// `█`: both halves are foreground.
    Full,
}

impl Pixels {
    fn of(symbol: &str) -> Option<Pixels> {
        match symbol {
            " " => Some(Pixels::Blank),
            "▀" => Some(Pixels::Upper),
            "▄" => Some(Pixels::Lower),
            "█" => Some(Pixels::Full),
            _ => None,
        }
    }

    /// The glyph itself.
    fn symbol(self) -> &'static str {
        match self {
            Pixels::Blank => " ",
            Pixels::Upper => "▀",
            Pixels::Lower => "▄",
            Pixels::Full => "█",
        }
    }

    /// The glyph showing `top` and `bottom` as foreground.
    fn glyph(top: bool, bottom: bool) -> &'static str {
        match (top, bottom) {
            (false, false) => " ",
            (true, false) => "▀",
            (false, true) => "▄",
            (true, true) => "█",
        }
    }

    /// Whether the colours this glyph shows are concrete (not the terminal's default).
    fn concrete(self, fg: Color, bg: Color) -> bool {
        let (fg, bg) = (fg != Color::Reset, bg != Color::Reset);
        match self {
            Pixels::Blank => bg,
            Pixels::Full => fg,
            Pixels::Upper | Pixels::Lower => fg && bg,
        }
    }

    /// The (top, bottom) colours of a cell drawn with this glyph.
    fn halves<T>(self, fg: T, bg: T) -> (T, T)
    where
        T: Copy,
    {
        match self {
            Pixels::Blank => (bg, bg),
            Pixels::Upper => (fg, bg),
            Pixels::Lower => (bg, fg),
            Pixels::Full => (fg, fg),
        }
    }
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
/// Mono: text whose brightest channel is below this is drawn dim.
const MONO_DIM_BELOW: u8 = 128;
/// Mono: text this close (per channel) to its background was invisible and stays so.
const MONO_INVISIBLE: u8 = 20;

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
    /// Per 5-bit RGB: the 256 index, or for 16 colours the foreground index in the low byte and
    /// the background index in the high byte; [`UNSET`] until first needed.
    cache: Vec<u16>,
    /// Mono: the current lit/dark luma threshold (`None` before the first frame).
    threshold: Option<f32>,
}

impl ColorMapper {
    /// A mapper for `depth`. The cache is allocated here, once.
    pub fn new(depth: ColorDepth) -> Self {
        let cache = match depth {
            ColorDepth::Ansi256 | ColorDepth::Ansi16 => vec![UNSET; CACHE_SIZE],
            ColorDepth::TrueColor | ColorDepth::Mono => Vec::new(),
        };
        Self {
            depth,
            cache,
            threshold: None,
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
            ColorDepth::Ansi256 => {
                // Neighbouring cells mostly share colours: remember the last of each.
                let (mut fg, mut bg) = ((Color::Reset, Color::Reset), (Color::Reset, Color::Reset));
                for row in rows_mut(buf, area) {
                    for cell in row {
                        if cell.fg != fg.0 {
                            fg = (cell.fg, self.map_256(cell.fg));
                        }
                        if cell.bg != bg.0 {
                            bg = (cell.bg, self.map_256(cell.bg));
                        }
                        cell.fg = fg.1;
                        cell.bg = bg.1;
                    }
                }
            }
            ColorDepth::Ansi16 => {
                // Neighbouring cells mostly share a style: remember the last one.
                let mut last: Option<(Style16, Mapped16)> = None;
                for row in rows_mut(buf, area) {
                    for cell in row {
                        let reversed = cell.modifier.contains(Modifier::REVERSED);
                        let style = (cell.fg, cell.bg, reversed, Pixels::of(cell.symbol()));
                        let mapped = match last {
                            Some((seen, mapped)) if seen == style => mapped,
                            _ => {
                                let mapped = self.map_16_style(style);
                                last = Some((style, mapped));
                                mapped
                            }
                        };
                        let (glyph, fg, bg) = mapped;
                        if let Some(glyph) = glyph {
                            cell.set_symbol(glyph);
                        }
                        cell.fg = fg;
                        cell.bg = bg;
                    }
                }
            }
            ColorDepth::Mono => {
                self.update_threshold(buf, area);
                let threshold = self.threshold.unwrap_or(MONO_DEFAULT_THRESHOLD);
                for row in rows_mut(buf, area) {
                    row.iter_mut().for_each(|cell| mono_cell(cell, threshold));
                }
            }
        }
    }

    /// The 256-colour version of `color`: RGB becomes an index, anything else is kept.
    pub fn map_256(&mut self, color: Color) -> Color {
        let Color::Rgb(r, g, b) = color else {
            return color;
        };
        let key = cache_key(Rgb(r, g, b));
        if self.cache[key] == UNSET {
            self.cache[key] = u16::from(nearest_256(slot_rgb(key)));
        }
        Color::Indexed(self.cache[key] as u8)
    }

    /// The 16-colour (foreground, background) indices for `c`.
    fn indices_16(&mut self, c: Rgb) -> (u8, u8) {
        let key = cache_key(c);
        if self.cache[key] == UNSET {
            let slot = slot_rgb(key);
            self.cache[key] = u16::from(nearest_16(slot)) | (u16::from(nearest_8(slot)) << 8);
        }
        let entry = self.cache[key];
        ((entry & 0xff) as u8, (entry >> 8) as u8)
    }

    /// The 16-colour version of `color` as a foreground (`bg = false`) or background.
    fn map_16(&mut self, color: Color, bg: bool) -> Color {
        let Some(rgb) = rgb_of(color) else {
            return Color::Reset;
        };
        let (fg_index, bg_index) = self.indices_16(rgb);
        NAMED[usize::from(if bg { bg_index } else { fg_index })]
    }

    /// What a cell with these colours, reverse flag and pixel glyph becomes in 16 colours: a new
    /// pixel glyph (if it changes), the foreground and the background.
    fn map_16_style(&mut self, (fg, bg, reversed, pixels): Style16) -> Mapped16 {
        // A reversed cell shows its foreground colour as the background.
        let text_fg = self.map_16(fg, reversed);
        let text_bg = self.map_16(bg, !reversed);
        let Some(pixels) = pixels.filter(|&p| !reversed && p.concrete(fg, bg)) else {
            return (None, text_fg, text_bg);
        };
        let (top, bottom) = pixels.halves(fg, bg);
        let (t, b) = (self.map_16(top, false), self.map_16(bottom, false));
        let bright = |c: Color| NAMED[8..].contains(&c);
        // Only the foreground can be bright: put a bright half there. A colour the glyph does
        // not show keeps its plain mapping, so unchanged cells cost no extra bytes.
        let (glyph, fg, bg) = if t == b && !bright(t) && pixels != Pixels::Full {
            (Pixels::Blank, text_fg, t)
        } else if t == b {
            (Pixels::Full, t, text_bg)
        } else if !bright(b) {
            (Pixels::Upper, t, b)
        } else if !bright(t) {
            (Pixels::Lower, b, t)
        } else {
            (Pixels::Upper, t, self.map_16(bottom, true))
        };
        let glyph = (glyph != pixels).then(|| glyph.symbol());
        (glyph, fg, bg)
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
            match Pixels::of(cell.symbol()) {
                Some(pixels) => {
                    let (top, bottom) = pixels.halves(fg, bg);
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

/// The cell's colours as they appear on screen (reverse video swapped out).
fn shown_colors(cell: &ratatui_core::buffer::Cell) -> (Color, Color) {
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

/// Mono: one cell without colours.
fn mono_cell(cell: &mut ratatui_core::buffer::Cell, threshold: f32) {
    let (fg, bg) = shown_colors(cell);
    cell.modifier.remove(Modifier::REVERSED);
    cell.fg = Color::Reset;
    cell.bg = Color::Reset;
    let lit = |c: Color| rgb_of(c).is_some_and(|c| f32::from(luma(c)) > threshold);

    if let Some(pixels) = Pixels::of(cell.symbol()) {
        // The default foreground counts as lit, the default background as dark.
        let (top, bottom) = pixels.halves(fg == Color::Reset || lit(fg), lit(bg));
        let glyph = Pixels::glyph(top, bottom);
        if cell.symbol() != glyph {
            cell.set_symbol(glyph);
        }
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

    #[test]
    fn xterm_palette_values() {
        assert_eq!(xterm_rgb(16), Rgb(0, 0, 0));
        assert_eq!(xterm_rgb(196), Rgb(255, 0, 0));
        assert_eq!(xterm_rgb(231), Rgb(255, 255, 255));
        assert_eq!(xterm_rgb(232), Rgb(8, 8, 8));
        assert_eq!(xterm_rgb(255), Rgb(238, 238, 238));
        assert_eq!(rgb_of(Color::LightRed), Some(Rgb(0xff, 0x55, 0x55)));
        assert_eq!(rgb_of(Color::Reset), None);
    }

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
        assert_eq!(nearest_8(Rgb(255, 0, 0)), 1);
        assert_eq!(nearest_8(Rgb::WHITE), 7);
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
    fn cache_agrees_with_direct_lookup() {
        let mut mapper = ColorMapper::new(ColorDepth::Ansi256);
        assert_eq!(mapper.map_256(Color::Rgb(255, 0, 0)), Color::Indexed(196));
        assert_eq!(mapper.map_256(Color::Rgb(255, 0, 0)), Color::Indexed(196));
        assert_eq!(mapper.map_256(Color::Red), Color::Red);
        assert_eq!(mapper.map_256(Color::Reset), Color::Reset);
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
        ColorMapper::new(ColorDepth::Ansi16).apply(&mut buf, area);
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
        ColorMapper::new(ColorDepth::Ansi16).apply(&mut buf, area);
        assert_eq!(
            (buf[(0, 0)].fg, buf[(0, 0)].bg),
            (Color::Gray, Color::Black)
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
        ColorMapper::new(ColorDepth::Mono).apply(&mut buf, area);
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
        ColorMapper::new(ColorDepth::Mono).apply(&mut buf, area);
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
            let mut mapper = ColorMapper::new(depth);
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
            ColorMapper::new(depth).apply(&mut buf, area);
            insta::assert_snapshot!(format!("scene_{}", depth.name()), dump(&buf));
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
                let mut mappers = DEPTHS.map(ColorMapper::new);
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
