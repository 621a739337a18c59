//! The message as a layer: the big lettering, sharp and white with a dark outline, over whatever
//! is below — water refracting a logo, confetti over defrag — so it stays readable while
//! the layers under it move. Alone it is the message on black.

use std::time::Duration;

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use ratatui_core::style::{Modifier, Style};

use crate::canvas::PixelGrid;
use crate::effect::{Context, Effect, LayerKind};
use crate::layers::{draw_clipped, draw_on_black, paint_cell};
use crate::lettering::{self, Fit, Lettering};
use crate::rgb::Rgb;
use crate::text;

/// The layer's name (`--effect water+message`, `layers = [..., "message"]`).
pub const NAME: &str = "message";

/// The ink of the letters.
const INK: Rgb = Rgb::WHITE;
/// How dark the outline one pixel around the letters is, at full coverage: enough for white
/// letters to read over white.
const OUTLINE_OPACITY: f32 = 0.75;

/// The message layer.
#[derive(Clone, Debug)]
pub struct MessageLayer {
    lettering: Lettering,
    grid: PixelGrid,
}

impl MessageLayer {
    /// The message of `ctx` in its fonts and pixel grid.
    pub fn new(ctx: &Context) -> Self {
        Self {
            lettering: Lettering::new(ctx, &ctx.message),
            grid: ctx.pixels,
        }
    }

    /// Draws the message centred in `area` over what `buf` holds; cells without ink or outline
    /// are left as they are.
    fn draw(&mut self, area: Rect, buf: &mut Buffer) {
        let grid = self.grid;
        let style = Style::new().fg(INK.into()).add_modifier(Modifier::BOLD);
        let raster = match self.lettering.fit(area.width, area.height) {
            Fit::Big(raster) => raster,
            Fit::Plain(lines) => {
                for (line, x, y) in text::centered(lines, area) {
                    text::draw_line(buf, area, x, y, line, |_, _| style);
                }
                return;
            }
        };
        let (cx, cy) = grid.cell();
        let (cx, cy) = (i32::from(cx), i32::from(cy));
        let (w, h) = (i32::from(area.width) * cx, i32::from(area.height) * cy);
        let (rw, rh) = (i32::from(raster.width), i32::from(raster.height));
        // Centred, starting on a cell boundary like the other effects' lettering.
        let origin = ((w - rw) / 2, (h / 2 - (rh + 1) / 2).div_euclid(cy) * cy);
        // The raster and its one-pixel outline.
        let cols =
            ((origin.0 - 1).div_euclid(cx)).max(0)..((origin.0 + rw + 1) / cx + 1).min(w / cx);
        let rows =
            ((origin.1 - 1).div_euclid(cy)).max(0)..((origin.1 + rh + 1) / cy + 1).min(h / cy);
        let n = (cx * cy) as usize;
        for row in rows {
            for col in cols.clone() {
                let coverage = |i: usize, dx: i32, dy: i32| {
                    let (px, py) = (col * cx + i as i32 % cx, row * cy + i as i32 / cx);
                    raster.get(px - origin.0 - dx, py - origin.1 - dy)
                };
                // The most ink within one pixel: the outline's coverage.
                let outline = |i: usize| {
                    (-1..=1)
                        .flat_map(|dy| (-1..=1).map(move |dx| (dx, dy)))
                        .map(|(dx, dy)| coverage(i, dx, dy))
                        .max()
                        .unwrap_or(0)
                };
                if (0..n).all(|i| outline(i) == 0) {
                    continue;
                }
                let cell = &mut buf[(area.x + col as u16, area.y + row as u16)];
                paint_cell(cell, grid, |i, below| {
                    let dark = f32::from(outline(i)) / 255.0;
                    let ink = f32::from(coverage(i, 0, 0)) / 255.0;
                    INK.over(Rgb::BLACK.over(below, OUTLINE_OPACITY * dark), ink)
                });
            }
        }
        let inline = style.bg(Rgb::BLACK.into());
        lettering::draw_inline(buf, area, raster, origin, grid, inline);
    }
}

impl Effect for MessageLayer {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tick(&mut self, _dt: Duration) {}

    /// The message alone, on black.
    fn render(&mut self, area: Rect, buf: &mut Buffer) {
        draw_on_black(area, buf, |area, buf| self.draw(area, buf));
    }

    fn set_message(&mut self, message: &str) {
        self.lettering.set_message(message);
    }

    fn layer_kind(&self) -> LayerKind {
        LayerKind::Over
    }

    fn composite(&mut self, area: Rect, buf: &mut Buffer) {
        draw_clipped(area, buf, |area, buf| self.draw(area, buf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_is_drawn_over_and_leaves_the_rest() {
        let area = Rect::new(0, 0, 40, 12);
        let mut buf = Buffer::empty(area);
        for pos in area.positions() {
            buf[pos].set_char('x').set_bg(Rgb(0, 0, 200).into());
        }
        let mut layer = MessageLayer::new(&Context::new(1, "HI"));
        layer.composite(area, &mut buf);
        // The corners keep what was below; the letters are white pixels.
        assert_eq!(buf[(0, 0)].symbol(), "x");
        assert!(
            buf.content
                .iter()
                .any(|c| c.fg == INK.into() && c.symbol() != "x")
        );
        // Too small for big letters: plain text, still over what was there.
        let mut small = Buffer::empty(Rect::new(0, 0, 4, 1));
        layer.composite(small.area, &mut small);
        assert_eq!(small[(1, 0)].symbol(), "H");
        for (w, h) in [(0, 0), (1, 1), (200, 60)] {
            let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
            layer.render(buf.area, &mut buf);
        }
    }
}
