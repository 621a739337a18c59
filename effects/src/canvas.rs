//! A pixel canvas drawn with block glyphs: several RGB pixels per terminal cell.
//!
//! A terminal cell is about twice as tall as it is wide, so `▀` with the upper pixel as foreground
//! and the lower pixel as background gives roughly square pixels with two colours per cell: the
//! default [`PixelGrid::Half`], which every terminal font has (the Linux console's included).
//! Finer grids split a cell into 2×2 (quadrants), 2×3 (sextants, U+1FB00) or 2×4 (octants,
//! U+1CD00, Unicode 16) pixels; a cell still shows only two colours, so each cell's pixels are
//! split into two groups by two-means and drawn as the glyph of that pattern.
//! [`HalfBlock`] reads such a cell back (the colour pass and the frame encoder both do).

use ratatui_core::buffer::{Buffer, Cell};
use ratatui_core::layout::Rect;
use ratatui_core::symbols::pixel::{OCTANTS, QUADRANTS, SEXTANTS};

use crate::rgb::Rgb;

/// How many pixels one terminal cell holds, and with which glyphs they are drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum PixelGrid {
    /// 1×2 pixels per cell (▀ ▄ █): every font has them, the Linux console's too.
    #[default]
    Half,
    /// 2×2 pixels per cell (▘ ▚ ▙ …): most terminal fonts.
    Quadrant,
    /// 2×3 pixels per cell (🬀 …, Unicode 13 "Symbols for Legacy Computing").
    Sextant,
    /// 2×4 pixels per cell (𜴀 …, Unicode 16): the newest fonts only.
    Octant,
}

impl PixelGrid {
    /// Pixels per cell as (columns, rows).
    pub fn cell(self) -> (u16, u16) {
        match self {
            PixelGrid::Half => (1, 2),
            PixelGrid::Quadrant => (2, 2),
            PixelGrid::Sextant => (2, 3),
            PixelGrid::Octant => (2, 4),
        }
    }

    /// How much taller than wide one pixel is on a terminal whose cells are twice as tall as
    /// wide: 1 for half-blocks and octants, 2 for quadrants, 4/3 for sextants.
    pub fn pixel_aspect(self) -> f32 {
        let (cx, cy) = self.cell();
        2.0 * f32::from(cx) / f32::from(cy)
    }

    /// The glyph for a cell whose pixels in `pattern` (bit `x + columns·y`) show the foreground.
    fn glyph(self, pattern: u8) -> char {
        match self {
            PixelGrid::Half => [' ', '▀', '▄', '█'][usize::from(pattern & 3)],
            PixelGrid::Quadrant => QUADRANTS[usize::from(pattern & 15)],
            PixelGrid::Sextant => SEXTANTS[usize::from(pattern & 63)],
            PixelGrid::Octant => OCTANTS[usize::from(pattern)],
        }
    }
}

/// RGB pixels, `width` × `height`: the cells covered times the grid's pixels per cell.
///
/// The pixel vector is kept across resizes so redrawing every frame does not allocate.
#[derive(Clone, Debug, Default)]
pub struct PixelCanvas {
    grid: PixelGrid,
    width: u16,
    height: u16,
    pixels: Vec<Rgb>,
}

impl PixelCanvas {
    /// A half-block canvas covering `cols` × `rows` cells, filled with `fill`.
    pub fn new(cols: u16, rows: u16, fill: Rgb) -> Self {
        Self::with_grid(PixelGrid::Half, cols, rows, fill)
    }

    /// A canvas on `grid` covering `cols` × `rows` cells, filled with `fill`.
    pub fn with_grid(grid: PixelGrid, cols: u16, rows: u16, fill: Rgb) -> Self {
        let mut canvas = Self {
            grid,
            ..Self::default()
        };
        canvas.resize_cells(cols, rows, fill);
        canvas
    }

    /// The grid the canvas is drawn with.
    pub fn grid(&self) -> PixelGrid {
        self.grid
    }

    /// Switches to `grid`; takes effect at the next [`resize_cells`](Self::resize_cells).
    pub fn set_grid(&mut self, grid: PixelGrid) {
        self.grid = grid;
    }

    /// Resizes to cover `cols` × `rows` cells (the grid's pixels per cell) and fills with
    /// `fill`.
    pub fn resize_cells(&mut self, cols: u16, rows: u16, fill: Rgb) {
        let (cx, cy) = self.grid.cell();
        self.width = cols.saturating_mul(cx);
        self.height = rows.saturating_mul(cy);
        let len = usize::from(self.width) * usize::from(self.height);
        self.pixels.clear();
        self.pixels.resize(len, fill);
    }

    /// Width in pixels.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Height in pixels.
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
    /// A cell whose pixels are all equal becomes a space with that background: fewer bytes on the
    /// wire than a block glyph and identical on screen.
    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        self.render_except(area, buf, |_, _| false);
    }

    /// [`render`](Self::render), leaving the cells for which `skip(col, row)` (relative to
    /// `area`) holds as they are: for a caller that draws those cells itself on every frame,
    /// so that they are not rewritten twice.
    pub fn render_except(&self, area: Rect, buf: &mut Buffer, skip: impl Fn(u16, u16) -> bool) {
        let area = area.intersection(buf.area);
        let (cx, cy) = self.grid.cell();
        let cols = area.width.min(self.width / cx);
        let rows = area.height.min(self.height / cy);
        if cols == 0 {
            return;
        }
        if self.grid != PixelGrid::Half {
            self.render_fine(area, buf, cols, rows, skip);
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
            for (col, ((cell, &upper), &lower)) in
                cells.iter_mut().zip(uppers).zip(lowers).enumerate()
            {
                if skip(col as u16, row) {
                    continue;
                }
                let glyph = if upper == lower { " " } else { "▀" };
                // Most cells already hold their glyph (from the last frame, or a space in a
                // reset buffer): comparing is cheaper than replacing the symbol.
                if cell.symbol() != glyph {
                    cell.set_symbol(glyph);
                }
                cell.set_fg(upper.into()).set_bg(lower.into());
            }
        }
    }

    /// [`render`](Self::render) for the grids with more than two pixels per cell.
    fn render_fine(
        &self,
        area: Rect,
        buf: &mut Buffer,
        cols: u16,
        rows: u16,
        skip: impl Fn(u16, u16) -> bool,
    ) {
        let (cx, cy) = self.grid.cell();
        let w = usize::from(self.width);
        let mut cell_pixels = [Rgb::BLACK; 8];
        for row in 0..rows {
            for col in (0..cols).filter(|&col| !skip(col, row)) {
                let (x0, y0) = (usize::from(col * cx), usize::from(row * cy));
                let n = usize::from(cx * cy);
                for (i, slot) in cell_pixels[..n].iter_mut().enumerate() {
                    let (dx, dy) = (i % usize::from(cx), i / usize::from(cx));
                    *slot = self.pixels[(y0 + dy) * w + x0 + dx];
                }
                let cell = &mut buf[(area.x + col, area.y + row)];
                draw_cell(cell, self.grid, &cell_pixels[..n]);
            }
        }
    }
}

/// Draws `pixels` (row-major within the cell, `grid`'s count of them) as one glyph with two
/// colours: the pixels are split into a dark and a light group by two-means (two rounds of
/// Lloyd's algorithm from the darkest and the lightest pixel), each group shown as its mean
/// colour, the light one as the foreground so the 16-colour pass (dark backgrounds only) keeps
/// both.
pub fn draw_cell(cell: &mut Cell, grid: PixelGrid, pixels: &[Rgb]) {
    let luma = |c: Rgb| 2 * u32::from(c.0) + 5 * u32::from(c.1) + u32::from(c.2);
    let (mut dark, mut light) = (pixels[0], pixels[0]);
    for &p in pixels {
        if luma(p) < luma(dark) {
            dark = p;
        }
        if luma(p) > luma(light) {
            light = p;
        }
    }
    if dark == light {
        cell.set_char(' ').set_fg(dark.into()).set_bg(dark.into());
        return;
    }
    let distance = |a: Rgb, b: Rgb| {
        let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).pow(2);
        d(a.0, b.0) + d(a.1, b.1) + d(a.2, b.2)
    };
    let mut pattern = 0u8;
    for _ in 0..2 {
        pattern = 0;
        let (mut sums, mut counts) = ([[0u32; 3]; 2], [0u32; 2]);
        for (i, &p) in pixels.iter().enumerate() {
            let group = usize::from(distance(p, light) < distance(p, dark));
            pattern |= (group as u8) << i;
            counts[group] += 1;
            sums[group][0] += u32::from(p.0);
            sums[group][1] += u32::from(p.1);
            sums[group][2] += u32::from(p.2);
        }
        let mean = |g: usize| {
            let n = counts[g].max(1);
            Rgb(
                (sums[g][0] / n) as u8,
                (sums[g][1] / n) as u8,
                (sums[g][2] / n) as u8,
            )
        };
        (dark, light) = (mean(0), mean(1));
    }
    cell.set_char(grid.glyph(pattern))
        .set_fg(light.into())
        .set_bg(dark.into());
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
    #[inline]
    pub fn of(symbol: &str) -> Option<HalfBlock> {
        // Matched as bytes (U+2580, U+2584, U+2588): the colour pass asks this of every cell
        // of every frame, and a byte pattern needs no string comparison call.
        match symbol.as_bytes() {
            b" " => Some(HalfBlock::Blank),
            [0xe2, 0x96, 0x80] => Some(HalfBlock::Upper),
            [0xe2, 0x96, 0x84] => Some(HalfBlock::Lower),
            [0xe2, 0x96, 0x88] => Some(HalfBlock::Full),
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
    fn skipped_cells_are_left_as_they_are() {
        for grid in [PixelGrid::Half, PixelGrid::Octant] {
            let canvas = PixelCanvas::with_grid(grid, 3, 2, Rgb::WHITE);
            let mut buf = Buffer::empty(Rect::new(1, 1, 3, 2));
            for cell in &mut buf.content {
                cell.set_symbol("X");
            }
            canvas.render_except(buf.area, &mut buf, |col, row| (col, row) == (1, 1));
            let symbols: Vec<&str> = buf.content.iter().map(|c| c.symbol()).collect();
            assert_eq!(symbols, [" ", " ", " ", " ", "X", " "], "{grid:?}");
        }
    }

    #[test]
    fn finer_grids_pick_the_pattern_and_two_colours_per_cell() {
        // A 2×4 octant cell: a white left column, a grey and a dark-grey pixel on the right.
        let mut canvas = PixelCanvas::with_grid(PixelGrid::Octant, 1, 1, Rgb::BLACK);
        for y in 0..4 {
            canvas.set(0, y, Rgb::WHITE);
        }
        canvas.set(1, 0, Rgb(200, 200, 200));
        canvas.set(1, 3, Rgb(30, 30, 30));
        let mut buf = Buffer::empty(Rect::new(0, 0, 1, 1));
        canvas.render(buf.area, &mut buf);
        // Left column plus the top-right pixel is light: bits 0, 1, 2, 4, 6.
        assert_eq!(buf[(0, 0)].symbol(), OCTANTS[0b0101_0111].to_string());
        assert_eq!(buf[(0, 0)].fg, Rgb(244, 244, 244).into());
        assert_eq!(buf[(0, 0)].bg, Rgb(10, 10, 10).into());
        // Quadrants: a diagonal, and a uniform cell is a space.
        let mut canvas = PixelCanvas::with_grid(PixelGrid::Quadrant, 2, 1, Rgb::BLACK);
        canvas.set(0, 0, Rgb::WHITE);
        canvas.set(1, 1, Rgb::WHITE);
        let mut buf = Buffer::empty(Rect::new(0, 0, 2, 1));
        canvas.render(buf.area, &mut buf);
        assert_eq!(buf[(0, 0)].symbol(), "▚");
        assert_eq!(buf[(1, 0)].symbol(), " ");
        // Sextants: the left column is the existing ▌.
        let mut canvas = PixelCanvas::with_grid(PixelGrid::Sextant, 1, 1, Rgb::BLACK);
        for y in 0..3 {
            canvas.set(0, y, Rgb::WHITE);
        }
        assert_eq!((canvas.width(), canvas.height()), (2, 3));
        canvas.render(buf.area, &mut buf);
        assert_eq!(buf[(0, 0)].symbol(), "▌");
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
        for grid in [PixelGrid::Quadrant, PixelGrid::Sextant, PixelGrid::Octant] {
            let canvas = PixelCanvas::with_grid(grid, 3, 3, Rgb::BLACK);
            let mut tiny = Buffer::empty(Rect::new(0, 0, 1, 1));
            canvas.render(Rect::new(0, 0, 10, 10), &mut tiny);
            canvas.render(Rect::new(0, 0, 0, 0), &mut tiny);
        }
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
