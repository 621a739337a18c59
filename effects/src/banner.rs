//! The kiosk message as a ready-made block: big text when it fits, normal-size text otherwise,
//! optionally on a padded box. Effects that overlay the message (confetti, defrag) draw it with
//! this; effects that transform it (glitch, water) use [`crate::bigtext`] directly.

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::{Rect, Size};
use ratatui_core::style::{Modifier, Style};

use crate::bigtext::{self, Fit};
use crate::rgb::Rgb;
use crate::text;

/// The message laid out for one area size; the layout is recomputed only when the message or
/// the size changes, so rendering every frame does not allocate.
#[derive(Clone, Debug, Default)]
pub struct Banner {
    message: String,
    fill: f32,
    layout_for: Option<Size>,
    fit: Option<Fit>,
}

impl Banner {
    /// A banner for `message` whose big text may use up to `fill` (0..=1) of the width.
    pub fn new(message: &str, fill: f32) -> Self {
        Self {
            message: message.to_string(),
            fill,
            layout_for: None,
            fit: None,
        }
    }

    /// The message shown.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Replaces the message; the layout is redone on the next render.
    pub fn set_message(&mut self, message: &str) {
        if self.message != message {
            self.message = message.to_string();
            self.layout_for = None;
        }
    }

    /// The layout for `size`, cached.
    pub fn layout(&mut self, size: Size) -> &Fit {
        if self.layout_for != Some(size) || self.fit.is_none() {
            self.fit = Some(bigtext::fit(
                &self.message,
                size.width,
                size.height,
                self.fill,
            ));
            self.layout_for = Some(size);
        }
        self.fit.as_ref().expect("layout was just computed")
    }

    /// The cells the message occupies when centred in `area` (empty for an empty message).
    pub fn bounds(&mut self, area: Rect) -> Rect {
        let (w, h) = match self.layout(area.as_size()) {
            Fit::Big(b) => (b.width, b.height.div_ceil(2)),
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

    /// Draws the message centred in `area` in `fg`; big-text cells take `bg` as the colour of the
    /// unlit half-pixels, plain text keeps the cell background unless `bg` is given.
    pub fn render(&mut self, area: Rect, buf: &mut Buffer, fg: Rgb, bg: Option<Rgb>) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let bounds = self.bounds(area);
        match self.layout(area.as_size()) {
            Fit::Big(bitmap) => {
                for row in 0..bounds.height {
                    for col in 0..bounds.width {
                        let upper = bitmap.get(i32::from(col), i32::from(row) * 2);
                        let lower = bitmap.get(i32::from(col), i32::from(row) * 2 + 1);
                        let cell = &mut buf[(bounds.x + col, bounds.y + row)];
                        let symbol = match (upper, lower) {
                            (true, true) => "█",
                            (true, false) => "▀",
                            (false, true) => "▄",
                            (false, false) => {
                                if let Some(bg) = bg {
                                    cell.set_char(' ').set_bg(bg.into());
                                }
                                continue;
                            }
                        };
                        cell.set_symbol(symbol).set_fg(fg.into());
                        if let Some(bg) = bg {
                            cell.set_bg(bg.into());
                        }
                    }
                }
            }
            Fit::Plain(lines) => {
                let mut style = Style::new().fg(fg.into()).add_modifier(Modifier::BOLD);
                if let Some(bg) = bg {
                    style = style.bg(bg.into());
                }
                for (line, x, y) in text::centered(lines, area) {
                    text::draw_line(buf, area, x, y, line, |_, _| style);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_when_room_plain_when_not_and_never_panics() {
        let mut banner = Banner::new("HI", 0.8);
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 12));
        banner.render(buf.area, &mut buf, Rgb::WHITE, None);
        assert!(buf.content.iter().any(|c| c.symbol() == "█"));

        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
        banner.render(buf.area, &mut buf, Rgb::WHITE, None);
        assert_eq!(buf[(1, 0)].symbol(), "H");

        for (w, h) in [(0, 0), (1, 1), (0, 5), (5, 0)] {
            let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
            banner.render(buf.area, &mut buf, Rgb::WHITE, Some(Rgb::BLACK));
        }
    }
}
