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

    /// Draws the cells of `area` that are plain water (every pixel as [`water_at`] says) as
    /// their row's shade glyph. `pixels` is the canvas, `width` pixels wide, in `grid`'s cells.
    ///
    /// [`water_at`]: PaletteLook::water_at
    pub(super) fn draw_shades(
        &self,
        area: Rect,
        buf: &mut Buffer,
        pixels: &[Rgb],
        width: usize,
        grid: PixelGrid,
    ) {
        let (cx, cy) = grid.cell();
        let (cx, cy) = (usize::from(cx), usize::from(cy));
        for row in 0..usize::from(area.height) {
            let shade = match self {
                Self::Vga(look) => look.shade(row),
                Self::Xterm(look) => look.shade(row),
            };
            let Some(ShadeRow { glyph, ink, ground }) = shade else {
                continue; // a solid colour: the canvas drew it as it is
            };
            let plain = |col: usize| {
                (row * cy..(row + 1) * cy).all(|y| {
                    let water = self.water_at(y, cy);
                    pixels[y * width + col * cx..y * width + (col + 1) * cx]
                        .iter()
                        .all(|&p| p == water)
                })
            };
            let y = area.y + row as u16;
            for col in (0..usize::from(area.width)).filter(|&col| plain(col)) {
                let cell = &mut buf[(area.x + col as u16, y)];
                if cell.symbol() != glyph {
                    cell.set_symbol(glyph);
                }
                cell.set_fg(ink.into()).set_bg(ground.into());
            }
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
