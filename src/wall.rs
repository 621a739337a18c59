//! Video walls (`--wall 3x1 --tile 2,1`): every screen simulates the whole wall's virtual
//! canvas and draws its own tile of it, so one picture spans the screens. Used by
//! [`crate::show::Show::render`].

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// Widest and tallest virtual canvas a wall may have; a real terminal bigger than its share
/// is letterboxed, so a huge terminal cannot make every screen simulate an enormous canvas.
const MAX_CANVAS: (u32, u32) = (2000, 600);

/// A video wall: `columns`×`rows` screens, this one at `tile` (from 0), with `bezel`
/// columns and rows hidden behind the frames between neighbours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wall {
    pub columns: u16,
    pub rows: u16,
    pub tile: (u16, u16),
    pub bezel: (u16, u16),
    /// Every tile's size, when the screens differ from this one's terminal.
    pub tile_size: Option<(u16, u16)>,
}

impl Wall {
    /// The size each tile has on the virtual canvas: the declared one, or this terminal's
    /// (`screen`), shrunk so the canvas stays within [`MAX_CANVAS`].
    fn tile_size(&self, screen: (u16, u16)) -> (u16, u16) {
        let (w, h) = self.tile_size.unwrap_or(screen);
        let fit = |size: u16, count: u16, bezel: u16, max: u32| {
            let count = u32::from(count);
            let room = max.saturating_sub((count - 1) * u32::from(bezel)) / count;
            u32::from(size).min(room) as u16
        };
        (
            fit(w, self.columns, self.bezel.0, MAX_CANVAS.0),
            fit(h, self.rows, self.bezel.1, MAX_CANVAS.1),
        )
    }

    /// The whole wall's canvas and this tile's part of it, for a terminal of size `screen`.
    pub fn layout(&self, screen: (u16, u16)) -> (Rect, Rect) {
        let (w, h) = self.tile_size(screen);
        let span =
            |size: u16, count: u16, bezel: u16| size * count + bezel * count.saturating_sub(1);
        let canvas = Rect::new(
            0,
            0,
            span(w, self.columns, self.bezel.0),
            span(h, self.rows, self.bezel.1),
        );
        let tile = Rect::new(
            self.tile.0 * (w + self.bezel.0),
            self.tile.1 * (h + self.bezel.1),
            w,
            h,
        );
        (canvas, tile)
    }

    /// Copies `tile` of `canvas` into `area` of `buf`. A terminal whose real size differs
    /// from the tile's is letterboxed: the tile is centred and the margin left blank (or the
    /// tile's edges cut off when the terminal is smaller).
    pub fn crop(canvas: &Buffer, tile: Rect, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        let margin = |outer: u16, inner: u16| outer.saturating_sub(inner) / 2;
        let skip = |outer: u16, inner: u16| inner.saturating_sub(outer) / 2;
        let (mx, my) = (
            margin(area.width, tile.width),
            margin(area.height, tile.height),
        );
        let (sx, sy) = (skip(area.width, tile.width), skip(area.height, tile.height));
        for y in 0..area.height {
            for x in 0..area.width {
                let (tx, ty) = ((x + sx).wrapping_sub(mx), (y + sy).wrapping_sub(my));
                let cell = &mut buf[(area.x + x, area.y + y)];
                if tx < tile.width && ty < tile.height {
                    *cell = canvas[(tile.x + tx, tile.y + ty)].clone();
                } else {
                    cell.reset();
                }
            }
        }
    }
}
