//! Big text: the kiosk message as a bitmap in a heavy 8×8 block font.
//!
//! The glyphs come from the public-domain `font8x8` crate (Basic Latin, Latin-1, Greek) and are
//! emboldened by one pixel, which gives the heavy look of the originals' 900-weight fonts. A
//! bitmap pixel is meant to be a half-block pixel (see [`crate::canvas`]), so an 8×8 glyph takes
//! 9 cells × 4 rows at scale 1. Text the font cannot draw (Hangul, CJK, emoji, …) makes
//! [`fit`] return [`Fit::Plain`] so the caller draws it at normal size instead of as tofu.

use font8x8::UnicodeFonts;

use crate::text;

/// Horizontal advance of one emboldened glyph in font pixels (8 + 1 bold column).
const ADVANCE: u16 = 9;
/// Horizontal advance of a regular-weight glyph: the condensed fallback that keeps a long word
/// whole on a narrow screen (10 letters fit 80 columns).
const CONDENSED_ADVANCE: u16 = 8;
/// Height of one glyph in font pixels.
const GLYPH_HEIGHT: u16 = 8;
/// Blank font pixels between two lines of big text.
const LINE_GAP: u16 = 2;

/// A 1-bit image of big text, `width` × `height` pixels.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bitmap {
    pub width: u16,
    pub height: u16,
    /// The integer scale applied to the 8×8 font.
    pub scale: u16,
    bits: Vec<bool>,
}

impl Bitmap {
    /// Whether the pixel at (`x`, `y`) is ink; `false` outside the bitmap.
    pub fn get(&self, x: i32, y: i32) -> bool {
        if x < 0 || y < 0 || x >= i32::from(self.width) || y >= i32::from(self.height) {
            return false;
        }
        self.bits[y as usize * usize::from(self.width) + x as usize]
    }

    fn set(&mut self, x: u16, y: u16) {
        let i = usize::from(y) * usize::from(self.width) + usize::from(x);
        self.bits[i] = true;
    }
}

/// How a message fits an area.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fit {
    /// Drawn in the big font; the bitmap is in half-block pixels (2 per cell row).
    Big(Bitmap),
    /// Drawn at normal size: wrapped lines of text, each at most the area's width.
    Plain(Vec<String>),
}

/// The font's glyph for `c`, emboldened unless `condensed`: one `u16` per row, bit 0 =
/// leftmost pixel.
fn glyph(c: char, condensed: bool) -> Option<[u16; 8]> {
    let rows = font8x8::BASIC_FONTS
        .get(c)
        .or_else(|| font8x8::LATIN_FONTS.get(c))
        .or_else(|| font8x8::GREEK_FONTS.get(c))?;
    let bold = if condensed { 0 } else { 1 };
    Some(rows.map(|r| u16::from(r) | (u16::from(r) << bold)))
}

/// Whether every character of `message` can be drawn in the big font.
pub fn can_draw(message: &str) -> bool {
    message
        .chars()
        .all(|c| c == '\n' || c == ' ' || (!c.is_control() && glyph(c, false).is_some()))
}

/// Fits `message` into `cols` × `rows` cells: the largest scale whose widest line stays within
/// `fill` (e.g. 0.8) of the width, wrapping words onto more lines when needed. Falls back to
/// [`Fit::Plain`] when the font cannot draw the message or even scale 1 does not fit.
pub fn fit(message: &str, cols: u16, rows: u16, fill: f32) -> Fit {
    let plain = || Fit::Plain(text::wrap(message, usize::from(cols)));
    if !can_draw(message) || message.trim().is_empty() {
        return plain();
    }
    let max_w = (f32::from(cols) * fill.clamp(0.1, 1.0)) as u16;
    let max_h = rows.saturating_mul(2);
    let longest_word = message
        .split_whitespace()
        .map(text::width)
        .max()
        .unwrap_or(0);
    // Largest scale first, words kept whole within `fill`; then scale 1 may use the full width,
    // then a condensed regular weight, to keep words whole; only then may it break a word.
    let attempts = (1..=8u16)
        .rev()
        .map(|scale| (scale, max_w, false, false))
        .chain([
            (1, cols, false, false),
            (1, cols, true, false),
            (1, max_w, false, true),
        ]);
    for (scale, width, condensed, may_break) in attempts {
        let advance = if condensed {
            CONDENSED_ADVANCE
        } else {
            ADVANCE
        };
        let per_line = usize::from(width / (advance * scale));
        if per_line == 0 || (!may_break && longest_word > per_line) {
            continue;
        }
        let lines = text::wrap(message, per_line);
        let n = lines.len() as u16;
        let height = n * GLYPH_HEIGHT * scale + n.saturating_sub(1) * LINE_GAP * scale;
        // Keep at least one cell row free above and below at scale > 1 so it reads as a title.
        let margin = if scale > 1 { 4 } else { 0 };
        if height + margin <= max_h {
            return Fit::Big(draw(&lines, scale, condensed));
        }
    }
    plain()
}

/// Renders wrapped `lines` at `scale`, each line centred in the bitmap.
fn draw(lines: &[String], scale: u16, condensed: bool) -> Bitmap {
    let advance = if condensed {
        CONDENSED_ADVANCE
    } else {
        ADVANCE
    };
    let widest = lines
        .iter()
        .map(|l| l.chars().count() as u16)
        .max()
        .unwrap_or(0);
    let width = widest * advance * scale;
    let n = lines.len() as u16;
    let height = n * GLYPH_HEIGHT * scale + n.saturating_sub(1) * LINE_GAP * scale;
    let mut bitmap = Bitmap {
        width,
        height,
        scale,
        bits: vec![false; usize::from(width) * usize::from(height)],
    };
    for (i, line) in lines.iter().enumerate() {
        let line_w = line.chars().count() as u16 * advance * scale;
        let x0 = (width - line_w) / 2;
        let y0 = i as u16 * (GLYPH_HEIGHT + LINE_GAP) * scale;
        for (k, c) in line.chars().enumerate() {
            let Some(rows) = glyph(c, condensed) else {
                continue;
            };
            let gx = x0 + k as u16 * advance * scale;
            for (ry, bits) in rows.iter().enumerate() {
                for rx in 0..advance {
                    if bits & (1 << rx) == 0 {
                        continue;
                    }
                    for sy in 0..scale {
                        for sx in 0..scale {
                            bitmap.set(gx + rx * scale + sx, y0 + ry as u16 * scale + sy);
                        }
                    }
                }
            }
        }
    }
    bitmap
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ascii(b: &Bitmap) -> String {
        let mut s = String::new();
        for y in 0..i32::from(b.height) {
            for x in 0..i32::from(b.width) {
                s.push(if b.get(x, y) { '#' } else { '.' });
            }
            s.push('\n');
        }
        s
    }

    #[test]
    fn draws_heavy_letters() {
        let Fit::Big(b) = fit("HI", 40, 10, 1.0) else {
            panic!("expected big text")
        };
        assert_eq!(b.scale, 2);
        let Fit::Big(b1) = fit("HI", 20, 4, 1.0) else {
            panic!("expected big text")
        };
        insta::assert_snapshot!(ascii(&b1));
    }

    #[test]
    fn wraps_then_shrinks_then_falls_back() {
        // Side by side on a short wide screen, wrapped on a narrow one.
        let Fit::Big(one_line) = fit("HELLO WORLD", 140, 10, 0.8) else {
            panic!()
        };
        let Fit::Big(two_lines) = fit("HELLO WORLD", 50, 24, 0.8) else {
            panic!()
        };
        assert_eq!(one_line.height, GLYPH_HEIGHT * one_line.scale);
        assert_eq!(
            two_lines.height,
            (2 * GLYPH_HEIGHT + LINE_GAP) * two_lines.scale
        );
        // A word is kept whole by using the full width before it would be broken.
        let Fit::Big(whole) = fit("WELCOME", 72, 14, 0.8) else {
            panic!()
        };
        assert_eq!(whole.height, GLYPH_HEIGHT);
        // Ten letters: condensed to regular weight on 80 columns rather than broken.
        let Fit::Big(ten) = fit("STROBOCOPS", 80, 24, 0.8) else {
            panic!()
        };
        assert_eq!((ten.width, ten.height), (80, GLYPH_HEIGHT));
        assert_eq!(fit("HELLO", 20, 5, 0.8), Fit::Plain(vec!["HELLO".into()]));
        assert_eq!(
            fit("환영합니다", 80, 24, 0.8),
            Fit::Plain(vec!["환영합니다".into()])
        );
        assert_eq!(fit("x", 0, 0, 0.8), Fit::Plain(vec![]));
    }
}
