//! The water's deliberate looks for a poor palette, chosen by the colour depth the output has
//! ([`Context::depth`]): in VGA colours by name at 16 colours (`vga.rs`), in xterm palette
//! colours at 256 (`xterm.rs`). Both draw the depth of the water as shade glyphs fixed to the
//! cell rows, and every pixel in colours the colour pass keeps as they are, so that only the
//! message moves and nothing is left to dither.
//!
//! [`Context::depth`]: crate::Context::depth

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;

use super::Over;
use super::style::{Colors, WaterStyle};
use super::vga::VgaLook;
use super::xterm::XtermLook;
use crate::canvas::PixelGrid;
use crate::depth::ColorDepth;
use crate::rgb::Rgb;

/// The shade glyphs by quarters of ink: 1 to 3.
const SHADES: [&str; 3] = ["░", "▒", "▓"];

/// A deliberate look for the colour depth.
#[derive(Clone, Debug)]
pub(super) enum PaletteLook {
    Vga(VgaLook),
    Xterm(XtermLook),
}

impl PaletteLook {
    /// The look for output at `depth` of `style` with the brand `palette` and water colour
    /// `water`, or `None` at truecolor (and in mono, which keeps only shapes).
    pub(super) fn for_depth(
        depth: ColorDepth,
        style: WaterStyle,
        palette: &[Rgb],
        water: Rgb,
    ) -> Option<Self> {
        match depth {
            ColorDepth::Ansi16 => Some(Self::Vga(VgaLook::new(style, palette, water))),
            ColorDepth::Ansi256 => Some(Self::Xterm(XtermLook::new(Colors::new(
                style, palette, water,
            )))),
            ColorDepth::TrueColor | ColorDepth::Mono => None,
        }
    }

    /// The scene's colours for what the water draws without the look.
    pub(super) fn colors(&self) -> Colors {
        match self {
            Self::Vga(look) => look.colors(),
            Self::Xterm(look) => look.colors(),
        }
    }

    /// Lays the shades out over `rows` cell rows of `cell_rows` pixel rows.
    pub(super) fn layout(&mut self, rows: u16, cell_rows: usize) {
        match self {
            Self::Vga(look) => look.layout(rows),
            Self::Xterm(look) => look.layout(rows, cell_rows),
        }
    }

    /// The colour of plain water in pixel row `y` where a cell is part water, part something
    /// else.
    pub(super) fn water_at(&self, y: usize, cell_rows: usize) -> Rgb {
        match self {
            Self::Vga(look) => look.water_at(y, cell_rows),
            Self::Xterm(look) => look.water_at(y, cell_rows),
        }
    }

    /// Sets this frame's blur `radius` (pixels).
    pub(super) fn set_blur(&mut self, radius: f32) {
        if let Self::Vga(look) = self {
            look.set_blur(radius);
        }
    }

    /// The colour of a pixel of `water` in pixel row `y` under `over`.
    pub(super) fn pixel(&mut self, y: usize, cell_rows: usize, water: Rgb, over: Over) -> Rgb {
        match self {
            Self::Vga(look) => look.pixel(water, over),
            Self::Xterm(look) => look.pixel(y, cell_rows, water, over),
        }
    }

    /// Marks in `shaded` (`cols` × `rows` cells, row by row) the cells that are plain water
    /// (every pixel as [`water_at`] says) in a row with a shade glyph: the cells
    /// [`draw_shades`] draws, which the canvas can then leave alone. `pixels` is the canvas,
    /// `width` pixels wide, in `grid`'s cells.
    ///
    /// [`water_at`]: PaletteLook::water_at
    /// [`draw_shades`]: PaletteLook::draw_shades
    pub(super) fn find_shaded(
        &self,
        (cols, rows): (u16, u16),
        pixels: &[Rgb],
        width: usize,
        grid: PixelGrid,
        shaded: &mut Vec<bool>,
    ) {
        let (cx, cy) = grid.cell();
        let (cx, cy) = (usize::from(cx), usize::from(cy));
        let cols = usize::from(cols);
        shaded.clear();
        shaded.resize(cols * usize::from(rows), false);
        for (row, cells) in shaded.chunks_mut(cols.max(1)).enumerate() {
            if self.shade(row).is_none() {
                continue; // a solid colour: the canvas draws it as it is
            }
            let waters = (row * cy..(row + 1) * cy).map(|y| (y, self.water_at(y, cy)));
            for (col, cell) in cells.iter_mut().enumerate() {
                *cell = waters.clone().all(|(y, water)| {
                    pixels[y * width + col * cx..y * width + (col + 1) * cx]
                        .iter()
                        .all(|&p| p == water)
                });
            }
        }
    }

    /// Draws the cells of `area` marked in `shaded` ([`find_shaded`]) as their row's shade
    /// glyph.
    ///
    /// [`find_shaded`]: PaletteLook::find_shaded
    pub(super) fn draw_shades(&self, area: Rect, buf: &mut Buffer, shaded: &[bool]) {
        let cols = usize::from(area.width);
        for (row, cells) in shaded.chunks(cols.max(1)).enumerate() {
            let Some(ShadeRow { glyph, ink, ground }) = self.shade(row) else {
                continue;
            };
            let y = area.y + row as u16;
            for col in (0..cols).filter(|&col| cells[col]) {
                let cell = &mut buf[(area.x + col as u16, y)];
                if cell.symbol() != glyph {
                    cell.set_symbol(glyph);
                }
                cell.set_fg(ink.into()).set_bg(ground.into());
            }
        }
    }

    /// The shade of cell row `row` where it is plain water, if it is not a solid colour.
    fn shade(&self, row: usize) -> Option<ShadeRow> {
        match self {
            Self::Vga(look) => look.shade(row),
            Self::Xterm(look) => look.shade(row),
        }
    }
}

/// A cell row of plain water drawn as a shade glyph: `ink` as `glyph` over `ground`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ShadeRow {
    glyph: &'static str,
    ink: Rgb,
    ground: Rgb,
}

impl ShadeRow {
    /// The shade with `quarters` (1–3: `░ ▒ ▓`) of `ink` over `ground`; `None` for 0 or 4
    /// quarters (a solid colour).
    pub(super) fn new(quarters: u8, ink: Rgb, ground: Rgb) -> Option<Self> {
        let glyph = *SHADES.get(usize::from(quarters).wrapping_sub(1))?;
        Some(Self { glyph, ink, ground })
    }
}
