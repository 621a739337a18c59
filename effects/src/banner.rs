//! The kiosk message as a ready-made block: big lettering when it fits, normal-size text
//! otherwise, on a background colour. Effects that overlay the message (confetti) draw it with
//! this; effects that transform it (glitch, water) use [`crate::lettering`] directly.

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::{Rect, Size};
use ratatui_core::style::{Modifier, Style};

use crate::canvas::PixelCanvas;
use crate::effect::Context;
use crate::lettering::{self, Fit, Lettering, Raster};
use crate::rgb::Rgb;
use crate::text;

/// The message laid out and drawn for one area size; layout and pixels are redone only when the
/// message, the size or the colours change, so rendering every frame does not allocate.
#[derive(Clone, Debug)]
pub struct Banner {
    lettering: Lettering,
    /// The big lettering composed over the background, for `composed_for`.
    canvas: PixelCanvas,
    composed_for: Option<(Size, Rgb, Rgb)>,
}

impl Banner {
    /// A banner for `message` with the fonts and pixel grid of `ctx`.
    pub fn new(ctx: &Context, message: &str) -> Self {
        Self {
            lettering: Lettering::new(ctx, message),
            canvas: PixelCanvas::with_grid(ctx.pixels, 0, 0, Rgb::BLACK),
            composed_for: None,
        }
    }

    /// The message shown.
    pub fn message(&self) -> &str {
        self.lettering.message()
    }

    /// Replaces the message; the layout is redone on the next render.
    pub fn set_message(&mut self, message: &str) {
        if self.lettering.message() != message {
            self.lettering.set_message(message);
            self.composed_for = None;
        }
    }

    /// The cells the message occupies when centred in `area` (empty for an empty message).
    pub fn bounds(&mut self, area: Rect) -> Rect {
        let (cx, cy) = self.lettering.grid().cell();
        let (w, h) = match self.lettering.fit(area.width, area.height) {
            Fit::Big(r) => (r.width.div_ceil(cx), r.height.div_ceil(cy)),
            Fit::Plain(lines) => (
                lines.iter().map(|l| text::width(l)).max().unwrap_or(0) as u16,
                lines.len() as u16,
            ),
        };
        let w = w.min(area.width);
        let h = h.min(area.height);
        Rect::new(
            area.x + (area.width - w) / 2,
            area.y + (area.height - h) / 2,
            w,
            h,
        )
    }

    /// Draws the message centred in `area`: ink `fg` blended by the glyphs' coverage over `bg`.
    pub fn render(&mut self, area: Rect, buf: &mut Buffer, fg: Rgb, bg: Rgb) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let bounds = self.bounds(area);
        let style = Style::new()
            .fg(fg.into())
            .bg(bg.into())
            .add_modifier(Modifier::BOLD);
        match self.lettering.fit(area.width, area.height) {
            Fit::Big(raster) => {
                let key = (bounds.as_size(), fg, bg);
                if self.composed_for != Some(key) {
                    compose(&mut self.canvas, raster, bounds.as_size(), fg, bg);
                    self.composed_for = Some(key);
                }
                self.canvas.render(bounds, buf);
                let grid = self.canvas.grid();
                let (cx, cy) = grid.cell();
                let origin = (
                    (i32::from(bounds.width * cx) - i32::from(raster.width)) / 2,
                    (i32::from(bounds.height * cy) - i32::from(raster.height)) / 2,
                );
                lettering::draw_inline(buf, bounds, raster, origin, grid, style);
            }
            Fit::Plain(lines) => {
                for (line, x, y) in text::centered(lines, area) {
                    text::draw_line(buf, area, x, y, line, |_, _| style);
                }
            }
        }
    }
}

/// Paints `raster` centred on a canvas of `size` cells filled with `bg`, ink `fg` blended by
/// coverage (the same centring as the inline graphemes in [`Banner::render`]).
fn compose(canvas: &mut PixelCanvas, raster: &Raster, size: Size, fg: Rgb, bg: Rgb) {
    canvas.resize_cells(size.width, size.height, bg);
    let x0 = (i32::from(canvas.width()) - i32::from(raster.width)) / 2;
    let y0 = (i32::from(canvas.height()) - i32::from(raster.height)) / 2;
    for y in 0..i32::from(raster.height) {
        for (x, &c) in raster.row(y).iter().enumerate() {
            if c > 0 {
                canvas.set(x0 + x as i32, y0 + y, fg.over(bg, f32::from(c) / 255.0));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_when_room_plain_when_not_and_never_panics() {
        let mut banner = Banner::new(&Context::new(1, "HI"), "HI");
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 12));
        banner.render(buf.area, &mut buf, Rgb::WHITE, Rgb::BLACK);
        assert!(buf.content.iter().any(|c| c.symbol() == "▀"));
        assert!(buf.content.iter().any(|c| c.bg == Rgb::WHITE.into()));

        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
        banner.render(buf.area, &mut buf, Rgb::WHITE, Rgb::BLACK);
        assert_eq!(buf[(1, 0)].symbol(), "H");

        for (w, h) in [(0, 0), (1, 1), (0, 5), (5, 0)] {
            let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
            banner.render(buf.area, &mut buf, Rgb::WHITE, Rgb::BLACK);
        }
    }

    #[test]
    fn an_emoji_keeps_its_place_at_normal_size_inside_big_text() {
        let mut banner = Banner::new(&Context::new(1, ""), "HI 👋");
        let area = Rect::new(0, 0, 60, 20);
        let mut buf = Buffer::empty(area);
        banner.render(area, &mut buf, Rgb::WHITE, Rgb::BLACK);
        let bounds = banner.bounds(area);
        let at = area
            .positions()
            .find(|&p| buf[p].symbol() == "👋")
            .expect("the emoji is drawn");
        assert!(bounds.contains(at), "{at:?} in {bounds:?}");
    }
}
