//! Transitions between playlist items, composited from the two effects' buffers.
//!
//! During a transition both effects keep ticking: the incoming one renders into the frame, the
//! outgoing one into a reused scratch buffer, and [`composite`] copies outgoing cells over the
//! frame where the transition has not reached yet. This is a small in-house compositor rather
//! than tachyonfx: we only need three cell-wise blends, it allocates nothing per frame, and it
//! keeps the wide-glyph rule (a double-width glyph and the cell under its right half always come
//! from the same buffer, so a glyph is never split).

use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use ratatui::style::Color;
use vitrine_effects::text;

/// How one item gives way to the next.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Transition {
    /// Cut straight to the next effect.
    None,
    /// Cells switch over one by one in a scattered (seeded) order.
    #[default]
    Dissolve,
    /// A vertical edge sweeps from left to right.
    Wipe,
    /// The old effect fades to black, then the new one fades up (RGB colours).
    Fade,
}

/// Overwrites the not-yet-transitioned cells of `new` (which holds the incoming effect) with
/// cells of `old` (the outgoing effect), within `area`. `progress` runs from 0 (all old) to 1
/// (all new); `salt` varies the dissolve pattern between transitions.
pub fn composite(
    kind: Transition,
    progress: f32,
    salt: u64,
    old: &Buffer,
    new: &mut Buffer,
    area: Rect,
) {
    let area = area.intersection(old.area).intersection(new.area);
    let progress = progress.clamp(0.0, 1.0);
    // Fade: the first half darkens the old frame, the second brightens the new one.
    let fade_old = 1.0 - 2.0 * progress;
    let fade_new = 2.0 * progress - 1.0;
    for y in area.top()..area.bottom() {
        let mut x = area.left();
        while x < area.right() {
            let take_old = match kind {
                Transition::None => false,
                Transition::Dissolve => threshold(x, y, salt) >= progress,
                Transition::Wipe => f32::from(x - area.left()) >= progress * f32::from(area.width),
                Transition::Fade => progress < 0.5,
            };
            let source = if take_old { &old[(x, y)] } else { &new[(x, y)] };
            let span = (text::grapheme_width(source.symbol()) as u16).min(area.right() - x);
            for cx in x..x + span {
                if take_old {
                    new[(cx, y)].clone_from(&old[(cx, y)]);
                }
                if kind == Transition::Fade {
                    darken(
                        &mut new[(cx, y)],
                        if take_old { fade_old } else { fade_new },
                    );
                }
            }
            x += span;
        }
    }
}

/// A stable pseudo-random value in [0, 1) per cell (splitmix64 of the position and salt).
fn threshold(x: u16, y: u16, salt: u64) -> f32 {
    let mut z = salt ^ (u64::from(x) << 32 | u64::from(y)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 40) as f32 / (1u64 << 24) as f32
}

/// Scales a cell's RGB colours by `factor` (0 = black). Named and indexed colours have no
/// brightness to scale; they go dark for the darkest part of the fade.
fn darken(cell: &mut Cell, factor: f32) {
    let factor = factor.clamp(0.0, 1.0);
    let scale = |c: Color| match c {
        Color::Rgb(r, g, b) => {
            let s = |v: u8| (f32::from(v) * factor).round() as u8;
            Color::Rgb(s(r), s(g), s(b))
        }
        Color::Reset => Color::Reset,
        _ if factor < 0.25 => Color::Black,
        other => other,
    };
    cell.fg = scale(cell.fg);
    cell.bg = scale(cell.bg);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(area: Rect, symbol: &str, color: Color) -> Buffer {
        let mut buf = Buffer::empty(area);
        for pos in area.positions() {
            buf[pos].set_symbol(symbol).set_fg(color).set_bg(color);
        }
        buf
    }

    fn row(buf: &Buffer, y: u16) -> String {
        (buf.area.left()..buf.area.right())
            .map(|x| buf[(x, y)].symbol())
            .collect()
    }

    #[test]
    fn halfway_wipe_has_new_on_the_left_and_old_on_the_right() {
        let area = Rect::new(2, 1, 10, 3);
        let old = filled(area, "o", Color::Red);
        let mut new = filled(area, "n", Color::Blue);
        composite(Transition::Wipe, 0.5, 0, &old, &mut new, area);
        for y in area.top()..area.bottom() {
            assert_eq!(row(&new, y), "nnnnnooooo");
        }
    }

    #[test]
    fn dissolve_grows_monotonically_from_old_to_new() {
        let area = Rect::new(0, 0, 40, 10);
        let old = filled(area, "o", Color::Red);
        let count = |p: f32| {
            let mut new = filled(area, "n", Color::Blue);
            composite(Transition::Dissolve, p, 7, &old, &mut new, area);
            new.content().iter().filter(|c| c.symbol() == "n").count()
        };
        assert_eq!(count(0.0), 0);
        let (quarter, half) = (count(0.25), count(0.5));
        assert!((60..140).contains(&quarter), "{quarter}");
        assert!((150..250).contains(&half), "{half}");
        assert_eq!(count(1.0), 400);
        // Cells that switched at 25% stay switched at 50%.
        let mut a = filled(area, "n", Color::Blue);
        let mut b = filled(area, "n", Color::Blue);
        composite(Transition::Dissolve, 0.25, 7, &old, &mut a, area);
        composite(Transition::Dissolve, 0.5, 7, &old, &mut b, area);
        assert!(
            a.content()
                .iter()
                .zip(b.content())
                .all(|(a, b)| a.symbol() == "o" || b.symbol() == "n")
        );
    }

    #[test]
    fn fade_goes_through_black() {
        let area = Rect::new(0, 0, 4, 1);
        let old = filled(area, "o", Color::Rgb(200, 100, 0));
        let at = |p: f32| {
            let mut new = filled(area, "n", Color::Rgb(0, 100, 200));
            composite(Transition::Fade, p, 0, &old, &mut new, area);
            (new[(0, 0)].symbol().to_string(), new[(0, 0)].fg)
        };
        assert_eq!(at(0.0), ("o".into(), Color::Rgb(200, 100, 0)));
        assert_eq!(at(0.25), ("o".into(), Color::Rgb(100, 50, 0)));
        assert_eq!(at(0.5), ("n".into(), Color::Rgb(0, 0, 0)));
        assert_eq!(at(1.0), ("n".into(), Color::Rgb(0, 100, 200)));
    }

    #[test]
    fn wide_glyphs_are_never_split() {
        let area = Rect::new(0, 0, 6, 1);
        let mut old = Buffer::empty(area);
        old.set_string(0, 0, "환영환", ratatui::style::Style::new());
        let mut new = filled(area, "n", Color::Blue);
        // The wipe edge at column 3 falls in the right half of the second glyph: its left half
        // went new, so its right half shows the blank under it, never half a glyph.
        composite(Transition::Wipe, 0.5, 0, &old, &mut new, area);
        assert_eq!(new[(0, 0)].symbol(), "n");
        assert_eq!(row(&new, 0), "nnn 환 ");
        // A new glyph straddling the edge keeps its right half.
        let mut new = Buffer::empty(area);
        new.set_string(0, 0, "ab환영", ratatui::style::Style::new());
        let old = filled(area, "o", Color::Red);
        composite(Transition::Wipe, 0.5, 0, &old, &mut new, area);
        assert_eq!(row(&new, 0), "ab환 oo");
    }
}
