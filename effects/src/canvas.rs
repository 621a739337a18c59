//! A half-block pixel canvas: two vertically stacked RGB pixels per terminal cell.
//!
//! A terminal cell is about twice as tall as it is wide, so `▀` with the upper pixel as foreground
//! and the lower pixel as background gives roughly square pixels with two colours per cell.
//! [`HalfBlock`] reads such a cell back (the colour pass and the frame encoder both do).

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;

use crate::rgb::Rgb;

/// RGB pixels, `width` × `height`, where `height` is twice the number of cell rows.
///
/// The pixel vector is kept across resizes so redrawing every frame does not allocate.
#[derive(Clone, Debug, Default)]
pub struct PixelCanvas {
    width: u16,
    height: u16,
    pixels: Vec<Rgb>,
}

impl PixelCanvas {
    /// A canvas covering `cols` × `rows` cells, filled with `fill`.
    pub fn new(cols: u16, rows: u16, fill: Rgb) -> Self {
        let mut canvas = Self::default();
        canvas.resize_cells(cols, rows, fill);
        canvas
    }

    /// Resizes to cover `cols` × `rows` cells (2 × `rows` pixel rows) and fills with `fill`.
    pub fn resize_cells(&mut self, cols: u16, rows: u16, fill: Rgb) {
        self.width = cols;
        self.height = rows.saturating_mul(2);
        let len = usize::from(self.width) * usize::from(self.height);
        self.pixels.clear();
        self.pixels.resize(len, fill);
    }

    /// Width in pixels (= cells).
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Height in pixels (= 2 × cell rows).
    pub fn height(&self) -> u16 {
        self.height
    }

    /// All pixels, row-major.
    pub fn pixels(&self) -> &[Rgb] {
        &self.pixels
    }

    /// All pixels, row-major, for bulk passes (blur, displacement).
    pub fn pixels_mut(&mut self) -> &mut [Rgb] {
        &mut self.pixels
    }

    /// Fills every pixel with `color`.
    pub fn fill(&mut self, color: Rgb) {
        self.pixels.fill(color);
    }

    fn index(&self, x: i32, y: i32) -> Option<usize> {
        if x < 0 || y < 0 || x >= i32::from(self.width) || y >= i32::from(self.height) {
            return None;
        }
        Some(y as usize * usize::from(self.width) + x as usize)
    }

    /// The pixel at (`x`, `y`), or `None` outside the canvas.
    pub fn get(&self, x: i32, y: i32) -> Option<Rgb> {
        self.index(x, y).map(|i| self.pixels[i])
    }

    /// Sets the pixel at (`x`, `y`); coordinates outside the canvas are ignored.
    pub fn set(&mut self, x: i32, y: i32, color: Rgb) {
        if let Some(i) = self.index(x, y) {
            self.pixels[i] = color;
        }
    }

    /// Paints `color` at `opacity` over the pixel at (`x`, `y`).
    pub fn blend(&mut self, x: i32, y: i32, color: Rgb, opacity: f32) {
        if let Some(i) = self.index(x, y) {
            self.pixels[i] = color.over(self.pixels[i], opacity);
        }
    }

    /// Writes the canvas into `buf` at `area`'s top-left corner, clipped to `area` and the buffer.
    ///
    /// A cell whose two pixels are equal becomes a space with that background: fewer bytes on the
    /// wire than `▀` and identical on screen.
    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        let cols = area.width.min(self.width);
        let rows = area.height.min(self.height / 2);
        if cols == 0 {
            return;
        }
        for row in 0..rows {
            let top = usize::from(row) * 2 * usize::from(self.width);
            let bottom = top + usize::from(self.width);
            let uppers = &self.pixels[top..top + usize::from(cols)];
            let lowers = &self.pixels[bottom..bottom + usize::from(cols)];
            // A row slice of the buffer: this runs for every cell of every frame.
            let start = buf.index_of(area.x, area.y + row);
            let cells = &mut buf.content[start..start + usize::from(cols)];
            for ((cell, &upper), &lower) in cells.iter_mut().zip(uppers).zip(lowers) {
                if upper == lower {
                    cell.set_char(' ').set_fg(upper.into()).set_bg(lower.into());
                } else {
                    cell.set_char('▀').set_fg(upper.into()).set_bg(lower.into());
                }
            }
        }
    }
}

/// How a cell's glyph shows two stacked pixels: which halves are the foreground colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HalfBlock {
    /// Space: both halves are the background.
    Blank,
    /// `▀`: top is foreground, bottom background.
    Upper,
    /// `▄`: top is background, bottom foreground.
    Lower,
    /// `█`: both halves are foreground.
    Full,
}

impl HalfBlock {
    /// The half-block form of `symbol`, or `None` for any other glyph.
    pub fn of(symbol: &str) -> Option<HalfBlock> {
        match symbol {
            " " => Some(HalfBlock::Blank),
            "▀" => Some(HalfBlock::Upper),
            "▄" => Some(HalfBlock::Lower),
            "█" => Some(HalfBlock::Full),
            _ => None,
        }
    }

    /// The glyph itself.
    pub fn symbol(self) -> &'static str {
        match self {
            HalfBlock::Blank => " ",
            HalfBlock::Upper => "▀",
            HalfBlock::Lower => "▄",
            HalfBlock::Full => "█",
        }
    }

    /// The glyph showing the foreground in the top half when `top`, in the bottom when `bottom`.
    pub fn with(top: bool, bottom: bool) -> HalfBlock {
        match (top, bottom) {
            (false, false) => HalfBlock::Blank,
            (true, false) => HalfBlock::Upper,
            (false, true) => HalfBlock::Lower,
            (true, true) => HalfBlock::Full,
        }
    }

    /// The (top, bottom) colours of a cell drawn with this glyph in `fg` on `bg`.
    pub fn halves<T: Copy>(self, fg: T, bg: T) -> (T, T) {
        match self {
            HalfBlock::Blank => (bg, bg),
            HalfBlock::Upper => (fg, bg),
            HalfBlock::Lower => (bg, fg),
            HalfBlock::Full => (fg, fg),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_two_pixels_per_cell() {
        let mut canvas = PixelCanvas::new(2, 1, Rgb::BLACK);
        canvas.set(0, 0, Rgb::WHITE);
        canvas.set(5, 5, Rgb::WHITE); // outside: ignored
        let mut buf = Buffer::empty(Rect::new(0, 0, 2, 1));
        canvas.render(buf.area, &mut buf);
        assert_eq!(buf[(0, 0)].symbol(), "▀");
        assert_eq!(buf[(0, 0)].fg, Rgb::WHITE.into());
        assert_eq!(buf[(0, 0)].bg, Rgb::BLACK.into());
        assert_eq!(buf[(1, 0)].symbol(), " ");
    }

    #[test]
    fn half_blocks_read_back_what_they_show() {
        for block in [
            HalfBlock::Blank,
            HalfBlock::Upper,
            HalfBlock::Lower,
            HalfBlock::Full,
        ] {
            assert_eq!(HalfBlock::of(block.symbol()), Some(block));
            let (top, bottom) = block.halves(true, false);
            assert_eq!(HalfBlock::with(top, bottom), block);
        }
        assert_eq!(HalfBlock::of("a"), None);
    }

    #[test]
    fn zero_sized_canvas_and_area_are_harmless() {
        let canvas = PixelCanvas::new(0, 0, Rgb::BLACK);
        let mut buf = Buffer::empty(Rect::new(0, 0, 3, 3));
        canvas.render(buf.area, &mut buf);
        let canvas = PixelCanvas::new(3, 3, Rgb::BLACK);
        canvas.render(Rect::new(0, 0, 0, 0), &mut buf);
        let mut tiny = Buffer::empty(Rect::new(0, 0, 1, 1));
        canvas.render(Rect::new(0, 0, 10, 10), &mut tiny);
        assert_eq!(tiny[(0, 0)].symbol(), " ");
    }
}
