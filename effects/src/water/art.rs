//! ASCII-art pictures seen through the water instead of the message.

use crate::text;

/// An ASCII-art picture as coverage pixels (one column and two pixel rows per character).
/// Half-block characters ▀ ▄ █ and shades ░ ▒ ▓ are drawn as such, other characters by
/// density. The effects never read files: the caller reads the text (`vitrine --image PATH`).
#[derive(Clone, Debug, PartialEq)]
pub struct AsciiArt {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl AsciiArt {
    /// Parses art text; `Err` when it draws nothing (blank, or control characters only).
    pub fn parse(text: &str) -> Result<Self, String> {
        let art = Self::coverage(text);
        if art.pixels.iter().all(|&p| p == 0) {
            return Err("nothing to draw (the picture is blank)".to_string());
        }
        Ok(art)
    }

    /// Turns text into coverage: half-blocks and shades as drawn, other characters by density.
    fn coverage(contents: &str) -> Self {
        let rows: Vec<Vec<(u8, u8)>> = contents
            .lines()
            .map(|line| {
                let mut row = Vec::new();
                for c in line.chars() {
                    if c == '\t' {
                        row.extend([(0, 0); 4]);
                    } else if !c.is_control() {
                        let cell = art_coverage(c);
                        let wide = text::grapheme_width(c.encode_utf8(&mut [0; 4]));
                        row.extend(std::iter::repeat_n(cell, wide));
                    }
                }
                row
            })
            .collect();
        // Trim blank margins so the picture centres on what is drawn.
        let blank = |row: &Vec<(u8, u8)>| row.iter().all(|&c| c == (0, 0));
        let first = rows.iter().position(|r| !blank(r)).unwrap_or(0);
        let last = rows.iter().rposition(|r| !blank(r)).map_or(0, |i| i + 1);
        let rows = &rows[first..last.max(first)];
        let left = rows
            .iter()
            .filter_map(|r| r.iter().position(|&c| c != (0, 0)))
            .min()
            .unwrap_or(0);
        let width = rows
            .iter()
            .filter_map(|r| r.iter().rposition(|&c| c != (0, 0)).map(|i| i + 1))
            .max()
            .unwrap_or(0)
            .saturating_sub(left);
        let height = rows.len() * 2;
        let mut pixels = vec![0; width * height];
        for (y, row) in rows.iter().enumerate() {
            for (x, &(upper, lower)) in row.iter().skip(left).take(width).enumerate() {
                pixels[2 * y * width + x] = upper;
                pixels[(2 * y + 1) * width + x] = lower;
            }
        }
        Self {
            width,
            height,
            pixels,
        }
    }

    /// Draws the picture centred into `ink` (`w` × `h` pixels), as large as fits 90% of it:
    /// whole-number enlargement, or nearest-pixel reduction. Returns the enlargement (≥ 1).
    pub(super) fn draw(&self, ink: &mut [u8], w: usize, h: usize) -> f32 {
        if self.width == 0 || self.height == 0 || w == 0 || h == 0 {
            return 1.0;
        }
        let fit = (0.9 * w as f32 / self.width as f32).min(0.9 * h as f32 / self.height as f32);
        let scale = if fit >= 1.0 { fit.floor() } else { fit };
        let dw = ((self.width as f32 * scale) as usize).clamp(1, w);
        let dh = ((self.height as f32 * scale) as usize).clamp(1, h);
        let (x0, y0) = ((w - dw) / 2, ((h - dh) / 2) & !1);
        for y in 0..dh {
            let sy = ((y as f32 / scale) as usize).min(self.height - 1);
            for x in 0..dw {
                let sx = ((x as f32 / scale) as usize).min(self.width - 1);
                ink[(y0 + y) * w + x0 + x] = self.pixels[sy * self.width + sx];
            }
        }
        scale.max(1.0)
    }
}

/// Coverage of the (upper, lower) half of a cell showing `c`.
fn art_coverage(c: char) -> (u8, u8) {
    match c {
        ' ' | '\u{a0}' => (0, 0),
        '█' => (255, 255),
        '▀' => (255, 0),
        '▄' => (0, 255),
        '▓' => (190, 190),
        '▒' => (128, 128),
        '░' => (64, 64),
        '.' | ',' | '\'' | '`' => (60, 60),
        '-' | '_' | ':' | ';' | '~' | '^' | '"' => (110, 110),
        '=' | '+' | '*' | '/' | '\\' | '|' | '(' | ')' | '<' | '>' | '!' | 'i' | 'l' => (170, 170),
        _ => (230, 230),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn art_keeps_half_blocks_and_trims_margins() {
        let art = AsciiArt::parse("\n   ▀▄\n   █.\n\n").unwrap();
        assert_eq!((art.width, art.height), (2, 4));
        assert_eq!(art.pixels, [255, 0, 0, 255, 255, 60, 255, 60]);
        let fish = AsciiArt::parse(include_str!("../../../assets/fish.txt")).unwrap();
        assert!(fish.width > 20 && fish.height == 12);
    }

    #[test]
    fn blank_art_is_refused() {
        for blank in ["", "\n  \n\t\n", "\u{1b}\u{7}"] {
            let err = AsciiArt::parse(blank).unwrap_err();
            assert!(err.contains("nothing to draw"), "{err}");
        }
    }
}
